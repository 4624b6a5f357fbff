"""ONNX out: a spec under one config as a runnable ONNX model (`mncost export SPEC --to onnx`).

One ONNX node per executed layer, named after the layer (`stage3.block2.dw`), with the helper
nodes a layer needs named after it (`stage3.block2.dw/bn`, `.../act`, `fc/flatten`): a conv row
with `bn: true, act: relu6` is Conv → BatchNormalization → Clip(0, 6), an fc over a feature map is
Flatten → Gemm, a 1x1xC vector read by a layer other than fc is reshaped back to N×C×1×1 first.
The attention ops are small subgraphs (mncost.onnx_tokens): a `matmul` is Reshape (SpaceToDepth
with a patch) to token matrices, MatMul, and back to the map; softmax over the keys is Softmax per
head between two Reshapes; `layer_norm` is LayerNormalization between NHWC transposes;
`layer_scale` a Mul by a 1×C×1×1 factor; `gelu` x·(1 + erf(x/√2))/2 (opset 17 has no Gelu), as
PyTorch writes it.
Weights are zeros or seeded normal noise (biases, batch-norm statistics and layer-norm γ, β are
neutral), so the model runs and can be timed, and `mncost import` reads back the same layers,
shapes, parameters and MACs. Padding `same` is written as TensorFlow's explicit (possibly
asymmetric) pads.
"""

from __future__ import annotations

import math
from enum import StrEnum
from typing import Any

from .errors import MncostError
from .evaluate import Evaluated, resolve, rounding_of, walk
from .graph import GRAPH_INPUT, Graph
from .onnx_tokens import KEYS_LAST, SOFTMAX_AXIS, stacked, tokens
from .ops import ACTIVATIONS, Shape, kernel_w, listed, padding_pixels
from .report import Config

MISSING = "exporting ONNX files needs the onnx package: pip install 'mncost[onnx]'"
OPSET = 17
"""The ONNX opset written (Split takes equal parts without sizes; HardSwish exists)."""
INPUT_NAME = "input"


class Weights(StrEnum):
    RANDOM = "random"  # seeded normal noise (numpy's default_rng(seed)), std 0.05
    ZERO = "zero"


def _pads(size: int, out: int, kernel: int, stride: int, padding: str | int | tuple[int, int],
          axis: int = 0) -> list[int]:
    """[begin, end] padding of one side, as mncost.ops.spatial reads `padding` (`kernel`: the
    window's extent on that axis, dilation included)."""
    if padding == "same":  # TensorFlow: the total split with the extra pixel at the end
        total = max((out - 1) * stride + kernel - size, 0)
        return [total // 2, total - total // 2]
    pad = padding_pixels(kernel, padding, axis)
    return [int(pad or 0), int(pad or 0)]


def _window(ev: Evaluated) -> dict[str, Any]:
    """kernel_shape, strides, dilations and pads of a Conv or pool node for a walked layer."""
    a, x, out = ev.attrs, ev.inputs[0], ev.output
    kh, kw, s, dil = a["kernel"], kernel_w(a), a["stride"], a.get("dilation", 1)
    hp = _pads(x.h, out.h, dil * (kh - 1) + 1, s, a["padding"], 0)
    wp = _pads(x.w, out.w, dil * (kw - 1) + 1, s, a["padding"], 1)
    attrs: dict[str, Any] = {"kernel_shape": [kh, kw], "strides": [s, s], "pads": [hp[0], wp[0], hp[1], wp[1]]}
    if dil != 1:
        attrs["dilations"] = [dil, dil]
    return attrs


def _pool_ceil_mode(ev: Evaluated, window: dict[str, Any]) -> int:
    """ONNX opset 17's ceil_mode (plain ceiling division, without PyTorch's rule that drops a last
    window starting in the right padding) that gives the layer's output on both axes."""
    x, out, s = ev.inputs[0], ev.output, window["strides"][0]
    pads, kernel = window["pads"], window["kernel_shape"]
    sides = [(x.h + pads[0] + pads[2] - kernel[0], out.h), (x.w + pads[1] + pads[3] - kernel[1], out.w)]
    for mode in ((1, 0) if ev.attrs.get("ceil_mode") else (0, 1)):
        if all((-(-span // s) if mode else span // s) + 1 == want for span, want in sides):
            return mode
    raise MncostError(f"layer '{ev.node.name}': its ceil_mode output size has no ONNX opset {OPSET} form")


class _Builder:
    def __init__(self, weights: Weights, seed: int) -> None:
        import numpy
        from onnx import helper, numpy_helper

        self.np, self.helper, self.numpy_helper = numpy, helper, numpy_helper
        self.rng = numpy.random.default_rng(seed)
        self.weights = weights
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.rank: dict[str, int] = {INPUT_NAME: 4}
        self.as_map: dict[str, str] = {}
        self.token_order: dict[str, tuple[int, int]] = {}  # logits maps (q k^T, softmax over the keys): heads, patch

    def tensor(self, name: str, shape: list[int], fill: str = "weight") -> str:
        np = self.np
        if fill == "weight" and self.weights is Weights.RANDOM:
            value = (self.rng.standard_normal(shape) * 0.05).astype(np.float32)
        elif fill == "one":
            value = np.ones(shape, dtype=np.float32)
        else:
            value = np.zeros(shape, dtype=np.float32)
        self.initializers.append(self.numpy_helper.from_array(value, name))
        return name

    def ints(self, name: str, values: list[int]) -> str:
        self.initializers.append(self.numpy_helper.from_array(self.np.array(values, dtype=self.np.int64), name))
        return name

    def floats(self, name: str, value: float) -> str:
        self.initializers.append(self.numpy_helper.from_array(self.np.array(value, dtype=self.np.float32), name))
        return name

    def node(self, op: str, inputs: list[str], output: str, name: str, rank: int, **attrs: Any) -> str:
        self.nodes.append(self.helper.make_node(op, inputs, [output], name=name, **attrs))
        self.rank[output] = rank
        return output

    def map4d(self, tensor: str) -> str:
        """A rank-2 vector N×C as N×C×1×1 (one Reshape per tensor)."""
        if self.rank[tensor] == 4:
            return tensor
        if tensor not in self.as_map:
            shape = self.ints(f"{tensor}/as_map/shape", [0, -1, 1, 1])
            self.as_map[tensor] = self.node("Reshape", [tensor, shape], f"{tensor}/as_map", f"{tensor}/as_map", 4)
        return self.as_map[tensor]

    def fused(self, name: str, x: str, channels: int, bn: bool, act: str) -> str:
        rank = self.rank[x]
        if bn:
            params = [self.tensor(f"{name}/bn/{p}", [channels], "one" if p in ("scale", "var") else "zero")
                      for p in ("scale", "bias", "mean", "var")]
            x = self.node("BatchNormalization", [x, *params], f"{name}/bn", f"{name}/bn", rank)
        return self.activation(name, x, act, rank, suffix="/act")

    def activation(self, name: str, x: str, act: str, rank: int, suffix: str = "") -> str:
        node_name = f"{name}{suffix}"
        if act == "none":
            return x
        if act == "relu":
            return self.node("Relu", [x], node_name, node_name, rank)
        if act == "relu6":
            low, high = self.floats(f"{node_name}/min", 0.0), self.floats(f"{node_name}/max", 6.0)
            return self.node("Clip", [x, low, high], node_name, node_name, rank)
        if act == "hswish":
            return self.node("HardSwish", [x], node_name, node_name, rank)
        if act == "hsigmoid":
            return self.node("HardSigmoid", [x], node_name, node_name, rank, alpha=1 / 6, beta=0.5)
        if act == "sigmoid":
            return self.node("Sigmoid", [x], node_name, node_name, rank)
        if act in ("swish", "silu"):
            gate = self.node("Sigmoid", [x], f"{node_name}/sigmoid", f"{node_name}/sigmoid", rank)
            return self.node("Mul", [x, gate], node_name, node_name, rank)
        if act == "gelu":  # opset 17 has no Gelu: x·(1 + erf(x/√2))/2, as PyTorch's exporter writes it
            root2, one = self.floats(f"{node_name}/sqrt2", math.sqrt(2.0)), self.floats(f"{node_name}/one", 1.0)
            half = self.floats(f"{node_name}/half", 0.5)
            y = self.node("Div", [x, root2], f"{node_name}/div", f"{node_name}/div", rank)
            y = self.node("Erf", [y], f"{node_name}/erf", f"{node_name}/erf", rank)
            y = self.node("Add", [y, one], f"{node_name}/plus_one", f"{node_name}/plus_one", rank)
            y = self.node("Mul", [x, y], f"{node_name}/times_x", f"{node_name}/times_x", rank)
            return self.node("Mul", [y, half], node_name, node_name, rank)
        raise MncostError(f"layer '{name}': activation '{act}' cannot be exported")  # pragma: no cover

    def to_tokens(self, name: str, tensor: str, shape: Shape, groups: int, patch: int) -> str:
        """The map of `groups` heads as token matrices 1 × p² × g × w × N (mncost.onnx_tokens);
        a logits map, kept in token order, by a Reshape alone."""
        x, width = self.map4d(tensor), shape.c // groups
        target = self.ints(f"{name}/shape", tokens(groups, width, shape.h, shape.w, patch))
        if patch > 1 and tensor not in self.token_order:
            x = self.node("SpaceToDepth", [x], f"{name}/patches", f"{name}/patches", 4, blocksize=patch)
        return self.node("Reshape", [x, target], name, name, 5)

    def from_tokens(self, name: str, tensor: str, groups: int, width: int, query: Shape, patch: int) -> str:
        """Token matrices 1 × p² × g × w × N back as the map 1 × (g·w) × H × W, named `name`."""
        h, w = query.h, query.w
        if patch == 1:
            return self.node("Reshape", [tensor, self.ints(f"{name}/map_shape", [1, groups * width, h, w])], name,
                             f"{name}/map", 4)
        patches = self.ints(f"{name}/patches_shape", stacked(groups * width, h, w, patch))
        tensor = self.node("Reshape", [tensor, patches], f"{name}/patches", f"{name}/patches", 4)
        return self.node("DepthToSpace", [tensor], name, f"{name}/map", 4, blocksize=patch, mode="DCR")

    def matmul(self, ev: Evaluated, inputs: list[str]) -> str:
        """q k^T (transpose_b) or attn v per head: one MatMul between token matrices."""
        a, name, (x, y) = ev.attrs, ev.node.name, ev.inputs
        heads, patch = a["heads"], a["patch"]
        kv_heads = 1 if a["multi_query"] else heads
        first = self.to_tokens(f"{name}/a_tokens", inputs[0], x, heads, patch)
        second = self.to_tokens(f"{name}/b_tokens", inputs[1], y, kv_heads, patch)
        if not a["transpose_b"]:
            product = self.node("MatMul", [second, first], f"{name}/tokens", name, 5)
            return self.from_tokens(name, product, heads, ev.output.c // heads, x, patch)
        keys = self.node("Transpose", [second], f"{name}/keys", f"{name}/keys", 5, perm=KEYS_LAST)
        product = self.node("MatMul", [keys, first], f"{name}/tokens", name, 5)
        flat = self.ints(f"{name}/map_shape", [1, ev.output.c, x.h, x.w])  # the logits in token order
        out = self.node("Reshape", [product, flat], name, f"{name}/map", 4)
        self.token_order[out] = (heads, patch)
        return out

    def softmax(self, ev: Evaluated, inputs: list[str]) -> str:
        name, x = ev.node.name, inputs[0]
        if ev.attrs["axis"] == "channels":
            return self.node("Softmax", [x], name, name, self.rank[x], axis=1)
        if x not in self.token_order:
            raise MncostError(f"layer '{name}': softmax over the keys is exported only on the output of a "
                              "q k^T matmul (transpose_b: true), whose heads it normalizes")
        heads, patch = self.token_order[x]
        shape = ev.inputs[0]
        grouped = self.ints(f"{name}/per_head_shape", tokens(heads, shape.c // heads, shape.h, shape.w, patch))
        y = self.node("Reshape", [x, grouped], f"{name}/per_head", f"{name}/per_head", 5)
        y = self.node("Softmax", [y], f"{name}/softmax", name, 5, axis=SOFTMAX_AXIS)
        flat = self.ints(f"{name}/map_shape", [1, shape.c, shape.h, shape.w])
        out = self.node("Reshape", [y, flat], name, f"{name}/map", 4)
        self.token_order[out] = (heads, patch)
        return out

    def check_token_order(self, ev: Evaluated, inputs: list[str]) -> None:
        """With a patch, a logits map holds its values in token order, not pixel order: only softmax
        over the keys and an attn v matmul (as its first input, with the same heads) may read it."""
        for k, tensor in enumerate(inputs):
            heads, patch = self.token_order.get(tensor, (0, 1))
            if patch == 1:
                continue
            a = ev.attrs
            if k == 0 and ((ev.node.op == "softmax" and a["axis"] == "keys") or (
                    ev.node.op == "matmul" and not a["transpose_b"] and a["heads"] == heads and a["patch"] == patch)):
                continue
            raise MncostError(f"layer '{ev.node.name}': it reads the logits of a matmul with patch: {patch}, which "
                              "the ONNX export keeps in token order; only softmax over the keys and the attn v "
                              "matmul of the same heads and patch may read them")

    def layer_norm(self, ev: Evaluated, inputs: list[str]) -> str:
        """LayerNormalization over the channels (γ = 1, β = 0): on an NCHW map between NHWC transposes."""
        name, x, c = ev.node.name, inputs[0], ev.output.c
        scale, bias = self.tensor(f"{name}/scale", [c], "one"), self.tensor(f"{name}/bias", [c], "zero")
        if self.rank[x] == 2:
            return self.node("LayerNormalization", [x, scale, bias], name, name, 2, axis=-1)
        y = self.node("Transpose", [x], f"{name}/to_nhwc", f"{name}/to_nhwc", 4, perm=[0, 2, 3, 1])
        y = self.node("LayerNormalization", [y, scale, bias], f"{name}/normalized", name, 4, axis=-1)
        return self.node("Transpose", [y], name, f"{name}/to_nchw", 4, perm=[0, 3, 1, 2])

    def transposed(self, ev: Evaluated, inputs: list[str]) -> str:
        """ConvTranspose: weights C_in × C_out/groups × kh × kw; TF 'same' as auto_pad SAME_UPPER."""
        a, name, x = ev.attrs, ev.node.name, ev.inputs[0]
        kh, kw, dil = a["kernel"], kernel_w(a), a["dilation"]
        attrs: dict[str, Any] = {"kernel_shape": [kh, kw], "strides": [a["stride"]] * 2, "group": a["groups"]}
        if a["padding"] == "same":
            attrs["auto_pad"] = "SAME_UPPER"
        else:
            ph = padding_pixels(dil * (kh - 1) + 1, a["padding"], 0) or 0
            pw = padding_pixels(dil * (kw - 1) + 1, a["padding"], 1) or 0
            attrs["pads"] = [ph, pw, ph, pw]
        if dil != 1:
            attrs["dilations"] = [dil, dil]
        if a["output_padding"]:
            attrs["output_padding"] = [a["output_padding"]] * 2
        weight = self.tensor(f"{name}/weight", [x.c, ev.output.c // a["groups"], kh, kw])
        args = [self.map4d(inputs[0]), weight] + (
            [self.tensor(f"{name}/bias", [ev.output.c], "zero")] if a["bias"] else [])
        out = self.node("ConvTranspose", args, name, name, 4, **attrs)
        return self.fused(name, out, ev.output.c, a["bn"], a["act"])

    def layer(self, ev: Evaluated, inputs: list[str]) -> str:
        node, a, name = ev.node, ev.attrs, ev.node.name
        self.check_token_order(ev, inputs)
        op = node.op
        if op in ("conv", "pwconv", "dwconv"):
            x, shape = self.map4d(inputs[0]), ev.inputs[0]
            groups = shape.c if op == "dwconv" else a["groups"]
            window = _window(ev)
            weight = self.tensor(f"{name}/weight", [ev.output.c, shape.c // groups, *window["kernel_shape"]])
            args = [x, weight] + ([self.tensor(f"{name}/bias", [ev.output.c], "zero")] if a["bias"] else [])
            out = self.node("Conv", args, name, name, 4, group=groups, **window)
            return self.fused(name, out, ev.output.c, a["bn"], a["act"])
        if op == "conv_transpose":
            return self.transposed(ev, inputs)
        if op == "fc":
            x = inputs[0]
            if self.rank[x] != 2:
                x = self.node("Flatten", [x], f"{name}/flatten", f"{name}/flatten", 2, axis=1)
            cin = ev.inputs[0].elements
            args = [x, self.tensor(f"{name}/weight", [ev.output.c, cin])]
            if a["bias"]:
                args.append(self.tensor(f"{name}/bias", [ev.output.c], "zero"))
            out = self.node("Gemm", args, name, name, 2, transB=1)
            return self.fused(name, out, ev.output.c, a["bn"], a["act"])
        if op == "bn":
            x = inputs[0]
            params = [self.tensor(f"{name}/{p}", [ev.output.c], "one" if p in ("scale", "var") else "zero")
                      for p in ("scale", "bias", "mean", "var")]
            return self.node("BatchNormalization", [x, *params], name, name, self.rank[x])
        if op in ACTIVATIONS:
            return self.activation(name, inputs[0], op, self.rank[inputs[0]])
        if op == "matmul":
            return self.matmul(ev, inputs)
        if op == "softmax":
            return self.softmax(ev, inputs)
        if op == "layer_norm":
            return self.layer_norm(ev, inputs)
        if op == "layer_scale":  # timm LayerScale2d: one factor per channel
            x = inputs[0]
            gamma = self.tensor(f"{name}/gamma", [1, ev.output.c, 1, 1] if self.rank[x] == 4 else [ev.output.c])
            return self.node("Mul", [x, gamma], name, name, self.rank[x])
        if op in ("avgpool", "maxpool"):
            window = _window(ev)
            ceil = _pool_ceil_mode(ev, window)
            return self.node("AveragePool" if op == "avgpool" else "MaxPool", [self.map4d(inputs[0])], name, name,
                             4, **window, **({"ceil_mode": 1} if ceil else {}))
        if op == "adaptive_avgpool":
            src, pooled = ev.inputs[0], ev.output
            if src.h % pooled.h or src.w % pooled.w:  # equal windows only: ONNX has no adaptive pooling
                raise MncostError(f"layer '{name}': adaptive_avgpool from {src.h}x{src.w} to {pooled.h}x{pooled.w} "
                                  "has no ONNX form (ONNX pools with equal windows: the input must be a multiple)")
            kernel = [src.h // pooled.h, src.w // pooled.w]
            return self.node("AveragePool", [self.map4d(inputs[0])], name, name, 4, kernel_shape=kernel,
                             strides=kernel)
        if op == "resize":
            # The size is a constant at the export's resolution; PyTorch's F.interpolate exports the
            # same modes: nearest = floor of the asymmetric source coordinate, bilinear = half_pixel.
            size = ev.output
            sizes = self.ints(f"{name}/sizes", [1, size.c, size.h, size.w])
            modes = {"nearest": {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                                 "nearest_mode": "floor"},
                     "bilinear": {"mode": "linear", "coordinate_transformation_mode": "half_pixel"}}
            return self.node("Resize", [self.map4d(inputs[0]), "", "", sizes], name, name, 4, **modes[a["mode"]])
        if op in ("global_avgpool", "global_maxpool"):
            return self.node("GlobalAveragePool" if op == "global_avgpool" else "GlobalMaxPool",
                             [self.map4d(inputs[0])], name, name, 4)
        if op == "add" and a["channels"] == "first" and any(x != ev.inputs[0] for x in ev.inputs[1:]):
            # x[:, :C] += y for each narrower y: the first C channels summed, the rest concatenated back
            y, wide = self.map4d(inputs[0]), ev.inputs[0].c
            for k, (other, shape) in enumerate(zip(inputs[1:], ev.inputs[1:], strict=True)):
                step = f"{name}/{k + 1}"
                if shape.c == wide:
                    y = self.node("Add", [y, self.map4d(other)], step, step, 4)
                    continue
                head, tail = (self.node("Slice", [y, self.ints(f"{step}/{part}_start", [lo]),
                                                  self.ints(f"{step}/{part}_stop", [hi]),
                                                  self.ints(f"{step}/{part}_axis", [1])],
                                        f"{step}/{part}", f"{step}/{part}", 4)
                              for part, lo, hi in (("head", 0, shape.c), ("tail", shape.c, wide)))
                added = self.node("Add", [head, self.map4d(other)], f"{step}/add", f"{step}/add", 4)
                y = self.node("Concat", [added, tail], step if k < len(inputs) - 2 else name, step, 4, axis=1)
            return y
        if op in ("add", "mul", "concat"):
            xs = [self.map4d(t) for t in inputs]
            if op == "concat":
                return self.node("Concat", xs, name, name, 4, axis=1)
            if len(xs) == 2:
                return self.node("Add" if op == "add" else "Mul", xs, name, name, 4)
            if op == "add":
                return self.node("Sum", xs, name, name, 4)
            raise MncostError(f"layer '{name}': mul of {len(xs)} inputs cannot be exported (ONNX Mul takes 2)")
        if op == "flatten":
            return self.node("Flatten", [inputs[0]], name, name, 2, axis=1)
        if op == "split":
            x, part_sizes = self.map4d(inputs[0]), listed(a, "sizes")
            outs = [f"{name}/part{k + 1}" for k in range(len(part_sizes) or a["parts"])]
            split = [self.ints(f"{name}/sizes", part_sizes)] if part_sizes else []
            self.nodes.append(self.helper.make_node("Split", [x, *split], outs, name=name, axis=1))
            for out in outs:
                self.rank[out] = 4
            return str(outs[a["part"] - 1])
        if op == "slice":
            x = self.map4d(inputs[0])
            bounds = [self.ints(f"{name}/{k}", [v]) for k, v in (("start", a.get("start", 0)), ("stop", a["stop"]),
                                                                  ("axis", 1))]
            return self.node("Slice", [x, *bounds], name, name, 4)
        if op == "channel_shuffle":
            x, shape, g = self.map4d(inputs[0]), ev.inputs[0], a["groups"]
            grouped = self.ints(f"{name}/grouped_shape", [1, g, shape.c // g, shape.h, shape.w])
            flat = self.ints(f"{name}/ungrouped_shape", [1, shape.c, shape.h, shape.w])
            y = self.node("Reshape", [x, grouped], f"{name}/grouped", name, 5)
            y = self.node("Transpose", [y], f"{name}/transposed", f"{name}/transpose", 5, perm=[0, 2, 1, 3, 4])
            return self.node("Reshape", [y, flat], name, f"{name}/ungroup", 4)
        if op == "dropout":
            return self.node("Dropout", [inputs[0]], name, name, self.rank[inputs[0]])
        raise MncostError(f"layer '{name}': op '{op}' cannot be exported to ONNX yet")


def export_onnx(graph: Graph, config: Config, weights: Weights = Weights.RANDOM, seed: int = 0) -> bytes:
    """The ONNX model (serialized, checked with onnx.checker) of `graph` under `config`."""
    try:
        from onnx import TensorProto, checker, helper
    except ImportError:
        raise MncostError(MISSING) from None
    resolved = resolve(graph, config)
    evaluated = walk(graph, resolved, rounding_of(graph.spec, config))
    executed = {ev.node.index for ev in evaluated}
    builder = _Builder(weights, seed)
    tensor_of: dict[int, str] = {GRAPH_INPUT: INPUT_NAME}

    def source(index: int) -> str:
        while index != GRAPH_INPUT and index not in executed:
            index = graph.nodes[index].inputs[0]  # a skipped layer passes its first input through
        return tensor_of[index]

    for ev in evaluated:
        tensor_of[ev.node.index] = builder.layer(ev, [source(i) for i in ev.node.inputs])
    res = resolved.resolution
    outputs: list[Any] = []
    for index in graph.outputs:  # every output the spec names (the last layer by default)
        output = source(index)
        final = next((ev for ev in reversed(evaluated) if tensor_of[ev.node.index] == output), None)
        out_dims = [1, final.output.c] + ([final.output.h, final.output.w] if builder.rank[output] == 4 else []) \
            if final is not None else [1, graph.spec.channels, res, res]
        if output not in {o.name for o in outputs}:
            outputs.append(helper.make_tensor_value_info(output, TensorProto.FLOAT, out_dims))
    model_graph = helper.make_graph(
        builder.nodes, graph.spec.name,
        [helper.make_tensor_value_info(INPUT_NAME, TensorProto.FLOAT, [1, graph.spec.channels, res, res])],
        outputs, initializer=builder.initializers)
    from . import __version__

    model = helper.make_model(model_graph, producer_name="mncost", producer_version=__version__,
                              opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 8  # the IR of opset 17 (onnxruntime reads it)
    model.doc_string = (f"{graph.spec.name} at alpha={resolved.alpha:g}, resolution={res}, "
                        f"classes={resolved.classes}; weights {weights.value}")
    data: bytes = model.SerializeToString()
    checker.check_model(data, full_check=True)  # the bytes: serializing a model of large weights once, not twice
    return data
