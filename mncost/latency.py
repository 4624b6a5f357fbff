"""Latency on a device: per-layer features, a device profile, and the model that joins them.

One model form, fixed before it was measured against the published latency tables (docs/latency.md):

    ms(layer) = Σ_class  ms_per_gmac[class] · GMACs(layer)           compute at a class's rate
              + ms_per_mb · MB moved(layer)                            memory traffic at the bandwidth
              + ms_per_op · kernels launched(layer)                    per-op overhead
              + Σ_act  ms_per_mact[act] · M elements activated(layer)  activations run as their own op

It is a *sum* roofline: compute and memory time add up instead of overlapping (max). The sum is
linear in the profile's constants, so they are fitted from measured networks by non-negative least
squares (mncost.calibrate); a max would not be. Bytes moved are counted at the profile's precision
(inputs + output + weights), whatever dtype the report was evaluated under. A profile's measured
lookup table entries (`lut`, keyed by `lut_key`) replace the model for the layers they match.

How the layers of a spec map to kernels of a mobile runtime (TensorFlow Lite conventions):
batch norm is folded into the conv before it (no kernel, no bytes); ReLU and ReLU6 fuse into the
conv or fc they follow (no kernel); h-swish, hard sigmoid, swish and sigmoid run as separate
element-wise kernels over the output (one launch, the output read and written once more, and
their own per-element cost); dropout and flatten are free.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from .conventions import Dtype
from .ops import ACTIVATIONS, OPS, Kernel
from .record import record

if TYPE_CHECKING:
    from .evaluate import Evaluated
    from .graph import Graph
    from .report import Config, Report


class OpClass(StrEnum):
    """What kind of kernel a layer runs; each class has its own compute rate in a profile."""

    DENSE = "dense"
    """Convolutions with groups = 1 (k×k and 1×1) and fully connected layers (GEMM kernels)."""
    DEPTHWISE = "depthwise"
    """Depthwise convolutions (one filter per channel): few MACs per byte, their own kernels."""
    GROUPED = "grouped"
    """Grouped convolutions with 1 < groups < channels."""
    ELEMENTWISE = "elementwise"
    """Adds, multiplies, concatenations, splits, channel shuffles, softmax, standalone activations."""
    POOLING = "pooling"
    """Average and max pooling, global pooling."""
    FREE = "free"
    """No kernel at inference: batch norm folded into the conv before it, dropout, flatten."""


FUSED_ACTIVATIONS = frozenset({"relu", "relu6"})
"""Activations a conv or fc kernel applies to its output for free (TensorFlow Lite's fused activations)."""

_CLASS_OF = {Kernel.DEPTHWISE: OpClass.DEPTHWISE, Kernel.FC: OpClass.DENSE, Kernel.POOL: OpClass.POOLING,
             Kernel.ELEMENTWISE: OpClass.ELEMENTWISE, Kernel.FREE: OpClass.FREE}


@record
class LayerFeatures:
    """What the latency of one layer depends on. Elements are tensor elements (not bytes): the
    bytes follow from a profile's precision."""

    name: str
    op: str
    op_class: OpClass
    kernel: int  # k of a k×k window (0: no window)
    stride: int
    groups: int  # 1 for dense convs; channels for depthwise
    activation: str  # the fused `act:` of a conv/fc, the op itself for a standalone activation, else "none"
    macs: int
    params: int
    read_elements: int  # every input tensor's elements
    written_elements: int  # the output's elements
    input_shape: str  # "112x112x32" (the first input)
    output_shape: str

    @property
    def launches(self) -> int:
        """Kernels this layer runs: 0 when free, 1, plus 1 when its activation runs separately."""
        if self.op_class is OpClass.FREE:
            return 0
        return 1 + int(self.separate_activation)

    @property
    def separate_activation(self) -> bool:
        """True when a conv/fc's fused activation is its own element-wise kernel (h-swish, sigmoid...)."""
        return self.op_class in (OpClass.DENSE, OpClass.DEPTHWISE, OpClass.GROUPED) and \
            self.activation not in FUSED_ACTIVATIONS and self.activation != "none"

    @property
    def activated_elements(self) -> int:
        """Elements passed through a non-fused activation (h-swish, hard sigmoid, swish, sigmoid)."""
        if self.activation in FUSED_ACTIVATIONS or self.activation == "none" or self.op_class is OpClass.FREE:
            return 0
        return self.written_elements

    def moved_bytes(self, activation_bytes: int, weight_bytes: int) -> int:
        """Bytes read and written: inputs + output at the activation width, weights at the weight
        width, and the output once more each way when the activation runs as its own kernel."""
        if self.op_class is OpClass.FREE:
            return 0
        elements = self.read_elements + self.written_elements * (1 + 2 * int(self.separate_activation))
        return elements * activation_bytes + self.params * weight_bytes


def op_class(op: str, groups: int, in_channels: int, out_channels: int) -> OpClass:
    """The kernel class of a layer: its op's `kernel` in the registry (mncost.ops), a convolution's
    by its groups."""
    kernel = OPS[op].kernel
    if kernel is Kernel.CONV:
        if groups == 1:
            return OpClass.DENSE
        return OpClass.DEPTHWISE if groups == in_channels == out_channels else OpClass.GROUPED
    return _CLASS_OF[kernel]


def features(ev: Evaluated, params: int, macs: int) -> LayerFeatures:
    """What the latency of one walked layer depends on, given its counted params and MACs."""
    a, op = ev.attrs, ev.node.op
    groups = int(a.get("groups", 1))
    if op == "dwconv":
        groups = ev.inputs[0].c
    act = str(a.get("act", "none") or "none")
    if op in ACTIVATIONS:
        act = op
    return LayerFeatures(
        ev.node.name, op, op_class(op, groups, ev.inputs[0].c, ev.output.c), int(a.get("kernel", 0)),
        int(a.get("stride", 1)), groups, act, macs, params,
        sum(x.elements for x in ev.inputs), ev.output.elements, str(ev.inputs[0]), str(ev.output))


def features_of(evaluated: Sequence[Evaluated], report: Report) -> tuple[LayerFeatures, ...]:
    """Per-layer features from a report and the walk records of the same evaluation (same order)."""
    return tuple(features(ev, layer.params, layer.macs) for ev, layer in zip(evaluated, report.layers, strict=True))


def layer_features(graph: Graph, config: Config) -> tuple[LayerFeatures, ...]:
    """Evaluate `graph` under `config` and return the features of each executed layer."""
    from .evaluate import evaluate, resolve, rounding_of, walk

    report = evaluate(graph, config)
    evaluated = walk(graph, resolve(graph, config), rounding_of(graph.spec, config))
    return features_of(evaluated, report)


def report_features(graph: Graph, report: Report) -> tuple[LayerFeatures, ...]:
    """The features of the layers of an existing report (the graph it was evaluated from is walked
    again under the report's resolved config and rounding, for the attributes rows do not carry)."""
    from .evaluate import walk

    return features_of(walk(graph, report.config, report.conventions.rounding), report)


def report_latency(graph: Graph, report: Report, profile: Profile) -> Latency:
    """Per-layer and total milliseconds of a report's layers on a device (rows in report order)."""
    return latency(report_features(graph, report), profile)


def lut_key(f: LayerFeatures) -> str:
    """The key of a measured lookup-table entry: `dwconv k3 s2 g96 act=relu6 112x112x96->56x56x96`."""
    return f"{f.op} k{f.kernel} s{f.stride} g{f.groups} act={f.activation} {f.input_shape}->{f.output_shape}"


@record
class Profile:
    """A device: the constants of the latency model, what they were measured on, and where from.

    Times are milliseconds: per GMAC (10⁹ multiply-accumulates) of each op class, per MB (10⁶
    bytes) moved, per kernel launched, per M (10⁶) elements of each separately run activation."""

    name: str
    device: str
    runtime: str
    threads: str
    precision: Dtype
    ms_per_gmac: Mapping[OpClass, float]
    ms_per_mb: float
    ms_per_op: float
    ms_per_mact: Mapping[str, float]
    source: str = ""
    description: str = ""
    lut: Mapping[str, float] | None = None  # lut_key -> measured ms, replacing the model for that layer

    @property
    def weight_dtype(self) -> Dtype:
        return self.precision


@record
class LayerLatency:
    name: str
    ms: float
    measured: bool  # True: from the profile's lookup table, not the model


@record
class Latency:
    layers: tuple[LayerLatency, ...]
    total_ms: float


def layer_ms(f: LayerFeatures, profile: Profile) -> float:
    """The model's milliseconds for one layer (the module docstring gives the form)."""
    width = profile.precision.bytes
    ms = profile.ms_per_gmac.get(f.op_class, 0.0) * f.macs / 1e9
    ms += profile.ms_per_mb * f.moved_bytes(width, profile.weight_dtype.bytes) / 1e6
    ms += profile.ms_per_op * f.launches
    ms += profile.ms_per_mact.get(f.activation, 0.0) * f.activated_elements / 1e6
    return ms


def layer_latency_ms(f: LayerFeatures, profile: Profile) -> float:
    """A layer's milliseconds: the profile's measured lookup-table entry, else the model."""
    measured = (profile.lut or {}).get(lut_key(f))
    return layer_ms(f, profile) if measured is None else measured


def latency(layers: Iterable[LayerFeatures], profile: Profile) -> Latency:
    """Per-layer milliseconds and their total; lookup-table entries override the model."""
    lut = profile.lut or {}
    out = [LayerLatency(f.name, layer_latency_ms(f, profile), lut_key(f) in lut) for f in layers]
    return Latency(tuple(out), sum(x.ms for x in out))


# The fitted model form: the features of a network that calibration fits, in the order they are
# freed. A fit never has more constants than measured networks: with n networks it uses the first
# n terms (one network: a single rate for all MACs). Activations, pooling and element-wise classes
# keep a profile's own values (0 in fitted profiles): they are priced by bytes and launches.
FIT_TERMS = ("dense", "depthwise", "overhead", "memory")
"""dense GMACs, depthwise GMACs, kernels launched, MB moved at the profile's precision."""


def design_row(layers: Iterable[LayerFeatures], precision: Dtype) -> tuple[float, ...]:
    """A network's totals of the FIT_TERMS features at a precision (the units of the profile)."""
    dense = depthwise = moved = 0.0
    launches = 0
    width = precision.bytes
    for f in layers:
        if f.op_class in (OpClass.DENSE, OpClass.GROUPED):
            dense += f.macs
        elif f.op_class is OpClass.DEPTHWISE:
            depthwise += f.macs
        moved += f.moved_bytes(width, width)
        launches += f.launches
    return dense / 1e9, depthwise / 1e9, float(launches), moved / 1e6


def profile_from_coefficients(coefficients: Sequence[float], *, name: str, device: str, runtime: str,
                              threads: str, precision: Dtype, source: str = "", description: str = "") -> Profile:
    """A profile from fitted FIT_TERMS coefficients (grouped convs priced as dense)."""
    dense, depthwise, overhead, memory = coefficients
    return Profile(name, device, runtime, threads, precision,
                   {OpClass.DENSE: dense, OpClass.GROUPED: dense, OpClass.DEPTHWISE: depthwise},
                   memory, overhead, {}, source, description)
