"""mncost: architecture cost analyzer for efficient CNNs (MobileNet V1/V2/V3 and friends).

Library use::

    from mncost import Config, evaluate, load
    report = evaluate(load("v1"), Config(alpha=0.5, rho=0.714))
    report.totals.macs  # exact multiply-accumulates
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .bundled import locate
from .errors import ConfigError, EvaluationError, MncostError, SpecError
from .evaluate import check_paper_sizes, evaluate
from .graph import Graph, build_graph
from .report import Config, Report
from .spec import Spec, load_spec

try:
    __version__ = version("mncost")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"


def load(spec: str | Path, depth_multiplier: float = 1.0) -> Graph:
    """Load a bundled spec by name (`"v1"`) or a spec file, build its graph and check the
    paper sizes it declares."""
    path, shown = locate(str(spec))
    graph = build_graph(load_spec(path, shown), depth_multiplier)
    check_paper_sizes(graph)
    return graph


__all__ = [
    "Config", "ConfigError", "EvaluationError", "Graph", "MncostError", "Report", "Spec", "SpecError",
    "__version__", "build_graph", "check_paper_sizes", "evaluate", "load", "load_spec",
]
