"""The `mncost.diff/1` JSON document (see docs/diff.md, "The mncost.diff/1 JSON document").

Exact integers throughout; relative changes are fractions (not percent) rounded to 6 decimals,
and null for an increase from 0 (unbounded).
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..columns import DIFF_LAYER_COLUMNS
from ..diff import Change, Diff, LayerDiff, Status
from ..report import LayerCost, Report
from ..thresholds import Check
from .json import config_dict, conventions_dict, spec_dict

SCHEMA = "mncost.diff/1"

_LAYER_FIELDS = tuple(c.key for c in DIFF_LAYER_COLUMNS)


def _relative(change: Change) -> float | None:
    relative = change.relative
    return None if math.isinf(relative) else round(relative, 6)


def _change(change: Change) -> dict[str, Any]:
    return {"old": change.old, "new": change.new, "change": change.delta, "relative_change": _relative(change)}


def _side(label: str, report: Report, exists: bool) -> dict[str, Any]:
    return {"label": label, "exists": exists, "spec": spec_dict(report.spec), "config": config_dict(report.config),
            "conventions": conventions_dict(report.conventions)}


def _layer(layer: LayerCost | None) -> dict[str, Any] | None:
    if layer is None:
        return None
    return {"op": layer.op, "type": layer.type, "input_shape": layer.input_shape.as_list(),
            "output_shape": layer.output_shape.as_list(),
            **{c.key: c.layer(layer) for c in DIFF_LAYER_COLUMNS if c.layer is not None}}


def _layer_row(layer: LayerDiff) -> dict[str, Any]:
    return {"name": layer.name, "status": str(layer.status), "old": _layer(layer.old), "new": _layer(layer.new),
            "change": {field: layer.change(field).delta for field in _LAYER_FIELDS}}


def diff_dict(diff: Diff, checks: tuple[Check, ...] = (), everything: bool = False) -> dict[str, Any]:
    totals = {str(metric): _change(diff.total(metric)) for metric in diff.metrics}
    return {
        "schema": SCHEMA,
        "old": _side(diff.old_label, diff.old, diff.old_exists),
        "new": _side(diff.new_label, diff.new, diff.new_exists),
        "totals": totals,
        "summary": {str(status): diff.count(status) for status in Status},
        "layers": [_layer_row(layer) for layer in diff.shown(everything)],
        "all_layers": everything,
        "thresholds": [
            {"expression": c.threshold.text, "metric": str(c.threshold.metric),
             "kind": "relative" if c.threshold.relative else "absolute",
             "limit": float(c.threshold.limit) if c.threshold.limit.denominator != 1 else int(c.threshold.limit),
             **_change(c.change), "exceeded": c.exceeded}
            for c in checks
        ],
        "exceeded": any(c.exceeded for c in checks),
    }


def to_json(diff: Diff, checks: tuple[Check, ...] = (), everything: bool = False) -> str:
    return json.dumps(diff_dict(diff, checks, everything), indent=2, ensure_ascii=False) + "\n"
