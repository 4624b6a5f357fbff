"""Shapes of an ONNX graph: ONNX shape inference, with the shape arithmetic folded into constants.

PyTorch writes `x.chunk(2, dim=1)` as Shape → Gather → Add → Div → Mul → Slice: ONNX's own
inference cannot follow the division, so no shape is known after the first such split. Each round
here runs shape inference, then replaces every node whose inputs are small constants (or a Shape
of a tensor whose shape is known) by a Constant holding its value; rounds go on until nothing more
folds (each round can resolve one more stage of a ShuffleNet).
"""

from __future__ import annotations

from typing import Any

from .errors import SpecError

MAX_FOLD_ROUNDS = 64
"""Most rounds of shape inference and folding of shape arithmetic (each round can resolve a stage)."""
_FOLDABLE = ("Gather", "Add", "Sub", "Mul", "Div", "Unsqueeze", "Squeeze", "Concat", "Cast", "Slice",
             "Identity", "Neg", "Floor", "Ceil", "Min", "Max")
SMALL = 64  # constant tensors this small (shape vectors) may be folded


def infer(model: Any, shown: str) -> Any:
    from onnx import shape_inference

    try:
        return shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    except Exception as exc:
        message = " ".join(str(exc).split())[:300]
        raise SpecError(None, f"{shown}: ONNX shape inference failed: {message}") from None


def _fold(node: Any, values: list[Any], attr: dict[str, Any]) -> Any:
    """The value of a shape-arithmetic node whose inputs are all small constants (numpy)."""
    import numpy as np

    op = node.op_type
    if op == "Gather":
        return np.take(values[0], values[1], axis=attr.get("axis", 0))
    if op in ("Add", "Sub", "Mul", "Min", "Max"):
        fn = {"Add": np.add, "Sub": np.subtract, "Mul": np.multiply, "Min": np.minimum, "Max": np.maximum}[op]
        return fn(values[0], values[1]).astype(values[0].dtype)
    if op == "Div":
        if np.issubdtype(values[0].dtype, np.integer):
            return np.floor_divide(values[0], values[1]).astype(values[0].dtype)  # ONNX integer division
        return (values[0] / values[1]).astype(values[0].dtype)
    if op == "Unsqueeze":
        axes = list(attr.get("axes") or []) if len(values) < 2 else [int(a) for a in values[1].reshape(-1)]
        out = values[0]
        for a in sorted(a % (out.ndim + len(axes)) for a in axes):
            out = np.expand_dims(out, a)
        return out
    if op == "Squeeze":
        squeezed = attr.get("axes") if len(values) < 2 else [int(a) for a in values[1].reshape(-1)]
        return np.squeeze(values[0], axis=None if squeezed is None else tuple(squeezed))
    if op == "Concat":
        return np.concatenate(values, axis=attr.get("axis", 0))
    if op == "Cast":
        from onnx import helper

        return values[0].astype(helper.tensor_dtype_to_np_dtype(attr["to"]))
    if op == "Slice":
        data, starts, ends = values[0], values[1], values[2]
        dims = values[3] if len(values) > 3 else range(len(starts))
        steps = values[4] if len(values) > 4 else [1] * len(starts)
        index = [slice(None)] * data.ndim
        for s, e, a, st in zip(starts, ends, dims, steps, strict=True):
            index[int(a)] = slice(int(s), int(e), int(st))
        return data[tuple(index)]
    if op == "Identity":
        return values[0]
    return {"Neg": np.negative, "Floor": np.floor, "Ceil": np.ceil}[op](values[0])


def resolve_shapes(model: Any, shown: str) -> Any:
    """Shape inference, folding shape arithmetic (Shape → Gather → Div → Slice, as PyTorch writes a
    `chunk`) into constants until every shape is known or nothing more folds."""
    from onnx import helper, numpy_helper

    for _ in range(MAX_FOLD_ROUNDS):
        model = infer(model, shown)
        graph = model.graph
        shapes: dict[str, list[Any]] = {}
        for vi in list(graph.value_info) + list(graph.input) + list(graph.output):
            if vi.type.tensor_type.HasField("shape"):
                shapes[vi.name] = dims_of(vi)
        values: dict[str, Any] = {}
        for t in graph.initializer:
            small = not t.dims or (len(t.dims) == 1 and t.dims[0] <= SMALL)
            if small and t.data_location != t.EXTERNAL:  # weights kept outside the file are never read
                values[t.name] = numpy_helper.to_array(t)
        replaced = False
        nodes = []
        for node in graph.node:
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            value = None
            if node.op_type == "Constant" and "value" in attrs:
                value = numpy_helper.to_array(attrs["value"])
                if value.size <= SMALL:
                    values[node.output[0]] = value
                nodes.append(node)
                continue
            if node.op_type == "Shape":
                dims = shapes.get(node.input[0])
                if dims is not None and all(isinstance(d, int) and d > 0 for d in dims):
                    import numpy as np

                    value = np.array(dims[attrs.get("start", 0): attrs.get("end", len(dims))], dtype=np.int64)
            elif node.op_type in _FOLDABLE and node.input and all(t in values for t in node.input if t):
                try:
                    value = _fold(node, [values[t] for t in node.input if t], attrs)
                except Exception:
                    value = None
            if value is None or value.size > SMALL:
                nodes.append(node)
                continue
            values[node.output[0]] = value
            nodes.append(helper.make_node("Constant", [], [node.output[0]], name=node.name,
                                          value=numpy_helper.from_array(value, node.output[0])))
            replaced = True
        if not replaced:
            return model
        del graph.node[:]
        graph.node.extend(nodes)
    return model




def dims_of(value_info: Any) -> list[int | str]:
    """A value's dimensions: numbers, or the names of symbolic ones ("?" when unnamed)."""
    shape = value_info.type.tensor_type.shape
    return [d.dim_value if d.HasField("dim_value") else (d.dim_param or "?") for d in shape.dim]
