"""The `mncost.report/1` JSON document (see README, "JSON report"). Exact integers throughout."""

from __future__ import annotations

import json
from typing import Any

from ..conventions import Counting
from ..grid import SweepResult
from ..report import Report

SCHEMA = "mncost.report/1"


def report_dict(report: Report) -> dict[str, Any]:
    flops = report.conventions.counting is Counting.FLOPS
    spec, config, conv = report.spec, report.config, report.conventions
    layers = []
    for layer in report.layers:
        row: dict[str, Any] = {
            "name": layer.name,
            "op": layer.op,
            "type": layer.type,
            "input_shape": layer.input_shape.as_list(),
            "output_shape": layer.output_shape.as_list(),
            "params": layer.params,
            "macs": layer.macs,
            "activation_bytes": layer.activation_bytes,
            "live_bytes": layer.live_bytes,
        }
        if flops:
            row["flops"] = 2 * layer.macs
        layers.append(row)
    totals: dict[str, Any] = {
        "params": report.totals.params,
        "macs": report.totals.macs,
        "activation_bytes": report.totals.activation_bytes,
        "peak_bytes": report.memory.peak_bytes,
        "peak_layer": report.memory.peak_layer,
        "largest_tensor_bytes": report.memory.largest_tensor_bytes,
        "largest_tensor_layer": report.memory.largest_tensor_layer,
    }
    if flops:
        totals["flops"] = 2 * report.totals.macs
    return {
        "schema": SCHEMA,
        "spec": {"name": spec.name, "description": spec.description, "family": spec.family,
                 "source": spec.source, "file": spec.file},
        "config": {"alpha": config.alpha, "rho": config.rho, "resolution": config.resolution,
                   "classes": config.classes, "depth_multiplier": config.depth_multiplier},
        "conventions": {"rounding": str(conv.rounding), "counting": str(conv.counting), "ops": str(conv.ops),
                        "bn_params": str(conv.bn_params), "dtype": str(conv.dtype), "padding": conv.padding},
        "layers": layers,
        "totals": totals,
        "by_type": [
            {"type": t.type, "layers": t.layers, "params": t.params, "macs": t.macs,
             "params_share": round(t.params_share, 6), "macs_share": round(t.macs_share, 6)}
            for t in report.by_type()
        ],
    }


def to_json(report: Report) -> str:
    return json.dumps(report_dict(report), indent=2, ensure_ascii=False) + "\n"


SWEEP_SCHEMA = "mncost.sweep/1"


def sweep_dict(result: SweepResult, pivot: str | None = None) -> dict[str, Any]:
    """The `mncost.sweep/1` document (see README, "JSON report"). `pivot`: add the α × resolution grid."""
    flops = result.conventions.counting is Counting.FLOPS
    spec, conv = result.spec, result.conventions
    rows = []
    for r in result.rows:
        row: dict[str, Any] = {"alpha": r.alpha, "resolution": r.resolution, "rho": r.rho, "params": r.params,
                               "macs": r.macs, "activation_bytes": r.activation_bytes, "peak_bytes": r.peak_bytes}
        if flops:
            row["flops"] = 2 * r.macs
        rows.append(row)
    doc: dict[str, Any] = {
        "schema": SWEEP_SCHEMA,
        "spec": {"name": spec.name, "description": spec.description, "family": spec.family,
                 "source": spec.source, "file": spec.file},
        "config": {"classes": result.classes, "depth_multiplier": result.depth_multiplier,
                   "base_resolution": result.base_resolution},
        "conventions": {"rounding": str(conv.rounding), "counting": str(conv.counting), "ops": str(conv.ops),
                        "bn_params": str(conv.bn_params), "dtype": str(conv.dtype), "padding": conv.padding},
        "alphas": list(result.alphas),
        "resolutions": list(result.resolutions),
        "rows": rows,
    }
    if pivot is not None:
        doc["pivot"] = {"field": pivot, "values": result.pivot(pivot)}
    return doc


def sweep_to_json(result: SweepResult, pivot: str | None = None) -> str:
    return json.dumps(sweep_dict(result, pivot), indent=2, ensure_ascii=False) + "\n"
