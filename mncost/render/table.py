"""The terminal view of a report: a rich table with one row per layer and a totals row."""

from __future__ import annotations

import io

from rich import box
from rich.console import Console, Group
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from ..conventions import Counting
from ..report import Report
from .sheet import Sheet, people
from .units import Units, human, human_bytes


def describe_config(report: Report) -> str:
    """One line naming the config and every convention the figures depend on."""
    c, k = report.config, report.conventions
    return (f"config: alpha={c.alpha:g} resolution={c.resolution} (rho={c.rho:.4g}) classes={c.classes}"
            + (f" depth={c.depth_multiplier:g}" if c.depth_multiplier != 1 else "")
            + f"\nconventions: rounding={k.rounding} count={k.counting} ops={k.ops} bn-params={k.bn_params}"
            f" dtype={k.dtype} padding={k.padding}")


def to_table(report: Report) -> Group:
    """Title, config line, per-layer table with totals, and a one-line summary."""
    flops = report.conventions.counting is Counting.FLOPS
    unit = "FLOPs" if flops else "MACs"
    factor = 2 if flops else 1
    table = Table(box=box.SIMPLE_HEAD, show_footer=True, pad_edge=False)
    table.add_column("#", justify="right", footer="")
    table.add_column("Layer", footer="Total")
    table.add_column("Type")
    table.add_column("Input", justify="right")
    table.add_column("Output", justify="right")
    table.add_column("Params", justify="right", footer=f"{report.totals.params:,}")
    table.add_column(unit, justify="right", footer=f"{report.totals.macs * factor:,}")
    table.add_column("Output mem", justify="right", footer=human_bytes(report.totals.activation_bytes))
    table.add_column("Live mem", justify="right", footer=human_bytes(report.memory.peak_bytes))
    for i, layer in enumerate(report.layers, 1):
        table.add_row(str(i), layer.name, layer.type, str(layer.input_shape), str(layer.output_shape),
                      f"{layer.params:,}", f"{layer.macs * factor:,}", human_bytes(layer.activation_bytes),
                      human_bytes(layer.live_bytes))
    spec = report.spec
    memory = report.memory
    summary = (f"{human(report.totals.macs * factor)} {unit}, {human(report.totals.params)} params, "
               f"peak live memory {human_bytes(memory.peak_bytes)} at {memory.peak_layer} "
               f"(sum of all layer outputs {human_bytes(report.totals.activation_bytes)})")
    return Group(
        Text(f"{spec.name}: {spec.description}", style="bold"),
        Text(describe_config(report)),
        table,
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
