"""`mncost show`: the per-layer table and totals of one spec under one config, in any format."""

from __future__ import annotations

from typing import Any

import click

from .. import load
from ..evaluate import evaluate
from ._group import main
from .complete import complete_spec
from .emit import Format, choose_format, emit, emit_renderable, emit_sheet, input_files, output_options
from .options import config_options, make_config, note_products
from .progress import shows_progress


@main.command()
@click.argument("spec", shell_complete=complete_spec)
@config_options
@output_options
@click.option("--summary", is_flag=True, help="Totals only (one row).")
@click.option("--detail", is_flag=True,
              help="Add memory traffic columns (weight bytes, bytes read and written, MACs per byte).")
@click.option("--group-by", type=click.Choice(["op"]), default=None,
              help="op: one row per layer type with its share of MACs and params (the V1 paper's Table 2).")
@shows_progress("mncost show {spec}")
def show(spec: str, fmt: str | None, output: str | None, units: str | None, summary: bool, detail: bool,
         group_by: str | None,
         **options: Any) -> None:
    """Per-layer table and totals of SPEC (a bundled name such as v1, or a YAML file)."""
    chosen, unit, output = choose_format(fmt, output, units, input_files(spec))
    if summary and group_by:
        raise click.UsageError("give either --summary or --group-by, not both")
    config = make_config(**options)
    graph = load(spec, config.depth_multiplier)
    report = evaluate(graph, config)
    note_products(graph, config)
    if chosen is Format.JSON:
        from ..render.json import to_json

        emit(to_json(report), output)
        return
    if chosen is Format.TABLE and not (summary or group_by) and unit is None:
        from ..render.table import to_table

        emit_renderable(to_table(report, detail=detail), output)
        return
    from ..render.sheet import View, report_sheet

    view = View.SUMMARY if summary else View.BY_TYPE if group_by else View.LAYERS
    emit_sheet(chosen, report_sheet(report, view, machine=chosen is Format.CSV, detail=detail), unit, output)
