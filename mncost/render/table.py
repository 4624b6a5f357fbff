"""The terminal view of a report: a rich table with one row per layer and a totals row."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..conventions import Counting, MemoryModel
from ..memory import MemoryTable
from ..report import Report
from .sheet import Sheet, people
from .units import Units, human, human_bytes


def describe_config(report: Report) -> str:
    """One line naming the config and every convention the figures depend on."""
    c, k = report.config, report.conventions
    return (f"config: alpha={c.alpha:g} resolution={c.resolution} (rho={c.rho:.4g}) classes={c.classes}"
            + (f" depth={c.depth_multiplier:g}" if c.depth_multiplier != 1 else "")
            + f"\nconventions: rounding={k.rounding} count={k.counting} ops={k.ops} bn-params={k.bn_params}"
            f" dtype={k.dtype} padding={k.padding}" + _memory_conventions(report))


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
        + ([f"weight-dtype={k.weight_dtype}"] if k.weight_dtype != k.dtype else [])
    return "\nmemory: " + " ".join(parts) if parts else ""


def to_table(report: Report, detail: bool = False) -> Group:
    """Title, config line, per-layer table with totals, and a two-line summary (arithmetic and
    model size; peak memory).

    `detail` adds the memory traffic columns: parameter bytes, bytes read and written, and the
    arithmetic intensity in MACs per byte moved.
    """
    flops = report.conventions.counting is Counting.FLOPS
    unit = "FLOPs" if flops else "MACs"
    factor = 2 if flops else 1
    table = Table(box=box.SIMPLE_HEAD, show_footer=True, pad_edge=False)
    columns = [
        ("#", "right", ""),
        ("Layer", "left", "Total"),
        ("Type", "left", ""),
        ("Input", "right", ""),
        ("Output", "right", ""),
        ("Params", "right", f"{report.totals.params:,}"),
        (unit, "right", f"{report.totals.macs * factor:,}"),
        ("Output mem", "right", human_bytes(report.totals.activation_bytes)),
        ("Live mem", "right", human_bytes(report.memory.peak_bytes)),
        ("Share", "left", ""),  # of the MACs: which layers are expensive
    ]
    if detail:
        columns += [
            ("Weights", "right", human_bytes(report.totals.param_bytes)),
            ("Read", "right", human_bytes(sum(x.bytes_read for x in report.layers))),
            ("Written", "right", human_bytes(sum(x.bytes_written for x in report.layers))),
            ("MACs/B", "right", ""),
        ]
    for header, justify, footer in columns:
        # fold rather than cut: a narrow terminal wraps a figure, it never drops digits
        table.add_column(header, justify=justify, footer=footer, overflow="fold")  # type: ignore[arg-type]
    largest = max((layer.macs for layer in report.layers), default=0)
    for i, layer in enumerate(report.layers, 1):
        cells = [str(i), layer.name, layer.type, str(layer.input_shape), str(layer.output_shape),
                 f"{layer.params:,}", f"{layer.macs * factor:,}",
                 human_bytes(layer.activation_bytes) + (" *" if layer.streamed else ""), human_bytes(layer.live_bytes),
                 share_bar(layer.macs, largest, report.totals.macs)]
        if detail:
            cells += [human_bytes(layer.param_bytes), human_bytes(layer.bytes_read), human_bytes(layer.bytes_written),
                      f"{layer.arithmetic_intensity:.2f}"]
        table.add_row(*cells)
    spec = report.spec
    memory = report.memory
    summary = (f"{human(report.totals.macs * factor)} {unit}, {human(report.totals.params)} params, "
               f"model size {human_bytes(report.totals.param_bytes)} ({report.conventions.weight_dtype} weights)\n"
               f"peak live memory {human_bytes(memory.peak_bytes)} at {memory.peak_layer} "
               f"(sum of all layer outputs {human_bytes(report.totals.activation_bytes)})")
    notes = [Text("* streamed inside a streamable block: never materialized (--memory-model streamed)")] \
        if any(layer.streamed for layer in report.layers) else []
    return Group(
        Text(f"{spec.name}: {spec.description}", style="bold"),
        Text(describe_config(report)),
        table,
        *notes,
        Text(summary, style="bold"),
    )


def memory_to_table(table: MemoryTable) -> Group:
    """`mncost memory`: the largest materialized tensor per resolution (V2 paper, Table 3)."""
    report = table.report
    top = table.max
    grid = Table(box=box.SIMPLE_HEAD, show_footer=True, pad_edge=False)
    grid.add_column("Size", footer="max")
    grid.add_column("Channels", justify="right", footer=f"{top.channels:,}")
    grid.add_column("Bytes", justify="right", footer=f"{top.bytes:,}")
    grid.add_column("kB", justify="right", footer=f"{top.bytes / 1000:,.1f}")
    grid.add_column("Tensor", footer=top.layer)
    for row in table.rows:
        grid.add_row(f"{row.h}x{row.w}", f"{row.channels:,}", f"{row.bytes:,}", f"{row.bytes / 1000:,.1f}", row.layer)
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
