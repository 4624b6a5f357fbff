"""`mncost export SPEC --to onnx -o model.onnx`: the spec under one config as a runnable ONNX model.

The onnx package is an optional extra (`pip install 'mncost[onnx]'`), imported only when a model
is written.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from ..conventions import Rounding
from ..report import Config
from ._group import main
from .loading import load_graph
from .options import PositiveFloat, make_config

F = TypeVar("F", bound=Callable[..., Any])


def model_options(func: F) -> F:
    """The options that choose the network a model is made of: α, ρ or resolution, rounding,
    classes, depth multiplier (the counting conventions do not change a model)."""
    options = [
        click.option("--alpha", "-a", type=PositiveFloat(), default=1.0, show_default=True,
                     help="Width multiplier α."),
        click.option("--rho", "-r", type=PositiveFloat(), default=None,
                     help="Resolution multiplier ρ: resolution = round(base × ρ)."),
        click.option("--resolution", type=click.IntRange(min=1), default=None,
                     help="Input resolution in pixels (instead of --rho)."),
        click.option("--rounding", type=click.Choice([r.value for r in Rounding]), default=None,
                     help="Channel rounding. Default: the spec's."),
        click.option("--classes", type=click.IntRange(min=1), default=None,
                     help="Number of classes. Default: the spec's."),
        click.option("--depth-multiplier", "-d", type=PositiveFloat(), default=1.0, show_default=True,
                     help="Depth multiplier: each stage-table row repeats ceil(d·n) blocks."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def model_config(alpha: float, rho: float | None, resolution: int | None, rounding: str | None,
                 classes: int | None, depth_multiplier: float) -> Config:
    return make_config(alpha=alpha, rho=rho, resolution=resolution, rounding=rounding, classes=classes,
                       counting="macs", ops="conv-fc-matmul", bn_params="none", dtype="fp32",
                       depth_multiplier=depth_multiplier)


def export_bytes(spec: str, config: Config, weights: str, seed: int) -> bytes:
    from ..onnx_export import Weights, export_onnx

    return export_onnx(load_graph(spec, config), config, Weights(weights), seed)


@main.command(name="export", short_help="Write a spec as a runnable ONNX model.")
@click.argument("spec")
@click.option("--to", "target", type=click.Choice(["onnx"]), default="onnx", show_default=True,
              help="Model format.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="Model file to write (atomically: all or nothing), e.g. model.onnx.")
@click.option("--weights", type=click.Choice(["random", "zero"]), default="random", show_default=True,
              help="Weights: seeded normal noise, or zeros (batch-norm statistics and biases are neutral).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of random weights.")
@model_options
def export(spec: str, target: str, output: str, weights: str, seed: int, **options: Any) -> None:
    """Write SPEC at one α and resolution as a runnable ONNX model whose graph has exactly the
    spec's layers (`mncost import` reads back the same shapes, parameters and MACs)."""
    from ..output import check_target, write_atomic

    if not output.lower().endswith(".onnx"):
        raise click.UsageError(f"the model file must end in .onnx, got '{output}'")
    check_target(output)
    data = export_bytes(spec, model_config(**options), weights, seed)
    write_atomic(output, data)
    click.echo(f"wrote {output} ({len(data):,} bytes)", err=True)
