"""mncost: architecture cost analyzer for efficient CNNs (MobileNet V1/V2/V3 and friends).

Library use::

    from mncost import Config, evaluate, load
    report = evaluate(load("v1"), Config(alpha=0.5, rho=0.714))
    report.totals.macs  # exact multiply-accumulates

The names below are imported from their modules on first use, so that the command line's entry
point can set up the process before the core is imported (see mncost.entry).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from .conventions import DepthRounding
    from .errors import ConfigError, EvaluationError, MncostError, SpecError
    from .evaluate import check_paper_sizes, evaluate
    from .graph import Graph, build_graph
    from .report import Config, Report
    from .spec import Spec, load_spec

    __version__: str

_EXPORTS = {
    "ConfigError": "errors", "EvaluationError": "errors", "MncostError": "errors", "SpecError": "errors",
    "check_paper_sizes": "evaluate", "evaluate": "evaluate", "Graph": "graph", "build_graph": "graph",
    "Config": "report", "Report": "report", "Spec": "spec", "load_spec": "spec",
}


def __getattr__(name: str) -> Any:
    """The public names, from their modules; `__version__` from the installed package's metadata.

    The one version source is pyproject.toml; importlib.metadata costs more to import than the
    rest of the start-up, so only `--version` (or a library user asking) pays for it."""
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            value = version("mncost")
        except PackageNotFoundError:  # pragma: no cover - a source tree without install
            value = "0+unknown"
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
    else:
        raise AttributeError(f"module 'mncost' has no attribute '{name}'")
    globals()[name] = value
    return value


def load(spec: str | Path, depth_multiplier: float = 1.0, depth_rounding: DepthRounding | None = None) -> Graph:
    """Load a bundled spec by name (`"v1"`), a spec file or an ONNX model file (`model.onnx`,
    imported as `mncost import` would write it), build its graph and check the paper sizes it declares.
    `depth_rounding` (default ceil) is how stage rows scale with the depth multiplier."""
    from .bundled import is_onnx, locate
    from .conventions import DepthRounding
    from .evaluate import check_paper_sizes
    from .gcpause import collector_paused
    from .graph import build_graph
    from .spec import load_spec, parse_spec

    path, shown = locate(str(spec))
    with collector_paused():
        if is_onnx(path):
            from .onnx_import import import_onnx

            parsed = parse_spec(import_onnx(path, shown), shown)
        else:
            parsed = load_spec(path, shown)
        graph = build_graph(parsed, depth_multiplier, depth_rounding or DepthRounding.CEIL)
        check_paper_sizes(graph)
    return graph


__all__ = [
    "Config", "ConfigError", "EvaluationError", "Graph", "MncostError", "Report", "Spec", "SpecError",
    "__version__", "build_graph", "check_paper_sizes", "evaluate", "load", "load_spec",
]
