"""`mncost plot`: per-layer bars, or a sweep over α and resolution, as PNG, SVG or PDF.

matplotlib is an optional extra (`pip install 'mncost[plot]'`), imported only here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from ..errors import MncostError
from ..evaluate import evaluate
from ..record import replace
from ._group import main
from .complete import complete_spec
from .loading import load_graph
from .options import config_options, make_config

MISSING = "mncost plot needs matplotlib: pip install 'mncost[plot]'"


def _numbers(kind: type, what: str) -> Any:
    def callback(ctx: click.Context, param: click.Parameter, value: str | None) -> list[Any] | None:
        if value is None:
            return None
        try:
            items = [kind(v) for v in value.split(",") if v.strip()]
        except ValueError:
            raise click.BadParameter(f"'{value}' is not a comma-separated list of {what}") from None
        if not items or any(not (v > 0) or v != v or v == float("inf") for v in items):
            raise click.BadParameter(f"'{value}' must list {what} > 0")
        return items

    return callback


def _without_grid_options(func: Any) -> Any:
    """The shared convention options, minus --alpha and --resolution (lists here)."""
    probe = config_options(lambda **kw: None)
    params = [p for p in probe.__click_params__ if p.name not in ("alpha", "resolution")]  # type: ignore[attr-defined]
    func.__click_params__ = getattr(func, "__click_params__", []) + params
    return func


@main.command(name="plot")
@click.argument("spec", shell_complete=complete_spec)
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Figure file: .png, .svg or .pdf.")
@click.option("--sweep", is_flag=True, help="Plot totals over a grid of --alpha × --resolution instead of layers.")
@click.option("--alpha", "-a", "alphas", callback=_numbers(float, "numbers"), default=None, metavar="A[,A...]",
              help="Width multiplier(s); with --sweep a comma-separated list (default 1,0.75,0.5,0.25).")
@click.option("--resolution", "resolutions", callback=_numbers(int, "whole numbers"), default=None,
              metavar="R[,R...]",
              help="Resolution(s); with --sweep a list (default 224,192,160,128 scaled to the spec).")
@click.option("--y", "y_axis", type=click.Choice(["params", "peak-memory"]), default="params", show_default=True,
              help="With --sweep: the vertical axis.")
@_without_grid_options
def plot(spec: str, output: Path, sweep: bool, alphas: list[float] | None, resolutions: list[int] | None,
         y_axis: str, **options: Any) -> None:
    """Figure of SPEC: per-layer MACs, parameters and output memory with stage boundaries, or
    (--sweep) MACs against parameters or peak memory over a grid of α and resolution."""
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in ("png", "svg", "pdf"):
        raise click.UsageError(f"the output file must end in .png, .svg or .pdf, got '{output.name}'")
    if not output.parent.is_dir():
        raise click.UsageError(f"folder '{output.parent}' does not exist")
    from ..output import check_target
    from .emit import input_files

    check_target(output, input_files(spec))
    if not sweep and ((alphas and len(alphas) > 1) or (resolutions and len(resolutions) > 1)):
        raise click.UsageError("several --alpha or --resolution values need --sweep")
    try:
        from ..render import plot as figures
    except ImportError:
        raise MncostError(MISSING) from None
    config = make_config(alpha=1.0, resolution=None, **options)
    graph = load_graph(spec, config)
    if sweep:
        from ..sweep import sweep as run_sweep

        base = graph.spec.resolution
        grid_a = alphas or [1.0, 0.75, 0.5, 0.25]
        grid_r = resolutions or [round(base * f) for f in (1, 6 / 7, 5 / 7, 4 / 7)]
        rows = run_sweep(graph, grid_a, grid_r, replace(config, rho=None))
        first = evaluate(graph, replace(config, alpha=grid_a[0], rho=None, resolution=grid_r[0]))
        data = figures.sweep_figure(rows, first, suffix, "params" if y_axis == "params" else "peak")
    else:
        one = replace(config, alpha=alphas[0] if alphas else 1.0,
                      resolution=resolutions[0] if resolutions else None)
        if one.resolution is not None and one.rho is not None:
            raise click.UsageError("give either --rho or --resolution, not both")
        data = figures.layers_figure(evaluate(graph, one), suffix)
    from ..output import write_atomic

    write_atomic(output, data)
    click.echo(f"wrote {output} ({len(data):,} bytes)", err=True)
