"""The largest materialized tensor at each spatial resolution, like the V2 paper's Table 3.

A tensor is materialized when it is held whole in memory: the input image and every layer output
that has its own buffer (not an in-place layer's), except, under `--memory-model streamed`, the
inner tensors of streamable blocks (rules: mncost.liveness). Rows are in order of first appearance
in the run; within a resolution the first of equally large tensors is named.
"""

from __future__ import annotations

from .evaluate import evaluate
from .graph import Graph
from .ops import OPS
from .record import record
from .report import Config, Report


@record
class ResolutionRow:
    """The largest materialized tensor of one spatial size (height × width)."""

    h: int
    w: int
    channels: int
    bytes: int  # h × w × channels × activation dtype bytes
    layer: str  # the layer that writes it; "input" for the image


@record
class MemoryTable:
    """Per-resolution rows and the evaluated report they come from."""

    report: Report
    rows: tuple[ResolutionRow, ...]

    @property
    def max(self) -> ResolutionRow:
        """The largest row (the paper's "max" line); the first one on a tie."""
        return max(self.rows, key=lambda r: r.bytes)



def memory_table(graph: Graph, config: Config) -> MemoryTable:
    """Largest materialized tensor per resolution under `config`: its activation dtype, memory
    model and first-layer trick (V2 paper, Table 3 caption)."""
    report = evaluate(graph, config)
    width = config.dtype.bytes
    side, channels = report.config.resolution, graph.spec.channels
    best = {(side, side): ResolutionRow(side, side, channels, side * side * channels * width, "input")}
    for layer in report.layers:
        if layer.streamed or OPS[layer.op].inplace:
            continue
        out = layer.output_shape
        key = (out.h, out.w)
        if key not in best or layer.activation_bytes > best[key].bytes:
            best[key] = ResolutionRow(out.h, out.w, out.c, layer.activation_bytes, layer.name)
    return MemoryTable(report, tuple(best.values()))
