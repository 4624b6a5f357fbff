"""The spec language: layer tables, stage tables, block templates, expressions, padding."""

from __future__ import annotations

import pytest

from mncost import Config, SpecError, build_graph, check_paper_sizes, evaluate
from mncost.conventions import Rounding, make_divisible
from mncost.errors import EvaluationError
from mncost.spec import parse_spec

HEADER = "name: t\ndescription: test\nsource: test\ninput: {resolution: %d, channels: 3}\nclasses: 10\n"


def run(body: str, resolution: int = 32, **config: object):  # type: ignore[no-untyped-def]
    graph = build_graph(parse_spec(HEADER % resolution + body, "t.yaml"))
    check_paper_sizes(graph)
    return evaluate(graph, Config(**config))  # type: ignore[arg-type]


def rows(body: str, **config: object) -> list[tuple[str, list[int], int, int]]:
    return [(x.name, x.output_shape.as_list(), x.params, x.macs) for x in run(body, **config).layers]


def test_conv_dwconv_fc_costs() -> None:
    # V1 paper eq. 1 (standard conv) and eq. 3 (depthwise): D_K²·M·N·D_F² and D_K²·M·D_F².
    body = """layers:
  - {name: c, op: conv, kernel: 3, stride: 2, out: 8}
  - {name: dw, op: dwconv, kernel: 3}
  - {name: pw, op: pwconv, out: 16, bias: true}
  - {name: g, op: conv, kernel: 3, out: 16, groups: 4}
  - {name: p, op: global_avgpool}
  - {name: fc, op: fc, out: classes}
"""
    assert rows(body) == [
        ("c", [16, 16, 8], 9 * 3 * 8, 16 * 16 * 9 * 3 * 8),
        ("dw", [16, 16, 8], 9 * 8, 16 * 16 * 9 * 8),
        ("pw", [16, 16, 16], 8 * 16 + 16, 16 * 16 * 8 * 16),  # the bias adds params, never MACs
        ("g", [16, 16, 16], 9 * 4 * 16, 16 * 16 * 9 * 4 * 16),
        ("p", [1, 1, 16], 0, 0),
        ("fc", [1, 1, 10], 16 * 10 + 10, 160),
    ]


@pytest.mark.parametrize(("padding", "size"), [
    ("same", 12),  # TF 'same': ceil(23 / 2)
    ("valid", 11),  # floor((23 - 3) / 2) + 1
    ("half", 12),  # p = k // 2 = 1: floor((23 + 2 - 3) / 2) + 1
    (0, 11),
    (2, 13),  # floor((23 + 4 - 3) / 2) + 1
])
def test_padding_conventions(padding: object, size: int) -> None:
    body = f"layers:\n  - {{name: c, op: conv, kernel: 3, stride: 2, out: 8, padding: {padding}}}\n"
    assert rows_at(body, 23)[0][1] == [size, size, 8]


def rows_at(body: str, resolution: int) -> list[tuple[str, list[int], int, int]]:
    return [(x.name, x.output_shape.as_list(), x.params, x.macs) for x in run(body, resolution).layers]


def test_default_padding_from_header() -> None:
    body = "defaults: {padding: valid}\nlayers:\n  - {name: c, op: conv, kernel: 3, stride: 2, out: 8}\n"
    assert rows_at(body, 23)[0][1] == [11, 11, 8]


def test_kernel_larger_than_input_with_explicit_padding() -> None:
    body = "layers:\n  - {name: c, op: conv, kernel: 7, out: 8, padding: valid}\n"
    with pytest.raises(EvaluationError, match=r"t.yaml:7: layer 'c': kernel 7x7 is larger than its 5x5 input"):
        run(body, resolution=5)


@pytest.mark.parametrize(("rounding", "alpha", "channels"), [
    (Rounding.NONE, 0.35, int(0.35 * 24)),  # int(α·c): V1 paper, Keras V1
    (Rounding.ROUND8, 0.35, make_divisible(0.35 * 24)),  # _make_divisible(α·c, 8)
    (Rounding.ROUND8, 1.0, 24),
])
def test_number_in_channels_field_is_scaled(rounding: Rounding, alpha: float, channels: int) -> None:
    body = "layers:\n  - {name: c, op: conv, kernel: 1, out: 24}\n"
    assert run(body, alpha=alpha, rounding=rounding).layers[0].output_shape.c == channels


def test_expression_in_channels_field_is_taken_as_written() -> None:
    body = ('layers:\n  - {name: c, op: conv, kernel: 1, out: "16"}\n'
            '  - {name: d, op: conv, kernel: 1, out: "max(64, scale(64))"}\n')
    r = run(body, alpha=0.5)
    assert [x.output_shape.c for x in r.layers] == [16, 64]
    r = run(body, alpha=2.0)
    assert [x.output_shape.c for x in r.layers] == [16, 128]


def test_make_divisible_matches_tf_slim() -> None:
    # TF-slim mobilenet.py _make_divisible (published.md §9): nearest multiple of 8, >= 8, and
    # never more than 10% below the value.
    assert [make_divisible(v) for v in (5.6, 8.4, 11.2, 22.4, 33.6, 1280 * 1.4, 3)] == [8, 8, 16, 24, 32, 1792, 8]


BOTTLENECK = """defaults: {rounding: round8, bn: true, act: relu6}
blocks:
  bottleneck:
    params: {t: int, c: channels, s: int}
    let: {expanded: "in * t"}
    ops:
      - {name: expand, op: conv, kernel: 1, out: expanded, when: "t != 1"}
      - {name: dw, op: dwconv, kernel: 3, stride: s}
      - {name: project, op: conv, kernel: 1, out: c, act: none}
      - {name: add, op: add, inputs: [project, in], when: "s == 1 and in == c"}
layers:
  - {name: stem, op: conv, kernel: 3, stride: 2, out: 16}
  - table: bottleneck
    columns: [input, t, c, n, s]
    rows:
      - [16x16x16, 1, 16, 1, 1]
      - [16² × 16, 6, 24, 3, 2]
"""


def test_stage_table_expansion_and_residuals() -> None:
    names = [x.name for x in run(BOTTLENECK).layers]
    assert names == [
        "stem",
        "stage1.block1.dw", "stage1.block1.project", "stage1.block1.add",  # t = 1: no expansion
        "stage2.block1.expand", "stage2.block1.dw", "stage2.block1.project",  # stride 2: no add
        "stage2.block2.expand", "stage2.block2.dw", "stage2.block2.project", "stage2.block2.add",
        "stage2.block3.expand", "stage2.block3.dw", "stage2.block3.project", "stage2.block3.add",
    ]
    shapes = {x.name: x.output_shape.as_list() for x in run(BOTTLENECK).layers}
    assert shapes["stage2.block1.expand"] == [16, 16, 96]  # in · t = 16 · 6
    assert shapes["stage2.block1.dw"] == [8, 8, 96]  # first block: stride s = 2
    assert shapes["stage2.block2.dw"] == [8, 8, 144]  # later blocks: stride 1, in = 24


def test_depth_multiplier_repeats_ceil_d_n() -> None:
    graph = build_graph(parse_spec(HEADER % 32 + BOTTLENECK, "t.yaml"), depth_multiplier=1.5)
    names = [x.name for x in evaluate(graph, Config(depth_multiplier=1.5)).layers]
    assert sum(1 for n in names if n.endswith(".dw")) == 2 + 5  # ceil(1.5·1) + ceil(1.5·3)


def test_residual_condition_depends_on_alpha() -> None:
    # At a width where rounding makes in == c, the block gets its residual add (as torchvision
    # decides at run time: `stride == 1 and inp == oup`).
    body = BOTTLENECK.replace("- [16² × 16, 6, 24, 3, 2]", "- [16² × 16, 6, 24, 1, 1]")
    names = {x.name for x in run(body, alpha=0.25).layers}  # 16·0.25 -> 8 and 24·0.25 -> 8
    assert "stage2.block1.add" in names
    assert "stage2.block1.add" not in {x.name for x in run(body).layers}


def test_paper_input_size_mismatch_is_a_spec_error() -> None:
    body = BOTTLENECK.replace("[16² × 16, 6, 24, 3, 2]", "[8x8x16, 6, 24, 3, 2]")
    with pytest.raises(SpecError, match=r"^t.yaml:22: input size 8x8x16 of 'stage2.block1' does not match "
                                        r"the derived 16x16x16 \(checked at alpha=1, resolution=32\)$"):
        run(body)


def test_filter_shape_in_channels_are_checked() -> None:
    body = "layers:\n  - {name: c, op: conv, filter: 3x3x3x8}\n  - {name: d, op: conv, filter: 1x1x16x8}\n"
    with pytest.raises(SpecError, match=r"^t.yaml:8: filter input channels 16 do not match the derived 8"):
        run(body)


def test_blocks_nest_and_lets_chain() -> None:
    body = """blocks:
  inner:
    params: {c: channels}
    ops: [{name: pw, op: conv, kernel: 1, out: c}]
  outer:
    params: {c: channels}
    let: {wide: "c * 2", wider: "wide + 8"}
    ops:
      - {name: a, block: inner, c: wide}
      - {name: b, block: inner, c: wider}
layers:
  - {name: x, block: outer, c: 8}
"""
    assert [(x.name, x.output_shape.c) for x in run(body).layers] == [("x.a.pw", 16), ("x.b.pw", 24)]


def test_block_output_and_concat() -> None:
    body = """blocks:
  two:
    params: {c: channels}
    output: cat
    ops:
      - {name: left, op: conv, kernel: 1, out: c}
      - {name: right, op: conv, kernel: 3, out: c, inputs: in}
      - {name: cat, op: concat, inputs: [left, right]}
      - {name: unused, op: relu, inputs: left}
layers:
  - {name: b, block: two, c: 4}
  - {name: after, op: conv, kernel: 1, out: 2}
"""
    r = {x.name: x for x in run(body).layers}
    assert r["b.cat"].output_shape.c == 8
    assert r["after"].input_shape.c == 8


def test_se_gate_broadcasts() -> None:
    body = """layers:
  - {name: c, op: conv, kernel: 1, out: 16}
  - {name: pool, op: global_avgpool}
  - {name: fc1, op: conv, kernel: 1, out: 4, bias: true}
  - {name: fc2, op: conv, kernel: 1, out: 16, bias: true}
  - {name: gate, op: hsigmoid}
  - {name: scale, op: mul, inputs: [c, gate]}
"""
    r = {x.name: x for x in run(body).layers}
    assert r["scale"].output_shape.as_list() == [32, 32, 16]
    assert (r["fc1"].params, r["fc1"].macs) == (16 * 4 + 4, 64)


@pytest.mark.parametrize(("ops", "extra"), [
    ("conv-fc", 0),
    ("all", 32 * 32 * 8 * 2),  # fused BN and ReLU: one per output element each
])
def test_ops_counted_convention(ops: str, extra: int) -> None:
    from mncost.conventions import OpsCounted

    body = "defaults: {bn: true, act: relu}\nlayers:\n  - {name: c, op: conv, kernel: 1, out: 8}\n"
    assert run(body, ops=OpsCounted(ops)).totals.macs == 32 * 32 * 3 * 8 + extra


def test_block_row_takes_one_input() -> None:
    body = """blocks:
  b:
    params: {c: channels}
    ops: [{name: pw, op: conv, kernel: 1, out: c}]
layers:
  - {name: x, op: conv, kernel: 1, out: 8}
  - {name: y, op: conv, kernel: 1, out: 8}
  - {name: z, block: b, c: 8, inputs: [x, y]}
"""
    with pytest.raises(SpecError, match=r"^t.yaml:13: a block takes 1 input, got 2$"):
        run(body)
