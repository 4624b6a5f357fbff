"""Evaluate one spec over a grid of width multipliers and resolutions.

The graph is built once; each (α, resolution) pair is one evaluation. Totals are identical to
evaluating each config separately with `evaluate` (a test checks that).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from .evaluate import evaluate
from .graph import Graph
from .report import Config


@dataclass(frozen=True, slots=True)
class SweepRow:
    """Totals of one grid point. Arithmetic in MACs; bytes at the config's dtype."""

    alpha: float
    resolution: int
    rho: float
    params: int
    macs: int
    activation_bytes: int
    peak_bytes: int


def sweep(graph: Graph, alphas: Sequence[float], resolutions: Sequence[int], config: Config) -> list[SweepRow]:
    """One row per (α, resolution), α-major in the order given. `config` supplies the conventions."""
    rows = []
    for alpha in alphas:
        for resolution in resolutions:
            r = evaluate(graph, replace(config, alpha=alpha, rho=None, resolution=resolution))
            rows.append(SweepRow(alpha, resolution, r.config.rho, r.totals.params, r.totals.macs,
                                 r.totals.activation_bytes, r.memory.peak_bytes))
    return rows
