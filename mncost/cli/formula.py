"""`mncost formula`: MACs and parameters as closed-form polynomials in α and ρ."""

from __future__ import annotations

from typing import Any

import click

from .. import load
from ..formula import formula
from ._group import main
from .complete import complete_spec
from .emit import emit, output_target
from .options import config_options, make_config, note_products
from .progress import shows_progress


@main.command(name="formula")
@click.argument("spec", shell_complete=complete_spec)
@config_options
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "latex", "json"]), default="text",
              show_default=True, help="Output format.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write to FILE (atomically: all or nothing) instead of standard output.")
@shows_progress("mncost formula {spec}")
def formula_command(spec: str, fmt: str, output: str | None, **options: Any) -> None:
    """MACs(α, ρ) and params(α, ρ) of SPEC as exact polynomials derived from its graph.

    --alpha, --rho and --resolution are ignored (α and ρ are the variables); the other options
    set the conventions. Where channel rounding or 'same' padding makes the real counts step, the
    output says where the formula is exact and its largest error over a grid.
    """
    from ..render.formula import to_json, to_latex, to_text

    output = output_target(output)
    config = make_config(**options)
    if config.device is not None:
        raise click.UsageError("formula gives MACs and params only; for latency on a --device use "
                               "'mncost sweep' or 'mncost show'")
    graph = load(spec, config.depth_multiplier)
    result = formula(graph, config)
    note_products(graph, config)
    render = {"text": to_text, "latex": to_latex, "json": to_json}[fmt]
    emit(render(result), output)
