"""`mncost list`: the bundled specs."""

from __future__ import annotations

from ..bundled import bundled_names, locate
from ..spec import load_spec
from ._group import main


@main.command(name="list")
def list_specs() -> None:
    """The bundled specs with their family, default rounding, description and source."""
    from rich import box
    from rich.table import Table

    from .console import print_renderable

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for column in ("Name", "Family", "Rounding", "Description", "Source"):
        table.add_column(column)
    for name in bundled_names():
        spec = load_spec(*locate(name))
        table.add_row(name, spec.family, str(spec.defaults.rounding), spec.description, spec.source)
    print_renderable(table)
