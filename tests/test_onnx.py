"""ONNX in and out (the `onnx` and `bench` extras; skipped without them).

Small models are built here with onnx.helper; their expected MACs and parameters are computed in
the tests from the ONNX weight shapes (H_out·W_out·|W| for a conv, |W| for an fc), not by mncost.
The round trip spec → ONNX → spec runs on every bundled spec. The files under tests/onnx/ are
real exports (weights stripped, graph kept): see `test_torchvision_exports`.
"""

from __future__ import annotations

import csv
import hashlib
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from mncost import Config, evaluate, load
from mncost.bundled import bundled_names
from mncost.cli import main
from mncost.conventions import BnParams, LnParams, OpsCounted
from mncost.diff import Status, diff

onnx = pytest.importorskip("onnx")
np = pytest.importorskip("numpy")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from .conftest import cli_runner  # noqa: E402

FIXTURES = Path(__file__).parent / "onnx"


# -- building models ---------------------------------------------------------------------------------

class Net:
    """A small ONNX graph under construction: `x` is the 1×C×H×W input."""

    def __init__(self, channels: int = 4, size: int = 16, dims: list[Any] | None = None) -> None:
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.dims = dims or [1, channels, size, size]
        self.count = 0

    def weight(self, *shape: int, name: str | None = None) -> str:
        self.count += 1
        name = name or f"w{self.count}"
        self.inits.append(numpy_helper.from_array(np.zeros(shape, dtype=np.float32), name))
        return name

    def const(self, values: Sequence[float] | float, dtype: Any = np.float32) -> str:
        self.count += 1
        name = f"c{self.count}"
        self.inits.append(numpy_helper.from_array(np.array(values, dtype=dtype), name))
        return name

    def op(self, op_type: str, inputs: list[str], name: str, outputs: int = 1, **attrs: Any) -> Any:
        outs = [f"{name}_out{k}" if outputs > 1 else f"{name}_out" for k in range(outputs)]
        self.nodes.append(helper.make_node(op_type, inputs, outs, name=name, **attrs))
        return outs if outputs > 1 else outs[0]

    def save(self, path: Path, output: str) -> Path:
        graph = helper.make_graph(self.nodes, "net",
                                  [helper.make_tensor_value_info("x", TensorProto.FLOAT, self.dims)],
                                  [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)],
                                  initializer=self.inits)
        model = helper.make_model(graph, producer_name="tests", opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        onnx.save(model, str(path))
        return path


def rows(path: Path, **config: Any) -> list[Any]:
    return list(evaluate(load(str(path)), Config(**config)).layers)


def sh(shape: Any) -> tuple[int, int, int]:
    return shape.h, shape.w, shape.c


def conv_macs(out_hw: int, weight: tuple[int, ...]) -> int:
    return out_hw * out_hw * math.prod(weight)


# -- the mapping -------------------------------------------------------------------------------------

def test_conv_bias_batchnorm_relu_is_one_row(tmp_path: Path) -> None:
    net = Net(channels=3, size=32)
    y = net.op("Conv", ["x", net.weight(16, 3, 3, 3), net.weight(16)], "stem", kernel_shape=[3, 3],
               strides=[2, 2], pads=[1, 1, 1, 1])
    y = net.op("BatchNormalization", [y] + [net.weight(16) for _ in range(4)], "stem_bn")
    y = net.op("Relu", [y], "stem_relu")
    path = net.save(tmp_path / "m.onnx", y)
    (row,) = rows(path, bn_params=BnParams.ALL)
    assert (row.name, row.op, sh(row.output_shape)) == ("stem", "conv", (16, 16, 16))
    assert row.macs == conv_macs(16, (16, 3, 3, 3))
    assert row.params == 16 * 3 * 3 * 3 + 16 + 4 * 16  # weights, bias, BN scale/bias/mean/var
    text = (tmp_path / "m.yaml")
    result = _invoke(["import", str(path), "-o", str(text)])
    assert result.exit_code == 0, result.output
    spec = text.read_text()
    assert "bias: true" in spec and "defaults: {rounding: none, padding: half, bn: true, act: relu}" in spec


def test_depthwise_with_multiplier_and_grouped_conv(tmp_path: Path) -> None:
    net = Net(channels=8, size=16)
    dw = net.op("Conv", ["x", net.weight(16, 1, 3, 3)], "dw", group=8, kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    g = net.op("Conv", [dw, net.weight(32, 4, 1, 1)], "grouped", group=4, kernel_shape=[1, 1])
    path = net.save(tmp_path / "m.onnx", g)
    dw_row, g_row = rows(path)
    assert (dw_row.op, sh(dw_row.output_shape), dw_row.macs) == ("dwconv", (16, 16, 16), conv_macs(16, (16, 1, 3, 3)))
    assert (g_row.op, sh(g_row.output_shape), g_row.params) == ("conv", (16, 16, 32), 32 * 4)
    assert g_row.macs == conv_macs(16, (32, 4, 1, 1))


def test_gemm_after_flatten_and_matmul_with_bias(tmp_path: Path) -> None:
    net = Net(channels=8, size=4)
    pooled = net.op("GlobalAveragePool", ["x"], "pool")
    flat = net.op("Flatten", [pooled], "flatten", axis=1)
    fc = net.op("Gemm", [flat, net.weight(10, 8), net.weight(10)], "fc", transB=1)
    mm = net.op("MatMul", [fc, net.weight(10, 5)], "mm")
    out = net.op("Add", [mm, net.weight(5)], "mm_bias")
    path = net.save(tmp_path / "m.onnx", out)
    pool, first, second = rows(path)
    assert (pool.op, first.op, second.op) == ("global_avgpool", "fc", "fc")  # the Flatten is part of the fc
    assert (first.params, first.macs) == (10 * 8 + 10, 10 * 8)
    assert (second.params, second.macs, sh(second.output_shape)) == (10 * 5 + 5, 10 * 5, (1, 1, 5))


def test_pooling_shapes(tmp_path: Path) -> None:
    net = Net(channels=4, size=17)
    y = net.op("MaxPool", ["x"], "max", kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    y = net.op("AveragePool", [y], "avg", kernel_shape=[3, 3], strides=[1, 1])
    y = net.op("GlobalMaxPool", [y], "gmax")
    path = net.save(tmp_path / "m.onnx", y)
    shapes = [(r.op, sh(r.output_shape)) for r in rows(path)]
    side = (17 + 2 - 3) // 2 + 1  # ONNX: floor((in + pads - k) / s) + 1
    assert shapes == [("maxpool", (side, side, 4)), ("avgpool", (side - 2, side - 2, 4)), ("global_maxpool", (1, 1, 4))]


def test_residual_add_concat_and_squeeze_excite(tmp_path: Path) -> None:
    net = Net(channels=8, size=8)
    a = net.op("Conv", ["x", net.weight(8, 8, 1, 1)], "a", kernel_shape=[1, 1])
    b = net.op("Add", [a, "x"], "residual")
    pooled = net.op("GlobalAveragePool", [b], "se_pool")
    squeeze = net.op("Relu", [net.op("Conv", [pooled, net.weight(2, 8, 1, 1)], "se_reduce")], "se_relu")
    gate = net.op("HardSigmoid", [net.op("Conv", [squeeze, net.weight(8, 2, 1, 1)], "se_expand")], "se_gate",
                  alpha=1 / 6, beta=0.5)
    scaled = net.op("Mul", [b, gate], "se_scale")
    out = net.op("Concat", [scaled, a], "concat", axis=1)
    path = net.save(tmp_path / "m.onnx", out)
    got = [(r.name, r.op, sh(r.output_shape)) for r in rows(path)]
    assert got == [("a", "conv", (8, 8, 8)), ("residual", "add", (8, 8, 8)), ("se_pool", "global_avgpool", (1, 1, 8)),
                   ("se_reduce", "conv", (1, 1, 2)), ("se_expand", "conv", (1, 1, 8)), ("se_scale", "mul", (8, 8, 8)),
                   ("concat", "concat", (8, 8, 16))]
    spec = _invoke(["import", str(path)]).stdout
    assert "{name: se_reduce, op: conv, kernel: 1, out: 2, act: relu}" in spec
    assert "act: hsigmoid" in spec and "inputs: [a, in]" in spec


@pytest.mark.parametrize(("build", "act"), [
    (lambda n, y: n.op("Clip", [y, n.const(0.0), n.const(6.0)], "act"), "relu6"),
    (lambda n, y: n.op("HardSwish", [y], "act"), "hswish"),
    (lambda n, y: n.op("Mul", [y, n.op("Sigmoid", [y], "gate")], "act"), "silu"),
    (lambda n, y: n.op("Mul", [y, n.op("HardSigmoid", [y], "gate", alpha=1 / 6, beta=0.5)], "act"), "hswish"),
    (lambda n, y: n.op("Sigmoid", [y], "act"), "sigmoid"),
])
def test_activations_fold_into_the_conv_or_stand_alone(tmp_path: Path, build: Any, act: str) -> None:
    net = Net()
    y = build(net, net.op("Conv", ["x", net.weight(4, 4, 1, 1)], "conv", kernel_shape=[1, 1]))
    spec = _invoke(["import", str(net.save(tmp_path / "folded.onnx", y))]).stdout
    assert f"act: {act}" in spec and spec.count("\n  - ") == 1
    net = Net()
    y = build(net, net.op("Add", ["x", "x"], "sum"))
    result = rows(net.save(tmp_path / "alone.onnx", y))
    assert [r.op for r in result] == ["add", act]


def test_split_and_channel_shuffle(tmp_path: Path) -> None:
    net = Net(channels=8, size=4)
    left, right = net.op("Split", ["x"], "split", outputs=2, axis=1)
    right = net.op("Conv", [right, net.weight(4, 4, 1, 1)], "branch", kernel_shape=[1, 1])
    cat = net.op("Concat", [left, right], "cat", axis=1)
    grouped = net.op("Reshape", [cat, net.const([1, 2, 4, 4, 4], np.int64)], "shuffle")
    moved = net.op("Transpose", [grouped], "shuffle_t", perm=[0, 2, 1, 3, 4])
    out = net.op("Reshape", [moved, net.const([1, 8, 4, 4], np.int64)], "shuffle_back")
    path = net.save(tmp_path / "m.onnx", out)
    got = [(r.op, sh(r.output_shape)) for r in rows(path)]
    assert got == [("split", (4, 4, 4)), ("split", (4, 4, 4)), ("conv", (4, 4, 4)), ("concat", (4, 4, 8)),
                   ("channel_shuffle", (4, 4, 8))]
    assert "op: channel_shuffle, groups: 2" in _invoke(["import", str(path)]).stdout


def test_symbolic_input_needs_a_resolution(tmp_path: Path) -> None:
    net = Net(dims=["batch", 3, "height", "width"])
    path = net.save(tmp_path / "dyn.onnx", net.op("Conv", ["x", net.weight(8, 3, 3, 3)], "c", kernel_shape=[3, 3]))
    result = _invoke(["show", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == (f"Error: {path}: input 'x' has symbolic height and width (height, width): "
                                     f"give the size with 'mncost import {path} --resolution N'")
    result = _invoke(["import", str(path), "--resolution", "20"])
    assert result.exit_code == 0 and "input: {resolution: 20, channels: 3}" in result.stdout


# -- refusals ----------------------------------------------------------------------------------------

def _refused(net: Net, tmp_path: Path, output: str) -> str:
    path = net.save(tmp_path / "bad.onnx", output)
    result = _invoke(["show", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    return result.stderr.strip().removeprefix(f"Error: {path}: ")


def test_ops_of_issue_14_are_refused_by_name(tmp_path: Path) -> None:
    # Resize, ConvTranspose, dilated and non-square Conv are read since the spatial ops (tests/test_onnx_spatial.py),
    # LayerNormalization and Gelu since test_layer_norm_and_gelu_are_read
    net = Net()
    out = net.op("Attention", ["x"], "attn")
    assert "node 'attn' (Attention): ONNX op Attention (attention)" in _refused(net, tmp_path, out)


def _gelu_opset(path: Path) -> Path:
    """Gelu is an ONNX op from opset 20 on: re-save a Net's file at opset 20."""
    model = onnx.load(str(path))
    model.opset_import[0].version = 20
    model.ir_version = 9
    onnx.save(model, str(path))
    return path


def test_layer_norm_and_gelu_are_read(tmp_path: Path) -> None:
    # torch nn.LayerNorm over a permuted map (timm LayerNorm2d) exports Transpose(0,2,3,1) ->
    # LayerNormalization(axis -1) -> Transpose(0,3,1,2); over a 1xC vector it is LayerNormalization alone.
    net = Net(channels=8, size=8)
    y = net.op("Conv", ["x", net.weight(16, 8, 1, 1)], "pw", kernel_shape=[1, 1])
    y = net.op("Gelu", [y], "pw_gelu")                       # after a conv: fused, act: gelu
    t = net.op("Transpose", [y], "to_nhwc", perm=[0, 2, 3, 1])
    t = net.op("LayerNormalization", [t, net.weight(16), net.weight(16)], "ln", axis=-1)
    y = net.op("Transpose", [t], "to_nchw", perm=[0, 3, 1, 2])
    y = net.op("GlobalAveragePool", [y], "pool")
    y = net.op("Flatten", [y], "flat")
    y = net.op("LayerNormalization", [y, net.weight(16), net.weight(16)], "head_ln", axis=1)
    y = net.op("Gelu", [y], "head_gelu")                     # standalone
    path = _gelu_opset(net.save(tmp_path / "m.onnx", y))
    got = [(row.name, row.op, sh(row.output_shape), row.params) for row in rows(path)]
    assert got == [("pw", "conv", (8, 8, 16), 8 * 16), ("ln", "layer_norm", (8, 8, 16), 2 * 16),
                   ("pool", "global_avgpool", (1, 1, 16), 0),   # the Flatten to 1x16 keeps the view
                   ("head_ln", "layer_norm", (1, 1, 16), 2 * 16), ("head_gelu", "gelu", (1, 1, 16), 0)]
    result = _invoke(["import", str(path)])
    assert result.exit_code == 0 and "act: gelu" in result.stdout and "op: layer_norm" in result.stdout


@pytest.mark.parametrize(("build", "message"), [
    # over H, W and C (axis 1 of NCHW): not a per-pixel layer_norm
    (lambda net: net.op("LayerNormalization", ["x", net.weight(4, 16, 16), net.weight(4, 16, 16)], "ln", axis=1),
     "node 'ln' (LayerNormalization): LayerNormalization is supported over channels only"),
    (lambda net: net.op("LayerNormalization", [net.op("Transpose", ["x"], "t", perm=[0, 2, 3, 1]), net.weight(4)],
                        "ln", axis=-1),
     "node 'ln' (LayerNormalization): LayerNormalization without a bias input is not supported"),
    (lambda net: net.op("Transpose", ["x"], "t", perm=[0, 1, 3, 2]),
     "node 't' (Transpose): Transpose is supported only around a LayerNormalization over channels"),
    (lambda net: net.op("Gelu", ["x"], "g", approximate="tanh"),
     "node 'g' (Gelu): Gelu with the tanh approximation is not supported"),
])
def test_layer_norm_and_gelu_refusals(tmp_path: Path, build: Any, message: str) -> None:
    net = Net()
    out = build(net)
    if "Transpose" in message or "bias" in message:
        out = net.op("Transpose", [out], "back", perm=[0, 3, 1, 2]) if "bias" in message else out
    path = _gelu_opset(net.save(tmp_path / "bad.onnx", out))
    result = _invoke(["show", str(path)])
    assert result.exit_code == 2 and result.stdout == "" and result.stderr.count("\n") == 1
    assert message in result.stderr


def test_unknown_ops_and_constants_are_errors_never_zero(tmp_path: Path) -> None:
    net = Net()
    out = net.op("Erf", ["x"], "erf")
    assert _refused(net, tmp_path, out) == "node 'erf' (Erf): ONNX op Erf is not supported by mncost"
    net = Net()
    out = net.op("Add", ["x", net.const(1.0)], "shift")
    assert _refused(net, tmp_path, out) == ("node 'shift' (Add): Add with a constant operand is not supported "
                                            "(only between feature maps)")
    net = Net()
    net.nodes.append(helper.make_node("Gelu", ["x"], ["g"], name="custom", domain="com.example"))
    assert "node 'custom' (Gelu): ONNX op Gelu of domain 'com.example' is not supported" in \
        _refused_raw(net, tmp_path, "g")


def _refused_raw(net: Net, tmp_path: Path, output: str) -> str:
    graph = helper.make_graph(net.nodes, "net", [helper.make_tensor_value_info("x", TensorProto.FLOAT, net.dims)],
                              [helper.make_tensor_value_info(output, TensorProto.FLOAT, None)], initializer=net.inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)])
    model.ir_version = 8
    path = tmp_path / "custom.onnx"
    onnx.save(model, str(path))
    result = _invoke(["show", str(path)])
    assert result.exit_code == 2
    return result.stderr.strip()


def test_not_an_onnx_file_and_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(b"\xff\xfe not a protobuf \x00" * 10)
    result = _invoke(["show", str(bad)])
    assert result.exit_code == 2 and result.stderr.startswith(f"Error: {bad}: not a readable ONNX model")
    result = _invoke(["show", str(tmp_path / "absent.onnx")])
    assert result.stderr.strip() == f"Error: {tmp_path / 'absent.onnx'}: no such file"
    import mncost.onnx_import as importer

    net = Net()
    path = net.save(tmp_path / "m.onnx", net.op("Relu", [net.op("Relu", ["x"], "r1")], "r2"))
    monkeypatch.setattr(importer, "MAX_ONNX_NODES", 1)
    assert _invoke(["show", str(path)]).stderr.strip() == f"Error: {path}: 2 nodes; the limit is 1"
    monkeypatch.setattr(importer, "MAX_ONNX_NODES", 10)
    monkeypatch.setattr(importer, "MAX_INITIALIZERS", 0)
    net.weight(1)
    path = net.save(tmp_path / "m.onnx", "r2_out")
    assert _invoke(["show", str(path)]).stderr.strip() == f"Error: {path}: 1 initializers; the limit is 0"


def test_missing_extra_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    net = Net()
    path = net.save(tmp_path / "m.onnx", net.op("Relu", ["x"], "r"))
    monkeypatch.setitem(sys.modules, "onnx", None)  # as if the extra were not installed
    for args in (["show", str(path)], ["import", str(path)], ["export", "v1", "-o", str(tmp_path / "v1.onnx")]):
        result = _invoke(args)
        assert result.exit_code == 2
        verb = "exporting" if args[0] == "export" else "reading"
        assert result.stderr == f"Error: {verb} ONNX files needs the onnx package: pip install 'mncost[onnx]'\n"
    assert not (tmp_path / "v1.onnx").exists()


# -- import header, show and diff ----------------------------------------------------------------------

def test_import_header_and_show_of_the_file_agree(tmp_path: Path) -> None:
    exported = tmp_path / "v2.onnx"
    assert _invoke(["export", "v2", "-o", str(exported), "--weights", "zero"]).exit_code == 0
    spec = tmp_path / "v2-imported.yaml"
    result = _invoke(["import", str(exported), "-o", str(spec)])
    assert result.stderr == f"wrote {spec} (64 layers)\n"
    text = spec.read_text()
    digest = hashlib.sha256(exported.read_bytes()).hexdigest()
    assert f"sha256 {digest}, producer mncost" in text and "opset 17" in text
    assert "input: {resolution: 224, channels: 3}" in text
    from_yaml = evaluate(load(str(spec)), Config(alpha=0.5))
    from_onnx = evaluate(load(str(exported)), Config(alpha=0.5))
    assert from_yaml.layers == from_onnx.layers and from_yaml.totals == from_onnx.totals


def test_diff_a_spec_against_its_export(tmp_path: Path) -> None:
    same, smaller = tmp_path / "v2.onnx", tmp_path / "v2-half.onnx"
    _invoke(["export", "v2", "-o", str(same), "--weights", "zero"])
    _invoke(["export", "v2", "-o", str(smaller), "--alpha", "0.5", "--weights", "zero"])
    assert _invoke(["diff", "v2", str(same), "--fail-on", "macs>+1%"]).exit_code == 0
    assert _invoke(["diff", str(smaller), "v2", "--fail-on", "macs>+1%"]).exit_code == 1
    assert _invoke(["sweep", str(same), "--alpha", "1,0.5", "--format", "csv"]).exit_code == 0


# -- the round trip law ------------------------------------------------------------------------------

ATTENTION = ("mobilevit-xxs", "mobilevit-xs", "mobilevit-s", "mobilenet-v4-hybrid-medium", "mobilenet-v4-hybrid-large")
CONVENTIONS: list[dict[str, Any]] = [
    {}, {"bn_params": BnParams.ALL}, {"ops": OpsCounted.CONV_FC}, {"ops": OpsCounted.ALL, "ln_params": LnParams.NONE}]


def test_the_attention_specs_are_bundled() -> None:
    """The round trip below covers the specs with matmul, softmax over the keys, layer_norm,
    layer_scale and gelu (docs/attention.md): they are bundled and have those ops."""
    from mncost.evaluate import resolve, rounding_of, walk

    assert set(ATTENTION) <= set(bundled_names())
    walked = [ev for name in ATTENTION
              for ev in walk(load(name), resolve(load(name), Config()), rounding_of(load(name).spec, Config()))]
    assert {"matmul", "softmax", "layer_norm", "layer_scale"} <= {ev.node.op for ev in walked}
    assert {ev.attrs.get("act") for ev in walked} >= {"gelu", "silu"}
    assert {(ev.attrs["patch"], ev.attrs["multi_query"]) for ev in walked if ev.node.op == "matmul"} >= \
        {(2, False), (1, True)}


@pytest.mark.parametrize(("name", "alpha", "resolution"), [
    *((n, alpha, res) for n in bundled_names() for alpha, res in ((1.0, None), (0.5, 160))),
    # odd stage maps: MobileViT's resize rows to the next multiple of the patch and back (Hybrid-M's
    # downsampled keys and values meet an odd map at 160 px already: 10x10 -> 5x5)
    ("mobilevit-xxs", 1.0, 193)])
def test_round_trip_spec_onnx_spec(tmp_path: Path, name: str, alpha: float, resolution: int | None) -> None:
    """Exported at α and a resolution, then imported, every layer keeps its op, type (options such
    as a matmul's heads and patch), shapes, params and MACs, under every convention."""
    from mncost.graph import build_graph
    from mncost.onnx_export import Weights, export_onnx
    from mncost.onnx_import import import_onnx
    from mncost.spec import parse_spec

    config = Config(alpha=alpha, resolution=resolution)
    original = evaluate(load(name), config)
    path = tmp_path / f"{name}.onnx"
    path.write_bytes(export_onnx(load(name), config, Weights.ZERO))
    graph = build_graph(parse_spec(import_onnx(str(path)), str(path)))
    imported = evaluate(graph, Config())
    for conventions in CONVENTIONS:
        a = evaluate(load(name), Config(alpha=alpha, resolution=resolution, **conventions))
        b = evaluate(graph, Config(**conventions))
        assert [(r.op, r.type, r.input_shape, sh(r.output_shape), r.params, r.macs, r.bytes_read, r.bytes_written)
                for r in a.layers] == \
            [(r.op, r.type, r.input_shape, sh(r.output_shape), r.params, r.macs, r.bytes_read, r.bytes_written)
             for r in b.layers]
    assert (original.totals.params, original.totals.macs) == (imported.totals.params, imported.totals.macs)
    names = [n.name for n in onnx.load(str(path), load_external_data=False).graph.node]
    assert [r.name for r in original.layers] == [n for n in names if "/" not in n]  # one node per layer
    # `mncost diff SPEC MODEL.onnx` matches each layer to its flat spelling (docs/diff.md)
    unmatched = [x.name for x in diff(original, imported).layers if x.status in (Status.ADDED, Status.REMOVED)]
    assert unmatched == [], unmatched


def test_exported_model_runs(tmp_path: Path) -> None:
    ort = pytest.importorskip("onnxruntime")
    path = tmp_path / "v3.onnx"
    result = _invoke(["export", "v3-small", "-o", str(path), "--resolution", "96", "--classes", "10"])
    assert result.exit_code == 0 and result.stderr.startswith(f"wrote {path} (")
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"input": np.random.default_rng(0).standard_normal((1, 3, 96, 96), dtype=np.float32)})
    assert out.shape[:2] == (1, 10) and np.isfinite(out).all()


# -- real exports --------------------------------------------------------------------------------------

TORCHVISION = {
    # torch 2.14.1, torchvision 0.29.1: torchvision.models.NAME(weights=None).eval(), a 1x3x224x224
    # input under torch.utils.flop_counter.FlopCounterMode: MACs = get_total_flops() / 2. Exported with
    # torch.onnx.export(model, (x,), path, opset_version=17, dynamo=False); the weights were then moved
    # out of the file (onnx.save_model(..., save_as_external_data=True)) and not kept: the graph and the
    # weight shapes are all the importer reads.
    "mobilenet_v2": 300_774_272,
    "mobilenet_v3_large": 216_589_760,
    "efficientnet_b0": 385_814_752,
    "resnet18": 1_814_073_344,
    "shufflenet_v2_x1_0": 144_907_992,
}


def file_weights(path: Path) -> int:
    """Elements of the weight inputs of every Conv, Gemm, MatMul and BatchNormalization node, per use
    (the exporter shares equal bias tensors between convs through Identity nodes)."""
    model = onnx.load(str(path), load_external_data=False)
    dims = {t.name: list(t.dims) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "Identity" and node.input[0] in dims:
            dims[node.output[0]] = dims[node.input[0]]
    slots = {"Conv": (1, 2), "Gemm": (1, 2), "MatMul": (1,), "BatchNormalization": (1, 2, 3, 4)}
    return sum(math.prod(dims[node.input[i]]) for node in model.graph.node for i in slots.get(node.op_type, ())
               if i < len(node.input) and node.input[i] in dims)


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_torchvision_exports(name: str) -> None:
    path = FIXTURES / f"torchvision-{name}.onnx"
    report = evaluate(load(str(path)), Config(bn_params=BnParams.ALL))
    assert report.totals.macs == TORCHVISION[name]
    assert report.totals.params == file_weights(path)


# -- bench ---------------------------------------------------------------------------------------------

def test_bench_appends_calibrate_rows(tmp_path: Path) -> None:
    pytest.importorskip("onnxruntime")
    table = tmp_path / "measurements.csv"
    args = ["--runs", "3", "--warmup", "1", "--csv", str(table)]
    first = _invoke(["bench", "v3-small", "--alpha", "0.5", "--resolution", "96", *args])
    assert first.exit_code == 0, first.output
    assert "latency: median" in first.stdout and first.stderr == f"appended to {table}\n"
    model = tmp_path / "m.onnx"
    _invoke(["export", "v1", "--alpha", "0.25", "--resolution", "64", "-o", str(model)])
    assert _invoke(["bench", str(model), *args]).exit_code == 0
    with table.open(newline="") as handle:
        got = list(csv.reader(handle))
    assert got[0] == ["spec", "alpha", "resolution", "classes", "dtype", "latency_ms"]
    assert [r[:5] for r in got[1:]] == [["v3-small", "0.5", "96", "1000", "fp32"],
                                        [str(model), "1", "64", "1000", "fp32"]]
    assert all(float(r[5]) > 0 for r in got[1:])
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    result = _invoke(["bench", "v1", "--resolution", "32", *args[:4], "--csv", str(other)])
    assert result.exit_code == 2 and "not a measurements file" in result.stderr
    assert other.read_text() == "a,b\n1,2\n"


def test_bench_without_onnxruntime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    result = _invoke(["bench", "v1"])
    assert result.exit_code == 2
    assert result.stderr == "Error: mncost bench needs onnxruntime: pip install 'mncost[bench]'\n"


def _invoke(args: list[str]) -> Any:

    return cli_runner(env={"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}).invoke(main, args)


def test_what_the_spec_language_cannot_hold_names_the_node(tmp_path: Path) -> None:
    # opset 17's ceil_mode keeps a last window that starts in the right padding; PyTorch's (mncost's) drops it
    net = Net(size=5)
    out = net.op("MaxPool", ["x"], "pool", kernel_shape=[2, 2], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1)
    assert _refused(net, tmp_path, out) == ("node 'pool' (maxpool): ONNX gives output 4x4x4, the spec language "
                                            "derives 3x3x4 (ceil_mode or padding the spec language cannot express)")
    net = Net(size=8)
    out = net.op("Conv", ["x", net.weight(4, 4, 3, 3)], "wide_pad", kernel_shape=[3, 3], pads=[5000] * 4)
    assert _refused(net, tmp_path, out) == ("node 'wide_pad': 'padding' must be same, valid, half, a whole number "
                                            "from 0 to 1,000 or [height, width] of them, got int 5000")
    net = Net(size=8)
    out = net.op("Conv", ["x", net.weight(4, 4, 3, 3)], "tf_same", kernel_shape=[3, 3], strides=[2, 2],
                 pads=[0, 0, 1, 1])
    (row,) = rows(net.save(tmp_path / "same.onnx", out))
    assert sh(row.output_shape) == (4, 4, 4) and row.macs == conv_macs(4, (4, 4, 3, 3))


@pytest.mark.parametrize("name", sorted(TORCHVISION))
def test_recovered_blocks_change_no_figure(name: str) -> None:
    """Blocks and stage tables recovered from PyTorch's module names give the flat import's layers
    at α = 1 (any resolution and conventions) and 0.5; at every α where every width stays a literal.
    Where a width became `in * t`, α scales it as the papers do: t times the scaled input (see
    test_mobilenet_v2_reads_as_the_papers_table)."""
    from mncost.graph import build_graph
    from mncost.onnx_import import import_onnx
    from mncost.spec import parse_spec

    path = str(FIXTURES / f"torchvision-{name}.onnx")
    blocks, flat = import_onnx(path), import_onnx(path, blocks=False)
    assert "  - table: block1" in blocks and "table:" not in flat
    expressions = "in * t" in blocks
    for config in (Config(), Config(resolution=160, bn_params=BnParams.ALL), Config(alpha=0.5, resolution=192),
                   Config(alpha=0.75, resolution=160), Config(alpha=0.35, bn_params=BnParams.ALL)):
        a = evaluate(build_graph(parse_spec(blocks, path)), config)
        b = evaluate(build_graph(parse_spec(flat, path)), config)
        assert [r.op for r in a.layers] == [r.op for r in b.layers]
        if config.alpha in (1, 0.5) or not expressions:
            assert [(r.op, sh(r.output_shape), r.params, r.macs) for r in a.layers] == \
                [(r.op, sh(r.output_shape), r.params, r.macs) for r in b.layers]


def test_mobilenet_v2_reads_as_the_papers_table() -> None:
    """torchvision's MobileNetV2 export reads back like specs/v2.yaml: the V2 paper's Table 2 as seven
    t, c, n, s rows (torchvision mobilenetv2.py's inverted_residual_setting), the expansion width
    `in * t` (skipped when t = 1) and the residual add where the stride is 1 and the widths match."""
    result = _invoke(["import", str(FIXTURES / "torchvision-mobilenet_v2.onnx")])
    spec = result.stdout
    table = spec.split("    rows:\n")[1].split("\n  - {")[0].splitlines()
    setting = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2),
               (6, 320, 1, 1)]
    assert table == [f"      - [{t}, {c}, {n}, {s}]" for t, c, n, s in setting]
    assert "    columns: [t, c, n, s]\n" in spec and '    let: {expanded: "in * t"}\n' in spec
    assert 'out: expanded, bias: true, when: "t != 1"}' in spec and 'when: "s == 1 and in == c"}' in spec
    # the same stage layers as the bundled v2 (rounding none, 1000 classes) at every α: shapes and MACs
    from mncost.conventions import Rounding

    for alpha in (1.0, 0.75, 0.35):
        mine = evaluate(load(str(FIXTURES / "torchvision-mobilenet_v2.onnx")), Config(alpha=alpha))
        paper = evaluate(load("v2"), Config(alpha=alpha, rounding=Rounding.NONE))
        ours = [(sh(r.output_shape), r.macs) for r in mine.layers if r.name.startswith("stage")]
        theirs = [(sh(r.output_shape), r.macs) for r in paper.layers if r.name.startswith("stage")]
        assert ours == theirs, alpha


def test_efficientnet_b0_reads_as_the_papers_table() -> None:
    """EfficientNet paper Table 1 (stages 2-8: t, k, c, n, s); the squeeze width torchvision's
    max(1, input // 4)."""
    spec = _invoke(["import", str(FIXTURES / "torchvision-efficientnet_b0.onnx")]).stdout
    table = spec.split("    rows:\n")[1].split("\n  - {")[0].splitlines()
    stages = [(1, 3, 16, 1, 1), (6, 3, 24, 2, 2), (6, 5, 40, 2, 2), (6, 3, 80, 3, 2), (6, 5, 112, 3, 1),
              (6, 5, 192, 4, 2), (6, 3, 320, 1, 1)]
    assert table == ["      - [" + ", ".join(map(str, row)) + "]" for row in stages]
    assert 'let: {expanded: "in * t", squeezed: "max(1, in // 4)"}' in spec


def test_blocks_from_the_module_paths_in_node_metadata(tmp_path: Path) -> None:
    """Like PyTorch's dynamo exporter: nodes named node_Conv_N, module paths in their metadata."""
    net = Net(channels=8, size=8)
    y, widths = "x", [(16, 1), (16, 2), (24, 1)]
    for b, (width, stride) in enumerate(widths):
        cin = 8 if b == 0 else widths[b - 1][0]
        for layer, (k, out, s) in enumerate([(1, width, 1), (3, width, stride)]):
            y = net.op("Conv", [y, net.weight(out, cin if layer == 0 else width, k, k)], f"node_Conv_{b}{layer}",
                       kernel_shape=[k, k], strides=[s, s], pads=[k // 2] * 4)
            scopes = ["", "layers", f"layers.{b}", f"layers.{b}.conv{layer}", f"convolution_{b}{layer}"]
            helper.set_metadata_props(net.nodes[-1], {"pkg.torch.onnx.name_scopes": repr(scopes)})
    path = net.save(tmp_path / "m.onnx", y)
    spec = _invoke(["import", str(path)]).stdout
    # The last conv's width is the number of classes (24 here): a column of its own.
    assert "params: {c1: channels, c2: channels, s: int}" in spec and "columns: [c1, c2, s]" in spec
    assert "      - [16, 16, 1]\n      - [16, 16, 2]\n      - [24, classes, 1]\n" in spec
    got = [(r.name, sh(r.output_shape), r.macs) for r in rows(path)]
    assert got[0] == ("stage1.block1.conv0_Conv", (8, 8, 16), conv_macs(8, (16, 8, 1, 1)))
    assert got[3][1:] == ((4, 4, 16), conv_macs(4, (16, 16, 3, 3)))


def _with_functions(tmp_path: Path, depth: int) -> Path:
    """A model whose one node calls local function f0, which calls f1, ... f{depth-1} (a Relu)."""
    functions = []
    for level in range(depth):
        inner = helper.make_node(f"f{level + 1}", ["a"], ["b"], domain="local") if level < depth - 1 else \
            helper.make_node("Relu", ["a"], ["b"])
        functions.append(helper.make_function("local", f"f{level}", ["a"], ["b"], [inner],
                                              [helper.make_opsetid("", 17)]))
    graph = helper.make_graph([helper.make_node("f0", ["x"], ["y"], name="call", domain="local")], "net",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
    model = helper.make_model(graph, functions=functions,
                              opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("local", 1)])
    model.ir_version = 8
    path = tmp_path / f"functions{depth}.onnx"
    onnx.save(model, str(path))
    return path


def test_local_functions_are_inlined_within_their_nesting_limit(tmp_path: Path) -> None:
    from mncost.onnx_import import MAX_FUNCTION_NESTING

    (row,) = rows(_with_functions(tmp_path, MAX_FUNCTION_NESTING))
    assert (row.op, sh(row.output_shape)) == ("relu", (8, 8, 4))
    deep = _with_functions(tmp_path, MAX_FUNCTION_NESTING + 1)
    result = _invoke(["show", str(deep)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {deep}: local functions nested deeper than {MAX_FUNCTION_NESTING} levels\n"
