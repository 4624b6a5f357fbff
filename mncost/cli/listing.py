"""`mncost list`: the bundled specs."""

from __future__ import annotations

import click

from ..bundled import bundled_names, locate
from ..spec import load_spec
from ._group import main
from .console import width_options


@main.command(name="list")
@click.option("--paths", is_flag=True, help="Print each bundled spec's name and file path instead (one per line).")
@width_options
def list_specs(paths: bool) -> None:
    """The bundled specs with their family, default conventions, description and source."""
    if paths:
        names = bundled_names()
        width = max(map(len, names))
        for name in names:
            click.echo(f"{name:<{width}}  {locate(name)[0]}")
        return
    from ..columns import Kind
    from ..render.sheet import Column, Sheet
    from ..render.table import sheet_table
    from .console import layout_width, print_renderable

    columns = (
        Column("name", "Name", Kind.TEXT, lambda s: s[0]),
        Column("family", "Family", Kind.TEXT, lambda s: s[1].family),
        Column("input", "Input", Kind.INT, lambda s: s[1].resolution),
        Column("classes", "Classes", Kind.INT, lambda s: s[1].classes),
        Column("rounding", "Rounding", Kind.TEXT, lambda s: str(s[1].defaults.rounding)),
        Column("padding", "Padding", Kind.TEXT, lambda s: str(s[1].defaults.padding)),
        Column("description", "Description", Kind.TEXT, lambda s: s[1].description),
        Column("source", "Source", Kind.TEXT, lambda s: s[1].source),
    )
    specs = [(name, load_spec(*locate(name))) for name in bundled_names()]
    sheet = Sheet("", (), (), columns, tuple(tuple(c.get(s) for c in columns) for s in specs))
    print_renderable(sheet_table(sheet, width=layout_width()))
