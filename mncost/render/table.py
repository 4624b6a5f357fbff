"""The terminal view: title, config lines, a rich table (with a totals footer) and a one-line summary."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..report import Report
from .sheet import Sheet, config_notes, people, report_sheet
from .units import Units


def describe_config(report: Report) -> str:
    """One line naming the config and every convention the figures depend on."""
    c = report.config
    return "\n".join(config_notes(report.spec, c, report.conventions, c.classes, c.depth_multiplier))


def sheet_table(sheet: Sheet, units: Units | None = None) -> Group:
    """A sheet as a rich renderable."""
    headers, body, footer = people(sheet, units)
    table = Table(box=box.SIMPLE_HEAD, show_footer=footer is not None, pad_edge=False)
    for i, (title, right) in enumerate(headers):
        # Numbers never wrap or shrink to "…": a narrow terminal wraps the names and headers instead.
        width = max(len(cell) for cell in [row[i] for row in body] + (footer[i:i + 1] if footer else []) + [""])
        table.add_column(title, justify="right" if right else "left", footer=footer[i] if footer else "",
                         min_width=width if right else None, overflow="fold")
    for row in body:
        table.add_row(*row)
    parts: list[Text | Table] = [Text(sheet.title, style="bold"), Text("\n".join(sheet.notes)), table]
    if sheet.trailer:
        parts.append(Text(sheet.trailer, style="bold"))
    return Group(*parts)


def to_table(report: Report, units: Units | None = None) -> Group:
    """Title, config lines, per-layer table with totals, and a one-line summary."""
    return sheet_table(report_sheet(report), units)


def to_text(renderable: Group) -> str:
    """Plain text of a renderable at its natural width (no figure is ever folded or cut), without
    colour or trailing blanks: what a pipe or `-o FILE` gets."""
    out = io.StringIO()
    console = Console(file=out, width=10_000, color_system=None, highlight=False, force_terminal=False,
                      legacy_windows=False)
    natural = Measurement.get(console, console.options, renderable).maximum
    console = Console(file=out, width=max(natural, 80), color_system=None, highlight=False, force_terminal=False,
                      legacy_windows=False)
    console.print(renderable)
    return "".join(line.rstrip() + "\n" for line in out.getvalue().splitlines())
