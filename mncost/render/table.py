"""The terminal views: a report's per-layer table, `mncost memory`'s table, and any sheet.

The per-layer table is laid out here as plain aligned text and only styled with rich (bold title,
header, totals and summary): rich's own table layout measures and wraps every cell, which took
longer than all of mncost's arithmetic and imports together. Columns are as wide as their content,
so no figure is ever cut, in a terminal or a pipe.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

from rich.text import Text

from .. import columns as declared
from ..columns import Kind
from ..conventions import Counting, Fusion, MemoryModel
from ..report import Report
from .units import Units, human, human_bytes, scaled

if TYPE_CHECKING:
    from rich.console import Group

    from ..memory import MemoryTable
    from .sheet import Sheet


def describe_config(report: Report) -> str:
    """One line naming the config and every convention the figures depend on."""
    return (f"config: {report.config.describe()}\nconventions: {report.conventions.describe()}"
            + _memory_conventions(report))


def share_bar(part: int, largest: int, total: int, width: int = 5) -> str:
    """The layer's share of the total as a percentage, after a bar in eighths of a cell whose full
    `width` is the largest layer: '█████ 9%' for the most expensive layer. Empty for 0."""
    if not total or not part:
        return ""
    eighths = round(8 * width * part / largest)
    bar = "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]
    return f"{bar:<{width}}{100 * part / total:3.0f}%"


def _memory_conventions(report: Report) -> str:
    """A third line naming the memory conventions that differ from the defaults (none: no line)."""
    k = report.conventions
    parts = ([f"memory-model={k.memory_model}"] if k.memory_model is not MemoryModel.NAIVE else []) \
        + (["first-layer-trick"] if k.first_layer_trick else []) \
        + ([f"weight-dtype={k.weight_dtype}"] if k.weight_dtype != k.dtype else []) \
        + ([f"fusion={k.fusion}"] if k.fusion is not Fusion.TFLITE else [])
    return "\nmemory: " + " ".join(parts) if parts else ""


Column = tuple[str, bool, list[str], str]  # header, right-aligned?, cells, footer


def _cell(column: declared.Column, value: Any) -> str:
    """A declared figure in the terminal table: exact counts with separators, human bytes."""
    if value is None:
        return ""
    if column.kind in (Kind.COUNT, Kind.ARITH):
        return f"{value:,}"
    if column.kind is Kind.BYTES:
        return human_bytes(value)
    if column.kind is Kind.RATIO:
        return f"{value:.4g}"
    if column.kind is Kind.MS:
        return f"{value:.4g} ms"
    return str(value)


def table_lines(report: Report, detail: bool = False) -> tuple[str, list[str], str]:
    """Header line, one line per layer, and the totals line, columns aligned. The columns are the
    declared per-layer figures (mncost.columns) that people see, then the MACs share as a bar."""
    flops = report.conventions.counting is Counting.FLOPS
    layers = report.layers
    largest = max((layer.macs for layer in layers), default=0)
    columns: list[Column] = [("#", True, [str(i) for i in range(1, len(layers) + 1)], "")]
    for c in declared.present(declared.LAYER_COLUMNS, report):
        if not c.human or ((c.detail or c.human_detail) and not detail) or c.kind is Kind.FLAG or c.layer is None:
            continue  # a streamed output is marked with '*' instead of a column
        if flops and c.kind is Kind.ARITH:
            c = declared.flops_of(c)
        get: Any = c.layer
        cells = [_cell(c, get(x)) for x in layers]
        if c.key == "activation_bytes":
            cells = [cell + (" *" if x.streamed else "") for cell, x in zip(cells, layers, strict=True)]
        footer = "Total" if c.key == "name" else "" if c.total is None else _cell(c, c.total(report))
        columns.append((c.header, c.numeric, cells, footer))
    # the share of the MACs, as a bar: which layers are expensive
    columns.append(("Share", False, [share_bar(x.macs, largest, report.totals.macs) for x in layers], ""))
    widths = [max(len(header), len(footer), *map(len, cells)) for header, _, cells, footer in columns]

    def line(values: list[str]) -> str:
        return " " + "  ".join(v.rjust(w) if right else v.ljust(w)
                               for v, w, (_, right, _, _) in zip(values, widths, columns, strict=True)).rstrip()

    rows = [line([cells[i] for _, _, cells, _ in columns]) for i in range(len(layers))]
    return line([c[0] for c in columns]), rows, line([c[3] for c in columns])


def to_table(report: Report, detail: bool = False) -> Text:
    """Title, config lines, per-layer table with totals, and a two-line summary (arithmetic and
    model size; peak memory), as styled text.

    `detail` adds the memory traffic columns: parameter bytes, bytes read and written, and the
    arithmetic intensity in MACs per byte moved.
    """
    flops = report.conventions.counting is Counting.FLOPS
    unit = "FLOPs" if flops else "MACs"
    spec, memory = report.spec, report.memory
    header, rows, totals = table_lines(report, detail)
    rule = " " + "─" * (len(header) - 1)
    summary = (f"{human(report.arithmetic)} {unit}, {human(report.totals.params)} params, "
               f"model size {human_bytes(report.totals.param_bytes)} ({report.conventions.weight_dtype} weights)\n"
               f"peak live memory {human_bytes(memory.peak_bytes)} at {memory.peak_layer} "
               f"(sum of all layer outputs {human_bytes(report.totals.activation_bytes)})")
    if report.totals.latency_ms is not None:
        summary += (f"\nlatency {report.totals.latency_ms:.4g} ms on {report.conventions.device} "
                    "(estimated: docs/latency.md)")
    text = Text(no_wrap=True, overflow="ignore")
    text.append(f"{spec.name}: {spec.description}\n", style="bold")
    text.append(f"{describe_config(report)}\n\n")
    text.append(f"{header}\n", style="bold")
    text.append("\n".join([rule, *rows, rule]) + "\n")
    text.append(f"{totals}\n\n", style="bold")
    if any(layer.streamed for layer in report.layers):
        text.append("* streamed inside a streamable block: never materialized (--memory-model streamed)\n")
    text.append(summary, style="bold")
    return text


def memory_to_table(table: MemoryTable) -> Group:
    """`mncost memory`: the largest materialized tensor per resolution (V2 paper, Table 3)."""
    from rich import box
    from rich.console import Group
    from rich.table import Table

    report = table.report
    top = table.max
    grid = Table(box=box.SIMPLE_HEAD, show_footer=True, pad_edge=False)
    grid.add_column("Size", footer="max")
    grid.add_column("Channels", justify="right", footer=f"{top.channels:,}")
    grid.add_column("Bytes", justify="right", footer=f"{top.bytes:,}")
    grid.add_column("kB", justify="right", footer=scaled(top.bytes, 3, 1))
    grid.add_column("Tensor", footer=top.layer)
    for row in table.rows:
        grid.add_row(f"{row.h}x{row.w}", f"{row.channels:,}", f"{row.bytes:,}", scaled(row.bytes, 3, 1), row.layer)
    memory = report.memory
    summary = (f"largest materialized tensor {human_bytes(top.bytes)} at {top.h}x{top.w} ({top.layer})\n"
               f"peak live memory {human_bytes(memory.peak_bytes)} at {memory.peak_layer}")
    return Group(
        Text(f"{report.spec.name}: {report.spec.description}", style="bold"),
        Text(describe_config(report)),
        grid,
        Text(summary, style="bold"),
    )


def sheet_table(sheet: Sheet, units: Units | None = None) -> Group:
    """Any sheet (summary, by type, sweep, pivot; layers under --units) as a rich renderable.
    Counts are exact with thousands separators unless --units says otherwise, as in `to_table`."""
    from rich import box
    from rich.console import Group
    from rich.table import Table

    from .sheet import people

    headers, body, footer = people(sheet, units, exact_counts=True)
    table = Table(box=box.SIMPLE_HEAD, show_footer=footer is not None, pad_edge=False)
    for i, (title, right) in enumerate(headers):
        # fold rather than cut: a narrow terminal wraps a figure, it never drops digits
        table.add_column(title, justify="right" if right else "left", footer=footer[i] if footer else "",
                         overflow="fold")
    for row in body:
        table.add_row(*row)
    parts: list[Text | Table] = [Text(sheet.title, style="bold"), Text("\n".join(sheet.notes)), table]
    if sheet.trailer:
        parts.append(Text(sheet.trailer, style="bold"))
    return Group(*parts)


def to_text(renderable: Group | Text) -> str:
    """Plain text of a renderable at its natural width (no figure is ever folded or cut), without
    colour or trailing blanks: what a pipe or `-o FILE` gets."""
    from rich.console import Console
    from rich.measure import Measurement

    out = io.StringIO()
    console = Console(file=out, width=10_000, color_system=None, highlight=False, force_terminal=False,
                      legacy_windows=False)
    natural = Measurement.get(console, console.options, renderable).maximum
    console = Console(file=out, width=max(natural, 80), color_system=None, highlight=False, force_terminal=False,
                      legacy_windows=False)
    console.print(renderable)
    return "".join(line.rstrip() + "\n" for line in out.getvalue().splitlines())
