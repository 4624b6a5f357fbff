"""`mncost fit`: the largest α, resolution, or (α, resolution) frontier that fits a budget."""

from __future__ import annotations

from typing import Any

import click

from .. import load
from ..errors import ConfigError
from ..fit import Budget, NoFit, fit, parse_bytes, parse_count, parse_ms
from ._group import main
from .complete import complete_spec
from .emit import Format, choose_format, emit, emit_sheet, output_options
from .options import PositiveFloat, config_options, make_config, note_products
from .progress import finish, shows_progress


def _parsed_ms(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_ms(value)
    except ConfigError as exc:
        raise click.BadParameter(str(exc)) from None


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
@click.option("--max-latency", callback=_parsed_ms, metavar="MS",
              help="Latency budget on the --device profile, e.g. 20ms (needs --device).")
@click.option("--vary", type=click.Choice(["alpha", "rho", "both"]), default="alpha", show_default=True,
              help="Search α (at --rho/--resolution), the resolution (at --alpha), or both (Pareto frontier).")
@click.option("--alpha-max", type=PositiveFloat(), default=2.0, show_default=True, help="Largest α searched.")
@click.option("--min-resolution", type=click.IntRange(min=1), default=32, show_default=True,
              help="Smallest resolution searched.")
@click.option("--max-resolution", type=click.IntRange(min=1), default=None,
              help="Largest resolution searched. Default: twice the spec's.")
@click.option("--resolution-step", type=click.IntRange(min=1), default=1, show_default=True,
              help="Search only resolutions that are multiples of this (e.g. 32).")
@output_options
@shows_progress("mncost fit {spec}: searching")
def fit_command(spec: str, max_macs: int | None, max_params: int | None, max_peak_memory: int | None,
                max_latency: float | None, vary: str,
                alpha_max: float, min_resolution: int, max_resolution: int | None, resolution_step: int,
                fmt: str | None, output: str | None, units: str | None, **options: Any) -> None:
    """The largest width multiplier and/or resolution of SPEC whose evaluated cost fits every budget.

    Exact under the spec's channel rounding: every distinct network between α = 0 and --alpha-max
    is evaluated. Exit code 1 when nothing in the searched range fits.
    """
    chosen, unit, output = choose_format(fmt, output, units)
    config = make_config(**options)
    budget = Budget(max_macs, max_params, max_peak_memory, max_latency)
    if budget == Budget():
        raise click.UsageError("give at least one budget: --max-macs, --max-params, --max-peak-memory or --max-latency")
    if max_latency is not None and config.device is None:
        raise click.UsageError("--max-latency needs --device (a device profile to estimate latency on)")
    graph = load(spec, config.depth_multiplier)
    note_products(graph, config)
    try:
        result = fit(graph, config, budget, vary, alpha_max, min_resolution, max_resolution, resolution_step)
    except NoFit:
        finish()  # the progress line, before the group reports the finding
        raise
    from ..evaluate import classes_of, conventions_of
    from ..render import fit as render
    from ..report import SpecInfo

    s = graph.spec
    info = SpecInfo(s.name, s.description, s.family, s.source, s.file)
    conventions = conventions_of(s, config)
    if chosen is Format.JSON:
        emit(render.to_json(result, info, conventions), output)
        return
    sheet = render.fit_sheet(result, info, conventions, classes_of(s, config), graph.depth_multiplier, s.resolution)
    emit_sheet(chosen, sheet, unit, output)
