"""mncost: architecture cost analyzer for efficient CNNs (MobileNet V1/V2/V3 and friends).

Library use (docs/python-api.md)::

    import mncost
    report = mncost.evaluate("v1", alpha=0.5, rho=0.714)   # or evaluate(load("v1"), Config(...))
    report.totals.macs  # exact multiply-accumulates
    report.rows()       # one dict per layer; report.to_dict(), report.to_pandas()

The names below are imported from their modules on first use, so that the command line's entry
point can set up the process before the core is imported (see mncost.entry).

`mncost.evaluate`, `mncost.sweep` and `mncost.diff` are the functions of mncost.api; the modules
of the same names stay importable by path (`from mncost.evaluate import check_paper_sizes`,
`importlib.import_module("mncost.sweep")`): importing one does not replace the package's
function (see `_Package`).
"""

from __future__ import annotations

import sys
import types

TYPE_CHECKING = False  # not typing's: importing typing would widen start-up's Ctrl-C window (mncost.entry)
if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path
    from typing import Any

    from .api import diff, evaluate, sweep
    from .conventions import DepthRounding
    from .diff import Diff
    from .errors import ConfigError, EvaluationError, MncostError, SpecError
    from .evaluate import check_paper_sizes
    from .graph import Graph, build_graph
    from .report import Config, Report
    from .space import load_space
    from .spec import Spec, load_spec
    from .sweep_grid import SweepResult

    __version__: str

_EXPORTS = {
    "ConfigError": "errors", "EvaluationError": "errors", "MncostError": "errors", "SpecError": "errors",
    "check_paper_sizes": "evaluate", "Graph": "graph", "build_graph": "graph",
    "Config": "report", "Report": "report", "Spec": "spec", "load_spec": "spec",
    "evaluate": "api", "sweep": "api", "diff": "api", "Diff": "diff", "SweepResult": "sweep_grid",
    "load_space": "space",
}
_FUNCTIONS = frozenset({"evaluate", "sweep", "diff"})
"""Package attributes that are functions although a submodule has the same name."""


class _Package(types.ModuleType):
    """The package module. Python's import system sets `mncost.NAME` to the submodule NAME when it
    is first imported; for the names in _FUNCTIONS the package keeps the function instead (the
    submodule is still sys.modules["mncost.NAME"], which `from mncost.NAME import x` reads)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FUNCTIONS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
for _name in _FUNCTIONS:  # a submodule imported before this line (none today) set the attribute
    if isinstance(globals().get(_name), types.ModuleType):
        del globals()[_name]


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
        from importlib import import_module

        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
    else:
        raise AttributeError(f"module 'mncost' has no attribute '{name}'")
    globals()[name] = value
    return value


def load(spec: str | Path, depth_multiplier: float = 1.0, variables: Mapping[str, Any] | None = None,
         depth_rounding: DepthRounding | None = None) -> Graph:
    """Load a bundled spec by name (`"v1"`), a spec file or an ONNX model file (`model.onnx`,
    imported as `mncost import` would write it), build its graph and check the paper sizes it declares.
    `variables` binds the spec's variables (`{"ks": [3, 5, ...], "d": 4}`; unset ones take their defaults);
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

            parsed = parse_spec(import_onnx(path, shown), shown, variables)
        else:
            parsed = load_spec(path, shown, variables)
        graph = build_graph(parsed, depth_multiplier, depth_rounding or DepthRounding.CEIL)
        check_paper_sizes(graph)
    return graph


__all__ = [
    "Config", "ConfigError", "Diff", "EvaluationError", "Graph", "MncostError", "Report", "Spec", "SpecError",
    "SweepResult", "__version__", "build_graph", "check_paper_sizes", "diff", "evaluate", "load", "load_space",
    "load_spec", "sweep",
]
