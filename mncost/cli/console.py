"""Printing rich renderables without ever truncating a figure."""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.measure import Measurement


def print_renderable(renderable: RenderableType) -> None:
    """Print to stdout. A terminal keeps its width (columns fold, never cut); a pipe or file gets
    the renderable's natural width, so no digit or name is lost when output is redirected."""
    console = Console(highlight=False)
    if not console.is_terminal:
        natural = Measurement.get(console, console.options.update_width(10_000), renderable).maximum
        console = Console(highlight=False, width=max(console.width, natural))
    console.print(renderable)
