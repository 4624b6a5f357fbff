"""Output options shared by `show` and `sweep` (--format, -o, --units) and writing the result.

The whole output is rendered before anything is written; with -o FILE it is written atomically
(mncost.output), so a failure at any point leaves FILE as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

import click

from ..render.units import Units

if TYPE_CHECKING:
    from ..render.sheet import Sheet

F = TypeVar("F", bound=Callable[..., Any])


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"
    MARKDOWN = "markdown"
    LATEX = "latex"


SUFFIX_FORMATS = {".csv": Format.CSV, ".json": Format.JSON, ".md": Format.MARKDOWN, ".markdown": Format.MARKDOWN,
                  ".tex": Format.LATEX, ".txt": Format.TABLE}
"""The default format suggested by an -o FILE suffix when --format is not given."""


def output_options(func: F) -> F:
    options = [
        click.option("--format", "-f", "fmt", type=click.Choice([f.value for f in Format]), default=None,
                     help="Output format. Default: from the -o suffix (.csv .json .md .tex .txt), else table."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default=None,
                     help="Write to FILE (atomically: all or nothing) instead of standard output."),
        click.option("--units", type=click.Choice([u.value for u in Units]), default=None,
                     help="raw = exact integers; k|M|G = ×10^3/10^6/10^9. Default: human-readable "
                          "(table, markdown, latex), exact (csv, json)."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def input_files(*specs: str) -> list[str]:
    """The files that the spec arguments name (bundled or not): -o may not be one of them."""
    from ..bundled import locate
    from ..errors import MncostError

    paths = []
    for spec in specs:
        try:
            paths.append(locate(spec)[0])
        except MncostError:
            pass  # reported when the spec is loaded
    return paths


def choose_format(fmt: str | None, output: str | None, units: str | None,
                  inputs: Sequence[str] = ()) -> tuple[Format, Units | None, str | None]:
    """Resolve --format (the -o suffix only suggests a default), --units, and -o (`-` = stdout,
    refused when it is one of the command's `inputs`)."""
    if output == "-":
        output = None
    if fmt is not None:
        chosen = Format(fmt)
    elif output is not None:
        chosen = SUFFIX_FORMATS.get(os.path.splitext(output)[1].lower(), Format.TABLE)
    else:
        chosen = Format.TABLE
    if chosen is Format.JSON and units is not None:
        raise click.UsageError("--units does not apply to --format json (JSON always holds exact integers)")
    if output is not None:
        from ..output import check_target  # only when writing a file

        check_target(output, inputs)
    return chosen, Units(units) if units else None, output


def emit(text: str, output: str | None) -> None:
    """Print to stdout, or write FILE atomically."""
    if output is None:
        click.echo(text, nl=False)
    else:
        from ..output import write_atomic

        write_atomic(output, text)


def emit_renderable(renderable: Any, output: str | None) -> None:
    """A rich renderable: to stdout via print_renderable (a pipe gets the natural width, no figure
    folded); to FILE as plain text at its natural width without trailing blanks."""
    if output is None:
        from .console import print_renderable

        print_renderable(renderable)
    else:
        from ..render.table import to_text

        emit(to_text(renderable), output)


def emit_sheet(chosen: Format, sheet: Sheet, units: Units | None, output: str | None) -> None:
    """Render a sheet as table, csv, markdown or latex, then print or write it."""
    if chosen is Format.TABLE:
        from ..render.table import sheet_table

        emit_renderable(sheet_table(sheet, units), output)
    elif chosen is Format.CSV:
        from ..render.csv import to_csv

        emit(to_csv(sheet, units), output)
    elif chosen is Format.MARKDOWN:
        from ..render.markdown import to_markdown

        emit(to_markdown(sheet, units), output)
    elif chosen is Format.LATEX:
        from ..render.latex import to_latex

        emit(to_latex(sheet, units), output)
    else:
        raise AssertionError(f"not a sheet format: {chosen}")
