"""ONNX in and out for the attention ops (docs/attention.md, docs/onnx.md): matmul (heads,
transpose_b, multi_query, patch), softmax over the keys, layer_norm, layer_scale and gelu.

What an exported subgraph computes is checked against numpy implementations of the definitions in
docs/attention.md (onnxruntime runs the export). The files read by the import are built here with
onnx.helper, in the layout docs/onnx.md describes, written out literally rather than taken from
mncost; the expected MACs are the op rules applied to the shapes in the file (q k^T: logits × head
width; attn v: outputs × keys)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from mncost import Config, evaluate
from mncost.conventions import OpsCounted
from mncost.graph import build_graph
from mncost.spec import parse_spec

onnx = pytest.importorskip("onnx")
np = pytest.importorskip("numpy")

from onnx import numpy_helper  # noqa: E402

from mncost.onnx_export import Weights, export_onnx  # noqa: E402
from mncost.onnx_import import import_onnx  # noqa: E402

from .test_onnx import Net, _invoke, _refused, rows, sh  # noqa: E402

# -- what the export computes ----------------------------------------------------------------------------

HEADER = """name: attention-check
description: one attention block on the input's channels
family: tests
source: tests
input: {resolution: 8, channels: 24}
classes: 8
defaults: {rounding: none, padding: half, bn: false, act: none}
layers:
"""
PATCHED = HEADER + """\
  - {name: q, op: split, parts: 3, part: 1}
  - {name: k, op: split, parts: 3, part: 2, inputs: [in]}
  - {name: v, op: split, parts: 3, part: 3, inputs: [in]}
  - {name: logits, op: matmul, inputs: [q, k], heads: 2, transpose_b: true, patch: 2}
  - {name: attn, op: softmax, axis: keys}
  - {name: ctx, op: matmul, inputs: [attn, v], heads: 2, patch: 2}
  - {name: norm, op: layer_norm}
  - {name: act, op: gelu}
  - {name: scale, op: layer_scale}
"""
MULTI_QUERY = HEADER + """\
  - {name: q, op: split, sizes: [16, 4, 4], part: 1}
  - {name: k_down, op: avgpool, kernel: 2, stride: 2, padding: 0, inputs: [in]}
  - {name: k, op: split, sizes: [16, 4, 4], part: 2}
  - {name: v, op: split, sizes: [16, 4, 4], part: 3, inputs: [k_down]}
  - {name: logits, op: matmul, inputs: [q, k], heads: 4, multi_query: true, transpose_b: true}
  - {name: attn, op: softmax, axis: keys}
  - {name: ctx, op: matmul, inputs: [attn, v], heads: 4, multi_query: true}
"""


def tokens(x: Any, heads: int, patch: int) -> Any:
    """C×H×W as heads × p² × N × w: the N = (H/p)(W/p) tokens at each offset inside the p×p patches
    (token (r, c) at offset (oy, ox) is pixel (r·p + oy, c·p + ox): MobileViT's unfold)."""
    c, h, w = x.shape
    t = x.reshape(heads, c // heads, h // patch, patch, w // patch, patch)
    return t.transpose(0, 3, 5, 2, 4, 1).reshape(heads, patch * patch, (h // patch) * (w // patch), c // heads)


def untokens(t: Any, h: int, w: int, patch: int) -> Any:
    heads, _, _, width = t.shape
    t = t.reshape(heads, patch, patch, h // patch, w // patch, width)
    return t.transpose(0, 5, 3, 1, 4, 2).reshape(heads * width, h, w)


def reference(x: Any, text: str, gamma: Any) -> Any:
    """docs/attention.md on one C×H×W input: logits per head and patch offset (keys last), softmax
    over the keys, attn v; then layer norm over the channels (γ = 1, β = 0), exact GELU and layer scale."""
    if "patch: 2" in text:
        q, k, v, heads, patch = x[:8], x[8:16], x[16:], 2, 2
    else:
        pooled = x.reshape(24, 4, 2, 4, 2).mean(axis=(2, 4))
        q, k, v, heads, patch = x[:16], pooled[16:20], pooled[20:], 4, 1
    qt, kt, vt = tokens(q, heads, patch), tokens(k, k.shape[0] // 4, patch), tokens(v, v.shape[0] // 4, patch)
    logits = qt @ kt.transpose(0, 1, 3, 2)  # heads × p² × N × keys (one key head broadcasts: multi-query)
    attn = np.exp(logits - logits.max(axis=-1, keepdims=True))
    attn /= attn.sum(axis=-1, keepdims=True)
    out = untokens(attn @ vt, x.shape[1], x.shape[2], patch)
    if "layer_norm" not in text:
        return out
    mean, var = out.mean(axis=0), out.var(axis=0)
    out = (out - mean) / np.sqrt(var + 1e-5)
    out = out * 0.5 * (1 + np.vectorize(math.erf)(out / math.sqrt(2)))
    return out * gamma.reshape(-1, 1, 1)


@pytest.mark.parametrize("text", [PATCHED, MULTI_QUERY], ids=["patch2", "multi-query"])
def test_exported_attention_computes_the_products(tmp_path: Path, text: str) -> None:
    ort = pytest.importorskip("onnxruntime")
    data = export_onnx(build_graph(parse_spec(text, "attention.yaml")), Config(), Weights.RANDOM, seed=3)
    model = onnx.load_from_string(data)
    gammas = [numpy_helper.to_array(t) for t in model.graph.initializer if t.name == "scale/gamma"]
    session = ort.InferenceSession(data, providers=["CPUExecutionProvider"])
    x = np.random.default_rng(0).standard_normal((1, 24, 8, 8)).astype(np.float32)
    (got,) = session.run(None, {"input": x})
    want = reference(x[0].astype(np.float64), text, gammas[0] if gammas else None)
    assert got.shape == (1, *want.shape)
    np.testing.assert_allclose(got[0], want, rtol=1e-4, atol=1e-5)


def test_bench_times_an_attention_spec(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    result = _invoke(["bench", "mobilevit-xxs", "--resolution", "64", "--runs", "2", "--warmup", "1",
                      "--csv", str(tmp_path / "m.csv")])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("mobilevit-xxs at alpha=1, resolution=64: ") and "latency: median" in result.stdout
    assert (tmp_path / "m.csv").read_text().splitlines()[1].startswith("mobilevit-xxs,1,64,1000,fp32,")


# -- the import, on files built by hand -------------------------------------------------------------------

def i64(net: Net, values: list[int]) -> str:
    return net.const(values, np.int64)


def to_tokens(net: Net, x: str, groups: int, width: int, side: int, patch: int, name: str) -> Any:
    """docs/onnx.md: 1×(g·w)×H×W -> 1×p²×g×w×N (with a patch: SpaceToDepth(p), then Reshape)."""
    if patch > 1:
        x = net.op("SpaceToDepth", [x], f"{name}_patches", blocksize=patch)
    return net.op("Reshape", [x, i64(net, [1, patch * patch, groups, width, (side // patch) ** 2])], name)


def to_map(net: Net, t: str, groups: int, width: int, side: int, patch: int, name: str) -> Any:
    if patch == 1:
        return net.op("Reshape", [t, i64(net, [1, groups * width, side, side])], name)
    t = net.op("Reshape", [t, i64(net, [1, patch * patch * groups * width, side // patch, side // patch])],
               f"{name}_patches")
    return net.op("DepthToSpace", [t], name, blocksize=patch, mode="DCR")


def attention(net: Net, q: str, k: str, v: str, heads: int, kv_heads: int, d: int, side: int, kv_side: int,
              patch: int, pixel_order: bool = False) -> Any:
    """docs/onnx.md's attention: q k^T, softmax over the keys, attn v."""
    keys, queries = (kv_side // patch) ** 2, (side // patch) ** 2
    qt = to_tokens(net, q, heads, d, side, patch, "q_tokens")
    kt = net.op("Transpose", [to_tokens(net, k, kv_heads, d, kv_side, patch, "k_tokens")], "k_rows",
                perm=[0, 1, 2, 4, 3])
    # the logits in token order (a Reshape of the product) or, as a test of the other form, in pixel order
    logits = net.op("MatMul", [kt, qt], "logits")
    logits = to_map(net, logits, heads, keys, side, patch if pixel_order else 1, "logits_map")
    grouped = net.op("Reshape", [logits, i64(net, [1, patch * patch, heads, keys, queries])], "per_head")
    attn = net.op("Reshape", [net.op("Softmax", [grouped], "attn", axis=3), i64(net, [1, heads * keys, side, side])],
                  "attn_map")
    at = net.op("Reshape", [attn, i64(net, [1, patch * patch, heads, keys, queries])], "attn_tokens")
    vt = to_tokens(net, v, kv_heads, d, kv_side, patch, "v_tokens")
    return to_map(net, net.op("MatMul", [vt, at], "ctx"), heads, d, side, patch, "ctx_map")


@pytest.mark.parametrize(("heads", "kv_heads", "patch", "kv_stride", "pixel_order"), [
    (4, 4, 2, 1, False), (4, 4, 2, 1, True), (4, 1, 1, 2, False), (2, 2, 1, 1, False)])
def test_hand_built_attention_is_read(tmp_path: Path, heads: int, kv_heads: int, patch: int, kv_stride: int,
                                      pixel_order: bool) -> None:
    d, side = 4, 8
    kv_side = side // kv_stride
    net = Net(channels=16, size=side)
    q = net.op("Conv", ["x", net.weight(heads * d, 16, 1, 1)], "q", kernel_shape=[1, 1])
    k = net.op("Conv", ["x", net.weight(kv_heads * d, 16, 1, 1)], "k", kernel_shape=[1, 1], strides=[kv_stride] * 2)
    v = net.op("Conv", ["x", net.weight(kv_heads * d, 16, 1, 1)], "v", kernel_shape=[1, 1], strides=[kv_stride] * 2)
    out = attention(net, q, k, v, heads, kv_heads, d, side, kv_side, patch, pixel_order)
    path = net.save(tmp_path / "attention.onnx", out)
    got = rows(path)
    keys = (kv_side // patch) ** 2
    assert [(r.name, r.op, sh(r.output_shape)) for r in got[3:]] == [
        ("logits", "matmul", (side, side, heads * keys)), ("attn", "softmax", (side, side, heads * keys)),
        ("ctx", "matmul", (side, side, heads * d))]
    assert [r.macs for r in got[3:]] == [side * side * heads * keys * d, 0, side * side * heads * d * keys]
    assert [r.params for r in got[3:]] == [0, 0, 0]
    conv_macs = sum(r.macs for r in got[:3])
    assert evaluate(build_graph(parse_spec(import_onnx(str(path)), str(path))),
                    Config(ops=OpsCounted.CONV_FC)).totals.macs == conv_macs  # the papers' count leaves them out
    spec = import_onnx(str(path))
    options = "".join([", transpose_b: true", ", multi_query: true" if kv_heads == 1 else "",
                       f", patch: {patch}" if patch > 1 else ""])
    assert f"{{name: logits, op: matmul, heads: {heads}{options}, inputs: [q, k]}}" in spec
    assert "{name: attn, op: softmax, axis: keys}" in spec


def test_layer_scale_and_the_erf_gelu_are_read(tmp_path: Path) -> None:
    # PyTorch (opset < 20) writes nn.GELU() as Div(x, √2) -> Erf -> Add 1 -> Mul x -> Mul 0.5
    def gelu(net: Net, x: str, name: str) -> Any:
        y = net.op("Erf", [net.op("Div", [x, net.const(math.sqrt(2))], f"{name}_div")], f"{name}_erf")
        y = net.op("Mul", [x, net.op("Add", [y, net.const(1.0)], f"{name}_add")], f"{name}_mul")
        return net.op("Mul", [y, net.const(0.5)], name)

    net = Net(channels=8, size=4)
    y = gelu(net, net.op("Conv", ["x", net.weight(16, 8, 1, 1)], "pw", kernel_shape=[1, 1]), "pw_gelu")
    y = net.op("Mul", [y, net.weight(1, 16, 1, 1)], "gamma")        # timm LayerScale2d
    y = gelu(net, net.op("Add", [y, y], "sum"), "alone")             # after an add: a row of its own
    y = net.op("Mul", [net.weight(16, 1, 1), y], "gamma2")           # the factor first, without the batch axis
    path = net.save(tmp_path / "m.onnx", y)
    got = [(r.name, r.op, sh(r.output_shape), r.params) for r in rows(path)]
    assert got == [("pw", "conv", (4, 4, 16), 16 * 8), ("gamma", "layer_scale", (4, 4, 16), 16),
                   ("sum", "add", (4, 4, 16), 0), ("alone", "gelu", (4, 4, 16), 0),
                   ("gamma2", "layer_scale", (4, 4, 16), 16)]
    assert "act: gelu" in import_onnx(str(path))


def _torch_style(net: Net) -> Any:
    """q kᵀ as PyTorch writes it: tokens × width (Transpose of the query), MatMul(Q, Kᵀ)."""
    q = net.op("Transpose", [net.op("Reshape", ["x", i64(net, [1, 2, 2, 16])], "q_heads")], "q_t", perm=[0, 1, 3, 2])
    k = net.op("Reshape", ["x", i64(net, [1, 2, 2, 16])], "k_heads")
    return net.op("MatMul", [q, k], "scores")


def _tokens_read_twice(net: Net) -> Any:
    qt = to_tokens(net, "x", 2, 2, 4, 1, "q_tokens")
    kt = net.op("Transpose", [to_tokens(net, "x", 2, 2, 4, 1, "k_tokens")], "k_rows", perm=[0, 1, 2, 4, 3])
    logits = to_map(net, net.op("MatMul", [kt, qt], "logits"), 2, 16, 4, 1, "logits_map")
    return net.op("Concat", [logits, net.op("Reshape", [qt, i64(net, [1, 4, 4, 4])], "q_again")], "both", axis=1)


def _product_not_back_to_a_map(net: Net) -> Any:
    qt = to_tokens(net, "x", 2, 2, 4, 1, "q_tokens")
    kt = net.op("Transpose", [to_tokens(net, "x", 2, 2, 4, 1, "k_tokens")], "k_rows", perm=[0, 1, 2, 4, 3])
    return net.op("MatMul", [kt, qt], "logits")


@pytest.mark.parametrize(("build", "message"), [
    (_torch_style, "node 'scores' (MatMul): MatMul of two feature maps is supported only between token matrices "
                   "cut from NCHW maps as mncost export writes them (docs/onnx.md); its input 'q_t_out' of shape "
                   "[1, 2, 16, 2] is not"),
    (_tokens_read_twice, "node 'logits' (MatMul): MatMul of two feature maps is supported only between token "
                         "matrices cut from NCHW maps as mncost export writes them (docs/onnx.md); its input "
                         "'q_tokens_out' of shape [1, 1, 2, 2, 16] is not"),
    (_product_not_back_to_a_map, "node 'logits' (MatMul): the product of token matrices must go back to an NCHW "
                                 "map as mncost export writes it (docs/onnx.md)"),
    (lambda net: net.op("Mul", [net.op("Erf", [net.op("Div", ["x", net.const(2.0)], "div")], "erf"), "x"], "m"),
     "node 'div' (Div): Div is supported only as part of the exact GELU, x·(1 + Erf(x/√2))·0.5"),
    (lambda net: net.op("Mul", ["x", net.const(0.5)], "halve"),
     "node 'halve' (Mul): Mul with a constant operand is not supported (only between feature maps)"),
    (lambda net: net.op("Softmax", [net.op("Reshape", ["x", i64(net, [1, 2, 2, 16])], "grouped")], "sm", axis=3),
     "node 'grouped' (Reshape): Reshape to shape [1, 2, 2, 16] is not supported"),
])
def test_unknown_attention_patterns_are_refused_by_name(tmp_path: Path, build: Any, message: str) -> None:
    net = Net(channels=4, size=4)
    assert _refused(net, tmp_path, build(net)) == message


@pytest.mark.parametrize(("rows", "message"), [
    ("  - {name: mixed, op: conv, kernel: 1, out: 8, inputs: [logits]}\n"
     "  - {name: both, op: concat, inputs: [mixed, v]}\n",
     "Error: layer 'mixed': it reads the logits of a matmul with patch: 2, which the ONNX export keeps in token "
     "order; only softmax over the keys and the attn v matmul of the same heads and patch may read them\n"),
    ("  - {name: attn, op: softmax, axis: keys, inputs: [q]}\n"
     "  - {name: all, op: concat, inputs: [attn, v, logits]}\n",
     "Error: layer 'attn': softmax over the keys is exported only on the output of a q k^T matmul "
     "(transpose_b: true), whose heads it normalizes\n"),
])
def test_export_refuses_what_its_layout_cannot_hold(tmp_path: Path, rows: str, message: str) -> None:
    spec = tmp_path / "odd.yaml"
    spec.write_text(PATCHED.split("  - {name: attn,")[0] + rows)
    target = tmp_path / "odd.onnx"
    result = _invoke(["export", str(spec), "-o", str(target)])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", message)
    assert not target.exists()
