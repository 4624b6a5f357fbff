"""`mncost sweep`: totals of one spec over a grid of width multipliers × resolutions."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from functools import partial
from typing import Any, TypeVar

import click

from .. import load
from ..conventions import resolution_from_rho
from ..render.sheet import PIVOT_FIELDS, pivot_sheet, sweep_sheet
from ..sweep_grid import MAX_GRID, Axis, AxisError, parse_axis, run_sweep, unique
from ._group import main
from .complete import complete_spec
from .emit import STREAMED, Format, choose_format, emit, emit_lines, emit_sheet, input_files, output_options
from .options import convention_options, make_config, note_products
from .progress import shows_progress, step

MAX_POINTS = 10**15
"""Largest grid a sweep accepts even with --yes (at ~30 µs a point, a 10^15-point grid would run
for about a thousand years; 10^27 used to be an OverflowError traceback)."""

T = TypeVar("T")


def _first_computed(rows: Iterator[T]) -> Iterator[T]:
    """The rows, with the first α's computed now, before anything is written: a sweep that fails
    at its first point (a bad α) prints nothing, not a lone CSV header."""
    first = next(rows, None)
    return iter(()) if first is None else itertools.chain([first], rows)


class AxisParam(click.ParamType):  # type: ignore[type-arg]  # generic only in click >= 8.2
    """A value list: `1,0.75,0.5`, inclusive ranges `START:STOP:STEP`, or a mix."""

    name = "list"

    def __init__(self, what: str, integer: bool = False) -> None:
        self.what, self.integer = what, integer

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Axis:
        if isinstance(value, Axis):
            return value
        try:
            return parse_axis(str(value), self.what, self.integer)
        except AxisError as exc:
            self.fail(str(exc), param, ctx)


@main.command()
@click.argument("spec", shell_complete=complete_spec)
@click.option("--alpha", "-a", "alphas", type=AxisParam("alpha"), default="1", show_default=True,
              help="Width multipliers α: a list (1,0.75,0.5) and/or inclusive ranges START:STOP:STEP.")
@click.option("--resolution", "resolutions", type=AxisParam("resolution", integer=True), default=None,
              help="Input resolutions (e.g. 224,192,160,128 or 96:224:32). Default: the spec's.")
@click.option("--rho", "-r", "rhos", type=AxisParam("rho"), default=None,
              help="Resolution multipliers ρ instead of --resolution: resolution = round(base × ρ).")
@convention_options
@partial(output_options, streamed=True)
@click.option("--pivot", type=click.Choice(list(PIVOT_FIELDS)), default=None,
              help="Lay one value out as α rows × resolution columns, as the papers do.")
@click.option("--yes", "-y", is_flag=True, help=f"Run a grid larger than {MAX_GRID:,} points.")
@shows_progress("mncost sweep {spec}")
def sweep(spec: str, alphas: Axis, resolutions: Axis | None, rhos: Axis | None, fmt: str | None,
          output: str | None, units: str | None, pivot: str | None, yes: bool, **options: Any) -> None:
    """Totals of SPEC for every (α, resolution): params, MACs, activation and peak memory."""
    chosen, unit, output = choose_format(fmt, output, units, input_files(spec), streamed=True)
    if rhos is not None and resolutions is not None:
        raise click.UsageError("give either --rho or --resolution, not both")
    other = resolutions if resolutions is not None else rhos  # not `or`: bool() calls len(), which overflows
    size = alphas.count() * (other.count() if other is not None else 1)
    if size > MAX_POINTS:
        raise click.UsageError(f"the grid has {size:.3g} points, more than any sweep can run ({MAX_POINTS:.0e}); "
                               f"use fewer or coarser values")
    if chosen is Format.JSONL and pivot:
        raise click.UsageError("--pivot makes a table: use it with table, csv, markdown, latex or json, not jsonl")
    if size > MAX_GRID and not yes:
        raise click.UsageError(f"the grid has {size:,} points, more than {MAX_GRID:,}; give --yes to run it anyway")
    config = make_config(alpha=1.0, rho=None, resolution=None, **options)
    graph = load(spec, config.depth_multiplier)
    note_products(graph, config)
    alpha_values = [float(a) for a in alphas.values()]
    if rhos is not None:
        rho_values = rhos.values()
        grid = [resolution_from_rho(graph.spec.resolution, float(r)) for r in rho_values]
        for rho, resolution in zip(rho_values, grid, strict=True):
            if grid.count(resolution) > 1:
                raise click.UsageError(f"--rho values give resolution {resolution} more than once (at rho {rho})")
    elif resolutions is not None:
        grid = [int(r) for r in resolutions.values()]
    else:
        grid = [graph.spec.resolution]
    try:
        unique(alpha_values, "alpha")
        unique(grid, "resolution")
    except AxisError as exc:
        raise click.UsageError(str(exc)) from None
    step(f"mncost sweep {spec}: {len(alpha_values) * len(grid):,} points")
    if chosen in STREAMED and not pivot:
        from ..sweep_grid import stream_sweep

        frame, rows = stream_sweep(graph, alpha_values, grid, config)
        sheet = sweep_sheet(frame, machine=True)
        if chosen is Format.CSV:
            from ..render.csv import csv_lines

            emit_lines(csv_lines(sheet, _first_computed(rows), unit), output)
        else:
            from ..render.jsonl import jsonl_lines

            emit_lines(jsonl_lines(sheet, _first_computed(rows)), output)
        return
    result = run_sweep(graph, alpha_values, grid, config)
    step(f"mncost sweep {spec}: writing {len(result.rows):,} rows as {chosen}")
    if chosen is Format.JSON:
        from ..render.json import sweep_to_json

        emit(sweep_to_json(result, pivot), output)
        return
    sheet = pivot_sheet(result, pivot) if pivot else sweep_sheet(result, machine=chosen is Format.CSV)
    emit_sheet(chosen, sheet, unit, output)
