"""Text pieces shared by the human diff renderers (markdown and terminal): signed integers,
percentages, `old → new` cells and the one-line description of a side. Exact integers only."""

from __future__ import annotations

import math

from ..diff import Change, Diff, LayerDiff, Metric, Status
from ..report import Report
from ..thresholds import Check

ABSENT = "—"


def metric_label(metric: Metric, diff: Diff) -> str:
    """Row label of a total; MACs read as FLOPs (2 × MACs) when the diff counts FLOPs."""
    match metric:
        case Metric.PARAMS:
            return "Params"
        case Metric.MACS:
            return "FLOPs" if diff.flops else "MACs"
        case Metric.FLOPS:
            return "FLOPs"
        case Metric.ACTIVATION_MEMORY:
            return "Activation memory (bytes)"
        case Metric.PEAK_MEMORY:
            return "Peak memory (bytes)"
        case Metric.LATENCY:
            return "Latency (ms)"


def shown_total(metric: Metric, diff: Diff) -> Change:
    """The total as shown: MACs doubled to FLOPs under --count flops."""
    change = diff.total(metric)
    if metric is Metric.MACS and diff.flops:
        return Change(2 * change.old, 2 * change.new)
    return change


def signed(n: int | float) -> str:
    """+1,234 / -1,234 / 0; milliseconds (floats) to 3 decimals: +0.512."""
    if not n:
        return "0"
    return f"{n:+,.3f}" if isinstance(n, float) else f"{n:+,}"


def value_text(n: int | float) -> str:
    """1,234 for counts and bytes; milliseconds (floats) to 3 decimals."""
    return f"{n:,.3f}" if isinstance(n, float) else f"{n:,}"


def percent(change: Change) -> str:
    """Relative change with two decimals: +7.32%, -42.79%, 0%; an increase from 0 is +∞%."""
    if change.delta == 0:
        return "0%"
    relative = change.relative
    if math.isinf(relative):
        return "+∞%"
    return f"{100 * relative:+.2f}%"


def cell(change: Change, old_exists: bool = True, new_exists: bool = True) -> str:
    """`old → new (±delta)` for a layer in both reports, else the one value there is (the status
    column says whether the layer was added or removed)."""
    if not old_exists:
        return f"{change.new:,}"
    if not new_exists:
        return f"{change.old:,}"
    if change.delta == 0:
        return f"{change.new:,}"
    return f"{change.old:,} → {change.new:,} ({signed(change.delta)})"


def layer_cell(layer: LayerDiff, field: str, factor: int = 1) -> str:
    change = layer.change(field)
    return cell(Change(change.old * factor, change.new * factor), layer.old is not None, layer.new is not None)


def _both(old: str | None, new: str | None) -> str:
    """`old → new` when both exist and differ, else the one value."""
    if old is not None and new is not None and old != new:
        return f"{old} → {new}"
    return new if new is not None else old if old is not None else ABSENT


def shape_cell(layer: LayerDiff) -> str:
    return _both(str(layer.old.output_shape) if layer.old else None, str(layer.new.output_shape) if layer.new else None)


def type_cell(layer: LayerDiff) -> str:
    return _both(layer.old.type if layer.old else None, layer.new.type if layer.new else None)


def describe_config(report: Report) -> str:
    """Spec name and file and the config: `v1 (specs/v1.yaml) alpha=0.75 resolution=224 ...`."""
    return f"{report.spec.name} ({report.spec.file}) {report.config.describe()}"


def describe_conventions(report: Report) -> str:
    return report.conventions.describe()


def describe_sides(diff: Diff) -> list[tuple[str, str]]:
    """(heading, text) lines naming each side's config, and the conventions (once when shared)."""
    old, new = describe_conventions(diff.old), describe_conventions(diff.new)
    lines = [("old", describe_config(diff.old) if diff.old_exists else f"{diff.old.spec.file} does not exist "
              "(every layer is added; thresholds are not checked)"),
             ("new", describe_config(diff.new) if diff.new_exists else f"{diff.new.spec.file} does not exist "
              "(every layer is removed; thresholds are not checked)")]
    if old == new:
        return [*lines, ("conventions", old)]
    return [*lines, ("old conventions", old), ("new conventions", new)]


def layer_summary(diff: Diff, everything: bool) -> str:
    counts = ", ".join(f"{diff.count(s)} {s}" for s in (Status.CHANGED, Status.ADDED, Status.REMOVED))
    unchanged = diff.count(Status.UNCHANGED)
    hidden = "" if everything or not unchanged else " (hidden; --all shows them)"
    return f"Layers: {counts}, {unchanged} unchanged{hidden}"


def check_detail(check: Check) -> str:
    """`macs 300,774,272 → 325,000,000, +24,225,728, +8.05%`."""
    change = check.change
    return (f"{check.threshold.metric} {value_text(change.old)} → {value_text(change.new)}, {signed(change.delta)}, "
            f"{percent(change)}")


def check_line(check: Check) -> str:
    """`macs>+5%: exceeded (macs 300,774,272 → 325,000,000, +24,225,728, +8.05%)`."""
    return f"{check.threshold.text}: {'exceeded' if check.exceeded else 'ok'} ({check_detail(check)})"
