"""`mncost show`: the per-layer table and totals of one spec under one config."""

from __future__ import annotations

from typing import Any

import click

from .. import load
from ..evaluate import evaluate
from ._group import main
from .options import config_options, make_config


@main.command()
@click.argument("spec")
@config_options
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format.")
def show(spec: str, fmt: str, **options: Any) -> None:
    """Per-layer table and totals of SPEC (a bundled name such as v1, or a YAML file)."""
    config = make_config(**options)
    report = evaluate(load(spec, config.depth_multiplier), config)
    if fmt == "json":
        from ..render.json import to_json

        click.echo(to_json(report), nl=False)
        return
    from rich.console import Console

    from ..render.table import to_table

    Console(highlight=False).print(to_table(report), soft_wrap=True)
