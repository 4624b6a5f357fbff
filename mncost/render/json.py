"""The `mncost.report/1` JSON document (see docs/json.md). Exact integers throughout."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..columns import LAYER_COLUMNS, POINT_COLUMNS, TOTAL_COLUMNS, Column, Kind, present
from ..conventions import Counting
from ..report import Conventions, Report, Resolved, SpecInfo

if TYPE_CHECKING:
    from ..memory import MemoryTable, ResolutionRow
    from ..sweep_grid import SweepResult

SCHEMA = "mncost.report/1"


def spec_dict(spec: SpecInfo) -> dict[str, Any]:
    """The `spec` object shared by every JSON document."""
    return {"name": spec.name, "description": spec.description, "family": spec.family, "source": spec.source,
            "file": spec.file}


def config_dict(config: Resolved) -> dict[str, Any]:
    """The `config` object of a report (and of each side of a diff)."""
    return {"alpha": config.alpha, "rho": config.rho, "resolution": config.resolution, "classes": config.classes,
            "depth_multiplier": config.depth_multiplier}


def conventions_dict(conv: Conventions) -> dict[str, Any]:
    """The `conventions` object shared by every JSON document."""
    return {"rounding": str(conv.rounding), "counting": str(conv.counting), "ops": str(conv.ops),
            "bn_params": str(conv.bn_params), "ln_params": str(conv.ln_params),
            "dtype": str(conv.dtype), "padding": conv.padding,
            "weight_dtype": str(conv.weight_dtype), "memory_model": str(conv.memory_model),
            "first_layer_trick": conv.first_layer_trick, "device": conv.device,
            "fusion": str(conv.fusion), "depth_rounding": str(conv.depth_rounding)}


def json_value(column: Column, value: Any) -> Any:
    """A declared figure as JSON: shapes as [H, W, C], everything else as it is (exact integers)."""
    return value.as_list() if column.kind in (Kind.SHAPE, Kind.WINDOW) and value is not None else value


def groups_dict(report: Report, level: str, detail: bool = False) -> dict[str, Any]:
    """`groups`: per-stage or per-block totals (`show --group-by stage|block`), figures declared
    in mncost.columns (GROUP_COLUMNS)."""
    from ..groups import Level, group_value, grouped
    from .sheet import group_columns

    flops = report.conventions.counting is Counting.FLOPS
    figures = group_columns(report, detail)
    total_macs, total_params = report.totals.macs or 1, report.totals.params or 1
    rows = []
    for name, layers in grouped(report, Level(level)):
        row: dict[str, Any] = {"group": name, "layers": len(layers), **{c.key: group_value(c, layers) for c in figures}}
        if flops:
            row["flops"] = 2 * row["macs"]
        row["macs_share"] = round(row["macs"] / total_macs, 6)
        row["params_share"] = round(row["params"] / total_params, 6)
        rows.append(row)
    return {"by": level, "rows": rows}


def report_dict(report: Report, group_by: str | None = None, detail: bool = False) -> dict[str, Any]:
    flops = report.conventions.counting is Counting.FLOPS
    spec, config, conv = report.spec, report.config, report.conventions
    layers = []
    layer_columns = present(LAYER_COLUMNS, report)
    for layer in report.layers:
        row: dict[str, Any] = {c.key: json_value(c, c.layer(layer)) for c in layer_columns if c.layer is not None}
        if flops:
            row["flops"] = 2 * layer.macs
        layers.append(row)
    totals: dict[str, Any] = {c.key: c.total(report) for c in present(TOTAL_COLUMNS, report) if c.total is not None}
    if flops:
        totals["flops"] = 2 * report.totals.macs
    return {
        "schema": SCHEMA,
        "spec": spec_dict(spec),
        "config": config_dict(config),
        "conventions": conventions_dict(conv),
        "layers": layers,
        "outputs": list(report.outputs),
        "totals": totals,
        "by_type": [
            {"type": t.type, "layers": t.layers, "params": t.params, "macs": t.macs,
             "params_share": round(t.params_share, 6), "macs_share": round(t.macs_share, 6)}
            for t in report.by_type()
        ],
    } | ({"groups": groups_dict(report, group_by, detail)} if group_by else {})


def to_json(report: Report, group_by: str | None = None, detail: bool = False) -> str:
    """The `mncost.report/1` document; `group_by` ("stage" or "block") adds its `groups`."""
    return json.dumps(report_dict(report, group_by, detail), indent=2, ensure_ascii=False) + "\n"


MEMORY_SCHEMA = "mncost.memory/1"


def memory_to_json(table: MemoryTable) -> str:
    """`mncost memory --format json`: per-resolution rows (exact bytes), the max row and the peak."""
    report, top = table.report, table.max
    document = report_dict(report)

    def row(r: ResolutionRow) -> dict[str, Any]:
        return {"height": r.h, "width": r.w, "channels": r.channels, "bytes": r.bytes, "layer": r.layer}

    return json.dumps({
        "schema": MEMORY_SCHEMA,
        "spec": document["spec"],
        "config": document["config"],
        "conventions": document["conventions"],
        "resolutions": [row(r) for r in table.rows],
        "max": row(top),
        "peak_bytes": report.memory.peak_bytes,
        "peak_layer": report.memory.peak_layer,
    }, indent=2, ensure_ascii=False) + "\n"
SWEEP_SCHEMA = "mncost.sweep/1"


def sweep_dict(result: SweepResult, pivot: str | Sequence[str] | None = None) -> dict[str, Any]:
    """The `mncost.sweep/1` document (see docs/json.md). `pivot`: add the α × resolution grid of
    each field (`pivots`; `pivot` is the first's)."""
    flops = result.conventions.counting is Counting.FLOPS
    spec, conv = result.spec, result.conventions
    rows = []
    for r in result.points:
        row: dict[str, Any] = {"alpha": r.alpha, "resolution": r.resolution, "rho": r.rho,
                               **{c.key: c.point(r) for c in present(POINT_COLUMNS, result) if c.point is not None}}
        if flops:
            row["flops"] = 2 * r.macs
        rows.append(row)
    doc: dict[str, Any] = {
        "schema": SWEEP_SCHEMA,
        "spec": spec_dict(spec),
        "config": {"classes": result.classes, "depth_multiplier": result.depth_multiplier,
                   "base_resolution": result.base_resolution},
        "conventions": conventions_dict(conv),
        "alphas": list(result.alphas),
        "resolutions": list(result.resolutions),
        "rows": rows,
    }
    if pivot:
        fields = [pivot] if isinstance(pivot, str) else list(pivot)
        doc["pivot"] = {"field": fields[0], "values": result.pivot(fields[0])}
        doc["pivots"] = [{"field": f, "values": result.pivot(f)} for f in fields]
    return doc


def sweep_to_json(result: SweepResult, pivot: str | Sequence[str] | None = None) -> str:
    return json.dumps(sweep_dict(result, pivot), indent=2, ensure_ascii=False) + "\n"
