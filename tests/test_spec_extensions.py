"""Spec-language features the architecture zoo needed: `act` parameters, stage tables without an
`n` column, and the `split` and `channel_shuffle` ops."""

from __future__ import annotations

import pytest

from mncost import Config, EvaluationError, SpecError, build_graph, check_paper_sizes, evaluate
from mncost.conventions import OpsCounted
from mncost.ops import OPS
from mncost.report import Report
from mncost.spec import parse_spec

HEADER = """\
name: t
description: test
source: test
input: {resolution: 8, channels: 4}
defaults: {padding: half, bn: true, act: relu}
"""


def run(text: str, **config: object) -> Report:
    spec = parse_spec(HEADER + text, "t.yaml")
    graph = build_graph(spec)
    check_paper_sizes(graph)
    return evaluate(graph, Config(**config))  # type: ignore[arg-type]


def error(text: str) -> str:
    with pytest.raises(SpecError) as info:
        run(text)
    return str(info.value)


ACT_BLOCK = """\
blocks:
  b:
    params: {nl: act, c: channels}
    ops:
      - {name: conv, op: conv, kernel: 1, out: c, act: nl}
"""


def test_act_parameter_selects_the_fused_activation() -> None:
    r = run(ACT_BLOCK + """\
layers:
  - table: b
    columns: [nl, c]
    rows:
      - [relu, 8]
      - [hswish, 8]
      - [none, 8]
""", ops=OpsCounted.ALL)
    # Under --ops all a fused activation costs one MAC per output element, none costs nothing.
    conv, bn_act = 8 * 8 * 4 * 8, 2 * 8 * 8 * 8
    assert [x.macs for x in r.layers] == [conv + bn_act, 8 * 8 * 8 * 8 + bn_act, 8 * 8 * 8 * 8 + bn_act // 2]


def test_act_parameter_default_and_nested_reference() -> None:
    r = run("""\
blocks:
  inner:
    params: {f: act}
    ops:
      - {name: conv, op: conv, kernel: 1, out: 8, act: f}
  outer:
    params: {g: {type: act, default: silu}}
    ops:
      - {name: x, block: inner, f: g}
layers:
  - {name: a, block: outer}
  - {name: b, block: outer, g: none}
""", ops=OpsCounted.ALL)
    assert [x.macs for x in r.layers] == [8 * 8 * 4 * 8 + 2 * 8 * 8 * 8, 8 * 8 * 8 * 8 + 8 * 8 * 8]


@pytest.mark.parametrize(("row", "message"), [
    ("[relux, 8]", "t.yaml:15: 'act' must be none or one of relu, relu6, hswish, hsigmoid, swish, silu, sigmoid, gelu, "
                   "got text 'relux'; did you mean 'relu'?"),
    ("[3, 8]", "t.yaml:15: 'act' must be none or one of relu, relu6, hswish, hsigmoid, swish, silu, sigmoid, gelu, "
               "got int 3"),
])
def test_act_parameter_values_are_checked(row: str, message: str) -> None:
    assert error(ACT_BLOCK + f"layers:\n  - table: b\n    columns: [nl, c]\n    rows:\n      - {row}\n") == message


def test_act_parameter_is_not_a_number() -> None:
    text = ACT_BLOCK.replace("out: c, act: nl", "out: nl") + "layers:\n  - {name: x, block: b, nl: relu, c: 8}\n"
    assert "unknown name 'nl'" in error(text)


def test_unknown_act_name_in_a_block_lists_act_parameters() -> None:
    text = ACT_BLOCK.replace("act: nl", "act: nlx") + "layers:\n  - {name: x, block: b, nl: relu, c: 8}\n"
    assert error(text).endswith("or an act parameter (nl), got text 'nlx'; did you mean 'nl'?")


def test_stage_table_without_n_has_one_block_per_row() -> None:
    r = run("""\
blocks:
  b:
    params: {c: channels, s: int}
    ops:
      - {name: conv, op: conv, kernel: 3, stride: s, out: c}
layers:
  - table: b
    name: row
    columns: [input, c, s]
    rows:
      - [8x8x4, 8, 2]
      - [4x4x8, 16, 1]
""")
    assert [x.name for x in r.layers] == ["row1.block1.conv", "row2.block1.conv"]
    assert r.layers[-1].output_shape.as_list() == [4, 4, 16]


SPLIT = """\
layers:
  - {name: left,  op: split, part: 1}
  - {name: right, op: split, parts: 2, part: 2, inputs: [in]}
  - {name: conv,  op: conv, kernel: 1, out: 2}
  - {name: cat,   op: concat, inputs: [left, conv]}
  - {name: shuffle, op: channel_shuffle, groups: 2}
"""


def test_split_concat_shuffle_shapes_and_costs() -> None:
    r = run(SPLIT, ops=OpsCounted.ALL)
    shapes = {x.name: x.output_shape.as_list() for x in r.layers}
    assert shapes == {"left": [8, 8, 2], "right": [8, 8, 2], "conv": [8, 8, 2], "cat": [8, 8, 4],
                      "shuffle": [8, 8, 4]}
    costs = {x.name: (x.params, x.macs) for x in r.layers}
    # split is a view and the shuffle only moves data: no parameters and no arithmetic, even under --ops all.
    assert costs["left"] == costs["right"] == costs["cat"] == costs["shuffle"] == (0, 0)


def test_split_is_a_view_of_its_input() -> None:
    # A split allocates nothing: while `left` runs, only the 8x8x4 input is alive.
    r = run(SPLIT)
    assert r.layers[0].live_bytes == 8 * 8 * 4 * 4


@pytest.mark.parametrize(("row", "message"), [
    ("{name: s, op: split, parts: 3, part: 1}",
     "t.yaml:7: layer 's': input channels 4 do not split into 3 equal parts"),
    ("{name: s, op: split, parts: 2, part: 3}",
     "t.yaml:7: layer 's': part 3 does not exist: the input is split into 2 parts"),
    ("{name: s, op: channel_shuffle, groups: 3}",
     "t.yaml:7: layer 's': input channels 4 are not divisible by groups=3"),
])
def test_split_and_shuffle_errors(row: str, message: str) -> None:
    with pytest.raises(EvaluationError) as info:
        run(f"layers:\n  - {row}\n")
    assert str(info.value) == message


@pytest.mark.parametrize(("row", "message"), [
    ("{name: s, op: split}", "t.yaml:7: 'split' layer 's' is missing required key 'part'"),
    ("{name: s, op: channel_shuffle}", "t.yaml:7: 'channel_shuffle' layer 's' is missing required key 'groups'"),
])
def test_split_and_shuffle_required_keys(row: str, message: str) -> None:
    assert error(f"layers:\n  - {row}\n") == message


def test_new_ops_are_registered_with_docs() -> None:
    for name in ("split", "channel_shuffle"):
        assert OPS[name].doc and OPS[name].macs is not None
    assert OPS["split"].inplace and not OPS["channel_shuffle"].inplace


def test_act_parameter_may_not_be_named_like_an_activation() -> None:
    text = ACT_BLOCK.replace("{nl: act,", "{relu: act,") + "layers:\n  - {name: x, op: relu}\n"
    assert error(text) == "t.yaml:8: act parameter 'relu' would hide the activation of that name"


def test_layer_norm_counts_gamma_and_beta_per_channel() -> None:
    # PyTorch: nn.LayerNorm(16) has 32 parameters (weight and bias of 16 each)
    r = run("layers:\n  - {name: c, op: conv, kernel: 1, out: 16, bn: false, act: none}\n"
            "  - {name: ln, op: layer_norm}\n", ops=OpsCounted.ALL)
    ln = r.layers[1]
    assert (ln.params, ln.output_shape.as_list(), ln.macs) == (32, [8, 8, 16], 8 * 8 * 16)
    assert run("layers:\n  - {name: ln, op: layer_norm}\n").layers[0].macs == 0  # conv-fc: no arithmetic


def test_layer_norm_takes_no_attributes() -> None:
    assert error("layers:\n  - {name: ln, op: layer_norm, out: 8}\n") == (
        "t.yaml:7: unknown key 'out' in a 'layer_norm' layer")
