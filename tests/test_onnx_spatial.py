"""ONNX in and out for the spatial ops (docs/ops-spatial.md): dilated and non-square Conv,
ConvTranspose, Resize, ceil_mode pools, adaptive pooling. Files are built with onnx.helper; the
expected figures are the op rules' (MACs = output elements x C_in/groups x kh x kw; transposed:
input elements x C_out/groups x kh x kw) applied to the shapes ONNX shape inference gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from mncost import Config, evaluate, load
from mncost.conventions import OpsCounted
from mncost.graph import build_graph
from mncost.spec import parse_spec

onnx = pytest.importorskip("onnx")
pytest.importorskip("numpy")

from mncost.onnx_export import Weights, export_onnx  # noqa: E402
from mncost.onnx_import import import_onnx  # noqa: E402

from .test_onnx import Net, _invoke, _refused, rows, sh  # noqa: E402


def test_dilated_and_non_square_conv(tmp_path: Path) -> None:
    net = Net(channels=4, size=16)
    y = net.op("Conv", ["x", net.weight(8, 4, 3, 3)], "atrous", kernel_shape=[3, 3], dilations=[2, 2],
               pads=[2, 2, 2, 2])
    y = net.op("Conv", [y, net.weight(8, 8, 1, 5)], "wide", kernel_shape=[1, 5], pads=[0, 2, 0, 2])
    y = net.op("Conv", [y, net.weight(8, 1, 5, 1)], "tall", kernel_shape=[5, 1], group=8, pads=[0, 0, 0, 0])
    path = net.save(tmp_path / "m.onnx", y)
    atrous, wide, tall = rows(path)
    assert (atrous.type, sh(atrous.output_shape), atrous.macs) == ("conv 3x3 d2", (16, 16, 8), 16 * 16 * 8 * 4 * 9)
    assert (wide.type, sh(wide.output_shape), wide.params) == ("conv 1x5", (16, 16, 8), 8 * 8 * 5)
    assert (tall.op, tall.type, sh(tall.output_shape), tall.macs) == ("dwconv", "conv dw 5x1", (12, 16, 8),
                                                                       12 * 16 * 8 * 5)
    spec = import_onnx(str(path))
    assert "dilation: 2" in spec and "kernel: [1, 5], out" in spec and "kernel: [5, 1], padding: 0" in spec


def test_conv_transpose(tmp_path: Path) -> None:
    net = Net(channels=8, size=5)
    y = net.op("ConvTranspose", ["x", net.weight(8, 2, 4, 4), net.weight(4)], "up", kernel_shape=[4, 4],
               strides=[2, 2], pads=[1, 1, 1, 1], group=2)
    y = net.op("ConvTranspose", [y, net.weight(4, 3, 3, 3)], "up2", kernel_shape=[3, 3], strides=[2, 2],
               pads=[1, 1, 1, 1], output_padding=[1, 1])
    up, up2 = rows(net.save(tmp_path / "m.onnx", y))
    assert (sh(up.output_shape), up.params, up.macs) == ((10, 10, 4), 8 * 2 * 16 + 4, 5 * 5 * 8 * 2 * 16)
    assert (sh(up2.output_shape), up2.macs) == ((20, 20, 3), 10 * 10 * 4 * 3 * 9)  # (10-1)*2 - 2 + 2 + 1 + 1


def test_resize_by_factor_and_to_an_earlier_size(tmp_path: Path) -> None:
    net = Net(channels=4, size=16)
    low = net.op("Conv", ["x", net.weight(4, 4, 3, 3)], "down", kernel_shape=[3, 3], strides=[2, 2],
                 pads=[1, 1, 1, 1])
    high = net.op("Conv", [low, net.weight(4, 4, 3, 3)], "down2", kernel_shape=[3, 3], strides=[3, 3])
    up = net.op("Resize", [high, "", net.const([1.0, 1.0, 4.0, 4.0])], "by4", mode="linear")
    back = net.op("Resize", [up, "", "", net.const([1, 4, 8, 8], dtype="int64")], "to_low", mode="nearest")
    add = net.op("Add", [back, low], "sum")
    full = net.op("Resize", [add, "", "", net.const([1, 4, 16, 16], dtype="int64")], "to_input", mode="linear")
    path = net.save(tmp_path / "m.onnx", full)
    got = [(r.name, r.type, sh(r.output_shape), r.params, r.macs) for r in rows(path)]
    assert got[2:] == [("by4", "resize bilinear", (8, 8, 4), 0, 0), ("to_low", "resize nearest", (8, 8, 4), 0, 0),
                       ("sum", "add", (8, 8, 4), 0, 0), ("to_input", "resize bilinear", (16, 16, 4), 0, 0)]
    spec = import_onnx(str(path))
    assert "factor: 4" in spec and "factor: 2" in spec   # 8x8 -> 16x16 is a factor too
    net = Net(channels=4, size=16)
    y = net.op("Conv", ["x", net.weight(4, 4, 3, 3)], "c", kernel_shape=[3, 3])   # 14x14
    y = net.op("Resize", [y, "", "", net.const([1, 4, 16, 16], dtype="int64")], "to_image")
    (_, row) = rows(net.save(tmp_path / "n.onnx", y))
    assert sh(row.output_shape) == (16, 16, 4)
    assert "inputs: [c, in]" in import_onnx(str(tmp_path / "n.onnx"))   # the size of the input image


def test_resize_refusals(tmp_path: Path) -> None:
    net = Net(channels=4, size=8)
    out = net.op("Resize", ["x", "", net.const([1.0, 1.0, 2.0, 2.0])], "cubic", mode="cubic")
    assert _refused(net, tmp_path, out) == "node 'cubic' (Resize): mode 'cubic' is not supported (nearest and " \
                                           "linear are)"
    net = Net(channels=4, size=8)
    out = net.op("Resize", ["x", "", "", net.const([1, 4, 12, 6], dtype="int64")], "odd")
    assert _refused(net, tmp_path, out) == ("node 'odd' (Resize): a resize from 8x8 to 12x6 is neither an integer "
                                            "factor, nor the size of an earlier tensor, nor the next multiple of a "
                                            "number")


def test_resize_up_to_a_multiple(tmp_path: Path) -> None:
    # timm MobileViT at 193 px: a 25x25 map resized to 26x26 for the 2x2 patches, and back
    net = Net(channels=4, size=25)
    up = net.op("Resize", ["x", "", "", net.const([1, 4, 26, 26], dtype="int64")], "to_patches", mode="linear")
    back = net.op("Resize", [up, "", "", net.const([1, 4, 25, 25], dtype="int64")], "back", mode="linear")
    path = net.save(tmp_path / "m.onnx", back)
    assert [sh(r.output_shape) for r in rows(path)] == [(26, 26, 4), (25, 25, 4)]
    spec = import_onnx(str(path))
    assert "multiple: 2" in spec and "inputs: [to_patches, in]" in spec


def test_ceil_mode_pool(tmp_path: Path) -> None:
    net = Net(channels=4, size=8)
    y = net.op("MaxPool", ["x"], "pool", kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
    (row,) = rows(net.save(tmp_path / "m.onnx", y))
    assert sh(row.output_shape) == (4, 4, 4)  # ceil((8 - 3) / 2) + 1; floor mode would give 3
    assert "ceil_mode: true" in import_onnx(str(tmp_path / "m.onnx"))


SPATIAL_SPEC = """name: t
description: every exportable spatial op
source: tests
input: {resolution: 32, channels: 3}
defaults: {padding: half, bn: true, act: relu}
layers:
  - {name: stem, op: conv, kernel: 3, stride: 2, out: 8}
  - {name: atrous, op: conv, kernel: 3, dilation: 3, out: 8}
  - {name: wide, op: conv, kernel: [1, 5], out: 8}
  - {name: tall, op: dwconv, kernel: 5x1, padding: [2, 0]}
  - {name: pool, op: maxpool, kernel: 3, stride: 2, padding: 0, ceil_mode: true}
  - {name: avg, op: avgpool, kernel: 2, stride: 2, padding: 1, ceil_mode: true}
  - {name: adaptive, op: adaptive_avgpool, size: 1}
  - {name: up, op: resize, mode: bilinear, like: stem}
  - {name: t1, op: conv_transpose, kernel: 4, stride: 2, padding: 1, out: 8}
  - {name: t2, op: conv_transpose, kernel: 3, stride: 2, padding: 1, output_padding: 1, out: 4, bias: true}
  - {name: t3, op: conv_transpose, kernel: 3, stride: 2, padding: same, out: 4, groups: 2}
  - {name: out, op: resize, factor: 2}
  - {name: even, op: resize, mode: bilinear, multiple: 3}
"""


@pytest.mark.parametrize(("alpha", "resolution"), [(1.0, 32), (0.5, 48)])
def test_round_trip_of_every_spatial_op(tmp_path: Path, alpha: float, resolution: int) -> None:
    spec = tmp_path / "t.yaml"
    spec.write_text(SPATIAL_SPEC, encoding="utf-8")
    config = Config(alpha=alpha, resolution=resolution)
    path = tmp_path / "t.onnx"
    path.write_bytes(export_onnx(load(str(spec)), config, Weights.ZERO))
    imported = evaluate(build_graph(parse_spec(import_onnx(str(path)), str(path))), Config())
    original = evaluate(load(str(spec)), config)
    for conventions in ({}, {"ops": OpsCounted.ALL}):
        a = evaluate(load(str(spec)), Config(alpha=alpha, resolution=resolution, **conventions))
        b = evaluate(build_graph(parse_spec(import_onnx(str(path)), str(path))), Config(**conventions))
        assert [(r.name, sh(r.output_shape), r.params, r.macs) for r in a.layers] == \
            [(r.name, sh(r.output_shape), r.params, r.macs) for r in b.layers]
    # the same op and label back, but adaptive pooling: ONNX has none, it is exported as an equal-window AveragePool
    assert [r.type for r in original.layers] == [r.type.replace("avgpool", "adaptive_avgpool", r.name == "adaptive")
                                                 for r in imported.layers]


def test_exports_refused_by_name(tmp_path: Path) -> None:
    spec = tmp_path / "t.yaml"
    spec.write_text(SPATIAL_SPEC.replace("size: 1}", "size: 3}"), encoding="utf-8")
    result = _invoke(["export", str(spec), "--to", "onnx", "-o", str(tmp_path / "t.onnx")])
    assert result.exit_code == 2 and not (tmp_path / "t.onnx").exists()
    assert result.stderr == ("Error: layer 'adaptive': adaptive_avgpool from 5x5 to 3x3 has no ONNX form (ONNX "
                             "pools with equal windows: the input must be a multiple)\n")


@pytest.mark.parametrize("resolution", [32, 48])
def test_the_export_runs_in_onnxruntime(tmp_path: Path, resolution: int) -> None:
    # onnxruntime's own sizes for every spatial op (ceil_mode pools included) end at the spec's output
    ort = pytest.importorskip("onnxruntime")
    import numpy as np

    spec = tmp_path / "t.yaml"
    spec.write_text(SPATIAL_SPEC, encoding="utf-8")
    graph = load(str(spec))
    session = ort.InferenceSession(export_onnx(graph, Config(resolution=resolution)),
                                   providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"input": np.zeros((1, 3, resolution, resolution), np.float32)})
    last = evaluate(graph, Config(resolution=resolution)).layers[-1].output_shape
    assert out.shape == (1, last.c, last.h, last.w)
