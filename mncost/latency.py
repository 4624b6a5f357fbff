"""Latency on a device: per-layer features, a device profile, and the model that joins them.

One model form, chosen on one published table and then fixed for all of them (docs/latency.md):

    ms(layer) = Σ_class  ms_per_gmac[class] · GMACs(layer)           compute at a class's rate
              + ms_per_mb · MB moved(layer)                            memory traffic at the bandwidth
                (0 when the layer moves at most cache_mb: it runs from cache)
              + ms_per_op · kernels launched(layer)                    per-op overhead
              + Σ_act  ms_per_mact[act] · M elements activated(layer)  an activation's arithmetic

It is a *sum* roofline: compute and memory time add up instead of overlapping (max). The sum is
linear in the profile's constants, so they are fitted from measured networks as a non-negative
linear problem (mncost.calibrate: least absolute relative deviations, FIT_LOSS); a max would not
be. Bytes moved are counted at the profile's precision (inputs + output + weights), whatever dtype
the report was evaluated under. A profile's measured
lookup table entries (`lut`, keyed by `lut_key`) replace the model for the layers they match.

How the layers of a spec map to kernels is the report's fusion convention (`--fusion`,
conventions.Fusion; the per-layer fields `bn_fused` and `act_fused` of mncost.structure). The
default, `tflite`, is TensorFlow Lite's: batch norm is folded into the conv before it (no kernel,
no bytes); ReLU and ReLU6 fuse into the conv or fc they follow (no kernel); h-swish, hard sigmoid,
swish and sigmoid run as separate element-wise kernels over the output (one launch, the output
read and written once more, and their own per-element cost); dropout and flatten are free.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from .conventions import Dtype, Fusion
from .ops import OPS, Kernel
from .record import record
from .structure import Structure

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


_CLASS_OF = {Kernel.DEPTHWISE: OpClass.DEPTHWISE, Kernel.FC: OpClass.DENSE, Kernel.POOL: OpClass.POOLING,
             Kernel.ELEMENTWISE: OpClass.ELEMENTWISE, Kernel.FREE: OpClass.FREE}


@record
class LayerFeatures:
    """What the latency of one layer depends on: its structured fields (mncost.structure, the
    same ones every report carries) and its counts. Elements are tensor elements (not bytes): the
    bytes follow from a profile's precision."""

    name: str
    op: str
    op_class: OpClass
    structure: Structure
    macs: int
    params: int
    read_elements: int  # the elements of every input it reads (Evaluated.read: not a size reference)
    written_elements: int  # the output's elements
    input_shape: str  # "112x112x32" (the first input)
    output_shape: str

    @property
    def activation(self) -> str:
        return self.structure.activation

    @property
    def kernel(self) -> int:
        """k of a k×k window (the height of a k_h×k_w one; 0: no window)."""
        return 0 if self.structure.kernel is None else self.structure.kernel.h

    @property
    def stride(self) -> int:
        return self.structure.stride or 1

    @property
    def groups(self) -> int:
        return self.structure.groups or 1

    @property
    def separate_passes(self) -> int:
        """Element-wise kernels a conv or fc runs after itself: its batch norm when not folded and
        its activation when not fused (each reads and writes the output once more)."""
        if self.op_class not in (OpClass.DENSE, OpClass.DEPTHWISE, OpClass.GROUPED):
            return 0
        s = self.structure
        return int(s.bn and not s.bn_fused) + int(s.activation != "none" and not s.act_fused)

    @property
    def launches(self) -> int:
        """Kernels this layer runs: 0 when free (folded or fused), 1, plus its separate passes."""
        if self.op_class is OpClass.FREE:
            return 0
        return 1 + self.separate_passes

    @property
    def separate_activation(self) -> bool:
        """True when a conv/fc's activation is its own element-wise kernel (h-swish, sigmoid...)."""
        s = self.structure
        return self.op_class in (OpClass.DENSE, OpClass.DEPTHWISE, OpClass.GROUPED) and \
            s.activation != "none" and not s.act_fused

    @property
    def activated_elements(self) -> int:
        """Elements an activation is applied to, fused or not (its arithmetic costs either way;
        a separate kernel also costs a launch and a pass over the output, counted apart)."""
        if self.activation == "none":
            return 0
        return self.written_elements

    def memory_bytes(self, activation_bytes: int, weight_bytes: int, cache_mb: float) -> int:
        """The bytes that cost memory time: all the bytes a layer moves when they exceed the
        cache (`cache_mb`, 10⁶ bytes), none when its inputs, output and weights fit in it."""
        moved = self.moved_bytes(activation_bytes, weight_bytes)
        return moved if moved > cache_mb * 1e6 else 0

    def moved_bytes(self, activation_bytes: int, weight_bytes: int) -> int:
        """Bytes read and written: inputs + output at the activation width, weights at the weight
        width, and the output once more each way for each separate pass (batch norm, activation)."""
        if self.op_class is OpClass.FREE:
            return 0
        elements = self.read_elements + self.written_elements * (1 + 2 * self.separate_passes)
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


def layer_class(op: str, s: Structure, in_channels: int, out_channels: int) -> OpClass:
    """The class of a layer given its fields: a batch norm that does not fold runs as an
    element-wise kernel, a standalone activation that fuses runs as none."""
    if op == "bn" and not s.bn_fused:
        return OpClass.ELEMENTWISE
    if s.act_fused and OPS[op].kernel is Kernel.ELEMENTWISE:
        return OpClass.FREE
    return op_class(op, s.groups or 1, in_channels, out_channels)


def features(ev: Evaluated, s: Structure, params: int, macs: int) -> LayerFeatures:
    """What the latency of one walked layer depends on, given its fields and counted params and MACs."""
    op = ev.node.op
    return LayerFeatures(
        ev.node.name, op, layer_class(op, s, ev.inputs[0].c, ev.output.c), s, macs, params,
        sum(x.elements for x in ev.read), ev.output.elements, str(ev.inputs[0]), str(ev.output))


def features_of(evaluated: Sequence[Evaluated], report: Report) -> tuple[LayerFeatures, ...]:
    """Per-layer features from a report and the walk records of the same evaluation (same order):
    the report's structured fields and counts."""
    return tuple(features(ev, layer.structure, layer.params, layer.macs)
                 for ev, layer in zip(evaluated, report.layers, strict=True))


def layer_features(graph: Graph, config: Config) -> tuple[LayerFeatures, ...]:
    """Evaluate `graph` under `config` and return the features of each executed layer."""
    from .evaluate import evaluate

    report = evaluate(graph, config)
    return report_features(graph, report)


def report_features(graph: Graph, report: Report) -> tuple[LayerFeatures, ...]:
    """The features of the layers of an existing report (the graph it was evaluated from is walked
    again under the report's resolved config and rounding, for the attributes rows do not carry)."""
    from .evaluate import walk

    return features_of(walk(graph, report.config, report.conventions.rounding), report)


def report_latency(graph: Graph, report: Report, profile: Profile) -> Latency:
    """Per-layer and total milliseconds of a report's layers on a device (rows in report order)."""
    return latency(report_features(graph, report), profile)


def lut_key(f: LayerFeatures) -> str:
    """The key of a measured lookup-table entry: `dwconv k3 s2 g96 act=relu6 112x112x96->56x56x96`
    (`k3x5` for a 3×5 window, ` d2` after the groups for a dilation of 2)."""
    window = f.structure.kernel
    k = 0 if window is None else window.h if window.h == window.w else str(window)
    dilation = f" d{f.structure.dilation}" if (f.structure.dilation or 1) != 1 else ""
    return f"{f.op} k{k} s{f.stride} g{f.groups}{dilation} act={f.activation} {f.input_shape}->{f.output_shape}"


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
    fusion: Fusion = Fusion.TFLITE  # how the runtime folds BN and activations (the report's default)
    cache_mb: float = 0.0  # a layer moving at most this many MB runs from cache: no memory time

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
    ms += profile.ms_per_mb * f.memory_bytes(width, profile.weight_dtype.bytes, profile.cache_mb) / 1e6
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


# The fitted model form, fixed before it was measured on all the tables: it was chosen on one table,
# the V3 paper's Table 3 on Pixel 1 (pixel1-v3paper-fp32), among three fusion conventions and five
# memory terms (docs/latency.md gives the comparison), then fixed for every table. Calibration
# evaluates the networks under FIT_FUSION and counts a layer's bytes only when it moves more than
# FIT_CACHE_MB. The features are freed in FIT_TERMS order: a fit never has more constants than
# measured networks. With n < 4 networks, the first n - 1 terms are fitted and the n-th constant
# scales the remaining terms in the proportions of the prior profile (PRIOR_PROFILE: the MnasNet
# README table, one family, 25 networks, never a held-out family's table; for int8 networks an
# int8 profile of another source, INT8_PRIOR_PROFILES); with one network the whole prior profile
# is scaled. Activations, pooling and element-wise classes keep a profile's own
# values (0 in fitted profiles): they are priced by bytes and launches. The constants minimise
# FIT_LOSS, the estimator chosen between the two FitLoss members by leave-one-source-out selection
# over the published tables (docs/latency.md: every held-out table's selection picked the same one).
FIT_TERMS = ("dense", "depthwise", "overhead", "memory")
"""dense GMACs, depthwise GMACs, kernels launched, MB moved (beyond the cache) at the profile's precision."""
FIT_FUSION = Fusion.CONV_BN_ACT
"""The fusion convention fitted profiles assume (chosen on pixel1-v3paper-fp32)."""
FIT_CACHE_MB = 0.25
"""A layer moving at most 0.25 MB costs no memory time in fitted profiles (chosen on pixel1-v3paper-fp32)."""
PRIOR_PROFILE = "pixel1-mnasnet-readme-fp32"
"""The bundled profile whose proportions fill the constants a fit on fewer than four networks cannot."""
INT8_PRIOR_PROFILES = ("pixel3-tflite-cpu4-int8", "pixel1-v3paper-int8")
"""The prior profiles of int8 networks, the first whose source is not the networks' own
(`mncost.calibrate.prior_profile`): int8 speeds dense convolutions up more than depthwise ones
(TF Lite hosted models, Pixel 3: V1 1.0-224 24 ms fp32, 13 ms int8; V2 1.0-224 17.5 and 12 ms), so
an fp32 profile's proportions do not carry over. Each has at least four networks: its own fit
needs no prior."""


class FitLoss(StrEnum):
    """What a calibration minimises over the measured networks (errors relative to the measured
    latency, so that a 15 ms network weighs as much as a 70 ms one)."""

    SQUARED = "squared"
    """Σ (predicted / measured − 1)²: non-negative least squares (mncost.nnls.nnls); one poor
    figure pulls the fit in proportion to its error squared."""
    ABSOLUTE = "absolute"
    """Σ |predicted / measured − 1|: non-negative least absolute deviations (mncost.nnls.nnlad),
    the mean |error| the targets are stated in; one poor figure pulls only by its sign."""


FIT_LOSS = FitLoss.ABSOLUTE
"""The estimator of fitted profiles (chosen by leave-one-source-out selection, docs/latency.md)."""


def design_row(layers: Iterable[LayerFeatures], precision: Dtype, cache_mb: float = FIT_CACHE_MB
               ) -> tuple[float, ...]:
    """A network's totals of the FIT_TERMS features at a precision (the units of the profile)."""
    dense = depthwise = moved = 0.0
    launches = 0
    width = precision.bytes
    for f in layers:
        if f.op_class in (OpClass.DENSE, OpClass.GROUPED):
            dense += f.macs
        elif f.op_class is OpClass.DEPTHWISE:
            depthwise += f.macs
        moved += f.memory_bytes(width, width, cache_mb)
        launches += f.launches
    return dense / 1e9, depthwise / 1e9, float(launches), moved / 1e6


def coefficients_of(profile: Profile) -> tuple[float, ...]:
    """A profile's constants in FIT_TERMS order."""
    return (profile.ms_per_gmac.get(OpClass.DENSE, 0.0), profile.ms_per_gmac.get(OpClass.DEPTHWISE, 0.0),
            profile.ms_per_op, profile.ms_per_mb)


def profile_from_coefficients(coefficients: Sequence[float], *, name: str, device: str, runtime: str,
                              threads: str, precision: Dtype, source: str = "", description: str = "") -> Profile:
    """A profile from fitted FIT_TERMS coefficients (grouped convs priced as dense), with the
    fitted form's fusion and cache."""
    dense, depthwise, overhead, memory = coefficients
    return Profile(name, device, runtime, threads, precision,
                   {OpClass.DENSE: dense, OpClass.GROUPED: dense, OpClass.DEPTHWISE: depthwise},
                   memory, overhead, {}, source, description, fusion=FIT_FUSION, cache_mb=FIT_CACHE_MB)
