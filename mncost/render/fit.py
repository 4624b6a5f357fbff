"""Budget-fit results (one row, or the Pareto frontier) as Markdown, CSV and JSON."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from ..fit import FitResult, iter_rows

SCHEMA = "mncost.fit/1"


def headers(result: FitResult) -> list[tuple[str, str]]:
    """(row key, column title) in display order."""
    return [("alpha", "alpha"), ("alpha_range", "same network for alpha in"), ("resolution", "resolution"),
            ("rho", "rho"), (result.unit.lower(), result.unit), ("params", "params"),
            ("peak_bytes", "peak memory (bytes)")]


def to_markdown(result: FitResult) -> str:
    cols = headers(result)
    lines = ["| " + " | ".join(title for _, title in cols) + " |",
             "|" + "|".join("---:" if key != "alpha_range" else "---" for key, _ in cols) + "|"]
    for row in iter_rows(result):
        lines.append("| " + " | ".join(_cell(row[key]) for key, _ in cols) + " |")
    return "\n".join(lines) + "\n"


def _cell(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}" if isinstance(value, float) else str(value)


def to_csv(result: FitResult) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    cols = headers(result)
    writer.writerow([key for key, _ in cols])
    for row in iter_rows(result):
        writer.writerow([row[key] for key, _ in cols])
    return out.getvalue()


def fit_dict(result: FitResult, spec: str) -> dict[str, Any]:
    b = result.budget
    return {
        "schema": SCHEMA,
        "spec": spec,
        "vary": result.vary,
        "budget": {result.unit.lower(): b.arithmetic, "params": b.params, "peak_bytes": b.peak_bytes},
        "points": list(iter_rows(result)),
        "next_larger": result.next_larger,
        "notes": list(result.notes),
    }


def to_json(result: FitResult, spec: str) -> str:
    return json.dumps(fit_dict(result, spec), indent=2, ensure_ascii=False) + "\n"
