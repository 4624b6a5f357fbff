"""Budget-fit results (one row, or the Pareto frontier) as a sheet (every tabular format) and as
the `mncost.fit/1` JSON document. The figures' headers and kinds are the declared ones (mncost.columns)."""

from __future__ import annotations

import json
from typing import Any

from ..columns import BY_KEY, Kind
from ..fit import FitResult, iter_rows
from ..report import Conventions, SpecInfo
from .json import conventions_dict, spec_dict
from .sheet import Column, Sheet, config_notes, conventions_context

SCHEMA = "mncost.fit/1"

_WHAT = {"alpha": "largest alpha", "rho": "largest resolution", "both": "Pareto frontier of alpha and resolution"}


def headers(result: FitResult) -> list[tuple[str, str]]:
    """(row key, column title) in display order."""
    return [(c.key, c.header) for c in _columns(result)]


def _columns(result: FitResult) -> tuple[Column, ...]:
    key = result.unit.lower()

    def field(name: str) -> Any:
        return lambda row: row[name]

    return (
        Column("alpha", "alpha", Kind.NUMBER, field("alpha")),
        Column("resolution", "resolution", Kind.INT, field("resolution")),
        Column("rho", "rho", Kind.RATIO, field("rho"), human=False),
        Column(key, result.unit, Kind.COUNT, field(key)),  # already in the config's unit (FLOPs under --count flops)
        Column("params", BY_KEY["params"].header, BY_KEY["params"].kind, field("params")),
        Column("peak_bytes", BY_KEY["peak_bytes"].header, BY_KEY["peak_bytes"].kind, field("peak_bytes")),
        Column("alpha_range", "same network for alpha in", Kind.TEXT, field("alpha_range")),
    )


def budget_text(result: FitResult) -> str:
    b = result.budget
    parts = [f"{name} ≤ {limit:,}" for name, limit in (
        (result.unit, b.arithmetic), ("params", b.params), ("peak memory bytes", b.peak_bytes)) if limit is not None]
    return ", ".join(parts + ([f"latency ≤ {b.latency_ms:g} ms"] if b.latency_ms is not None else []))


def fit_sheet(result: FitResult, spec: SpecInfo, conventions: Conventions, classes: int, depth: float,
              base_resolution: int) -> Sheet:
    """One row per fitting point, with the config and conventions as every sheet has them."""
    columns = _columns(result)
    notes = config_notes(spec, None, conventions, classes, depth, base_resolution)
    context = (("spec", spec.name), ("classes", classes), ("depth_multiplier", depth),
               *conventions_context(conventions))
    rows = tuple(tuple(c.get(row) for c in columns) for row in iter_rows(result))
    next_larger = f"next larger: {result.next_larger}" if result.vary != "both" else result.next_larger
    trailer = "\n".join([next_larger, *(f"note: {note}" for note in result.notes)])
    return Sheet(f"{spec.name}: {_WHAT[result.vary]} within {budget_text(result)}", notes, context, columns, rows,
                 trailer=trailer, row_label="fit")


def fit_dict(result: FitResult, spec: SpecInfo, conventions: Conventions) -> dict[str, Any]:
    b = result.budget
    return {
        "schema": SCHEMA,
        "spec": spec_dict(spec),
        "conventions": conventions_dict(conventions),
        "vary": result.vary,
        "budget": {result.unit.lower(): b.arithmetic, "params": b.params, "peak_bytes": b.peak_bytes,
                   "latency_ms": b.latency_ms},
        "points": list(iter_rows(result)),
        "next_larger": result.next_larger,
        "notes": list(result.notes),
    }


def to_json(result: FitResult, spec: SpecInfo, conventions: Conventions) -> str:
    return json.dumps(fit_dict(result, spec, conventions), indent=2, ensure_ascii=False) + "\n"
