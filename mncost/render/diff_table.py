"""The terminal view of a diff: both sides' configs, a totals table, thresholds, changed layers.

Narrower than the Markdown view: each layer shows its new value and the change (the Markdown and
JSON outputs also give the layer type and output bytes). Laid out as plain text for the
terminal's width (mncost.render.layout), like every other table."""

from __future__ import annotations

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
    value_text,
)
from .layout import Cells, hidden_note, lay_out, render, wrap_prose
from .table import NAME_FOLD


def _now(layer: LayerDiff, field: str, factor: int = 1) -> str:
    """The new value (none for a removed layer: its change column says what went)."""
    return f"{getattr(layer.new, field) * factor:,}" if layer.new else ABSENT


def _table(text: Text, columns: list[Cells], width: int | None) -> None:
    """A table laid out for `width` (mncost.render.layout): header, rule, rows and the note
    naming what was hidden."""
    layout = lay_out(columns, width, gap=3)
    header, rows, _ = render(layout)
    text.append("\n" + header + "\n", style="bold")
    text.append(" " + "─" * (layout.total() - 1) + "\n" + "".join(row + "\n" for row in rows) + "\n")
    if (note := hidden_note(layout, width)) is not None:
        text.append(wrap_prose(note.removesuffix(")") + ", --format markdown every figure)", width) + "\n")


def to_diff_table(diff: Diff, checks: tuple[Check, ...] = (), everything: bool = False,
                  width: int | None = None) -> Text:
    """The terminal diff laid out for `width` columns (None: natural width): columns are hidden in
    the declared order (mncost.columns.HIDDEN_FIRST) and names fold; no figure is ever split."""
    text = Text(no_wrap=True, overflow="ignore")
    text.append(wrap_prose(f"mncost diff: {diff.old_label} → {diff.new_label}", width) + "\n", style="bold")
    text.append(wrap_prose("\n".join(f"{heading}: {t}" for heading, t in describe_sides(diff)), width) + "\n")
    changes = [shown_total(metric, diff) for metric in diff.totals]
    _table(text, [
        Cells("name", "Total", False, [metric_label(m, diff) for m in diff.totals], fold=NAME_FOLD),
        Cells("old", diff.old_label, True, [value_text(c.old) for c in changes], fold=0),
        Cells("new", diff.new_label, True, [value_text(c.new) for c in changes]),
        Cells("change", "Change", True, [signed(c.delta) for c in changes]),
        Cells("relative", "Relative", True, [percent(c) for c in changes]),
    ], width)
    if checks:
        exceeded = sum(c.exceeded for c in checks)
        text.append(f"Thresholds: {exceeded} of {len(checks)} exceeded\n", style="bold")
        for c in checks:
            text.append(wrap_prose(check_line(c), width) + "\n", style="red" if c.exceeded else "green")
    text.append(wrap_prose(layer_summary(diff, everything), width) + "\n", style="bold")
    shown = diff.shown(everything)
    if shown:
        factor = 2 if diff.flops else 1
        arithmetic = "FLOPs" if diff.flops else "MACs"
        _table(text, [
            Cells("name", "Layer", False, [layer.name for layer in shown], fold=NAME_FOLD),
            Cells("status", "Status", False, [str(layer.status) for layer in shown]),
            Cells("output_shape", "Output", True, [shape_cell(layer) for layer in shown]),
            Cells("new_params", "Params", True, [_now(layer, "params") for layer in shown]),
            Cells("delta_params", "Δ Params", True, [signed(layer.change("params").delta) for layer in shown]),
            Cells("new_macs", arithmetic, True, [_now(layer, "macs", factor) for layer in shown]),
            Cells("delta_macs", f"Δ {arithmetic}", True,
                  [signed(layer.change("macs").delta * factor) for layer in shown]),
            Cells("delta_live_bytes", "Δ Live bytes", True,
                  [signed(layer.change("live_bytes").delta) for layer in shown]),
        ], width)
    text.rstrip()
    if shown:
        text.append("\n")  # the blank line rich's tables ended with
    return text
