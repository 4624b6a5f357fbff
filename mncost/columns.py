"""Every figure mncost reports, declared once: its key, header, kind, and how to read it from a
layer, a report's totals or a sweep point.

Each output reads these declarations and nothing else: the terminal table and its footer, CSV,
JSON, Markdown, LaTeX, `--summary`, `--group-by`, `sweep` and its pivots, `diff` (layer rows,
totals and the `--fail-on` metrics) and `fit`. Adding a metric is one `Column` here plus its
computation (a LayerCost field, a Report total, a SweepRow field). The README's field tables are
checked against these declarations (tests/test_columns.py).
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from .record import record


class Kind(StrEnum):
    """How a column's values are formatted and aligned."""

    TEXT = "text"  # names: escaped per format, neutralised in CSV, left-aligned
    FLAG = "flag"  # true/false: "yes" or blank for people, true/false in CSV and JSON
    INT = "int"  # small exact integers (index, resolution, layer count)
    NUMBER = "number"  # α, depth multiplier: shortest form ("0.75")
    RATIO = "ratio"  # ρ, MACs per byte: 4 significant digits for people, full precision in CSV
    SHAPE = "shape"  # HxWxC; a list [H, W, C] in JSON
    COUNT = "count"  # params: follows --units
    ARITH = "arith"  # MACs; shown as FLOPs (2 × MACs) under --count flops; follows --units
    BYTES = "bytes"  # follows --units (kB = 1000 B)
    SHARE = "share"  # a fraction of a total: "94.86%" for people, 6 decimals in CSV and JSON
    WINDOW = "window"  # a kernel window HxW ("3x3"); a list [H, W] in JSON
    MS = "ms"  # milliseconds: "1.234 ms" for people (4 significant digits), full precision in CSV and JSON


Getter = Callable[[Any], Any]


@record
class Column:
    """One figure. `layer`, `total` and `point` read it from a LayerCost, a Report and a SweepRow;
    a column without one of them does not appear in that view."""

    key: str  # CSV header and JSON key
    header: str  # what people see
    kind: Kind
    doc: str  # one line for the README's field tables
    layer: Getter | None = None
    total: Getter | None = None  # the report's total (the per-layer footer, --summary, diff totals)
    point: Getter | None = None  # a sweep point's value
    metric: str | None = None  # the `diff` / `--fail-on` name of its total (None: not compared)
    human: bool = True  # also shown in table/markdown/latex (False: CSV and JSON only)
    detail: bool = False  # per-layer only with --detail (memory traffic)
    summary: bool = True  # its total is shown as a total (False: only in the per-layer footer)
    total_header: str | None = None  # the header of its total, when it differs (`Model size`)
    drop: int = 0  # terminal: columns with a higher value are hidden first when the table is too wide
    optional: bool = False  # present only when computed (latency: with --device); None otherwise
    nullable: bool = False  # None (JSON null, an empty cell) where the layer has no such attribute
    human_detail: bool = False  # table, Markdown and LaTeX show it only with --detail; CSV and JSON always

    @property
    def numeric(self) -> bool:
        return self.kind not in (Kind.TEXT, Kind.FLAG)


def _intensity(layer: Any) -> float:
    return round(float(layer.arithmetic_intensity), 6)


COLUMNS: tuple[Column, ...] = (
    Column("name", "Layer", Kind.TEXT, "hierarchical layer name (`stage3.block2.dw`)", layer=lambda x: x.name),
    Column("op", "Op", Kind.TEXT, "the primitive op (`conv`, `dwconv`, ...)", layer=lambda x: x.op, human=False),
    Column("type", "Type", Kind.TEXT, "the V1 paper's Table 2 layer type (`conv dw 3x3`)", layer=lambda x: x.type),
    Column("input_shape", "Input", Kind.SHAPE, "first input, H×W×C", layer=lambda x: x.input_shape),
    Column("output_shape", "Output", Kind.SHAPE, "output, H×W×C", layer=lambda x: x.output_shape),
    Column("params", "Params", Kind.COUNT, "parameters (weights, declared biases, BN per --bn-params)",
           layer=lambda x: x.params, total=lambda r: r.totals.params, point=lambda p: p.params, metric="params"),
    Column("macs", "MACs", Kind.ARITH, "multiply-accumulates (FLOPs = 2 × MACs under --count flops)",
           layer=lambda x: x.macs, total=lambda r: r.totals.macs, point=lambda p: p.macs, metric="macs"),
    Column("activation_bytes", "Output mem", Kind.BYTES, "output elements × dtype bytes (total: sum over layers)",
           layer=lambda x: x.activation_bytes, total=lambda r: r.totals.activation_bytes,
           point=lambda p: p.activation_bytes, metric="activation_memory", drop=2),
    Column("live_bytes", "Live mem", Kind.BYTES, "every tensor alive while the layer runs (total: the peak)",
           layer=lambda x: x.live_bytes, total=lambda r: r.memory.peak_bytes, summary=False, drop=3),
    Column("kind", "Kind", Kind.TEXT, "the op's kernel class (`ops.Kernel`): conv, depthwise, fc, pool, "
           "elementwise, free", layer=lambda x: x.kind, human_detail=True),
    Column("kernel", "Kernel", Kind.WINDOW, "kernel window H×W (a global pool: its input; none: no window)",
           layer=lambda x: x.kernel, human_detail=True, nullable=True),
    Column("stride", "Stride", Kind.INT, "stride of a conv or pooling window (none: no window)",
           layer=lambda x: x.stride, human_detail=True, nullable=True),
    Column("groups", "Groups", Kind.INT, "conv groups (a depthwise conv: its channels; fc: 1; none: not a conv)",
           layer=lambda x: x.groups, human_detail=True, nullable=True),
    Column("dilation", "Dilation", Kind.INT, "dilation of a conv or pooling window (1 unless set)",
           layer=lambda x: x.dilation, human_detail=True, nullable=True),
    Column("activation", "Act", Kind.TEXT, "the activation a conv or fc applies, or a standalone activation's op",
           layer=lambda x: x.activation, human_detail=True),
    Column("bn", "BN", Kind.FLAG, "the layer is or includes a batch norm", layer=lambda x: x.bn, human_detail=True),
    Column("bn_fused", "BN fused", Kind.FLAG, "its batch norm folds into the conv or fc before it (--fusion)",
           layer=lambda x: x.bn_fused, human_detail=True),
    Column("act_fused", "Act fused", Kind.FLAG, "its activation runs inside the conv or fc kernel (--fusion)",
           layer=lambda x: x.act_fused, human_detail=True),
    Column("latency_ms", "Latency", Kind.MS, "estimated milliseconds on the --device profile (docs/latency.md)",
           layer=lambda x: x.latency_ms, total=lambda r: r.totals.latency_ms, point=lambda p: p.latency_ms,
           metric="latency", optional=True, drop=1),
    Column("streamed", "Streamed", Kind.FLAG, "output streamed inside a block, never materialized",
           layer=lambda x: x.streamed, detail=True),
    Column("param_bytes", "Weights", Kind.BYTES, "parameters × weight dtype bytes (total: the model size)",
           layer=lambda x: x.param_bytes, total=lambda r: r.totals.param_bytes, detail=True,
           total_header="Model size"),
    Column("bytes_read", "Read", Kind.BYTES, "inputs × dtype bytes + weight bytes",
           layer=lambda x: x.bytes_read, total=lambda r: sum(x.bytes_read for x in r.layers), detail=True,
           summary=False),
    Column("bytes_written", "Written", Kind.BYTES, "output × dtype bytes",
           layer=lambda x: x.bytes_written, total=lambda r: sum(x.bytes_written for x in r.layers), detail=True,
           summary=False),
    Column("arithmetic_intensity", "MACs/B", Kind.RATIO, "MACs per byte moved (read + written)",
           layer=_intensity, detail=True),
    Column("peak_bytes", "Peak mem", Kind.BYTES, "peak live activation memory of a sequential run",
           total=lambda r: r.memory.peak_bytes, point=lambda p: p.peak_bytes, metric="peak_memory"),
    Column("peak_layer", "Peak at", Kind.TEXT, "the first layer where the peak occurs",
           total=lambda r: r.memory.peak_layer),
    Column("largest_tensor_bytes", "Largest tensor", Kind.BYTES, "the largest materialized output tensor",
           total=lambda r: r.memory.largest_tensor_bytes),
    Column("largest_tensor_layer", "Largest at", Kind.TEXT, "the layer that writes it",
           total=lambda r: r.memory.largest_tensor_layer),
)
"""Every figure, in output order."""

BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}

LAYER_COLUMNS: tuple[Column, ...] = tuple(c for c in COLUMNS if c.layer is not None)
"""Per-layer figures (LayerCost), in output order; `detail` ones only with --detail."""

TOTAL_COLUMNS: tuple[Column, ...] = tuple(
    BY_KEY[k] for k in ("params", "macs", "param_bytes", "activation_bytes", "peak_bytes", "peak_layer",
                        "largest_tensor_bytes", "largest_tensor_layer", "latency_ms"))
"""A report's totals (`--summary`, JSON `totals`): params, MACs, model size, then memory."""

POINT_COLUMNS: tuple[Column, ...] = tuple(c for c in COLUMNS if c.point is not None)
"""The figures of a sweep point (after α, resolution and ρ)."""

METRICS: dict[str, Column] = {c.metric: c for c in COLUMNS if c.metric is not None}
"""The totals `diff` compares and `--fail-on` can put a threshold on, by metric name."""

DIFF_LAYER_COLUMNS: tuple[Column, ...] = tuple(BY_KEY[k] for k in ("params", "macs", "activation_bytes", "live_bytes"))
"""The per-layer figures `diff` compares and shows."""


def present(columns: tuple[Column, ...], report: Any) -> tuple[Column, ...]:
    """The columns a report has values for: optional ones only when computed (latency with --device)."""
    device = report.conventions.device is not None
    return tuple(c for c in columns if not c.optional or device)


def flops_of(column: Column) -> Column:
    """The FLOPs form of an arithmetic column (2 × MACs), for --count flops."""
    def doubled(get: Getter | None) -> Getter | None:
        return None if get is None else (lambda row: None if (v := get(row)) is None else 2 * v)

    return Column(column.key.replace("macs", "flops"), column.header.replace("MACs", "FLOPs"), Kind.ARITH,
                  "2 × MACs", doubled(column.layer), doubled(column.total), doubled(column.point),
                  None, column.human, column.detail, column.summary, column.total_header, column.drop,
                  column.optional, column.nullable, column.human_detail)
