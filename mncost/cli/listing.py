"""`mncost list`: the bundled specs."""

from __future__ import annotations

import click

from ..bundled import bundled_names, locate
from ..spec import load_spec
from ._group import main


@main.command(name="list")
@click.option("--paths", is_flag=True, help="Print each bundled spec's name and file path instead (one per line).")
def list_specs(paths: bool) -> None:
    """The bundled specs with their family, default conventions, description and source."""
    if paths:
        names = bundled_names()
        width = max(map(len, names))
        for name in names:
            click.echo(f"{name:<{width}}  {locate(name)[0]}")
        return
    from rich import box
    from rich.table import Table

    from .console import print_renderable

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("Name", no_wrap=True)
    table.add_column("Family", no_wrap=True)
    table.add_column("Input", justify="right", no_wrap=True)
    table.add_column("Classes", justify="right", no_wrap=True)
    table.add_column("Rounding", no_wrap=True)
    table.add_column("Padding", no_wrap=True)
    table.add_column("Description", overflow="fold")
    table.add_column("Source", overflow="fold")
    for name in bundled_names():
        spec = load_spec(*locate(name))
        table.add_row(name, spec.family, str(spec.resolution), str(spec.classes), str(spec.defaults.rounding),
                      str(spec.defaults.padding), spec.description, spec.source)
    print_renderable(table)
