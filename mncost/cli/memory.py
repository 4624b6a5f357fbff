"""`mncost memory`: the largest materialized tensor at each spatial resolution (V2 paper, Table 3)."""

from __future__ import annotations

from typing import Any

import click

from .. import load
from ..memory import memory_table
from ._group import main
from .complete import complete_spec
from .options import config_options, make_config
from .progress import shows_progress


@main.command()
@click.argument("spec", shell_complete=complete_spec)
@config_options
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format.")
@shows_progress("mncost memory {spec}")
def memory(spec: str, fmt: str, **options: Any) -> None:
    """Largest materialized tensor per resolution of SPEC, in channels and bytes.

    The V2 paper's Table 3 (16-bit activations) is `--dtype fp16`, with `--memory-model streamed
    --first-layer-trick` for V2.
    """
    config = make_config(**options)
    table = memory_table(load(spec, config.depth_multiplier), config)
    if fmt == "json":
        from ..render.json import memory_to_json
        from .emit import emit

        emit(memory_to_json(table), None)
        return
    from ..render.table import memory_to_table
    from .console import print_renderable

    print_renderable(memory_to_table(table))
