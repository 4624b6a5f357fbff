"""Printing rich renderables without ever truncating a figure, and the width tables are laid out for.

A table printed to a terminal fits the terminal's width (`$COLUMNS`, else the terminal's size):
columns are hidden in the declared order (mncost.columns.HIDDEN_FIRST) and names fold. A pipe or
a file gets the natural width, which scripts rely on. `--width N` lays out for N columns wherever
the output goes (what the tests use to force the terminal case); `--wide` keeps the natural width
even on a terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.console import RenderableType

F = TypeVar("F", bound=Callable[..., Any])
_KEY = "mncost.width"


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta[f"{_KEY}.{param.name}"] = value
    return value


def width_options(func: F) -> F:
    """--width N and --wide (not passed to the command: read with `layout_width`)."""
    func = click.option("--wide", is_flag=True, expose_value=False, callback=_remember,
                        help="Show every column at its natural width, even on a narrow terminal.")(func)
    return click.option("--width", type=click.IntRange(min=20), default=None, expose_value=False,
                        callback=_remember, metavar="N",
                        help="Lay tables out for N columns (default: the terminal's width on a terminal, "
                             "the natural width in a pipe or file).")(func)


def layout_width(to_file: bool = False) -> int | None:
    """The width to lay a table out for: --wide: None (natural); --width N: N; else the terminal's
    width when standard output is a terminal and nothing goes to a file; else None."""
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    if meta.get(f"{_KEY}.wide"):
        return None
    if (width := meta.get(f"{_KEY}.width")) is not None:
        return int(width)
    if to_file:
        return None
    from rich.console import Console  # only when printing a table (JSON needs no rich)

    console = Console()
    return console.width if console.is_terminal else None


def print_renderable(renderable: RenderableType, width: int | None = None) -> None:
    """Print to stdout. Text laid out by mncost (every table but diff's) is printed as it is,
    never re-wrapped; other renderables are laid out for `width` (None: a terminal's width, or
    their natural width in a pipe or file, so no digit or name is lost when output is redirected)."""
    from rich.console import Console
    from rich.text import Text

    from .progress import finish

    console = Console(highlight=False)
    if isinstance(renderable, Text):
        finish()
        console.print(renderable, soft_wrap=True)
        return
    if width is not None:
        console = Console(highlight=False, width=width)
    elif not console.is_terminal:
        from rich.measure import Measurement

        natural = Measurement.get(console, console.options.update_width(10_000), renderable).maximum
        console = Console(highlight=False, width=max(console.width, natural))
    with console.capture() as captured:  # render fully (the slow part, under a progress display) ...
        console.print(renderable)
    finish()  # ... then erase the display and write
    console.file.write(captured.get())
    console.file.flush()
