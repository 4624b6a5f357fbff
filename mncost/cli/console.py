"""Printing rich renderables without ever truncating a figure."""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.text import Text


def print_renderable(renderable: RenderableType) -> None:
    """Print to stdout. Text laid out by mncost (the per-layer table) is printed as it is, never
    re-wrapped; other renderables keep a terminal's width (columns fold, never cut), and a pipe
    or file gets their natural width, so no digit or name is lost when output is redirected."""
    console = Console(highlight=False)
    if isinstance(renderable, Text):
        console.print(renderable, soft_wrap=True)
        return
    if not console.is_terminal:
        from rich.measure import Measurement

        natural = Measurement.get(console, console.options.update_width(10_000), renderable).maximum
        console = Console(highlight=False, width=max(console.width, natural))
    console.print(renderable)
