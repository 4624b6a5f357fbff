"""A diff as GitHub-flavoured Markdown, for a pull-request comment or a CI job summary."""

from __future__ import annotations

import re

from ..columns import DIFF_LAYER_COLUMNS, Kind
from ..diff import Diff
from ..thresholds import Check
from .deltas import (
    check_detail,
    describe_sides,
    layer_cell,
    layer_summary,
    metric_label,
    percent,
    shape_cell,
    shown_total,
    signed,
    type_cell,
    value_text,
)


def _code(text: str) -> str:
    """User text (labels, file names, expressions) as a code span, so that nothing in it is markup;
    the fence is one backtick longer than any run of backticks inside."""
    fence = "`" * (1 + max((len(run) for run in re.findall(r"`+", text)), default=0))
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _row(cells: list[str]) -> str:
    """A table row; a '|' inside a cell (even in a code span) would end the cell, so escape it."""
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def to_markdown(diff: Diff, checks: tuple[Check, ...] = (), everything: bool = False) -> str:
    """Heading, both sides' configs, totals, thresholds (if any) and the changed layers."""
    arithmetic = "FLOPs" if diff.flops else "MACs"
    lines = [
        f"### mncost diff: {_code(diff.old_label)} → {_code(diff.new_label)}",
        "",
        *(f"- **{heading}**: {_code(text)}" for heading, text in describe_sides(diff)),
        "",
        _row(["Total", "Old", "New", "Change", "Relative"]),
        _row(["---", "---:", "---:", "---:", "---:"]),
    ]
    for metric in diff.totals:
        change = shown_total(metric, diff)
        lines.append(_row([metric_label(metric, diff), value_text(change.old), value_text(change.new),
                           signed(change.delta), percent(change)]))
    if checks:
        exceeded = sum(c.exceeded for c in checks)
        lines += ["", f"**Thresholds: {exceeded} of {len(checks)} exceeded**", ""]
        lines += [f"- {'❌' if c.exceeded else '✅'} {_code(c.threshold.text)}: "
                  f"{'exceeded' if c.exceeded else 'ok'} ({check_detail(c)})" for c in checks]
    lines += ["", f"**{layer_summary(diff, everything)}**"]
    shown = diff.shown(everything)
    if shown:
        factor = 2 if diff.flops else 1
        lines += [
            "",
            _row(["Layer", "Status", "Type", "Output", "Params", arithmetic, "Output bytes", "Live bytes"]),
            _row(["---", "---", "---", "---:", "---:", "---:", "---:", "---:"]),
        ]
        for layer in shown:  # the declared per-layer diff figures (mncost.columns.DIFF_LAYER_COLUMNS)
            cells = [layer_cell(layer, c.key, factor if c.kind is Kind.ARITH else 1) for c in DIFF_LAYER_COLUMNS]
            lines.append(_row([_code(layer.name), str(layer.status), type_cell(layer), shape_cell(layer), *cells]))
    return "\n".join(lines) + "\n"
