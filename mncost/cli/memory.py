"""`mncost memory`: the largest materialized tensor at each spatial resolution (V2 paper, Table 3)."""

from __future__ import annotations

from typing import Any

import click

from ..memory import memory_table
from ._group import main
from .complete import complete_spec
from .emit import Format, choose_format, emit, emit_renderable, emit_sheet, output_options
from .loading import load_graph
from .options import config_options, make_config
from .progress import shows_progress


@main.command()
@click.argument("spec", shell_complete=complete_spec)
@config_options
@output_options
@shows_progress("mncost memory {spec}")
def memory(spec: str, fmt: str | None, output: str | None, units: str | None, **options: Any) -> None:
    """Largest materialized tensor per resolution of SPEC, in channels and bytes.

    The V2 paper's Table 3 (16-bit activations) is `--dtype fp16`, with `--memory-model streamed
    --first-layer-trick` for V2.
    """
    chosen, unit, output = choose_format(fmt, output, units)
    config = make_config(**options)
    table = memory_table(load_graph(spec, config), config)
    if chosen is Format.JSON:
        from ..render.json import memory_to_json

        emit(memory_to_json(table), output)
        return
    if chosen is Format.TABLE and unit is None:
        from ..render.table import memory_to_table

        emit_renderable(memory_to_table(table), output)
        return
    from ..render.sheet import memory_sheet

    emit_sheet(chosen, memory_sheet(table), unit, output)
