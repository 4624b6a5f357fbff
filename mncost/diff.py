"""The difference between two reports: totals side by side and per-layer rows matched by name.

Layers are matched by their stable hierarchical name (`stage3.block2.dw`), never by position, so
a block added to one stage does not mark every later layer as changed; a renamed or moved layer
shows up as one removed and one added row. A flat spec spells a nested name with `_` for `.`
(`mncost import` of an exported spec writes `stage3_block2_dw`): a layer with no namesake on the
other side is matched to the one layer there that spells it so, and the row takes the new name.
All numbers stay exact integers.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

from .columns import METRICS
from .conventions import Counting
from .errors import ConfigError
from .record import record, replace
from .report import Cost, LayerCost, Memory, Report
from .tabular import Tabular

BY_METRIC_OPTIONAL = {name: column.optional for name, column in METRICS.items()}


class Metric(StrEnum):
    """A total that `diff` compares and `--fail-on` can put a threshold on: every declared metric
    (mncost.columns.METRICS, a test keeps the two equal) and FLOPs."""

    PARAMS = "params"
    """Parameters (weights, biases, batch-norm parameters under --bn-params)."""
    MACS = "macs"
    """Multiply-accumulates of the whole network."""
    FLOPS = "flops"
    """2 × MACs, whatever --count says (a threshold in FLOPs for teams that budget in FLOPs)."""
    ACTIVATION_MEMORY = "activation_memory"
    """Sum of every layer's output tensor, in bytes (the report's `activation_bytes`)."""
    PEAK_MEMORY = "peak_memory"
    """Peak live activation memory of a sequential run, in bytes (the report's `peak_bytes`)."""
    LATENCY = "latency"
    """Estimated milliseconds on the --device profile (the report's `latency_ms`); needs --device."""


TOTALS = tuple(Metric(name) for name in METRICS if not BY_METRIC_OPTIONAL.get(name))
"""The totals a diff always shows; latency too when both sides have a --device (`Diff.totals`)."""
"""The totals a diff shows, in order (FLOPs replace MACs in human output under --count flops)."""


class Status(StrEnum):
    """What happened to a layer between the old and the new report."""

    CHANGED = "changed"
    """In both, with a different op, type, shape, params, MACs, output bytes or live bytes."""
    ADDED = "added"
    """Only in the new report."""
    REMOVED = "removed"
    """Only in the old report."""
    UNCHANGED = "unchanged"
    """In both and identical."""


@record
class Change:
    """An old and a new integer value."""

    old: int | float
    new: int | float

    @property
    def delta(self) -> int | float:
        return self.new - self.old

    @property
    def relative(self) -> float:
        """(new - old) / old: 0.0 when both are 0, +inf for any increase from 0."""
        if self.old == 0:
            return 0.0 if self.new == 0 else math.inf
        return self.delta / self.old


def metric_value(report: Report, metric: Metric) -> int:
    """A report's total for one metric (memory in bytes), read through its declaration (mncost.columns)."""
    if metric is Metric.FLOPS:
        return 2 * report.totals.macs
    total = METRICS[metric.value].total
    assert total is not None
    value = total(report)
    if value is None:
        raise ConfigError(f"the {metric.value} metric needs --device (a device profile) on both sides")
    return value  # type: ignore[no-any-return]


@record
class LayerDiff:
    """One layer name with its row in each report (None where the layer does not exist)."""

    name: str
    status: Status
    old: LayerCost | None
    new: LayerCost | None

    def change(self, field: str) -> Change:
        """Old and new value of an integer field of LayerCost; a missing side counts as 0."""
        return Change(getattr(self.old, field) if self.old else 0, getattr(self.new, field) if self.new else 0)


@record
class Diff(Tabular):
    """Two reports compared. Labels name the sides as the user gave them (`v1@alpha=0.75`).
    `rows()`: one dict per layer, unchanged ones included; `to_dict()`: the `mncost.diff/1`
    document (`diff --format json`); `to_pandas()`; Markdown in notebooks."""

    old_label: str
    new_label: str
    old: Report
    new: Report
    layers: tuple[LayerDiff, ...]  # every layer of both reports, unchanged ones included
    old_exists: bool = True  # False: the old side is a spec added by the change (see `absent`)
    new_exists: bool = True  # False: the new side's spec was removed by the change

    def total(self, metric: Metric) -> Change:
        return Change(metric_value(self.old, metric), metric_value(self.new, metric))

    def to_dict(self, everything: bool = False) -> dict[str, Any]:
        """The `mncost.diff/1` JSON document, as `mncost diff --format json [--all]` writes it."""
        from .render.diff_json import diff_dict

        return diff_dict(self, everything=everything)

    def rows(self) -> list[dict[str, Any]]:
        return list(self.to_dict(everything=True)["layers"])

    def _markdown(self) -> str:
        from .render.diff_markdown import to_markdown

        return to_markdown(self)

    def _title(self) -> str:
        return f"mncost diff: {self.old_label} → {self.new_label}"

    @property
    def has_latency(self) -> bool:
        return self.old.conventions.device is not None and self.new.conventions.device is not None

    @property
    def totals(self) -> tuple[Metric, ...]:
        """The totals shown: TOTALS, and latency when both sides have a --device."""
        return TOTALS + ((Metric.LATENCY,) if self.has_latency else ())

    @property
    def metrics(self) -> tuple[Metric, ...]:
        """Every metric this diff can compare (JSON `totals`, `--fail-on`)."""
        return tuple(m for m in Metric if m is not Metric.LATENCY or self.has_latency)

    @property
    def flops(self) -> bool:
        """True when the new side counts arithmetic as FLOPs (human output shows FLOPs then)."""
        return self.new.conventions.counting is Counting.FLOPS

    def count(self, status: Status) -> int:
        return sum(1 for layer in self.layers if layer.status is status)

    def shown(self, everything: bool = False) -> tuple[LayerDiff, ...]:
        """The layers to show: all of them, or only those changed, added or removed."""
        return self.layers if everything else tuple(x for x in self.layers if x.status is not Status.UNCHANGED)

    @property
    def identical(self) -> bool:
        """No layer changed, was added or removed, and every total is the same."""
        return (all(x.status is Status.UNCHANGED for x in self.layers)
                and all(self.total(m).delta == 0 for m in TOTALS))


def absent(present: Report, file: str) -> Report:
    """The side of a spec that does not exist (at a git revision): no layers, every total 0, the
    other side's config and conventions. Diffed against it, every layer is added (or removed)."""
    return replace(present, spec=replace(present.spec, name=file, description="", family="", source="", file=file),
                   layers=(), totals=Cost(params=0, macs=0, activation_bytes=0, param_bytes=0),
                   memory=Memory(peak_bytes=0, peak_layer="", largest_tensor_bytes=0, largest_tensor_layer=""))


def diff(old: Report, new: Report, old_label: str | None = None, new_label: str | None = None,
         old_exists: bool = True, new_exists: bool = True) -> Diff:
    """Compare two reports. Rows follow the new report's layer order; a removed layer comes right
    after the nearest layer before it (in the old order) that still exists, or first.
    `old_exists=False` (or `new_exists`) marks a side made by `absent`."""
    matched = _matched_names(old.layers, {layer.name for layer in new.layers})  # old name -> new name
    old_by_name = {matched.get(layer.name, layer.name): layer for layer in old.layers}
    removed_after: dict[str | None, list[LayerCost]] = {}
    anchor: str | None = None
    for layer in old.layers:
        if layer.name in matched:
            anchor = matched[layer.name]
        else:
            removed_after.setdefault(anchor, []).append(layer)
    rows = [LayerDiff(x.name, Status.REMOVED, x, None) for x in removed_after.get(None, [])]
    for layer in new.layers:
        before = old_by_name.get(layer.name)
        if before is None:
            rows.append(LayerDiff(layer.name, Status.ADDED, None, layer))
        else:
            status = Status.UNCHANGED if replace(before, name=layer.name) == layer else Status.CHANGED
            rows.append(LayerDiff(layer.name, status, before, layer))
        rows.extend(LayerDiff(x.name, Status.REMOVED, x, None) for x in removed_after.get(layer.name, []))
    return Diff(old_label or old.spec.name, new_label or new.spec.name, old, new, tuple(rows), old_exists, new_exists)


def _flat_name(name: str) -> str:
    return name.replace(".", "_")


def _matched_names(old_layers: tuple[LayerCost, ...], new_names: set[str]) -> dict[str, str]:
    """Old layer name -> the new name it is the same layer as: itself where the new side has it,
    else the one new name (not itself an old name) with the same flat spelling, if exactly one
    old name and one new name spell it so."""
    old_names = {layer.name for layer in old_layers}
    matched = {name: name for name in old_names if name in new_names}
    spelled: dict[str, list[str]] = {}
    for name in old_names - new_names:
        spelled.setdefault(_flat_name(name), []).append(name)
    for name in new_names - old_names:
        spelled.setdefault(_flat_name(name), []).append(name)
    for names in spelled.values():
        olds = [n for n in names if n in old_names]
        if len(names) == 2 and len(olds) == 1:
            matched[olds[0]] = next(n for n in names if n not in old_names)
    return matched

