"""The Python API's verbs: `mncost.evaluate`, `mncost.sweep`, `mncost.diff` (with `mncost.load`
in the package itself). Each takes what a user has at hand (a bundled name, a file or a loaded
graph; a Config or its fields as keywords) and returns a result with `rows()`, `to_dict()`,
`to_pandas()` and notebook display (mncost.tabular).

These are the package's attributes; the modules of the same names (mncost/evaluate.py,
mncost/sweep.py, mncost/diff.py) stay importable by path (`from mncost.evaluate import ...`)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .record import replace
from .report import Config, Report

if TYPE_CHECKING:
    from .diff import Diff
    from .graph import Graph
    from .sweep_grid import SweepResult


def _graph(spec: Graph | str | Path, config: Config) -> Graph:
    from . import load
    from .graph import Graph

    if isinstance(spec, Graph):
        return spec
    return load(spec, config.depth_multiplier, depth_rounding=config.depth_rounding)


def _config(config: Config | None, settings: dict[str, Any]) -> Config:
    if config is None:
        return Config(**settings)
    return replace(config, **settings) if settings else config


def evaluate(spec: Graph | str | Path, config: Config | None = None, /, **settings: Any) -> Report:
    """Evaluate a spec: a loaded graph (`mncost.load`), a bundled name (`"v1"`) or a spec or ONNX
    file, under `config` and/or Config fields as keywords (`alpha=0.5, bn_params="affine"`)."""
    from .evaluate import evaluate as evaluate_graph

    chosen = _config(config, settings)
    return evaluate_graph(_graph(spec, chosen), chosen)


def sweep(spec: Graph | str | Path, alphas: Iterable[float] = (1.0,), resolutions: Iterable[int] | None = None,
          config: Config | None = None, /, **settings: Any) -> SweepResult:
    """Totals of a spec at every (α, resolution), α-major, as `mncost sweep` (resolutions default
    to the spec's own); conventions from `config` and/or keywords."""
    from .sweep_grid import run_sweep, unique

    chosen = _config(config, settings)
    graph = _graph(spec, chosen)
    alpha_values = [float(a) for a in alphas]
    grid = [int(r) for r in resolutions] if resolutions is not None else [graph.spec.resolution]
    unique(alpha_values, "alpha")
    unique(grid, "resolution")
    return run_sweep(graph, alpha_values, grid, chosen)


def diff(old: Report, new: Report, old_label: str | None = None, new_label: str | None = None) -> Diff:
    """Compare two reports layer by layer (matched by name), as `mncost diff`; the sides are
    labelled with their spec names unless labels are given."""
    from .diff import diff as compare

    return compare(old, new, old_label, new_label)
