"""CSV (RFC 4180, via the stdlib csv module): one header row, then one row per layer / type / point.

Columns, in this order: `row` (what the row is: layer, type, point, alpha, or total), the sheet's
own columns (see docs/reports.md), then the config and every convention,
repeated on every row so that a row still says what it was computed under after it is copied,
filtered or concatenated. There is no comment line, so any CSV reader reads the file as is.
Numbers are exact integers (or exact decimals under --units k|M|G). A text cell that starts with
=, +, -, @, tab or carriage return gets a leading single quote so that spreadsheet programs show
it as text instead of running it as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from ..columns import Kind
from .sheet import Sheet, machine_cell
from .units import Units

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """'=HYPERLINK(...)' -> "'=HYPERLINK(...)": shown as text, never evaluated by a spreadsheet."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _cell(value: Any, kind: Kind, units: Units | None) -> str:
    text = machine_cell(value, kind, units)
    return neutralise(text) if kind in (Kind.TEXT, Kind.SHAPE) else text


def _context_cell(value: Any) -> str:
    if isinstance(value, float):
        return repr(value)
    return neutralise(str(value))


def to_csv(sheet: Sheet, units: Units | None = None) -> str:
    """The sheet as CSV text with CRLF line ends (RFC 4180)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["row", *(c.csv_key(units) for c in sheet.columns), *(k for k, _ in sheet.context)])
    context = [_context_cell(v) for _, v in sheet.context]
    for row in sheet.rows:
        writer.writerow([sheet.row_label, *(_cell(v, c.kind, units) for v, c in zip(row, sheet.columns, strict=True)),
                         *context])
    if sheet.total is not None:
        writer.writerow(["total", *(_cell(v, c.kind, units) for v, c in zip(sheet.total, sheet.columns, strict=True)),
                         *context])
    return out.getvalue()


def csv_lines(sheet: Sheet, rows: Iterable[Any], units: Units | None = None) -> Iterator[str]:
    """Streamed CSV: the header line, then one line per item of `rows` (each read by the sheet's
    columns), as `to_csv` would write them; for outputs too long to hold in memory."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")

    def line(values: list[str]) -> str:
        out.seek(0)
        out.truncate()
        writer.writerow(values)
        return out.getvalue()

    context = [_context_cell(v) for _, v in sheet.context]
    yield line(["row", *(c.csv_key(units) for c in sheet.columns), *(k for k, _ in sheet.context)])
    for item in rows:
        yield line([sheet.row_label, *(_cell(c.get(item), c.kind, units) for c in sheet.columns), *context])
