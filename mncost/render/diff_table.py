"""The terminal view of a diff: both sides' configs, a totals table, thresholds, changed layers.

Narrower than the Markdown view: each layer shows its new value and the change (the Markdown and
JSON outputs also give the layer type and output bytes)."""

from __future__ import annotations

from rich import box
from rich.console import Group
from rich.table import Table
from rich.text import Text

from ..diff import Diff, LayerDiff
from ..thresholds import Check
from .deltas import (
    ABSENT,
    check_line,
    describe_sides,
    layer_summary,
    metric_label,
    percent,
    shape_cell,
    shown_total,
    signed,
)


def _now(layer: LayerDiff, field: str, factor: int = 1) -> str:
    """The new value (none for a removed layer: its change column says what went)."""
    return f"{getattr(layer.new, field) * factor:,}" if layer.new else ABSENT


def to_diff_table(diff: Diff, checks: tuple[Check, ...] = (), everything: bool = False) -> Group:
    totals = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    totals.add_column("Total")
    totals.add_column(diff.old_label, justify="right")
    totals.add_column(diff.new_label, justify="right")
    totals.add_column("Change", justify="right")
    totals.add_column("Relative", justify="right")
    for metric in diff.totals:
        change = shown_total(metric, diff)
        totals.add_row(metric_label(metric, diff), f"{change.old:,}", f"{change.new:,}", signed(change.delta),
                       percent(change))
    parts: list[Text | Table] = [
        Text(f"mncost diff: {diff.old_label} → {diff.new_label}", style="bold"),
        Text("\n".join(f"{heading}: {text}" for heading, text in describe_sides(diff))),
        totals,
    ]
    if checks:
        exceeded = sum(c.exceeded for c in checks)
        parts.append(Text(f"Thresholds: {exceeded} of {len(checks)} exceeded", style="bold"))
        parts += [Text(check_line(c), style="red" if c.exceeded else "green") for c in checks]
    parts.append(Text(layer_summary(diff, everything), style="bold"))
    shown = diff.shown(everything)
    if shown:
        factor = 2 if diff.flops else 1
        arithmetic = "FLOPs" if diff.flops else "MACs"
        layers = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        layers.add_column("Layer")
        layers.add_column("Status")
        for column in ("Output", "Params", "Δ Params", arithmetic, f"Δ {arithmetic}", "Δ Live bytes"):
            layers.add_column(column, justify="right")
        for layer in shown:
            layers.add_row(layer.name, str(layer.status), shape_cell(layer),
                           _now(layer, "params"), signed(layer.change("params").delta),
                           _now(layer, "macs", factor), signed(layer.change("macs").delta * factor),
                           signed(layer.change("live_bytes").delta))
        parts.append(layers)
    return Group(*parts)
