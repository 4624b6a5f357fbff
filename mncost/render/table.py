"""The terminal view of a report: a rich table with one row per layer and a totals row."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..conventions import Counting
from ..report import Report
from .units import human, human_bytes


def describe_config(report: Report) -> str:
    """One line naming the config and every convention the figures depend on."""
    c, k = report.config, report.conventions
    return (f"config: alpha={c.alpha:g} resolution={c.resolution} (rho={c.rho:.4g}) classes={c.classes}"
            + (f" depth={c.depth_multiplier:g}" if c.depth_multiplier != 1 else "")
            + f"\nconventions: rounding={k.rounding} count={k.counting} ops={k.ops} bn-params={k.bn_params}"
            f" dtype={k.dtype} padding={k.padding}")


def share_bar(part: int, largest: int, total: int, width: int = 5) -> str:
    """The layer's share of the total as a percentage, after a bar in eighths of a cell whose full
    `width` is the largest layer: '█████ 9%' for the most expensive layer. Empty for 0."""
    if not total or not part:
        return ""
    eighths = round(8 * width * part / largest)
    bar = "█" * (eighths // 8) + ("", "▏", "▎", "▍", "▌", "▋", "▊", "▉")[eighths % 8]
    return f"{bar:<{width}}{100 * part / total:3.0f}%"


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
    table.add_column("Share", no_wrap=True)  # of the MACs: which layers are expensive
    largest = max((layer.macs for layer in report.layers), default=0)
    for i, layer in enumerate(report.layers, 1):
        table.add_row(str(i), layer.name, layer.type, str(layer.input_shape), str(layer.output_shape),
                      f"{layer.params:,}", f"{layer.macs * factor:,}", human_bytes(layer.activation_bytes),
                      human_bytes(layer.live_bytes), share_bar(layer.macs, largest, report.totals.macs))
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
