"""Results of evaluating a graph: one row per layer, totals, and the breakdown by layer type.

Numbers are exact integers: parameters, MACs (multiply-accumulates) and bytes. Formatting such as
"1.32M" happens only in renderers.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from .conventions import BnParams, Counting, DepthRounding, Dtype, Fusion, LnParams, MemoryModel, OpsCounted, Rounding
from .errors import Location
from .ops import Shape
from .record import record
from .structure import Structure, Window
from .tabular import Tabular


@record
class Config:
    """Everything a graph is evaluated under. None means "the spec's default"."""

    alpha: float = 1.0
    rho: float | None = None
    resolution: int | None = None
    rounding: Rounding | None = None
    classes: int | None = None
    counting: Counting = Counting.MACS
    ops: OpsCounted = OpsCounted.CONV_FC_MATMUL
    bn_params: BnParams = BnParams.NONE
    dtype: Dtype = Dtype.FP32
    depth_multiplier: float = 1.0  # stage rows repeat ceil(d·n) blocks; the graph is built for one d
    weight_dtype: Dtype | None = None  # storage type of parameters; None: the same as `dtype`
    memory_model: MemoryModel = MemoryModel.NAIVE
    first_layer_trick: bool = False  # streamed only: the layers before the first streamable block join it
    device: str | None = None  # a device profile (bundled name or file): per-layer and total latency_ms
    depth_rounding: DepthRounding = DepthRounding.CEIL  # how d·n becomes whole blocks; the graph is built for one
    fusion: Fusion | None = None  # BN/activation folding; None: the device profile's, else tflite
    ln_params: LnParams = LnParams.AFFINE  # layer norm γ/β counted (PyTorch, timm) or not

    def __post_init__(self) -> None:
        """Conventions given as their string values (`bn_params="affine"`) become enum members; a
        value that is not one of them is a ValueError naming the choices."""
        for name, enum in _CONFIG_ENUMS.items():
            value = getattr(self, name)
            if value is None or isinstance(value, enum):
                continue
            try:
                object.__setattr__(self, name, enum(value))
            except ValueError:
                choices = ", ".join(repr(m.value) for m in enum)
                raise ValueError(f"Config {name}={value!r}: must be one of {choices}") from None


_CONFIG_ENUMS: dict[str, type[Any]] = {
    "rounding": Rounding, "counting": Counting, "ops": OpsCounted, "bn_params": BnParams, "dtype": Dtype,
    "weight_dtype": Dtype, "memory_model": MemoryModel, "fusion": Fusion, "depth_rounding": DepthRounding,
    "ln_params": LnParams,
}
"""The Config fields that hold a convention (an enum): their string values are accepted too."""


@record
class Conventions:
    """The conventions a report was computed under, all resolved (no defaults left)."""

    rounding: Rounding
    counting: Counting
    ops: OpsCounted
    bn_params: BnParams
    dtype: Dtype
    padding: str
    weight_dtype: Dtype = Dtype.FP32
    memory_model: MemoryModel = MemoryModel.NAIVE
    first_layer_trick: bool = False  # streamed only: the layers before the first streamable block join it
    device: str | None = None  # the device profile latency is estimated for (its name)
    fusion: Fusion = Fusion.TFLITE  # which batch norms and activations fold into the conv or fc before them
    depth_rounding: DepthRounding = DepthRounding.CEIL
    ln_params: LnParams = LnParams.AFFINE

    def describe(self) -> str:
        """`rounding=none count=macs ops=conv-fc-matmul bn-params=none ln-params=affine dtype=fp32
        padding=same` (and `device=`, and `depth-rounding=` when it is not ceil)."""
        return (f"rounding={self.rounding} count={self.counting} ops={self.ops} bn-params={self.bn_params}"
                f" ln-params={self.ln_params}"
                f" dtype={self.dtype} padding={self.padding}" + (f" device={self.device}" if self.device else "")
                + (f" depth-rounding={self.depth_rounding}" if self.depth_rounding is not DepthRounding.CEIL else ""))


@record
class Resolved:
    """The config as applied: α, the input resolution and the ρ it corresponds to."""

    alpha: float
    rho: float
    resolution: int
    classes: int
    depth_multiplier: float

    def describe(self) -> str:
        """`alpha=0.5 resolution=160 (rho=0.714) classes=1000` (and `depth=` when it is not 1)."""
        depth = f" depth={self.depth_multiplier:g}" if self.depth_multiplier != 1 else ""
        return f"alpha={self.alpha:g} resolution={self.resolution} (rho={self.rho:.4g}) classes={self.classes}{depth}"


@record
class LayerCost:
    """One evaluated layer. `activation_bytes` = output elements × dtype bytes.

    Memory traffic (docs/memory.md): `bytes_read` = every input tensor at the
    activation dtype + `param_bytes` (the layer's parameters at the weight dtype); `bytes_written`
    = the output tensor at the activation dtype. Traffic does not depend on the memory model.
    """

    name: str
    op: str
    type: str  # the V1 paper's Table 2 layer type, e.g. "conv dw 3x3"
    input_shape: Shape
    output_shape: Shape
    params: int
    macs: int
    activation_bytes: int
    live_bytes: int  # every tensor alive while this layer runs (its inputs, output and kept tensors)
    location: Location = field(compare=False, repr=False)
    param_bytes: int = 0  # params × weight dtype bytes
    bytes_read: int = 0  # inputs × activation dtype bytes + param_bytes
    bytes_written: int = 0  # output × activation dtype bytes
    streamed: bool = False  # output streamed inside a block, never materialized (--memory-model streamed)
    latency_ms: float | None = None  # estimated on the config's device (None: no --device)
    structure: Structure = field(default=Structure("free", None, None, None, None, "none", False, False, False),
                                 repr=False)  # what latency depends on (mncost.structure)

    @property
    def kind(self) -> str:
        return self.structure.kind

    @property
    def kernel(self) -> Window | None:
        return self.structure.kernel

    @property
    def stride(self) -> int | None:
        return self.structure.stride

    @property
    def groups(self) -> int | None:
        return self.structure.groups

    @property
    def dilation(self) -> int | None:
        return self.structure.dilation

    @property
    def activation(self) -> str:
        return self.structure.activation

    @property
    def bn(self) -> bool:
        return self.structure.bn

    @property
    def bn_fused(self) -> bool:
        return self.structure.bn_fused

    @property
    def act_fused(self) -> bool:
        return self.structure.act_fused

    @property
    def bytes_moved(self) -> int:
        """bytes_read + bytes_written."""
        return self.bytes_read + self.bytes_written

    @property
    def arithmetic_intensity(self) -> float:
        """MACs per byte moved (0.0 when no byte moves); the input of a roofline estimate."""
        return self.macs / self.bytes_moved if self.bytes_moved else 0.0


@record
class Cost:
    params: int
    macs: int
    activation_bytes: int  # the sum of every layer's output bytes (not a memory requirement)
    param_bytes: int = 0  # model size: params × weight dtype bytes
    latency_ms: float | None = None  # the sum of the layers' latency on the config's device


@record
class Memory:
    """Activation memory of a sequential run in spec order (see docs/memory.md).

    `peak_*`: the largest live bytes of any layer and the first layer where it occurs.
    `largest_tensor_*`: the largest materialized output tensor (under --memory-model streamed,
    the inner tensors of streamable blocks are not materialized and do not count).
    """

    peak_bytes: int
    peak_layer: str
    largest_tensor_bytes: int
    largest_tensor_layer: str


@record
class TypeShare:
    """A row of the by-type breakdown (V1 paper, Table 2). Shares are fractions of the totals."""

    type: str
    layers: int
    params: int
    macs: int
    params_share: float
    macs_share: float


@record
class SpecInfo:
    name: str
    description: str
    family: str
    source: str
    file: str


@record
class Report(Tabular):
    """One spec evaluated under one config. `rows()`: one dict per layer; `to_dict()`: the
    `mncost.report/1` document (`show --format json`); `to_pandas()`; Markdown in notebooks."""

    spec: SpecInfo
    config: Resolved
    conventions: Conventions
    layers: tuple[LayerCost, ...]
    totals: Cost
    memory: Memory
    outputs: tuple[str, ...] = ()  # the layers whose output tensors the network outputs, in the spec's order

    def to_dict(self) -> dict[str, Any]:
        """The `mncost.report/1` JSON document, as `mncost show --format json` writes it."""
        from .render.json import report_dict

        return report_dict(self)

    def _markdown(self) -> str:
        from .render.markdown import to_markdown
        from .render.sheet import report_sheet

        return to_markdown(report_sheet(self))

    def _title(self) -> str:
        return f"{self.spec.name}: {self.spec.description}"

    @property
    def arithmetic(self) -> int:
        """The counted arithmetic: MACs, or 2 × MACs under --count flops."""
        return self.totals.macs * (2 if self.conventions.counting is Counting.FLOPS else 1)

    def by_type(self) -> tuple[TypeShare, ...]:
        """Totals per layer type, in order of first appearance (V1 paper, Table 2)."""
        groups: dict[str, list[LayerCost]] = {}
        for layer in self.layers:
            groups.setdefault(layer.type, []).append(layer)
        total_p, total_m = self.totals.params or 1, self.totals.macs or 1
        shares = []
        for kind, rows in groups.items():
            params = sum(r.params for r in rows)
            macs = sum(r.macs for r in rows)
            shares.append(TypeShare(kind, len(rows), params, macs, params / total_p, macs / total_m))
        return tuple(shares)
