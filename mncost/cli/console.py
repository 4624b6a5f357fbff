"""Printing rich renderables without ever truncating a figure."""

from __future__ import annotations

from rich.console import Console, RenderableType
from rich.text import Text


def print_renderable(renderable: RenderableType) -> None:
    """Print to stdout. Text laid out by mncost (the per-layer table) is printed as it is, never
    re-wrapped; other renderables keep a terminal's width (columns fold, never cut), and a pipe
    or file gets their natural width, so no digit or name is lost when output is redirected."""
    from .progress import finish

    console = Console(highlight=False)
    if isinstance(renderable, Text):
        finish()
        console.print(renderable, soft_wrap=True)
        return
    if not console.is_terminal:
        from rich.measure import Measurement

        natural = Measurement.get(console, console.options.update_width(10_000), renderable).maximum
        console = Console(highlight=False, width=max(console.width, natural))
    with console.capture() as captured:  # render fully (the slow part, under a progress display) ...
        console.print(renderable)
    finish()  # ... then erase the display and write
    console.file.write(captured.get())
    console.file.flush()
