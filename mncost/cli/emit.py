"""Output options shared by `show` and `sweep` (--format, -o, --units) and writing the result.

The whole output is rendered before anything is written, except a streamed sweep (CSV, JSON
Lines), written line by line; with -o FILE either is written atomically (mncost.output), so a
failure at any point leaves FILE as it was.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
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
    JSONL = "jsonl"  # sweep only: one JSON object per point, streamed


SUFFIX_FORMATS = {".csv": Format.CSV, ".json": Format.JSON, ".md": Format.MARKDOWN, ".markdown": Format.MARKDOWN,
                  ".tex": Format.LATEX, ".txt": Format.TABLE, ".jsonl": Format.JSONL}
"""The default format suggested by an -o FILE suffix when --format is not given."""
STREAMED = (Format.CSV, Format.JSONL)
"""Formats written row by row as they are computed (`sweep`)."""


_LATEX = "mncost.latex"


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    ctx.meta[f"{_LATEX}.{param.name}"] = value
    return value


def _label(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        from ..render.latex import LABEL_FORBIDDEN  # only when given (it imports every sheet)

        forbidden = bool(set(value) & LABEL_FORBIDDEN)
    if value is not None and (not value or forbidden):
        raise click.BadParameter(f"{value!r}: a label may not be empty or hold spaces or any of {{ }} \\ % # ~ ^ & $")
    ctx.meta[f"{_LATEX}.{param.name}"] = value
    return value


def latex_options() -> tuple[str | None, str | None]:
    """--caption and --label of the running command (None: not given)."""
    ctx = click.get_current_context(silent=True)
    meta = ctx.meta if ctx is not None else {}
    return meta.get(f"{_LATEX}.caption"), meta.get(f"{_LATEX}.label")


def output_options(func: F, streamed: bool = False) -> F:
    """--format, -o and --units; `streamed` adds the jsonl format (for `sweep`)."""
    formats = [f.value for f in Format if streamed or f is not Format.JSONL]
    suffixes = ".csv .json .jsonl .md .tex .txt" if streamed else ".csv .json .md .tex .txt"
    options = [
        click.option("--format", "-f", "fmt", type=click.Choice(formats), default=None,
                     help=f"Output format. Default: from the -o suffix ({suffixes}), else table."),
        click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default=None,
                     help="Write to FILE (atomically: all or nothing) instead of standard output."),
        click.option("--units", type=click.Choice([u.value for u in Units]), default=None,
                     help="raw = exact integers; k|M|G = ×10^3/10^6/10^9. Default: human-readable "
                          "(table, markdown, latex), exact (csv, json)."),
        click.option("--caption", metavar="TEXT", default=None, expose_value=False, callback=_remember,
                     help="LaTeX: the table's caption (default: the spec and config; the conventions are "
                          "footnote rows)."),
        click.option("--label", metavar="KEY", default=None, expose_value=False, callback=_label,
                     help="LaTeX: \\label{KEY} for \\ref."),
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


def choose_format(fmt: str | None, output: str | None, units: str | None, inputs: Sequence[str] = (),
                  streamed: bool = False) -> tuple[Format, Units | None, str | None]:
    """Resolve --format (the -o suffix only suggests a default), --units, and -o (`-` = stdout,
    refused when it is one of the command's `inputs`)."""
    if output == "-":
        output = None
    if fmt is not None:
        chosen = Format(fmt)
    elif output is not None:
        chosen = SUFFIX_FORMATS.get(os.path.splitext(output)[1].lower(), Format.TABLE)
        if chosen is Format.JSONL and not streamed:
            chosen = Format.JSON
    else:
        chosen = Format.TABLE
    if chosen is not Format.LATEX and any(v is not None for v in latex_options()):
        raise click.UsageError(f"--caption and --label apply to --format latex, not {chosen.value}")
    if chosen in (Format.JSON, Format.JSONL) and units is not None:
        raise click.UsageError(f"--units does not apply to --format {chosen.value} (JSON always holds exact integers)")
    return chosen, Units(units) if units else None, output_target(output, inputs)


def output_target(output: str | None, inputs: Sequence[str] = ()) -> str | None:
    """-o FILE checked before any work (`-` and no -o: standard output, None); it may not be one of
    the command's `inputs`."""
    if output is None or output == "-":
        return None
    from ..output import check_target  # only when writing a file

    check_target(output, inputs)
    return output


def emit(text: str, output: str | None) -> None:
    """Print to stdout, or write FILE atomically (a progress display is erased first)."""
    from .progress import finish

    finish()
    if output is None:
        click.echo(text, nl=False)
    else:
        from ..output import write_atomic

        write_atomic(output, text)


def emit_renderable(renderable: Any, output: str | None) -> None:
    """A rich renderable: to stdout via print_renderable (a pipe gets the natural width, no figure
    folded); to FILE as plain text at its natural width without trailing blanks."""
    if output is None:
        from .console import layout_width, print_renderable

        print_renderable(renderable, layout_width())
    else:
        from ..render.table import to_text

        emit(to_text(renderable), output)


def emit_sheet(chosen: Format, sheet: Sheet, units: Units | None, output: str | None) -> None:
    """Render a sheet as table, csv, markdown or latex, then print or write it."""
    if chosen is Format.TABLE:
        from ..render.table import sheet_table
        from .console import layout_width

        emit_renderable(sheet_table(sheet, units, layout_width(output is not None)), output)
    elif chosen is Format.CSV:
        from ..render.csv import to_csv

        emit(to_csv(sheet, units), output)
    elif chosen is Format.MARKDOWN:
        from ..render.markdown import to_markdown

        emit(to_markdown(sheet, units), output)
    elif chosen is Format.LATEX:
        from ..render.latex import to_latex

        caption, label = latex_options()
        emit(to_latex(sheet, units, caption, label), output)
    else:
        raise AssertionError(f"not a sheet format: {chosen}")


def emit_lines(lines: Iterable[str], output: str | None) -> None:
    """Stream lines to stdout as they come, or to FILE through a temporary file that replaces
    it only when the last line is written (mncost.output)."""
    if output is None:
        import sys

        stdout = sys.stdout
        for line in lines:
            stdout.write(line)
        stdout.flush()
        return
    from ..output import open_output

    with open_output(output) as sink:
        for line in lines:
            sink.write(line)
