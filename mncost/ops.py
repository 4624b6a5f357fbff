"""Primitive ops: one registered rule each for output shape, parameters and MACs.

Shapes are (H, W, C) like the papers' tables. Conventions (from the V1 paper, eq. 1–6):
  conv:   MACs = H_out·W_out·k²·(C_in/groups)·C_out; weights = k²·(C_in/groups)·C_out
  dwconv: MACs = H_out·W_out·k²·C_out;              weights = k²·C_out (C_out = C_in·multiplier)
  fc:     MACs = C_in·C_out (C_in = H·W·C of its input); weights = C_in·C_out
  conv_transpose: MACs = H_in·W_in·kh·kw·(C_in/groups)·C_out; weights as conv
  matmul: MACs = H·W·heads·keys·d (q kᵀ) or H·W·heads·keys·d_v (attn v); no weights; left out
          under --ops conv-fc (the papers count conv and FC layers only)
k² is kh·kw for a non-square kernel (`kernel: [kh, kw]`); dilation changes output sizes, never a
count. Biases add parameters, never MACs. Batch norm and activations fused into a conv/fc row
(`bn: true`, `act: relu6`) run in place on its output. Under `--ops all`, element-wise ops cost
one MAC per output element (pooling: per window element, adaptive pooling included; resize:
`RESIZE_TAPS` per output element). Sizes follow PyTorch (Conv2d, ConvTranspose2d, pools with
ceil_mode, AdaptiveAvgPool2d, F.interpolate): docs/ops-spatial.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum
from typing import Any

from .domain import Domain
from .record import record


@record
class Shape:
    """A feature map: height, width, channels."""

    h: int
    w: int
    c: int

    @property
    def elements(self) -> int:
        return self.h * self.w * self.c

    def as_list(self) -> list[int]:
        return [self.h, self.w, self.c]

    def __str__(self) -> str:
        return f"{self.h}x{self.w}x{self.c}"


class OpError(Exception):
    """An op cannot be applied to its inputs; the evaluator adds the layer's location."""


class Kind(StrEnum):
    """Type of an op attribute in a spec."""

    CHANNELS = "channels"  # a number is a paper width, scaled by α; an expression is taken as written
    INT = "int"  # a whole number >= 1 (or an expression giving one)
    BOOL = "bool"
    ACT = "act"  # activation name or none
    PADDING = "padding"  # same | valid | half | a whole number >= 0 | [height, width] pixels
    CHOICE = "choice"  # one of the attribute's `choices` (a literal, fixed when the spec is read)
    PIXELS = "pixels"  # a literal whole number >= 0 (conv_transpose's output_padding)


LITERAL_KINDS = frozenset({Kind.BOOL, Kind.ACT, Kind.PADDING, Kind.CHOICE, Kind.PIXELS})
"""Attribute kinds fixed when the spec is read (no expressions, the same under every config)."""

ACTIVATIONS = ("relu", "relu6", "hswish", "hsigmoid", "swish", "silu", "sigmoid", "gelu")
"""Activation names usable as ops and as the fused `act:` of conv and fc rows."""


@record
class Attr:
    kind: Kind
    default: Any = None  # None: taken from the spec's `defaults` (bn, act, padding)
    required: bool = False
    settable: bool = True  # False: fixed by the op (pwconv's kernel is always 1)
    same_as: str | None = None  # when not given, the value of this other attribute (kernel_w: kernel)
    choices: tuple[str, ...] = ()  # the names a Kind.CHOICE attribute accepts
    many: int = 0  # > 0: a list of up to `many` values, kept as attributes key1, key2, ... (absent: none)
    optional: bool = False  # absent from a row: the rule sees no such key
    excludes: tuple[str, ...] = ()  # attributes that may not be given together with this one


Attrs = Mapping[str, Any]
ShapeRule = Callable[[Domain, Sequence[Shape], Attrs], Shape]
"""(domain, input shapes, attributes) -> output shape; raises OpError when the op cannot apply."""
CostRule = Callable[[Domain, Sequence[Shape], Shape, Attrs], Any]
"""(domain, input shapes, output shape, attributes) -> a count in the domain's numbers."""


class Kernel(StrEnum):
    """What kind of kernel an op runs on a device (its latency class, mncost.latency)."""

    CONV = "conv"  # dense, grouped or depthwise by its groups
    DEPTHWISE = "depthwise"
    FC = "fc"
    POOL = "pool"
    ELEMENTWISE = "elementwise"
    FREE = "free"  # no kernel at inference: folded (batch norm) or a view (dropout, flatten)


@record
class OpRule:
    """Everything mncost knows about one primitive op type."""

    name: str
    doc: str
    attrs: Mapping[str, Attr]
    min_inputs: int
    max_inputs: int
    shape: ShapeRule
    weights: CostRule  # parameters excluding batch norm (the bias is included when declared)
    macs: CostRule  # counted under --ops conv-fc (the papers' convention)
    extra_macs: CostRule  # added under --ops all
    label: Callable[[Attrs], str]
    inplace: bool = False  # runs on its input's buffer (BN, activations, dropout, flatten): no new tensor
    kernel: Kernel = Kernel.ELEMENTWISE
    like: tuple[str, ...] = ()  # accepts `like: TENSOR` (a last input read for its size only) in place of these
    # attributes; without it, one of them must be given
    product: bool = False  # a product of two activations (attention): its MACs are left out under --ops conv-fc
    norm_affine: bool = False  # its weights are a normalization's γ and β: counted per --ln-params

    def attr(self, key: str) -> Attr:
        """The declaration of an attribute key, including a list's `key1`, `key2`, ... entries."""
        found = self.attrs.get(key)
        return found if found is not None else self.attrs[key.rstrip("0123456789")]


def listed(a: Attrs, key: str) -> list[Any]:
    """The values of a list attribute (`key1`, `key2`, ...), in order; [] when absent."""
    values: list[Any] = []
    while f"{key}{len(values) + 1}" in a:
        values.append(a[f"{key}{len(values) + 1}"])
    return values


def _zero(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> int:
    return 0


def _per_output(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    return out.elements


def _same(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    return inputs[0]


def _affine_per_channel(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    return 2 * out.c


def padding_pixels(kernel: int, padding: str | int | tuple[int, int], axis: int) -> int | None:
    """Pixels added on each side of one axis (0: height, 1: width), or None for TF 'same' (which
    pads as needed). `kernel` is the effective (dilated) extent of the kernel on that axis."""
    if isinstance(padding, tuple):
        return padding[axis]
    if padding == "same":
        return None
    if isinstance(padding, str):
        return 0 if padding == "valid" else kernel // 2  # "half": extent // 2 (d·(k−1)/2, odd k)
    return padding


def spatial(size: Any, kernel: int, stride: int, padding: str | int | tuple[int, int], d: Domain, dilation: int,
            ceil_mode: bool, axis: int) -> Any:
    """Output side: TF 'same' = ceil(in/stride); explicit p: floor((in + 2p − d·(k−1) − 1)/stride) + 1
    (PyTorch's Conv2d/MaxPool2d rule). With `ceil_mode` (pools), the division rounds up, and a last
    window that would start beyond the input and its left padding is dropped (PyTorch's rule)."""
    extent = dilation * (kernel - 1) + 1
    pad = padding_pixels(extent, padding, axis)
    if pad is None:
        return d.ceil_div(size, stride)
    if d.less(size + 2 * pad, extent):
        what = (f"kernel {kernel}x{kernel}" if dilation == 1
                else f"kernel {kernel} dilated by {dilation} ({extent} pixels)")
        raise OpError(f"{what} is larger than its {size}x{size} input (padding {pad})")
    if not ceil_mode:
        return d.floor_div(size + (2 * pad - extent), stride) + 1
    out = d.ceil_div(size + (2 * pad - extent), stride) + 1
    if d.less(size + pad, (out - 1) * stride + 1):  # the last window starts at or beyond in + p: dropped
        out = out - 1
    return out


def kernel_w(a: Attrs) -> Any:
    """A window's width (`kernel_w`; the height `kernel` when the op has no separate width)."""
    return a.get("kernel_w", a["kernel"])


def _window(d: Domain, inputs: Sequence[Shape], a: Attrs, channels: Any) -> Shape:
    """A windowed op's output map: per axis, `spatial` with the axis's kernel and padding."""
    x, kh, kw = inputs[0], a["kernel"], kernel_w(a)
    s, p, dil, ceil = a["stride"], a["padding"], a.get("dilation", 1), a.get("ceil_mode", False)
    if kh != kw:  # name both axes in the message when the window is not square
        for axis, size, k in ((0, x.h, kh), (1, x.w, kw)):
            extent = dil * (k - 1) + 1
            pad = padding_pixels(extent, p, axis)
            if pad is not None and d.less(size + 2 * pad, extent):
                raise OpError(f"kernel {kh}x{kw} is larger than its {x.h}x{x.w} input (padding {pad})")
    return Shape(spatial(x.h, kh, s, p, d, dil, ceil, 0), spatial(x.w, kw, s, p, d, dil, ceil, 1), channels)


def _conv_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    cin, groups, out = inputs[0].c, a["groups"], a["out"]
    if not d.divides(groups, cin):
        raise OpError(f"input channels {cin} are not divisible by groups={groups}")
    if not d.divides(groups, out):
        raise OpError(f"output channels {out} are not divisible by groups={groups}")
    return _window(d, inputs, a, out)


def _conv_weights(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    return a["kernel"] * kernel_w(a) * d.floor_div(inputs[0].c, a["groups"]) * out.c + (out.c if a["bias"] else 0)


def _conv_macs(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    return out.h * out.w * a["kernel"] * kernel_w(a) * d.floor_div(inputs[0].c, a["groups"]) * out.c


def _fused_extra(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    return out.elements * (int(bool(a.get("bn"))) + int(a.get("act", "none") != "none"))


def _dw_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    return _window(d, inputs, a, inputs[0].c * a["multiplier"])


def _dw_weights(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    return a["kernel"] * kernel_w(a) * out.c + (out.c if a["bias"] else 0)


def _dw_macs(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    return out.h * out.w * a["kernel"] * kernel_w(a) * out.c


def _fc_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    return Shape(1, 1, a["out"])


def _fc_weights(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    return inputs[0].elements * out.c + (out.c if a["bias"] else 0)


def _fc_macs(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    return inputs[0].elements * out.c


def _pool_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    return _window(d, inputs, a, inputs[0].c)


def _pool_extra(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    return out.elements * a["kernel"] * kernel_w(a)


def _adaptive_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    return Shape(a["size"], a["size_w"], inputs[0].c)


def _adaptive_window_sum(d: Domain, size: Any, out: int) -> Any:
    """Σ over the `out` windows of one axis of their lengths: PyTorch's adaptive pooling window i
    spans [floor(i·in/out), ceil((i+1)·in/out))."""
    return d.sum([d.ceil_div((i + 1) * size, out) - d.floor_div(i * size, out) for i in range(out)])


def _adaptive_extra(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    x = inputs[0]
    return _adaptive_window_sum(d, x.h, out.h) * _adaptive_window_sum(d, x.w, out.w) * x.c


def _resize_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    """To `factor` times the input's sides rounded up to a `multiple` (timm MobileViT: ceil(H/p)·p),
    or (a second input, `like:`) to that tensor's sides."""
    x = inputs[0]
    if len(inputs) == 2:
        return Shape(inputs[1].h, inputs[1].w, x.c)
    f, m = a["factor"], a["multiple"]
    return Shape(d.ceil_div(x.h * f, m) * m, d.ceil_div(x.w * f, m) * m, x.c)


RESIZE_TAPS = {"nearest": 0, "bilinear": 4}
"""MACs per output element of `resize` under `--ops all`: nearest copies one input element (no
arithmetic); bilinear weighs and sums its 4 nearest input elements."""


def _resize_extra(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    if _same_shape(d, inputs[0], out):  # nothing to resize (timm's MobileViT skips the call): no cost
        return 0
    return out.elements * RESIZE_TAPS[a["mode"]]


def _transpose_side(d: Domain, size: Any, kernel: int, a: Attrs, axis: int) -> Any:
    """PyTorch's ConvTranspose2d: (in − 1)·s − 2p + d·(k − 1) + output_padding + 1; TF 'same': in·s
    (without output_padding)."""
    s, dil, extra = a["stride"], a["dilation"], a["output_padding"]
    if not (extra < s or extra < dil):
        raise OpError(f"output_padding {extra} must be smaller than the stride ({s}) or the dilation ({dil})")
    pad = padding_pixels(dil * (kernel - 1) + 1, a["padding"], axis)
    if pad is None:  # TF's and ONNX's SAME: in·s, which no output_padding changes
        if extra:
            raise OpError(f"output_padding {extra} needs explicit padding (with padding: same the output is the "
                          "input times the stride)")
        return size * s
    side = (size - 1) * s + (dil * (kernel - 1) + extra + 1 - 2 * pad)
    if d.less(side, 1):
        raise OpError(f"padding {pad} leaves no output of a {size}x{size} input (kernel {kernel}, stride {s})")
    return side


def _transpose_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    x, groups, out = inputs[0], a["groups"], a["out"]
    if not d.divides(groups, x.c):
        raise OpError(f"input channels {x.c} are not divisible by groups={groups}")
    if not d.divides(groups, out):
        raise OpError(f"output channels {out} are not divisible by groups={groups}")
    return Shape(_transpose_side(d, x.h, a["kernel"], a, 0), _transpose_side(d, x.w, kernel_w(a), a, 1), out)


def _transpose_macs(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    """Every input element meets every tap once: in_h·in_w·kh·kw·(C_in/groups)·C_out."""
    x = inputs[0]
    return x.h * x.w * a["kernel"] * kernel_w(a) * d.floor_div(x.c, a["groups"]) * out.c


def _global_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    return Shape(1, 1, inputs[0].c)


def _global_extra(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    return inputs[0].elements


def _same_shape(d: Domain, a: Shape, b: Shape) -> bool:
    return d.equal(a.h, b.h) and d.equal(a.w, b.w) and d.equal(a.c, b.c)


def _shapes(inputs: Sequence[Shape]) -> str:
    return ", ".join(str(s) for s in inputs)


def _elementwise_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    first = inputs[0]
    for other in inputs[1:]:
        if not _same_shape(d, other, first):
            raise OpError(f"inputs must have the same shape, got {_shapes(inputs)}")
    return first


def _mul_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    """Element-wise multiply; a 1x1xC input broadcasts over H and W (squeeze-and-excite gating)."""
    big = inputs[d.largest([s.h * s.w for s in inputs])]
    for other in inputs:
        same_map = d.equal(other.h, big.h) and d.equal(other.w, big.w)
        if not d.equal(other.c, big.c) or not (same_map or (d.equal(other.h, 1) and d.equal(other.w, 1))):
            raise OpError(f"inputs must have the same shape or broadcast from 1x1xC, got {_shapes(inputs)}")
    return big


def _elementwise_extra(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    return out.elements * (len(inputs) - 1)


def _concat_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    first = inputs[0]
    for other in inputs[1:]:
        if not (d.equal(other.h, first.h) and d.equal(other.w, first.w)):
            raise OpError(f"concat inputs must have the same height and width, got {_shapes(inputs)}")
    return Shape(first.h, first.w, d.sum([s.c for s in inputs]))


def _split_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    """One of `parts` equal channel groups (ShuffleNet V2's channel split: c -> c/2 + c/2), or of
    groups of the given `sizes` (MixNet's mixed kernels), which must add up to the input's channels."""
    x, parts, part = inputs[0], a["parts"], a["part"]
    sizes = listed(a, "sizes")
    if sizes:
        if part > len(sizes):
            raise OpError(f"part {part} does not exist: 'sizes' lists {len(sizes)} parts")
        total = d.sum(sizes)
        if not d.equal(total, x.c):
            raise OpError(f"'sizes' {', '.join(str(v) for v in sizes)} add up to {total}, not to the input's "
                          f"{x.c} channels")
        return Shape(x.h, x.w, sizes[part - 1])
    if part > parts:
        raise OpError(f"part {part} does not exist: the input is split into {parts} parts")
    if not d.divides(parts, x.c):
        raise OpError(f"input channels {x.c} do not split into {parts} equal parts")
    return Shape(x.h, x.w, d.floor_div(x.c, parts))


def _slice_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    """Channels start..stop-1 of the input (`x[:, start:stop]`; without `start`, the first `stop`)."""
    x, stop = inputs[0], a["stop"]
    start = a.get("start", 0)
    if d.less(x.c, stop):
        raise OpError(f"'stop' = {stop} is beyond the input's {x.c} channels")
    if not d.less(start, stop):
        raise OpError(f"'start' = {start} must be below 'stop' = {stop}")
    return Shape(x.h, x.w, stop - start)


def _add_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    """Equal shapes; with `channels: first`, the later inputs are added to the first one's first
    channels (ReXNet's `x[:, 0:C] += shortcut`) and may be narrower."""
    first = inputs[0]
    if a["channels"] == "all":
        try:
            return _elementwise_shape(d, inputs, a)
        except OpError as exc:
            if all(d.equal(x.h, first.h) and d.equal(x.w, first.w) and not d.less(first.c, x.c) for x in inputs):
                raise OpError(f"{exc}; to add narrower inputs to the first one's first channels, give "
                              "channels: first") from None
            raise
    for other in inputs[1:]:
        if not (d.equal(other.h, first.h) and d.equal(other.w, first.w)) or d.less(first.c, other.c):
            raise OpError(f"with channels: first, every input must have the first one's height and width and "
                          f"at most its channels, got {_shapes(inputs)}")
    return first


def _add_extra(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    """One addition per element of every input after the first (the channels added)."""
    return d.sum([x.elements for x in inputs[1:]])


def _shuffle_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    """ShuffleNet's channel shuffle: channels reordered across `groups`; the shape is unchanged."""
    x = inputs[0]
    if not d.divides(a["groups"], x.c):
        raise OpError(f"input channels {x.c} are not divisible by groups={a['groups']}")
    return x


def _flatten_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    return Shape(1, 1, inputs[0].elements)


def _per_channel(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    return out.c


def _keys(d: Domain, x: Shape, other: Shape, patch: int) -> Any:
    """How many tokens of `x` each token of the other operand meets: all H·W of them, or with
    `patch: p` the (H/p)·(W/p) at its own offset inside the p×p patches (MobileViT), which needs
    both operands on the same map and sides that are multiples of p."""
    if patch == 1:
        return x.h * x.w
    if not (d.equal(x.h, other.h) and d.equal(x.w, other.w)):
        raise OpError(f"with patch: {patch} both inputs must be the same map, got {x}, {other}")
    rows, cols = d.floor_div(x.h, patch), d.floor_div(x.w, patch)
    if not (d.equal(rows * patch, x.h) and d.equal(cols * patch, x.w)):
        raise OpError(f"the {x.h}x{x.w} map does not cut into {patch}x{patch} patches (its sides must be "
                      f"multiples of {patch}; timm resizes the map first: a resize op)")
    return rows * cols


def _head_width(d: Domain, x: Shape, heads: int, what: str) -> Any:
    if not d.divides(heads, x.c):
        raise OpError(f"{what} channels {x.c} do not split into {heads} heads")
    return d.floor_div(x.c, heads)


def _matmul_dims(d: Domain, inputs: Sequence[Shape], a: Attrs) -> tuple[Any, Any]:
    """(keys per query and head, the inner dimension of the product) of a `matmul`.

    transpose_b (QKᵀ): A = queries, H×W×(heads·d); B = keys, H'×W'×(kv_heads·d); out: one logit per
    query, head and key. Otherwise (AV): A = attention weights, H×W×(heads·keys); B = values,
    H'×W'×(kv_heads·d_v); out: H×W×(heads·d_v). kv_heads = 1 with multi_query, else heads."""
    x, y = inputs
    heads, patch = a["heads"], a["patch"]
    kv_heads = 1 if a["multi_query"] else heads
    keys = _keys(d, y, x, patch)
    if a["transpose_b"]:
        width = _head_width(d, x, heads, "the first input's")
        kv_width = _head_width(d, y, kv_heads, "the second input's")
        if not d.equal(width, kv_width):
            raise OpError(f"query heads of width {width} ({x.c} channels / {heads} heads) cannot meet keys of "
                          f"width {kv_width} ({y.c} channels / {kv_heads} heads)")
        return keys, width
    _head_width(d, y, kv_heads, "the second input's")
    if not d.equal(x.c, heads * keys):
        raise OpError(f"the first input's {x.c} channels must be {heads} heads x {keys} keys (the second input's "
                      f"tokens{' per patch offset' if patch > 1 else ''}), as a transpose_b matmul gives")
    return keys, keys


def _matmul_shape(d: Domain, inputs: Sequence[Shape], a: Attrs) -> Shape:
    x, y = inputs
    keys, _ = _matmul_dims(d, inputs, a)
    if a["transpose_b"]:
        return Shape(x.h, x.w, a["heads"] * keys)
    kv_heads = 1 if a["multi_query"] else a["heads"]
    return Shape(x.h, x.w, a["heads"] * d.floor_div(y.c, kv_heads))


def _matmul_macs(d: Domain, inputs: Sequence[Shape], out: Shape, a: Attrs) -> Any:
    """One multiply-accumulate per output element and inner index: QKᵀ N_q·heads·N_kv·d, AV
    N_q·heads·N_kv·d_v."""
    _, inner = _matmul_dims(d, inputs, a)
    return out.elements * inner


def _matmul_label(a: Attrs) -> str:
    kind = "q k^T" if a["transpose_b"] else "attn v"
    heads = f" {a['heads']}h" + (" mq" if a["multi_query"] else "")
    return f"matmul {kind}{heads}" + (f" p{a['patch']}" if a["patch"] > 1 else "")


_FUSED = {
    "bias": Attr(Kind.BOOL, False),
    "bn": Attr(Kind.BOOL, None),  # default from the spec's `defaults.bn`
    "act": Attr(Kind.ACT, None),  # default from the spec's `defaults.act`
}
_WINDOW = {
    "stride": Attr(Kind.INT, 1),
    "padding": Attr(Kind.PADDING, None),  # default from the spec's `defaults.padding`
}
_KERNEL_W = {"kernel_w": Attr(Kind.INT, same_as="kernel")}  # `kernel: [kh, kw]` sets both
_SPATIAL = _KERNEL_W | {"dilation": Attr(Kind.INT, 1)}
_POOL = {"kernel": Attr(Kind.INT, required=True)} | _KERNEL_W | _WINDOW | {"ceil_mode": Attr(Kind.BOOL, False)}


def _kernel_text(a: Attrs) -> str:
    """'3x3', '1x5', '3x3 d2' (dilated by 2)."""
    dil = a.get("dilation", 1)
    return f"{a['kernel']}x{kernel_w(a)}" + (f" d{dil}" if dil > 1 else "")


def _kernel_label(prefix: str) -> Callable[[Attrs], str]:
    return lambda a: f"{prefix} {_kernel_text(a)}"


def _fixed_label(text: str) -> Callable[[Attrs], str]:
    return lambda a: text


def _conv_rule(name: str, doc: str, kernel: Attr) -> OpRule:
    spatial_attrs = _SPATIAL if kernel.settable else {}
    return OpRule(
        name=name,
        doc=doc,
        attrs={"kernel": kernel} | spatial_attrs | {"out": Attr(Kind.CHANNELS, required=True),
                                                    "groups": Attr(Kind.INT, 1)}
        | _WINDOW
        | _FUSED,
        min_inputs=1,
        max_inputs=1,
        shape=_conv_shape,
        weights=_conv_weights,
        macs=_conv_macs,
        extra_macs=_fused_extra,
        label=lambda a: f"conv {_kernel_text(a)}" + (f" g{a['groups']}" if a["groups"] > 1 else ""),
        kernel=Kernel.CONV,
    )


def _simple(name: str, doc: str, shape: ShapeRule = _same, extra: CostRule = _per_output,
            label: str | None = None, attrs: Mapping[str, Attr] | None = None,
            inputs: tuple[int, int] = (1, 1), inplace: bool = False,
            kernel: Kernel = Kernel.ELEMENTWISE) -> OpRule:
    return OpRule(name=name, doc=doc, attrs=attrs or {}, min_inputs=inputs[0], max_inputs=inputs[1],
                  shape=shape, weights=_zero, macs=_zero, extra_macs=extra,
                  label=_fixed_label(label or name), inplace=inplace, kernel=kernel)


def _registry() -> dict[str, OpRule]:
    rules = [
        _conv_rule("conv", "k×k convolution (groups, stride, padding, bias, fused BN/activation)",
                   Attr(Kind.INT, required=True)),
        _conv_rule("pwconv", "1×1 (pointwise) convolution", Attr(Kind.INT, 1, settable=False)),
        OpRule(
            name="dwconv",
            doc="depthwise k×k convolution: one filter per input channel (times `multiplier`)",
            attrs={"kernel": Attr(Kind.INT, required=True)} | _SPATIAL | {"multiplier": Attr(Kind.INT, 1)}
            | _WINDOW | _FUSED,
            min_inputs=1, max_inputs=1, shape=_dw_shape, weights=_dw_weights, macs=_dw_macs,
            extra_macs=_fused_extra, label=_kernel_label("conv dw"), kernel=Kernel.DEPTHWISE,
        ),
        OpRule(
            name="fc",
            doc="fully connected layer over the flattened input (bias on by default)",
            attrs={"out": Attr(Kind.CHANNELS, required=True), "bias": Attr(Kind.BOOL, True),
                   "bn": Attr(Kind.BOOL, False), "act": Attr(Kind.ACT, "none")},
            min_inputs=1, max_inputs=1, shape=_fc_shape, weights=_fc_weights, macs=_fc_macs,
            extra_macs=_fused_extra, label=_fixed_label("fc"), kernel=Kernel.FC,
        ),
        _simple("bn", "batch normalization (parameters per --bn-params)", inplace=True, kernel=Kernel.FREE),
        *(_simple(act, f"{act} activation", inplace=True) for act in ACTIVATIONS),
        _simple("avgpool", "average pooling over k×k windows", _pool_shape, _pool_extra, kernel=Kernel.POOL,
                attrs=_POOL),
        _simple("maxpool", "max pooling over k×k windows", _pool_shape, _pool_extra, kernel=Kernel.POOL,
                attrs=_POOL),
        # PyTorch's AdaptiveAvgPool2d((h, w)): windows [floor(i·in/out), ceil((i+1)·in/out)).
        _simple("adaptive_avgpool", "average pooling to a fixed output size (`size`, or `size: [h, w]`)",
                _adaptive_shape, _adaptive_extra, kernel=Kernel.POOL,
                attrs={"size": Attr(Kind.INT, required=True), "size_w": Attr(Kind.INT, same_as="size")}),
        _simple("global_avgpool", "average over all positions: HxWxC -> 1x1xC", _global_shape, _global_extra,
                kernel=Kernel.POOL),
        _simple("global_maxpool", "maximum over all positions: HxWxC -> 1x1xC", _global_shape, _global_extra,
                kernel=Kernel.POOL),
        _simple("add", "element-wise sum of inputs of equal shape (residual connection); with `channels: first`, "
                "later inputs may be narrower and are added to the first one's first channels (ReXNet)",
                _add_shape, _add_extra, inputs=(2, 8),
                attrs={"channels": Attr(Kind.CHOICE, "all", choices=("all", "first"))}),
        _simple("mul", "element-wise product; a 1x1xC input broadcasts (squeeze-and-excite gate)",
                _mul_shape, _elementwise_extra, inputs=(2, 8)),
        _simple("concat", "concatenation along channels of inputs of equal height and width",
                _concat_shape, _zero, inputs=(2, 8)),
        _simple("flatten", "HxWxC -> 1x1x(H*W*C)", _flatten_shape, _zero, inplace=True, kernel=Kernel.FREE),
        # A view of its input (torch `chunk`): no arithmetic, no new buffer.
        _simple("split", "one of `parts` equal channel groups of its input (`part` = 1..parts), or of groups "
                "of the given `sizes` (a list of channels, scaled by α; they must add up to the input's)",
                _split_shape, _zero, attrs={"parts": Attr(Kind.INT, 2), "part": Attr(Kind.INT, required=True),
                                            "sizes": Attr(Kind.CHANNELS, many=16, excludes=("parts",))},
                inplace=True),
        # A view of its input (torch `x[:, start:stop]`), as split: no arithmetic, no new buffer.
        _simple("slice", "channels `start` to `stop` − 1 of its input (without `start`: the first `stop`)",
                _slice_shape, _zero, attrs={"stop": Attr(Kind.CHANNELS, required=True),
                                            "start": Attr(Kind.CHANNELS, optional=True)}, inplace=True),
        # Data movement only (a transpose copied into a new tensor): no arithmetic.
        _simple("channel_shuffle", "reorder channels across `groups` (ShuffleNet); shape unchanged",
                _shuffle_shape, _zero, attrs={"groups": Attr(Kind.INT, required=True)}),
        # torch.nn.functional.interpolate(mode="nearest" | "bilinear"): no weights.
        OpRule(name="resize", doc="nearest or bilinear resize by an integer `factor`, up to the next `multiple`, "
               "or to the size of the tensor named by `like`",
               attrs={"mode": Attr(Kind.CHOICE, "nearest", choices=tuple(RESIZE_TAPS)),
                      "factor": Attr(Kind.INT, 1), "multiple": Attr(Kind.INT, 1)},
               min_inputs=1, max_inputs=2, shape=_resize_shape, weights=_zero, macs=_zero, extra_macs=_resize_extra,
               label=lambda a: f"resize {a['mode']}", like=("factor", "multiple")),
        OpRule(
            name="conv_transpose",
            doc="transposed k×k convolution (PyTorch ConvTranspose2d: stride, padding, output_padding, dilation)",
            attrs={"kernel": Attr(Kind.INT, required=True)} | _SPATIAL
            | {"out": Attr(Kind.CHANNELS, required=True), "groups": Attr(Kind.INT, 1)} | _WINDOW
            | {"output_padding": Attr(Kind.PIXELS, 0)} | _FUSED,
            min_inputs=1, max_inputs=1, shape=_transpose_shape, weights=_conv_weights, macs=_transpose_macs,
            extra_macs=_fused_extra, kernel=Kernel.CONV,
            label=lambda a: f"conv_t {_kernel_text(a)}" + (f" g{a['groups']}" if a["groups"] > 1 else ""),
        ),
        _simple("dropout", "identity at inference", extra=_zero, inplace=True, kernel=Kernel.FREE),
        _simple("softmax", "softmax over channels or, after a q k^T matmul, over the keys (no parameters)",
                attrs={"axis": Attr(Kind.CHOICE, "channels", choices=("channels", "keys"))}),
        # LayerNorm over the channels of each position (ConvNeXt, MobileViT): γ and β per channel,
        # as PyTorch's nn.LayerNorm(C) counts them; under --ops all one MAC per output element.
        OpRule(name="layer_norm", doc="layer normalization over channels (γ, β: 2 parameters per channel)",
               attrs={}, min_inputs=1, max_inputs=1, shape=_same, weights=_affine_per_channel, macs=_zero,
               extra_macs=_per_output, label=_fixed_label("layer_norm"), norm_affine=True),
        # timm LayerScale2d: x * gamma, one learned factor per channel (weights, not statistics).
        OpRule(name="layer_scale", doc="a learned factor per channel (C parameters; one multiply per element)",
               attrs={}, min_inputs=1, max_inputs=1, shape=_same, weights=_per_channel, macs=_zero,
               extra_macs=_per_output, label=_fixed_label("layer_scale")),
        # A matrix product between two activations (attention's q k^T and attn v): no parameters;
        # its MACs are counted unless --ops conv-fc (the papers' count) leaves them out.
        OpRule(name="matmul", doc="a product of two activations per head (attention's q k^T and attn v)",
               attrs={"heads": Attr(Kind.INT, 1), "transpose_b": Attr(Kind.BOOL, False),
                      "multi_query": Attr(Kind.BOOL, False), "patch": Attr(Kind.INT, 1)},
               min_inputs=2, max_inputs=2, shape=_matmul_shape, weights=_zero, macs=_matmul_macs,
               extra_macs=_zero, label=_matmul_label, kernel=Kernel.FC, product=True),
    ]
    return {rule.name: rule for rule in rules}



OPS: Mapping[str, OpRule] = _registry()
"""Every primitive op, by the name used in specs' `op:` field."""

LITERAL_ATTRS: Mapping[str, frozenset[str]] = {
    name: frozenset(key for key, attr in rule.attrs.items() if attr.kind in LITERAL_KINDS)
    for name, rule in OPS.items()}
"""Per op, the attributes whose values are literals (the walk reads them without a domain)."""
