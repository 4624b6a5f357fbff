"""ONNX in: a model file read as a spec (`mncost import model.onnx`, or any ONNX file where a spec goes).

The importer maps every node that computes on the feature map to a row of the spec language and
writes the spec as YAML text, which is then read like any spec file, so an imported model behaves
(and fails) exactly like a hand-written one. Nothing is guessed: an op the spec language cannot
express is a one-line error naming the node, never a silent zero. The written spec is checked
against the file before it is returned: at α = 1 every layer's output shape must equal the shape
ONNX shape inference gives its tensor.

Mapping (nodes on the feature map; shape-only arithmetic such as Shape→Gather→Concat is skipped):
  Conv                      conv (groups > 1: grouped), or dwconv when groups = input channels;
                            a following BatchNormalization and activation fold into the row
                            (`bn: true`, `act: ...`), a bias input is `bias: true`
  Gemm, MatMul(+Add bias)   fc (a Flatten/Reshape feeding it is part of it: fc flattens its input)
  MaxPool, AveragePool      maxpool, avgpool;  GlobalAveragePool/-MaxPool, ReduceMean over H, W:
                            global_avgpool, global_maxpool
  Add, Sum, Mul, Concat     add, mul (a 1x1xC gate broadcasts: squeeze-and-excite), concat
  Relu, Clip(0, 6), HardSwish, HardSigmoid, Sigmoid, x·Sigmoid(x), x·HardSigmoid(x)
                            relu, relu6, hswish, hsigmoid, sigmoid, silu, hswish
  Split / Slice on channels split;  Reshape→Transpose→Reshape (g groups)  channel_shuffle
  LayerNormalization        layer_norm (over channels: a 1xC tensor, or Transpose to NHWC, axis -1, and
                            back);  Gelu (exact), or x·(1 + Erf(x/√2))·0.5 as PyTorch writes it: gelu
  Mul by a 1xCx1x1 constant layer_scale
  MatMul of two feature maps matmul, between Reshape (SpaceToDepth) to token matrices and back, in the
                            form mncost export writes (mncost.onnx_tokens): heads, transpose_b,
                            multi_query and patch are read from the shapes
  Flatten                   flatten;  Softmax softmax (over channels; per head over the keys between
                            Reshapes: axis keys);  Dropout dropout;  Identity and reshapes
                            that keep the H×W×C view (1xC ↔ 1xCx1x1) pass their input through

Limits of their own (the YAML size limit does not apply: real exports are 5-50 MB of weights,
which are never read): MAX_ONNX_BYTES, MAX_ONNX_NODES, MAX_INITIALIZERS, MAX_FUNCTION_NESTING.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import MncostError, SpecError
from .onnx_shapes import SMALL, dims_of, resolve_shapes
from .onnx_tokens import KEYS_LAST, SOFTMAX_AXIS, stacked, tokens

MISSING = "reading ONNX files needs the onnx package: pip install 'mncost[onnx]'"

MAX_ONNX_BYTES = 2**31 - 1
"""Largest ONNX file (the protobuf format's own limit: 2 GiB)."""
MAX_ONNX_NODES = 100_000
"""Most nodes in the graph, counting the bodies of local functions."""
MAX_INITIALIZERS = 100_000
"""Most initializers (weight tensors)."""
MAX_FUNCTION_NESTING = 8
"""Deepest nesting of model-local functions calling functions."""

_LATER = "(not in the spec language yet)"
REFUSED_LATER = {
    "Upsample": "resize",
    "Attention": "attention", "MultiHeadAttention": "attention",
    "Einsum": "einsum",
}
"""ONNX ops that the spec language lacks for now, with the op name they will get."""

ACTIVATION_OPS = {"Relu": "relu", "HardSwish": "hswish", "HardSigmoid": "hsigmoid", "Sigmoid": "sigmoid",
                  "Gelu": "gelu"}


def require_onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise MncostError(MISSING) from None
    return onnx


# -- reading the file -----------------------------------------------------------------------------

def _check_file(path: str, shown: str) -> int:
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise SpecError(None, f"{shown}: no such file") from None
    except (OSError, ValueError) as exc:
        raise SpecError(None, f"{shown}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise SpecError(None, f"{shown}: is a directory, not an ONNX file")
    if not stat.S_ISREG(info.st_mode):
        raise SpecError(None, f"{shown}: is not a regular file (a pipe, socket or device)")
    if info.st_size > MAX_ONNX_BYTES:
        raise SpecError(None, f"{shown}: file is {info.st_size:,} bytes; the limit for ONNX files is "
                        f"{MAX_ONNX_BYTES:,}")
    return info.st_size


def _sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _function_nesting(model: Any, shown: str) -> None:
    functions = {(f.domain, f.name): f for f in model.functions}
    depth: dict[tuple[str, str], int] = {}

    def of(key: tuple[str, str], stack: tuple[tuple[str, str], ...]) -> int:
        if key in stack:
            raise SpecError(None, f"{shown}: local function '{key[1]}' calls itself")
        if key not in depth:
            if len(stack) > MAX_FUNCTION_NESTING:
                raise SpecError(None, f"{shown}: local functions nested deeper than {MAX_FUNCTION_NESTING} levels")
            calls = [(n.domain, n.op_type) for n in functions[key].node if (n.domain, n.op_type) in functions]
            depth[key] = 1 + max((of(c, stack + (key,)) for c in calls), default=0)
        return depth[key]

    for key in functions:
        if of(key, ()) > MAX_FUNCTION_NESTING:
            raise SpecError(None, f"{shown}: local functions nested deeper than {MAX_FUNCTION_NESTING} levels")


def _load(path: str, shown: str) -> Any:
    onnx = require_onnx()
    try:
        model = onnx.load(path, load_external_data=False)
    except Exception as exc:  # protobuf raises DecodeError, RuntimeWarning, ... on a bad file
        raise SpecError(None, f"{shown}: not a readable ONNX model ({type(exc).__name__})") from None
    graph = model.graph
    nodes = len(graph.node) + sum(len(f.node) for f in model.functions)
    if nodes > MAX_ONNX_NODES:
        raise SpecError(None, f"{shown}: {nodes:,} nodes; the limit is {MAX_ONNX_NODES:,}")
    if len(graph.initializer) > MAX_INITIALIZERS:
        raise SpecError(None, f"{shown}: {len(graph.initializer):,} initializers; the limit is {MAX_INITIALIZERS:,}")
    if model.functions:
        _function_nesting(model, shown)
        from onnx import inliner

        model = inliner.inline_local_functions(model)
        if len(model.graph.node) > MAX_ONNX_NODES:
            raise SpecError(None, f"{shown}: {len(model.graph.node):,} nodes once its functions are inlined; "
                            f"the limit is {MAX_ONNX_NODES:,}")
    if not graph.node:
        raise SpecError(None, f"{shown}: the ONNX graph has no nodes")
    _drop_weights(model)
    return model


def _drop_weights(model: Any) -> None:
    """Forget the values of every initializer larger than a shape vector: only their dimensions are
    read, and shape inference (which copies the model each round) then handles kilobytes, not the
    megabytes of weights. They are marked as external data, which nothing here ever opens."""
    for tensor in model.graph.initializer:
        if math.prod(tensor.dims) > SMALL:
            for name in ("raw_data", "float_data", "int32_data", "int64_data", "double_data", "uint64_data"):
                tensor.ClearField(name)
            del tensor.external_data[:]
            entry = tensor.external_data.add()
            entry.key, entry.value = "location", "(weights not read by mncost)"
            tensor.data_location = tensor.EXTERNAL


def _fix_input(model: Any, shown: str, resolution: int | None) -> tuple[str, int, int]:
    """The one image input: its name, channels and (square) resolution; its dims are fixed in place."""
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    if len(inputs) != 1:
        names = ", ".join(i.name for i in inputs) or "none"
        raise SpecError(None, f"{shown}: the model must have one image input, it has {len(inputs)} ({names})")
    image = inputs[0]
    dims = dims_of(image)
    if len(dims) != 4:
        raise SpecError(None, f"{shown}: input '{image.name}' must be an NCHW image (4 dimensions), got "
                        f"{len(dims)}: {dims}")
    _, c, h, w = dims
    if not isinstance(c, int) or c < 1:
        raise SpecError(None, f"{shown}: input '{image.name}' has no fixed channel count ({c})")
    fixed = [d for d in (h, w) if isinstance(d, int) and d > 0]
    if len(fixed) == 2 and h != w:
        raise SpecError(None, f"{shown}: input '{image.name}' is {h}x{w}; mncost takes square inputs")
    if fixed:
        if resolution is not None and resolution != fixed[0]:
            raise SpecError(None, f"{shown}: input '{image.name}' is fixed at {fixed[0]}x{fixed[0]}; "
                            f"--resolution {resolution} cannot change it")
        size = int(fixed[0])
    elif resolution is None:
        raise SpecError(None, f"{shown}: input '{image.name}' has symbolic height and width ({h}, {w}): "
                        f"give the size with 'mncost import {shown} --resolution N'")
    else:
        size = resolution
    shape = image.type.tensor_type.shape
    for dim, value in zip(shape.dim, (1, c, size, size), strict=True):
        dim.Clear()
        dim.dim_value = value
    for output in model.graph.output:
        output.type.tensor_type.ClearField("shape")
    del model.graph.value_info[:]
    return image.name, int(c), size


# -- the importer ---------------------------------------------------------------------------------

@dataclass
class _Row:
    name: str
    op: str
    attrs: dict[str, Any]
    inputs: list[str]  # ONNX tensor names
    output: str  # ONNX tensor name
    node: str  # the ONNX node the row is named after
    suffix: str = ""  # which of the node's outputs (Split)
    path: str = ""  # the node's module path (see module_path)


def module_path(node: Any) -> str:
    """The node's name, or where it has no path (PyTorch's dynamo exporter: `node_Conv_810`) the
    module path the exporter records in its metadata, as `/features/features.2/.../Conv`."""
    if "/" in node.name:
        return str(node.name)
    for prop in node.metadata_props:
        if prop.key == "pkg.torch.onnx.name_scopes":
            modules = [scope for scope in re.findall(r"'([^']*)'", prop.value)[:-1] if scope]
            if modules:
                return "/" + "/".join(modules) + "/" + str(node.op_type)
    return str(node.name)


@dataclass
class _Importer:
    model: Any
    shown: str
    image: str
    shapes: dict[str, list[int]] = field(default_factory=dict)
    consts: dict[str, Any] = field(default_factory=dict)  # initializer and Constant tensors (protos)
    consumers: dict[str, list[Any]] = field(default_factory=dict)
    alias: dict[str, str] = field(default_factory=dict)  # tensor -> tensor it passes through
    done: set[int] = field(default_factory=set)  # ids of nodes folded into a row
    rows: list[_Row] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    feature: set[str] = field(default_factory=set)
    producer: dict[str, Any] = field(default_factory=dict)  # tensor -> the node that computes it
    products: dict[int, tuple[dict[str, Any], list[str], str]] = field(default_factory=dict)  # attention MatMuls

    def fail(self, node: Any, message: str) -> SpecError:
        return SpecError(None, f"{self.shown}: node '{node.name or node.op_type}' ({node.op_type}): {message}")

    # -- lookups ----------------------------------------------------------------------------------
    def shape(self, tensor: str, node: Any) -> list[int]:
        dims = self.shapes.get(tensor)
        if dims is None:
            raise self.fail(node, f"ONNX shape inference gives no shape for tensor '{tensor}'")
        return dims

    def const(self, tensor: str) -> Any:
        """The value of a constant tensor as a numpy array, or None."""
        proto = self.consts.get(tensor)
        if proto is None:
            return None
        from onnx import numpy_helper

        try:
            return numpy_helper.to_array(proto)
        except Exception:  # weights kept as external data are not loaded
            return None

    def attr(self, node: Any, name: str, default: Any = None) -> Any:
        from onnx import helper

        for a in node.attribute:
            if a.name == name:
                return helper.get_attribute_value(a)
        return default

    def users(self, tensor: str) -> list[Any]:
        return self.consumers.get(tensor, [])

    def only_user(self, tensor: str, *ops: str) -> Any:
        users = self.users(tensor)
        if len(users) == 1 and users[0].op_type in ops and tensor not in self.outputs:
            return users[0]
        return None

    def ref(self, tensor: str) -> str:
        while tensor in self.alias:
            tensor = self.alias[tensor]
        return tensor

    def hwc(self, tensor: str, node: Any) -> tuple[int, int, int]:
        dims = self.shape(tensor, node)
        if len(dims) == 4:
            return dims[2], dims[3], dims[1]
        if len(dims) == 2:
            return 1, 1, dims[1]
        if len(dims) == 3 and dims[2] == 1:
            return 1, 1, dims[1]
        raise self.fail(node, f"tensor '{tensor}' has shape {dims}; mncost handles NCHW maps and N×C vectors")

    # -- naming -----------------------------------------------------------------------------------
    def name(self, node: Any, suffix: str = "") -> str:
        # PyTorch names a node by its module path, each level repeating its parent
        # (/features/features.1/block/block.0/Conv): keep the levels the next one does not repeat.
        parts = [p for p in module_path(node).split("/") if p]
        kept = [p for p, after in zip(parts, parts[1:] + [""], strict=False) if not after.startswith(p + ".")]
        text = "_".join(kept) if kept else node.op_type.lower()
        text = re.sub(r"[^A-Za-z0-9_\-]+", "_", text).strip("_") or node.op_type.lower()
        if not re.match(r"[A-Za-z_]", text):
            text = f"n{text}"
        text = text[:80] + suffix
        unique, k = text, 2
        while unique in self.names or unique == "in":
            unique, k = f"{text}_{k}", k + 1
        self.names.add(unique)
        return unique

    def add(self, node: Any, op: str, attrs: dict[str, Any], inputs: Sequence[str], output: str,
            suffix: str = "") -> None:
        self.rows.append(_Row(self.name(node, suffix), op, attrs, [self.ref(t) for t in inputs], output,
                              node.name or node.op_type, suffix, module_path(node)))

    # -- activations ------------------------------------------------------------------------------
    def activation(self, tensor: str) -> tuple[str, list[Any], str] | None:
        """An activation applied to `tensor` and nothing else: (name, its nodes, its output)."""
        users = self.users(tensor)
        if tensor in self.outputs or not users:
            return None
        if len(users) == 2:  # x * sigmoid(x) (SiLU), x * hardsigmoid(x) (hard swish), exact GELU
            gate = next((u for u in users if u.op_type in ("Sigmoid", "HardSigmoid")), None)
            mul = next((u for u in users if u.op_type == "Mul"), None)
            if gate is not None and mul is not None and sorted(mul.input) == sorted([tensor, gate.output[0]]) \
                    and self.users(gate.output[0]) == [mul]:
                return ("silu" if gate.op_type == "Sigmoid" else "hswish"), [gate, mul], mul.output[0]
            gelu = self.erf_gelu(tensor)
            return None if gelu is None else ("gelu", gelu, gelu[-1].output[0])
        if len(users) != 1:
            return None
        node = users[0]
        if node.op_type in ACTIVATION_OPS and not self.tanh_gelu(node):
            return ACTIVATION_OPS[node.op_type], [node], node.output[0]
        limits = self.clip_range(node) if node.op_type == "Clip" else None
        if limits is not None and limits in ((0.0, 6.0), (0.0, math.inf)):
            return ("relu6" if limits[1] == 6.0 else "relu"), [node], node.output[0]
        return None

    def scalar(self, tensor: str, want: float) -> bool:
        """`tensor` is a constant holding one value equal to `want` (to float32 precision)."""
        value = self.const(tensor)
        return value is not None and value.size == 1 and abs(float(value.reshape(-1)[0]) - want) <= 1e-6 * want

    def erf_gelu(self, tensor: str) -> list[Any] | None:
        """The nodes of x·(1 + erf(x/√2))·0.5 on `tensor` (PyTorch's export of the exact GELU up to
        opset 19: Div, Erf, Add 1, Mul by x, Mul by 0.5), or None."""
        div = next((u for u in self.users(tensor) if u.op_type == "Div"), None)
        if div is None or div.input[0] != tensor or not self.scalar(div.input[1], math.sqrt(2.0)):
            return None
        erf = self.only_user(div.output[0], "Erf")
        plus = None if erf is None else self.only_user(erf.output[0], "Add")
        if plus is None or not any(t != erf.output[0] and self.scalar(t, 1.0) for t in plus.input):
            return None
        times = self.only_user(plus.output[0], "Mul")
        if times is None or sorted(times.input) != sorted([tensor, plus.output[0]]):
            return None
        half = self.only_user(times.output[0], "Mul")
        if half is None or not any(t != times.output[0] and self.scalar(t, 0.5) for t in half.input):
            return None
        return [div, erf, plus, times, half]

    def clip_range(self, node: Any) -> tuple[float, float] | None:
        low, high = self.attr(node, "min", -math.inf), self.attr(node, "max", math.inf)
        for i, slot in ((1, "low"), (2, "high")):
            if len(node.input) > i and node.input[i]:
                value = self.const(node.input[i])
                if value is None or value.size != 1:
                    return None
                if slot == "low":
                    low = float(value.reshape(-1)[0])
                else:
                    high = float(value.reshape(-1)[0])
        return float(low), float(high)

    def fuse(self, tensor: str, attrs: dict[str, Any], bn_ok: bool = True) -> str:
        """Fold a BatchNormalization and then an activation that follow `tensor` into `attrs`."""
        bn = self.only_user(tensor, "BatchNormalization")
        if bn_ok and bn is not None and bn.input[0] == tensor and all(t in self.consts for t in bn.input[1:5]):
            self.done.add(id(bn))
            attrs["bn"] = True
            tensor = bn.output[0]
        found = self.activation(tensor)
        if found is not None:
            act, nodes, tensor = found
            self.done.update(id(n) for n in nodes)
            attrs["act"] = act
        return tensor

    # -- the walk ---------------------------------------------------------------------------------
    def run(self) -> None:
        graph = self.model.graph
        self.outputs = {o.name for o in graph.output}
        for t in graph.initializer:
            self.consts[t.name] = t
            self.shapes[t.name] = list(t.dims)
        for vi in list(graph.value_info) + list(graph.input) + list(graph.output):
            dims = dims_of(vi)
            if all(isinstance(d, int) for d in dims) and vi.type.tensor_type.HasField("shape"):
                self.shapes[vi.name] = [int(d) for d in dims]
        for node in graph.node:
            for t in node.input:
                if t:
                    self.consumers.setdefault(t, []).append(node)
        if not graph.output:
            raise SpecError(None, f"{self.shown}: the model has no output")
        available = {i.name for i in graph.input} | set(self.consts)
        for node in graph.node:
            for t in node.input:
                if t and t not in available:
                    raise self.fail(node, f"reads tensor '{t}' before any node computes it (the nodes must be "
                                    "in topological order)")
            available.update(node.output)
        self.feature.add(self.image)
        for node in graph.node:
            if node.op_type == "Constant" and self.attr(node, "value") is not None:
                self.consts[node.output[0]] = self.attr(node, "value")
                self.shapes.setdefault(node.output[0], list(self.consts[node.output[0]].dims))
            for out in node.output:
                self.producer[out] = node
            if node.op_type not in ("Constant", "Shape") and any(t in self.feature for t in node.input):
                self.feature.update(node.output)  # the feature maps, known before any node is visited
        for node in graph.node:  # before the walk: the Reshapes feeding a product are part of its row
            if node.op_type == "MatMul" and all(t in self.feature for t in node.input):
                self.products[id(node)] = self.product(node)
        for node in graph.node:
            if node.op_type == "Constant":
                continue
            if node.op_type == "Shape" or not any(t in self.feature for t in node.input):
                continue  # arithmetic on shapes or constants: no layer
            if id(node) in self.done:
                continue
            self.visit(node)
        if len(graph.output) > 1:  # several outputs (a detector's heads): each must be a layer's
            computed = {row.output for row in self.rows}
            for output in graph.output:
                if self.ref(output.name) not in computed:
                    raise SpecError(None, f"{self.shown}: the output '{output.name}' is not computed by a layer")
            return
        last = self.ref(graph.output[0].name)
        if not self.rows or self.rows[-1].output != last:
            raise SpecError(None, f"{self.shown}: the output '{graph.output[0].name}' is not computed by the "
                            "last layer of the graph")

    def visit(self, node: Any) -> None:
        op = node.op_type
        handler = getattr(self, f"op_{op}", None)
        if op in REFUSED_LATER:
            raise self.fail(node, f"ONNX op {op} ({REFUSED_LATER[op]}) is not supported {_LATER}")
        if node.domain not in ("", "ai.onnx") or handler is None:
            domain = f" of domain '{node.domain}'" if node.domain not in ("", "ai.onnx") else ""
            raise self.fail(node, f"ONNX op {op}{domain} is not supported by mncost")
        handler(node)

    # -- convolution and fully connected ------------------------------------------------------------
    def window(self, node: Any, kernel: list[int]) -> dict[str, Any]:
        """kernel ([kh, kw] when not square), stride, dilation and padding of a Conv or pool node."""
        if len(kernel) != 2:
            raise self.fail(node, f"only 2-D windows are supported, got kernel {kernel}")
        dilations = list(self.attr(node, "dilations", [1, 1]))
        if dilations[0] != dilations[1]:
            raise self.fail(node, f"unequal dilations {dilations} are not supported")
        strides = list(self.attr(node, "strides", [1, 1]))
        if strides[0] != strides[1]:
            raise self.fail(node, f"unequal strides {strides} are not supported")
        kh, kw, s, dil = int(kernel[0]), int(kernel[1]), int(strides[0]), int(dilations[0])
        auto = self.attr(node, "auto_pad", b"NOTSET")
        auto = auto.decode() if isinstance(auto, bytes) else str(auto)
        pads = [int(p) for p in self.attr(node, "pads", [0, 0, 0, 0])]
        padding: str | int | list[int]
        if auto in ("SAME_UPPER", "SAME_LOWER"):
            padding = "same"
        elif auto == "VALID":
            padding = 0
        elif len(set(pads)) == 1:
            padding = pads[0]
        elif pads[0] == pads[2] and pads[1] == pads[3]:
            padding = [pads[0], pads[1]]  # per axis (PyTorch padding=(ph, pw))
        else:  # asymmetric: TensorFlow's 'same' when the output is ceil(input / stride)
            h, _, _ = self.hwc(node.input[0], node)
            out, _, _ = self.hwc(node.output[0], node)
            if out != math.ceil(h / s):
                raise self.fail(node, f"asymmetric padding {pads} is not supported")
            padding = "same"
        attrs: dict[str, Any] = {"kernel": kh if kh == kw else [kh, kw]}
        if s != 1:
            attrs["stride"] = s
        if dil != 1:
            attrs["dilation"] = dil
        attrs["padding"] = padding
        return attrs

    def op_Conv(self, node: Any) -> None:
        x, w = node.input[0], node.input[1]
        if x not in self.feature or w in self.feature or w not in self.shapes:
            raise self.fail(node, "the weights must be a constant tensor")
        weight = self.shape(w, node)
        group = int(self.attr(node, "group", 1))
        cin = self.hwc(x, node)[2]
        attrs = self.window(node, list(self.attr(node, "kernel_shape", weight[2:])))
        cout = int(weight[0])
        bias = len(node.input) > 2 and bool(node.input[2])
        if group == cin and group > 1:
            op = "dwconv"
            if cout != cin:
                attrs["multiplier"] = cout // cin
        else:
            op = "conv"
            attrs["out"] = cout
            if group > 1:
                attrs["groups"] = group
        if bias:
            attrs["bias"] = True
        attrs["bn"], attrs["act"] = False, "none"
        out = self.fuse(node.output[0], attrs)
        self.add(node, op, attrs, [x], out)

    def op_ConvTranspose(self, node: Any) -> None:
        x, w = node.input[0], node.input[1]
        if x not in self.feature or w in self.feature or w not in self.shapes:
            raise self.fail(node, "the weights must be a constant tensor")
        if self.attr(node, "output_shape") is not None:
            raise self.fail(node, "output_shape is not supported (give pads and output_padding)")
        weight = self.shape(w, node)  # C_in x C_out/groups x kh x kw
        group = int(self.attr(node, "group", 1))
        attrs = self.window(node, list(self.attr(node, "kernel_shape", weight[2:])))
        if attrs["padding"] == "same" and self.attr(node, "auto_pad", b"NOTSET") in (b"NOTSET", "NOTSET"):
            raise self.fail(node, "asymmetric padding is not supported")
        extra = list(self.attr(node, "output_padding", [0, 0]))
        if extra[0] != extra[1]:
            raise self.fail(node, f"unequal output_padding {extra} is not supported")
        attrs["out"] = int(weight[1]) * group
        if group > 1:
            attrs["groups"] = group
        if extra[0]:
            attrs["output_padding"] = int(extra[0])
        if len(node.input) > 2 and bool(node.input[2]):
            attrs["bias"] = True
        attrs["bn"], attrs["act"] = False, "none"
        out = self.fuse(node.output[0], attrs)
        self.add(node, "conv_transpose", attrs, [x], out)

    def op_Resize(self, node: Any) -> None:
        """nearest or (bi)linear; to an integer factor of the input's sides, else to the size of the
        latest tensor (or the image) of the output's height and width, read as a second input, else
        up to the smallest multiple that gives the output's sides."""
        x = node.input[0]
        mode = self.attr(node, "mode", b"nearest")
        mode = mode.decode() if isinstance(mode, bytes) else str(mode)
        if mode not in ("nearest", "linear"):
            raise self.fail(node, f"mode '{mode}' is not supported (nearest and linear are)")
        h, w, c = self.hwc(x, node)
        oh, ow, oc = self.hwc(node.output[0], node)
        attrs: dict[str, Any] = {"mode": "bilinear" if mode == "linear" else "nearest"}
        if oh % h == 0 and ow % w == 0 and oh // h == ow // w and oc == c:
            attrs["factor"] = oh // h
            self.add(node, "resize", attrs, [x], node.output[0])
            return
        image = self.image
        candidates = [image] + [row.output for row in self.rows]
        like = next((t for t in reversed(candidates) if self.hwc(t, node)[:2] == (oh, ow)), None)
        if like is not None:
            self.add(node, "resize", attrs, [x, like], node.output[0])
            return
        multiple = next((m for m in range(2, max(oh, ow) + 1) if -(-h // m) * m == oh and -(-w // m) * m == ow), None)
        if multiple is None:
            raise self.fail(node, f"a resize from {h}x{w} to {oh}x{ow} is neither an integer factor, nor the size "
                                  "of an earlier tensor, nor the next multiple of a number")
        attrs["multiple"] = multiple  # timm MobileViT: up to the next multiple of the patch size
        self.add(node, "resize", attrs, [x], node.output[0])

    def fc(self, node: Any, x: str, out: int, bias: bool, result: str) -> None:
        attrs: dict[str, Any] = {"out": out, "bias": bias, "bn": False, "act": "none"}
        result = self.fuse(result, attrs)
        self.add(node, "fc", attrs, [x], result)

    def op_Gemm(self, node: Any) -> None:
        a, b = node.input[0], node.input[1]
        if a not in self.feature or b in self.feature or b not in self.shapes:
            raise self.fail(node, "only feature × constant weights is supported")
        if self.attr(node, "transA", 0) or self.attr(node, "alpha", 1.0) != 1.0:
            raise self.fail(node, "transA and alpha other than 1 are not supported")
        dims = self.shape(b, node)
        out = dims[0] if self.attr(node, "transB", 0) else dims[1]
        self.fc(node, a, int(out), len(node.input) > 2 and bool(node.input[2]), node.output[0])

    def op_MatMul(self, node: Any) -> None:
        if id(node) in self.products:
            attrs, inputs, out = self.products[id(node)]
            self.add(node, "matmul", attrs, inputs, out)
            return
        a, b = node.input
        if a not in self.feature or b in self.feature or b not in self.shapes or len(self.shape(b, node)) != 2:
            raise self.fail(node, "only feature × constant 2-D weights is supported")
        if len(self.shape(a, node)) != 2:
            raise self.fail(node, f"MatMul of a {len(self.shape(a, node))}-D tensor by weights is not supported "
                            "(only of an N×C vector: an fc)")
        result, bias = node.output[0], False
        add = self.only_user(result, "Add")
        if add is not None:
            other = [t for t in add.input if t != result]
            if len(other) == 1 and other[0] in self.consts:
                self.done.add(id(add))
                result, bias = add.output[0], True
        self.fc(node, a, int(self.shape(b, node)[1]), bias, result)

    # -- attention: products between feature maps (mncost.onnx_tokens) ---------------------------------
    def step(self, tensor: str, op: str, reader: Any) -> Any:
        """The `op` node that computes `tensor`, when `reader` is the tensor's only reader, else None."""
        node = self.producer.get(tensor)
        if node is None or node.op_type != op or self.users(tensor) != [reader] or tensor in self.outputs:
            return None
        return node

    def token_source(self, tensor: str, reader: Any, matmul: Any) -> tuple[str, int, int, list[Any]]:
        """The map that the token matrices `tensor` (1 × p² × g × w × N) are cut from, g, p, and the
        nodes between them: a Reshape of the map (without a patch, or a logits map in token
        order), or with a patch SpaceToDepth(p) and a Reshape (mncost.onnx_tokens)."""
        dims = self.shape(tensor, matmul)
        problem = self.fail(matmul, f"MatMul of two feature maps is supported only between token matrices cut "
                            f"from NCHW maps as mncost export writes them (docs/onnx.md); its input '{tensor}' "
                            f"of shape {dims} is not")
        last = self.step(tensor, "Reshape", reader)
        if len(dims) != 5 or last is None or math.isqrt(dims[1]) ** 2 != dims[1]:
            raise problem
        patch, groups, width = math.isqrt(dims[1]), dims[2], dims[3]
        nodes, source = [last], last.input[0]
        cut = self.step(source, "SpaceToDepth", last) if patch > 1 else None
        if cut is not None:
            if int(self.attr(cut, "blocksize", 0)) != patch:
                raise problem
            nodes, source = [last, cut], cut.input[0]
        image = self.shape(source, matmul)
        if source not in self.feature or len(image) != 4 or image[1] != groups * width or \
                tokens(groups, width, image[2], image[3], patch) != dims:
            raise problem
        return source, groups, patch, nodes

    def product(self, node: Any) -> tuple[dict[str, Any], list[str], str]:
        """A MatMul of two feature maps: a matmul row (attributes, its two input maps, its output map).
        q k^T is MatMul(Transpose(K), Q), attn v MatMul(V, A) (mncost.onnx_tokens); the nodes
        around it are marked done."""
        a, b = node.input
        keys = self.producer.get(a)
        transpose_b = keys is not None and keys.op_type == "Transpose" and self.users(a) == [node] and \
            a not in self.outputs and list(self.attr(keys, "perm", [])) == KEYS_LAST
        if transpose_b and keys is not None:
            second, kv_heads, kv_patch, around = self.token_source(keys.input[0], keys, node)
        else:
            second, kv_heads, kv_patch, around = self.token_source(a, node, node)
        first, heads, patch, before = self.token_source(b, node, node)
        out = self.shape(node.output[0], node)
        if kv_patch != patch or kv_heads not in (1, heads) or len(out) != 5 or out[2] != heads:
            raise self.fail(node, f"MatMul of token matrices with {heads} and {kv_heads} heads and patches "
                            f"{patch} and {kv_patch} is not an attention product (the second must have the "
                            "first's heads or one, and the same patch)")
        h, w = self.shape(first, node)[2:]
        width, problem = out[3], self.fail(node, "the product of token matrices must go back to an NCHW map as "
                                           "mncost export writes it (docs/onnx.md)")
        after = [self.only_user(node.output[0], "Reshape")]
        back = None if after[0] is None or patch == 1 else self.only_user(after[0].output[0], "DepthToSpace")
        if back is not None:  # pixel order
            mode = self.attr(back, "mode", b"DCR")
            if int(self.attr(back, "blocksize", 0)) != patch or (mode.decode() if isinstance(mode, bytes) else mode) \
                    != "DCR" or self.shape(after[0].output[0], node) != stacked(heads * width, h, w, patch):
                raise problem
            after.append(back)
        if after[0] is None or tokens(heads, width, h, w, patch) != out or \
                self.shape(after[-1].output[0], node) != [1, heads * width, h, w]:
            raise problem
        self.done.update(id(n) for n in [*around, *before, *after] + ([keys] if transpose_b else []))
        attrs: dict[str, Any] = {"heads": heads}  # and the options that differ from the op's defaults
        attrs.update({"transpose_b": True} if transpose_b else {})
        attrs.update({"multi_query": True} if kv_heads == 1 and heads > 1 else {})
        attrs.update({"patch": patch} if patch > 1 else {})
        return attrs, [first, second], after[-1].output[0]

    def keys_softmax(self, node: Any) -> bool:
        """Reshape 1×C×H×W -> token matrices 1×p²×heads×keys×N, Softmax over the keys (axis 3),
        Reshape back: softmax with axis: keys (mncost.onnx_tokens)."""
        x, out = node.input[0], node.output[0]
        before, grouped = self.shape(x, node), self.shape(out, node)
        softmax = self.only_user(out, "Softmax")
        back = None if softmax is None else self.only_user(softmax.output[0], "Reshape")
        if len(before) != 4 or softmax is None or back is None or len(grouped) != 5 or grouped[2] < 1:
            return False
        heads, patch = grouped[2], math.isqrt(grouped[1])
        if grouped != tokens(heads, before[1] // heads, before[2], before[3], patch) or \
                int(self.attr(softmax, "axis", -1)) % 5 != SOFTMAX_AXIS or self.shape(back.output[0], back) != before:
            return False
        self.done.update({id(softmax), id(back)})
        self.add(softmax, "softmax", {"axis": "keys"}, [x], back.output[0])
        return True

    # -- pooling --------------------------------------------------------------------------------------
    def pool(self, node: Any, op: str) -> None:
        # ceil_mode as PyTorch's; where ONNX's opset differs (a last window starting in the right
        # padding), the output shapes check catches it.
        attrs = self.window(node, list(self.attr(node, "kernel_shape", [])))
        if self.attr(node, "ceil_mode", 0):
            attrs["ceil_mode"] = True
        if len(node.output) > 1 and node.output[1]:
            raise self.fail(node, "the indices output of MaxPool is not supported")
        self.add(node, op, attrs, [node.input[0]], node.output[0])

    def op_MaxPool(self, node: Any) -> None:
        self.pool(node, "maxpool")

    def op_AveragePool(self, node: Any) -> None:
        self.pool(node, "avgpool")

    def op_GlobalAveragePool(self, node: Any) -> None:
        self.add(node, "global_avgpool", {}, [node.input[0]], node.output[0])

    def op_GlobalMaxPool(self, node: Any) -> None:
        self.add(node, "global_maxpool", {}, [node.input[0]], node.output[0])

    def op_ReduceMean(self, node: Any) -> None:
        axes = self.attr(node, "axes")
        if axes is None and len(node.input) > 1:
            value = self.const(node.input[1])
            axes = None if value is None else [int(v) for v in value.reshape(-1)]
        rank = len(self.shape(node.input[0], node))
        if axes is None or sorted(a % rank for a in axes) != [2, 3] or rank != 4:
            raise self.fail(node, f"ReduceMean over axes {axes} is not supported (only over height and width)")
        self.add(node, "global_avgpool", {}, [node.input[0]], node.output[0])

    # -- element-wise and structure -------------------------------------------------------------------
    def features_only(self, node: Any, what: str) -> list[str]:
        inputs = list(node.input)
        if any(t not in self.feature for t in inputs):
            raise self.fail(node, f"{what} with a constant operand is not supported (only between feature maps)")
        return inputs

    def op_Add(self, node: Any) -> None:
        self.add(node, "add", {}, self.features_only(node, "Add"), node.output[0])

    def op_Sum(self, node: Any) -> None:
        self.add(node, "add", {}, self.features_only(node, "Sum"), node.output[0])

    def op_Mul(self, node: Any) -> None:
        inputs = [t for t in node.input if t in self.feature]
        factors = [t for t in node.input if t not in self.feature]
        if len(inputs) == 1 and len(factors) == 1 and factors[0] in self.shapes:
            dims, rank = self.shape(factors[0], node), len(self.shape(inputs[0], node))
            c = self.hwc(inputs[0], node)[2]
            if (rank == 4 and dims in ([1, c, 1, 1], [c, 1, 1])) or (rank == 2 and dims in ([c], [1, c])):
                self.add(node, "layer_scale", {}, inputs, node.output[0])  # timm LayerScale2d: x · γ per channel
                return
        self.add(node, "mul", {}, self.features_only(node, "Mul"), node.output[0])

    def op_Div(self, node: Any) -> None:
        nodes = self.erf_gelu(node.input[0])
        if nodes is None or nodes[0] is not node:
            raise self.fail(node, "Div is supported only as part of the exact GELU, x·(1 + Erf(x/√2))·0.5")
        self.done.update(id(n) for n in nodes)
        self.add(nodes[-1], "gelu", {}, [node.input[0]], nodes[-1].output[0])

    def op_Concat(self, node: Any) -> None:
        rank = len(self.shape(node.output[0], node))
        if int(self.attr(node, "axis", 1)) % rank != 1:
            raise self.fail(node, "Concat is supported along channels (axis 1) only")
        self.add(node, "concat", {}, self.features_only(node, "Concat"), node.output[0])

    def standalone_activation(self, node: Any) -> None:
        found = self.activation(node.input[0])
        if found is not None and found[1][0] is node:
            act, nodes, out = found
            self.done.update(id(n) for n in nodes)
            self.add(node, act, {}, [node.input[0]], out)
            return
        if node.op_type in ACTIVATION_OPS:
            self.add(node, ACTIVATION_OPS[node.op_type], {}, [node.input[0]], node.output[0])
            return
        limits = self.clip_range(node)
        if limits == (0.0, 6.0):
            self.add(node, "relu6", {}, [node.input[0]], node.output[0])
        elif limits == (0.0, math.inf):
            self.add(node, "relu", {}, [node.input[0]], node.output[0])
        else:
            raise self.fail(node, f"Clip to {limits} is not supported (only relu6: 0..6)")

    op_Relu = op_HardSwish = op_HardSigmoid = op_Sigmoid = op_Clip = standalone_activation

    def tanh_gelu(self, node: Any) -> bool:
        return node.op_type == "Gelu" and self.attr(node, "approximate", "none") not in ("none", b"none")

    def op_Gelu(self, node: Any) -> None:
        if self.tanh_gelu(node):
            raise self.fail(node, "Gelu with the tanh approximation is not supported (gelu is the exact form)")
        self.standalone_activation(node)

    def layer_norm(self, node: Any, x: str, out: str) -> None:
        """A LayerNormalization over channels alone, with its scale and bias: a layer_norm row."""
        if len(node.input) < 3 or not node.input[2]:
            raise self.fail(node, "LayerNormalization without a bias input is not supported "
                            "(layer_norm has a scale and a bias per channel)")
        self.add(node, "layer_norm", {}, [x], out)

    def op_LayerNormalization(self, node: Any) -> None:
        x = node.input[0]
        rank = len(self.shape(x, node))
        if rank != 2 or int(self.attr(node, "axis", -1)) % rank != 1:
            raise self.fail(node, "LayerNormalization is supported over channels only: on a 1xC tensor, or on "
                            "NCHW transposed to NHWC (perm 0,2,3,1), axis -1, and back (perm 0,3,1,2)")
        self.layer_norm(node, x, node.output[0])

    def op_Transpose(self, node: Any) -> None:
        """NCHW -> NHWC, a LayerNormalization over the last axis, NHWC -> NCHW (torch LayerNorm on a
        permuted map, timm LayerNorm2d): one layer_norm row over channels."""
        x, out = node.input[0], node.output[0]
        norm = self.only_user(out, "LayerNormalization")
        back = None if norm is None else self.only_user(norm.output[0], "Transpose")
        if list(self.attr(node, "perm", [])) != [0, 2, 3, 1] or norm is None or back is None \
                or norm.input[0] != out or int(self.attr(norm, "axis", -1)) % 4 != 3 \
                or list(self.attr(back, "perm", [])) != [0, 3, 1, 2]:
            raise self.fail(node, "Transpose is supported only around a LayerNormalization over channels "
                            "(perm 0,2,3,1, axis -1, perm 0,3,1,2)")
        self.done.update({id(norm), id(back)})
        self.layer_norm(norm, x, back.output[0])

    def op_BatchNormalization(self, node: Any) -> None:
        attrs: dict[str, Any] = {}
        out = node.output[0]
        self.add(node, "bn", attrs, [node.input[0]], out)

    def op_Softmax(self, node: Any) -> None:
        rank = len(self.shape(node.input[0], node))
        if int(self.attr(node, "axis", -1)) % rank != 1:
            raise self.fail(node, "Softmax is supported over channels (axis 1), or per head over the keys between "
                            "Reshapes as mncost export writes it, only")
        self.add(node, "softmax", {}, [node.input[0]], node.output[0])

    def op_Dropout(self, node: Any) -> None:
        self.add(node, "dropout", {}, [node.input[0]], node.output[0])

    def op_Identity(self, node: Any) -> None:
        self.alias[node.output[0]] = node.input[0]

    def to_vector(self, node: Any) -> None:
        """Flatten, or a reshape: into an fc (absorbed), a view change (passed through) or a flatten row."""
        x, out = node.input[0], node.output[0]
        dims = self.shape(out, node)
        if node.op_type == "Reshape" and self.keys_softmax(node):
            return
        if self.only_user(out, "Gemm", "MatMul") is not None and len(dims) == 2:
            self.alias[out] = x  # fc flattens its input itself
            return
        if len(dims) in (2, 4) and self.hwc(x, node) == self.hwc(out, node):
            self.alias[out] = x  # 1xC <-> 1xCx1x1: the same H×W×C view
            return
        if len(dims) == 2 and dims[0] == 1:
            self.add(node, "flatten", {}, [x], out)
            return
        if node.op_type == "Reshape" and self.shuffle(node):
            return
        raise self.fail(node, f"{node.op_type} to shape {dims} is not supported")

    op_Flatten = op_Reshape = op_Squeeze = op_Unsqueeze = to_vector

    def shuffle(self, node: Any) -> bool:
        """Reshape [1,C,H,W] -> [1,g,C/g,H,W], Transpose (0,2,1,3,4), Reshape back: channel_shuffle."""
        x, out = node.input[0], node.output[0]
        before, mid = self.shape(x, node), self.shape(out, node)
        transpose = self.only_user(out, "Transpose")
        if len(before) != 4 or len(mid) != 5 or transpose is None:
            return False
        back = self.only_user(transpose.output[0], "Reshape")
        if list(self.attr(transpose, "perm", [])) != [0, 2, 1, 3, 4] or back is None:
            return False
        groups = mid[1]
        if mid != [1, groups, before[1] // groups, before[2], before[3]] or \
                self.shape(back.output[0], back) != before:
            return False
        self.done.update({id(transpose), id(back)})
        self.add(node, "channel_shuffle", {"groups": groups}, [x], back.output[0])
        return True

    def op_Split(self, node: Any) -> None:
        x = node.input[0]
        rank = len(self.shape(x, node))
        if int(self.attr(node, "axis", 0)) % rank != 1:
            raise self.fail(node, "Split is supported along channels (axis 1) only")
        c, parts = self.hwc(x, node)[2], len(node.output)
        sizes = [self.hwc(o, node)[2] for o in node.output]
        if len(set(sizes)) != 1 or sizes[0] * parts != c:
            raise self.fail(node, f"Split into unequal parts {sizes} is not supported")
        used = [k for k, out in enumerate(node.output) if self.users(out) or out in self.outputs]
        for k in used:  # one row per part read; a Split with one part read is named as its node
            suffix = f"_{k + 1}" if len(used) > 1 else ""
            self.add(node, "split", {"parts": parts, "part": k + 1}, [x], node.output[k], suffix=suffix)

    def op_Slice(self, node: Any) -> None:
        x, out = node.input[0], node.output[0]
        before, after = self.shape(x, node), self.shape(out, node)
        changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
        values = [self.const(t) if t else None for t in node.input[1:]]
        starts = values[0] if values else None
        if changed != [1] or starts is None or starts.size != 1 or after[1] == 0 or before[1] % after[1]:
            raise self.fail(node, f"Slice from {before} to {after} is not supported (only equal channel parts)")
        start = int(starts.reshape(-1)[0]) % before[1] if int(starts.reshape(-1)[0]) < 0 else \
            int(starts.reshape(-1)[0])
        if start % after[1]:
            raise self.fail(node, f"Slice from {before} to {after} is not supported (only equal channel parts)")
        steps = values[3] if len(values) > 3 else None
        if steps is not None and any(int(v) != 1 for v in steps.reshape(-1)):
            raise self.fail(node, "Slice with steps other than 1 is not supported")
        self.add(node, "split", {"parts": before[1] // after[1], "part": start // after[1] + 1}, [x], out)


# -- writing the spec -------------------------------------------------------------------------------

def _scalar(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if re.match(r"^[A-Za-z_][A-Za-z0-9_\-]*$", str(value)) and value not in ("true", "false", "yes", "no",
                                                                           "on", "off", "null"):
        return str(value)
    return json.dumps(str(value))


def _defaults(rows: list[_Row]) -> dict[str, Any]:
    fused = [r for r in rows if r.op in ("conv", "dwconv")]

    def common(key: str, fallback: Any) -> Any:
        values = [r.attrs.get(key) for r in fused]
        return max(values, key=values.count) if values else fallback  # a tie: the first row's

    return {"padding": "half", "bn": common("bn", False), "act": common("act", "none")}


def _half(attrs: dict[str, Any]) -> int | list[int] | None:
    """The padding `half` stands for on a row's window (None without one)."""
    if "kernel" not in attrs:
        return None
    kernel, dil = attrs["kernel"], attrs.get("dilation", 1)
    kh, kw = kernel if isinstance(kernel, list) else (kernel, kernel)
    ph, pw = (dil * (kh - 1) + 1) // 2, (dil * (kw - 1) + 1) // 2
    return ph if ph == pw else [ph, pw]


@dataclass
class Entry:
    """A row as written: its fields (op and the attributes that differ from the defaults), the
    tensors it reads and writes, and the ONNX node it is named after."""

    name: str
    fields: dict[str, Any]
    inputs: list[str]
    output: str
    node: str
    suffix: str = ""
    path: str = ""


def _header(imp: _Importer, meta: dict[str, str], channels: int, resolution: int) -> tuple[list[str], dict[str, Any]]:
    classes = imp.hwc(imp.model.graph.output[-1].name, imp.model.graph.node[-1])[2]
    defaults = _defaults(imp.rows)
    lines = [
        f"# Imported by mncost from {meta['file']} (ONNX). Channel counts are the file's, taken as",
        "# paper widths: --alpha scales them (int(alpha * c), rounding none); groups stay as written.",
        f"name: {_scalar(meta['name'])}",
        f"description: {_scalar('imported from ' + meta['file'])}",
        f"family: {_scalar(meta['name'])}",
        f"source: {_scalar(meta['source'])}",
        f"input: {{resolution: {resolution}, channels: {channels}}}",
        f"classes: {classes}",
        "defaults: {" + ", ".join(f"{k}: {_scalar(v)}" for k, v in
                                  {"rounding": "none", **defaults}.items()) + "}",
    ]
    return lines, {**defaults, "classes": classes}


def _entries(imp: _Importer, defaults: dict[str, Any]) -> list[Entry]:
    rows, classes = imp.rows, defaults["classes"]
    last_out = next((r for r in reversed(rows) if "out" in r.attrs), None)  # its width is the classes
    produced = {imp.image}
    entries = []
    for row in rows:
        fields: dict[str, Any] = {"op": row.op}
        for key, value in row.attrs.items():
            if key == "padding" and value == "half":
                continue
            if key == "padding" and value == _half(row.attrs):
                continue  # PyTorch's padding = k // 2 (dilated: d·(k − 1) / 2)
            if key in ("bn", "act") and (row.op != "fc" and value == defaults[key]):
                continue
            if row.op == "fc" and ((key == "bias" and value) or (key == "bn" and not value)
                                   or (key == "act" and value == "none")):
                continue
            fields[key] = "classes" if (row is last_out and key == "out" and value == classes) else value
        for t in row.inputs:
            if t not in produced:
                raise SpecError(None, f"{imp.shown}: node '{row.node}' ({row.op}) reads tensor '{t}', which "
                                "no supported layer computes")
        produced.add(row.output)
        entries.append(Entry(row.name, fields, list(row.inputs), row.output, row.node, row.suffix, row.path))
    return entries


def row_text(name: str, fields: dict[str, Any], refs: list[str] | None, indent: str = "  ") -> str:
    items = [f"name: {_scalar(name)}"] + [f"{k}: {_scalar(v)}" for k, v in fields.items()]
    if refs is not None:
        items.append("inputs: [" + ", ".join(refs) + "]")
    return f"{indent}- {{" + ", ".join(items) + "}"


def _flat(entries: list[Entry], image: str) -> list[str]:
    names = {image: "in"}
    previous = "in"
    lines = ["layers:"]
    for e in entries:
        refs = [names[t] for t in e.inputs]
        lines.append(row_text(e.name, e.fields, None if refs == [previous] else refs))
        names[e.output] = previous = e.name
    return lines


def _check_shapes(imp: _Importer, text: str, shown: str) -> None:
    """At α = 1 every layer's shape must be the one ONNX shape inference gives its tensor."""
    from .conventions import Rounding
    from .evaluate import walk
    from .graph import build_graph
    from .report import Resolved
    from .spec import parse_spec

    try:
        spec = parse_spec(text, shown)
        graph = build_graph(spec)
        evaluated = walk(graph, Resolved(1.0, 1.0, spec.resolution, spec.classes, 1.0), Rounding.NONE)
    except SpecError as exc:  # a value beyond the spec language's limits: name the node, not a line
        first = text.splitlines().index("layers:") + 2
        line = exc.location.line if exc.location is not None else 0
        where = f"node '{imp.rows[line - first].node}': " if 0 <= line - first < len(imp.rows) else ""
        raise SpecError(None, f"{imp.shown}: {where}{exc.message}") from None
    for ev, row in zip(evaluated, imp.rows, strict=True):
        want = imp.hwc(row.output, imp.model.graph.node[0])
        got = (ev.output.h, ev.output.w, ev.output.c)
        if got != want:
            raise SpecError(None, f"{imp.shown}: node '{row.node}' ({row.op}): ONNX gives output "
                            f"{want[0]}x{want[1]}x{want[2]}, the spec language derives {got[0]}x{got[1]}x{got[2]} "
                            "(ceil_mode or padding the spec language cannot express)")


def _same_network(flat: str, candidate: str, shown: str) -> bool:
    """The spec with blocks recovered evaluates to the flat one's layers (shapes, params, MACs) at
    α = 1 and α = 0.5; a block spec that does not is dropped for the flat one."""
    from .evaluate import evaluate
    from .graph import build_graph
    from .report import Config
    from .spec import parse_spec

    a = build_graph(parse_spec(flat, shown))
    try:
        b = build_graph(parse_spec(candidate, shown))
    except SpecError:
        return False
    for alpha in (1.0, 0.5):
        try:
            ra = evaluate(a, Config(alpha=alpha))
        except SpecError:  # e.g. grouped convs whose channels α = 0.5 makes indivisible
            continue
        try:
            rb = evaluate(b, Config(alpha=alpha))
        except SpecError:
            return False
        if [(r.op, r.input_shape, r.output_shape, r.params, r.macs) for r in ra.layers] != \
                [(r.op, r.input_shape, r.output_shape, r.params, r.macs) for r in rb.layers]:
            return False
    return True


def import_onnx(path: str, shown: str | None = None, resolution: int | None = None, blocks: bool = True) -> str:
    """The spec of the ONNX model at `path`, as YAML text (checked: it parses and its shapes match).

    With `blocks`, repeated blocks become block templates and stage tables where they can be
    found (see mncost.onnx_blocks) and give exactly the flat spec's layers; else one row per layer."""
    shown = shown or path
    require_onnx()
    _check_file(path, shown)
    model = _load(path, shown)
    image, channels, size = _fix_input(model, shown, resolution)
    model = resolve_shapes(model, shown)
    imp = _Importer(model, shown, image)
    imp.run()
    opsets = {o.domain or "ai.onnx": o.version for o in model.opset_import}
    base = os.path.basename(shown)
    producer = f"{model.producer_name} {model.producer_version}".strip() or "unknown producer"
    stem = re.sub(r"[^A-Za-z0-9_\-]+", "_", os.path.splitext(base)[0]).strip("_") or "model"
    meta = {
        "file": base, "name": stem,
        "source": f"ONNX file {base}, sha256 {_sha256(path)}, producer {producer}, "
                  f"opset {opsets.get('ai.onnx', '?')}",
    }
    header, defaults = _header(imp, meta, channels, size)
    entries = _entries(imp, defaults)
    outputs = [imp.ref(o.name) for o in model.graph.output]
    if len(outputs) > 1:  # the spec names its outputs; blocks are not recovered (an output may be inside one)
        name_of = {e.output: e.name for e in entries}
        header = header + ["outputs: [" + ", ".join(_scalar(name_of[t]) for t in outputs) + "]"]
        blocks = False
    text = "\n".join(header + _flat(entries, image)) + "\n"
    _check_shapes(imp, text, f"{shown} (imported)")
    if blocks:
        from .onnx_blocks import recover

        recovered = recover(entries, image, defaults, lambda tensor: imp.hwc(tensor, imp.model.graph.node[0])[2])
        if recovered is not None:
            candidate = "\n".join(header + recovered) + "\n"
            if _same_network(text, candidate, shown):
                return candidate
    return text
