"""`mncost fit`: the largest α, resolution, or (α, resolution) frontier that fits a budget."""

from __future__ import annotations

from typing import Any, cast

import click

from .. import load
from ..errors import ConfigError
from ..fit import Budget, NoFit, fit, parse_bytes, parse_count
from ._group import main
from .complete import complete_spec
from .emit import emit
from .options import PositiveFloat, config_options, make_config
from .progress import finish, shows_progress


def _parsed(parse: Any) -> Any:
    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
        if value is None:
            return None
        try:
            return int(parse(value))
        except ConfigError as exc:
            raise click.BadParameter(str(exc)) from None

    return callback


@main.command(name="fit")
@click.argument("spec", shell_complete=complete_spec)
@config_options
@click.option("--max-macs", callback=_parsed(parse_count), metavar="COUNT",
              help="Arithmetic budget, e.g. 150M (k, M, G = 10^3, 10^6, 10^9; FLOPs under --count flops).")
@click.option("--max-params", callback=_parsed(parse_count), metavar="COUNT", help="Parameter budget, e.g. 2M.")
@click.option("--max-peak-memory", callback=_parsed(parse_bytes), metavar="BYTES",
              help="Peak live activation memory budget, e.g. 1MB (kB/MB/GB decimal, KiB/MiB/GiB binary).")
@click.option("--vary", type=click.Choice(["alpha", "rho", "both"]), default="alpha", show_default=True,
              help="Search α (at --rho/--resolution), the resolution (at --alpha), or both (Pareto frontier).")
@click.option("--alpha-max", type=PositiveFloat(), default=2.0, show_default=True, help="Largest α searched.")
@click.option("--min-resolution", type=click.IntRange(min=1), default=32, show_default=True,
              help="Smallest resolution searched.")
@click.option("--max-resolution", type=click.IntRange(min=1), default=None,
              help="Largest resolution searched. Default: twice the spec's.")
@click.option("--resolution-step", type=click.IntRange(min=1), default=1, show_default=True,
              help="Search only resolutions that are multiples of this (e.g. 32).")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json", "markdown", "csv"]), default="table",
              show_default=True, help="Output format.")
@shows_progress("mncost fit {spec}: searching")
def fit_command(spec: str, max_macs: int | None, max_params: int | None, max_peak_memory: int | None, vary: str,
                alpha_max: float, min_resolution: int, max_resolution: int | None, resolution_step: int, fmt: str,
                **options: Any) -> None:
    """The largest width multiplier and/or resolution of SPEC whose evaluated cost fits every budget.

    Exact under the spec's channel rounding: every distinct network between α = 0 and --alpha-max
    is evaluated. Exit code 1 when nothing in the searched range fits.
    """
    config = make_config(**options)
    budget = Budget(max_macs, max_params, max_peak_memory)
    if budget == Budget():
        raise click.UsageError("give at least one budget: --max-macs, --max-params or --max-peak-memory")
    graph = load(spec, config.depth_multiplier)
    try:
        result = fit(graph, config, budget, vary, alpha_max, min_resolution, max_resolution, resolution_step)
    except NoFit as exc:
        finish()
        click.echo(f"No fit: {exc}", err=True)
        raise SystemExit(1) from None
    from ..evaluate import rounding_of
    from ..render import fit as render

    if fmt == "json":
        emit(render.to_json(result, graph.spec.name), None)
        return
    if fmt == "markdown":
        emit(render.to_markdown(result), None)
        return
    if fmt == "csv":
        emit(render.to_csv(result), None)
        return
    from rich import box
    from rich.console import Group, RenderableType
    from rich.table import Table
    from rich.text import Text

    from ..fit import iter_rows
    from ..render.units import human_bytes
    from .console import print_renderable

    what = {"alpha": "largest alpha", "rho": "largest resolution", "both": "Pareto frontier of alpha and resolution"}
    wanted = ", ".join(f"{name} ≤ {limit:,}" for name, limit in (
        (result.unit, budget.arithmetic), ("params", budget.params), ("peak memory bytes", budget.peak_bytes))
        if limit is not None)
    rounding = rounding_of(graph.spec, config)
    lines: list[RenderableType] = [
        Text(f"{graph.spec.name}: {what[vary]} within {wanted}", style="bold"),
        Text(f"conventions: rounding={rounding} count={config.counting} ops={config.ops} "
             f"bn-params={config.bn_params} dtype={config.dtype}"),
    ]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    titles = {"alpha_range": "same network for alpha in", "resolution": "res", "peak_bytes": "peak mem"}
    cols = [(k, t) for k, t in render.headers(result) if k not in ("rho", "alpha_range")] + [("alpha_range", "")]
    for key, title in cols:
        table.add_column(titles.get(key, title), justify="left" if key == "alpha_range" else "right",
                         no_wrap=key != "alpha_range")
    for row in iter_rows(result):
        table.add_row(*(human_bytes(cast(int, row[key])) if key == "peak_bytes" else render._cell(row[key])
                        for key, _ in cols))
    lines.append(table)
    lines.append(Text(f"next larger: {result.next_larger}" if vary != "both" else result.next_larger))
    lines.extend(Text(f"note: {note}") for note in result.notes)
    print_renderable(Group(*lines))
