"""Counting conventions. Every one is explicit, named, and printed with every report.

Where published sources disagree, the convention is selectable; each member says which source uses it.
"""

from __future__ import annotations

import math
from enum import StrEnum


class Rounding(StrEnum):
    """How a width multiplier α turns a paper channel count c into a layer's channels."""

    NONE = "none"
    """int(α·c): the V1 paper ("αM input channels") and Keras MobileNet V1."""
    ROUND8 = "round8"
    """_make_divisible(α·c, 8): TF-slim V2/V3, torchvision, Keras V2/V3."""

    def apply(self, alpha: float, channels: float) -> int:
        if self is Rounding.NONE:
            return int(alpha * channels)
        return make_divisible(alpha * channels, 8)


class Counting(StrEnum):
    """What the arithmetic column counts."""

    MACS = "macs"
    """Multiply-accumulates ("Mult-Adds"): the papers, TF-slim, torchvision's _ops."""
    FLOPS = "flops"
    """Floating-point operations = 2 × MACs (one multiply and one add per MAC)."""


class OpsCounted(StrEnum):
    """Which ops have arithmetic cost."""

    CONV_FC_MATMUL = "conv-fc-matmul"
    """Convolutions, fully connected layers and the matrix products between two activations
    (attention's q k^T and attn v, `matmul`), as torch's FlopCounterMode counts explicit products.
    Without `matmul` layers the same count as conv-fc."""
    CONV_FC = "conv-fc"
    """Only convolutions and fully connected layers: the papers, TF-slim, torchvision (forward
    hooks on Conv2d and Linear never see the attention products)."""
    ALL = "all"
    """Also the matrix products, and one MAC per output element of batch norm, activations, adds and
    multiplies, and one per window element of pooling (closer to fvcore-style counters)."""


class BnParams(StrEnum):
    """Which batch-norm values count as parameters (per BN channel)."""

    NONE = "none"
    """0: conv/FC weights and declared biases only, the papers' convention."""
    AFFINE = "affine"
    """2 (γ, β): PyTorch `sum(p.numel() for p in model.parameters())`."""
    ALL = "all"
    """4 (γ, β, running mean, running variance): Keras `count_params()`."""

    @property
    def per_channel(self) -> int:
        return {BnParams.NONE: 0, BnParams.AFFINE: 2, BnParams.ALL: 4}[self]


class LnParams(StrEnum):
    """Whether layer normalization's γ and β (2 per channel) count as parameters."""

    AFFINE = "affine"
    """2 per channel: PyTorch `parameters()` (timm's totals), and the MobileViT paper's counts."""
    NONE = "none"
    """0: only weights of layers that compute (convolutions, FC, layer scale) and declared biases."""


class Dtype(StrEnum):
    """Storage type of activations (and weights), for byte counts."""

    FP32 = "fp32"
    """4 bytes: float32, the default of every framework."""
    FP16 = "fp16"
    """2 bytes: half precision; the V2 paper's Table 3 assumes 16-bit activations."""
    BF16 = "bf16"
    """2 bytes: bfloat16."""
    INT8 = "int8"
    """1 byte: TensorFlow Lite full-integer quantization."""

    @property
    def bytes(self) -> int:
        return {Dtype.FP32: 4, Dtype.FP16: 2, Dtype.BF16: 2, Dtype.INT8: 1}[self]


class MemoryModel(StrEnum):
    """How peak live activation memory is counted (docs/memory.md)."""

    NAIVE = "naive"
    """Every layer writes its output to its own buffer, freed after its last reader."""
    STREAMED = "streamed"
    """V2 paper section 5.1: a block the spec marks `streamable` runs as one op; its inner
    tensors are streamed in tiles and never materialized."""


class Fusion(StrEnum):
    """Which batch norms and activations an inference runtime folds into the conv or fc before them
    (no kernel of their own, no memory traffic): a per-layer field of every report and an input of
    the latency model (mncost.latency)."""

    NONE = "none"
    """Nothing folds: batch norm and every activation run as their own element-wise kernels (eager
    PyTorch, an unoptimised graph)."""
    CONV_BN = "conv-bn"
    """Batch norm folds into the conv or fc before it (inference weights); activations run alone."""
    TFLITE = "tflite"
    """Batch norm folds; ReLU and ReLU6 fuse into the conv or fc (TensorFlow Lite's fused
    activation functions); h-swish, hard sigmoid, swish and sigmoid run as their own kernels."""
    CONV_BN_ACT = "conv-bn-act"
    """Batch norm and every activation fold into the conv or fc before them (a fusing compiler)."""

    @property
    def folds_bn(self) -> bool:
        return self is not Fusion.NONE

    def fuses(self, activation: str) -> bool:
        """Whether an activation after a conv or fc runs inside its kernel."""
        if self is Fusion.CONV_BN_ACT:
            return True
        return self is Fusion.TFLITE and activation in ("relu", "relu6")
class DepthRounding(StrEnum):
    """How a depth multiplier d turns a stage's n blocks into a whole number of blocks.

    Rows of a stage table that share a `stage` value form one stage, scaled as timm's
    `_scale_stage_depth` does: the stage's total Σn becomes rule(d·Σn) blocks, shared out over its
    rows from the last to the first, each row max(1, round(n / Σn · what is left)) (Python's
    round: half to even). A row without a `stage` value is a stage of its own: rule(d·n)."""

    CEIL = "ceil"
    """ceil(d·n): EfficientNet (torchvision `_efficientnet_conf` adjust_depth; timm depth_trunc='ceil',
    its default). Any d > 1 adds a block to every stage."""
    ROUND = "round"
    """max(1, round(d·n)), half to even: timm depth_trunc='round' (TinyNet, MixNet-M/L), which keeps
    one-block stages at one block for longer."""

    def stage(self, depth_multiplier: float, repeats: list[int]) -> list[int]:
        """The scaled repeats of one stage's rows (timm `_scale_stage_depth`)."""
        total = sum(repeats)
        if self is DepthRounding.CEIL:
            left = int(math.ceil(total * depth_multiplier))
        else:
            left = max(1, round(total * depth_multiplier))
        scaled = []
        for n in reversed(repeats):
            share = max(1, round(n / total * left)) if total else 0
            scaled.append(share)
            total -= n
            left -= share
        return scaled[::-1]


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None) -> int:
    """TF-slim / torchvision `_make_divisible`: nearest multiple of `divisor`, never below
    `min_value` (default: divisor) and never more than 10% below `value`."""
    if min_value is None:
        min_value = divisor
    new_value = max(min_value, int(value + divisor / 2) // divisor * divisor)
    if new_value < 0.9 * value:
        new_value += divisor
    return new_value


def resolution_from_rho(base: int, rho: float) -> int:
    """ρ becomes a resolution by rounding base·ρ half up: 224 × 0.714 = 159.94 → 160."""
    return math.floor(base * rho + 0.5)
