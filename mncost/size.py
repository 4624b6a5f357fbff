"""Model size as deployed: batch norm folded into the convolutions, then stored at a precision.

Folding (every inference runtime does it): a conv or fc followed by batch norm keeps its weights
and gets one bias per output channel (BN's four values per channel become a scale multiplied into
the weights and that bias); a layer that already has a bias keeps one. Standalone `bn` rows fold
into the layer before them and add one bias per channel. Stored as:

- fp32 / fp16: every weight and bias at 4 / 2 bytes;
- tflite-int8 (TensorFlow Lite full-integer quantization, per-channel, the post-training default):
  weights int8 (1 byte), biases int32 (4 bytes), and per output channel of every conv, depthwise
  conv and fc one float32 weight scale (4 bytes);
- tflite-uint8-per-tensor (the 2018 quantization-aware TensorFlow Lite models): weights 1 byte,
  biases int32, one scale per tensor (4 bytes a layer).

Counted: the tensors of the weights, biases and their scales, exactly, in bytes. Not counted: the
file format's own bytes (FlatBuffer tables, tensor names, op codes, activation quantization
parameters), a few kB. MB = 10⁶ bytes, MiB = 2²⁰ bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from .domain import EXACT
from .ops import OPS
from .record import record

if TYPE_CHECKING:
    from .evaluate import Evaluated
    from .graph import Graph
    from .report import Config, Report

MB = 1_000_000
MIB = 1 << 20


class Storage(StrEnum):
    """How a deployed model stores its parameters."""

    FP32 = "fp32"
    """4 bytes per weight and bias."""
    FP16 = "fp16"
    """2 bytes per weight and bias (TensorFlow Lite float16 quantization)."""
    TFLITE_INT8 = "tflite-int8"
    """int8 weights, int32 biases, one float32 scale per output channel (per-channel quantization)."""
    TFLITE_UINT8_PER_TENSOR = "tflite-uint8-per-tensor"
    """8-bit weights, int32 biases, one float32 scale per weight tensor (2018 quantization-aware models)."""


_WEIGHTED = frozenset({"conv", "pwconv", "dwconv", "fc", "conv_transpose"})


@record
class Folded:
    """Parameters after folding batch norm: weights, biases, and the layers and output channels that hold them."""

    weights: int
    biases: int
    layers: int  # layers with weights (conv, depthwise, fc)
    channels: int  # their output channels

    @property
    def params(self) -> int:
        return self.weights + self.biases


@record
class ModelSize:
    storage: Storage
    weight_bytes: int
    bias_bytes: int
    scale_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.weight_bytes + self.bias_bytes + self.scale_bytes

    @property
    def mb(self) -> float:
        """Megabytes, 10⁶ bytes."""
        return self.total_bytes / MB

    @property
    def mib(self) -> float:
        """Mebibytes, 2²⁰ bytes."""
        return self.total_bytes / MIB


def fold(evaluated: Sequence[Evaluated]) -> Folded:
    """Weights and biases of a network with batch norm folded into its convs and fcs."""
    weights = biases = layers = channels = 0
    for ev in evaluated:
        op, a, out = ev.node.op, ev.attrs, ev.output
        if op == "bn":
            biases += out.c
            continue
        if op not in _WEIGHTED:
            continue
        declared = out.c if a.get("bias") else 0
        weights += OPS[op].weights(EXACT, ev.inputs, out, a) - declared
        biases += out.c if (declared or a.get("bn")) else 0
        layers += 1
        channels += out.c
    return Folded(weights, biases, layers, channels)


def folded_params(graph: Graph, config: Config) -> Folded:
    """`fold` of the network `graph` evaluates to under `config`."""
    from .evaluate import resolve, rounding_of, walk

    return fold(walk(graph, resolve(graph, config), rounding_of(graph.spec, config)))


def report_folded(graph: Graph, report: Report) -> Folded:
    """`fold` of the layers of an existing report (its graph walked again under its resolved config)."""
    from .evaluate import walk

    return fold(walk(graph, report.config, report.conventions.rounding))


def model_size(folded: Folded, storage: Storage) -> ModelSize:
    """Exact bytes of the weights, biases and quantization scales under a storage convention."""
    if storage is Storage.FP32:
        return ModelSize(storage, folded.weights * 4, folded.biases * 4, 0)
    if storage is Storage.FP16:
        return ModelSize(storage, folded.weights * 2, folded.biases * 2, 0)
    if storage is Storage.TFLITE_INT8:
        return ModelSize(storage, folded.weights, folded.biases * 4, folded.channels * 4)
    if storage is Storage.TFLITE_UINT8_PER_TENSOR:
        return ModelSize(storage, folded.weights, folded.biases * 4, folded.layers * 4)
    raise ValueError(storage)  # pragma: no cover - every member is handled above


def sizes(folded: Folded) -> tuple[ModelSize, ...]:
    """The size under every storage convention, in Storage order."""
    return tuple(model_size(folded, s) for s in Storage)


def torch_state_dict_bytes(graph: Graph, config: Config) -> int:
    """Bytes of the tensors of a PyTorch `state_dict()` at fp32, batch norm *not* folded: weights,
    biases, BN γ, β, running mean and variance (4 values a channel, 4 bytes each) and one int64
    `num_batches_tracked` (8 bytes) per BN layer. A `.pth` file adds its own bytes (torchvision's
    `_file_size` meta, in MiB, is 0.09-0.85 % above this)."""
    from .conventions import BnParams
    from .evaluate import evaluate, resolve, rounding_of, walk
    from .record import replace

    params = evaluate(graph, replace(config, bn_params=BnParams.ALL)).totals.params
    evaluated = walk(graph, resolve(graph, config), rounding_of(graph.spec, config))
    bn_layers = sum(1 for ev in evaluated if ev.node.op == "bn" or ev.attrs.get("bn"))
    return params * 4 + bn_layers * 8
