"""The terminal view of a diff: both sides' configs, a totals table, thresholds, changed layers.

Narrower than the Markdown view: each layer shows its new value and the change (the Markdown and
JSON outputs also give the layer type and output bytes)."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
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
    value_text,
)


def _now(layer: LayerDiff, field: str, factor: int = 1) -> str:
    """The new value (none for a removed layer: its change column says what went)."""
    return f"{getattr(layer.new, field) * factor:,}" if layer.new else ABSENT


MIN_TEXT = 8
"""Narrowest a folding text column (a layer name, a shape) is made before a layout is given up."""


def _header(header: str, cells: list[str]) -> str:
    """A header longer than its column's figures takes two lines ('Δ Live' over 'bytes')."""
    widest = max(map(len, cells), default=0)
    if len(header) <= widest or " " not in header:
        return header
    return "\n".join(header.rsplit(" ", 1))


class _Fitted:
    """A table laid out for the width it is printed at: every figure column as wide as its widest
    figure, the text columns folding in what is left. Layouts are tried in order: the normal
    one; the same with the columns two characters apart instead of three, no edge and headers on
    two lines; that
    without the columns in `optional` (the output shape, said in a caption); and, when even
    that does not fit, every column folds. No cell is ever cut with '…'."""

    def __init__(self, headers: Sequence[str], kinds: str, rows: Sequence[Sequence[str]],
                 optional: tuple[str, ...] = ()) -> None:
        self.kinds, self.rows, self.optional = kinds, rows, optional  # kinds: t text, s shape, w word, f figure
        self.names = list(headers)
        self.split = [_header(h, [row[i] for row in rows]) if kinds[i] in "fw" else h for i, h in enumerate(headers)]

    def _headers(self, compact: bool) -> list[str]:
        return self.split if compact else self.names

    def _width(self, i: int, compact: bool) -> int:
        """The width of a figure or word column: its widest header line or cell."""
        headers = self._headers(compact)
        return max([len(line) for line in headers[i].splitlines()] + [len(row[i]) for row in self.rows])

    def _needed(self, keep: list[int], compact: bool) -> int:
        widths = [self._width(i, compact) if self.kinds[i] in "fw" else MIN_TEXT for i in keep]
        return sum(widths) + (2 * (len(keep) - 1) if compact else 3 * (len(keep) - 1) + 2)

    def table(self, width: int) -> Table:
        every = list(range(len(self.names)))
        shorter = [i for i in every if self.names[i] not in self.optional]
        layouts = [(every, False), (every, True)] + ([(shorter, True)] if shorter != every else [])
        for keep, compact in layouts:
            if self._needed(keep, compact) <= width:
                return self._build(keep, True, compact)
        return self._build(every, False, False)

    def _build(self, keep: list[int], whole: bool, compact: bool) -> Table:
        left_out = [self.names[i] for i in range(len(self.names)) if i not in keep]
        caption = f"({', '.join(left_out)} left out to fit the terminal: see --format markdown)" if left_out else None
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=not compact, collapse_padding=compact,
                      caption=caption, caption_justify="left")
        headers = self._headers(compact)
        for i in keep:
            kind = self.kinds[i]
            fixed = whole and kind in "fw"  # its width is known: rich need not measure every cell
            table.add_column(headers[i], justify="left" if kind in "tw" else "right", overflow="fold",
                             no_wrap=fixed, width=self._width(i, compact) if fixed else None)
        for row in self.rows:
            table.add_row(*(row[i] for i in keep))
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.table(options.max_width)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        whole: Table = self._build(list(range(len(self.names))), True, False)
        return Measurement.get(console, options, whole)


def to_diff_table(diff: Diff, checks: tuple[Check, ...] = (), everything: bool = False) -> Group:
    total_rows: list[tuple[str, ...]] = []
    for metric in diff.totals:
        change = shown_total(metric, diff)
        total_rows.append((metric_label(metric, diff), value_text(change.old), value_text(change.new),
                           signed(change.delta),
                     percent(change)))
    totals = _Fitted(("Total", diff.old_label, diff.new_label, "Change", "Relative"), "tffff", total_rows)
    parts: list[RenderableType] = [
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
        rows = [(layer.name, str(layer.status), shape_cell(layer),
                 _now(layer, "params"), signed(layer.change("params").delta),
                 _now(layer, "macs", factor), signed(layer.change("macs").delta * factor),
                 signed(layer.change("live_bytes").delta)) for layer in shown]
        headers = ("Layer", "Status", "Output", "Params", "Δ Params", arithmetic, f"Δ {arithmetic}", "Δ Live bytes")
        parts.append(_Fitted(headers, "twsfffff", rows, optional=("Output",)))
    return Group(*parts)
