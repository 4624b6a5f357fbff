"""Every op rule and every convention member is exercised (STYLE.md §3: exhaustive dispatch)."""

from __future__ import annotations

import pytest

from mncost import Config, build_graph, evaluate
from mncost.conventions import BnParams, Counting, Dtype, LnParams, OpsCounted, Rounding
from mncost.ops import OPS, Kind
from mncost.spec import parse_spec

ROW_ATTRS = {"kernel": "3", "out": "8", "parts": "2", "part": "1", "groups": "2", "size": "2", "factor": "2",
             "stop": "4"}


def one_op_spec(op: str) -> str:
    rule = OPS[op]
    attrs = "".join(f", {k}: {ROW_ATTRS[k]}" for k, a in rule.attrs.items() if a.required or k in rule.like[:1])
    inputs = ", inputs: [a, b]" if rule.min_inputs > 1 else ""
    if op == "matmul":  # q k^T of two 8-channel maps (attn v needs heads x keys channels in its first input)
        inputs += ", transpose_b: true"
    return ("name: t\ndescription: t\nsource: t\ninput: {resolution: 16, channels: 8}\nlayers:\n"
            "  - {name: a, op: conv, kernel: 1, out: 8}\n  - {name: b, op: conv, kernel: 1, out: 8}\n"
            f"  - {{name: x, op: {op}{attrs}{inputs}}}\n")


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_op_evaluates_under_every_ops_convention(op: str) -> None:
    graph = build_graph(parse_spec(one_op_spec(op), "t.yaml"))
    for ops in OpsCounted:
        row = evaluate(graph, Config(ops=ops, bn_params=BnParams.ALL)).layers[-1]
        assert row.name == "x" and row.op == op
        assert row.params >= 0 and row.macs >= 0 and row.activation_bytes == row.output_shape.elements * 4
        if ops is OpsCounted.CONV_FC and op not in ("conv", "pwconv", "dwconv", "fc", "conv_transpose"):
            assert row.macs == 0  # the papers count only conv and fully connected layers
    assert all(a.kind in Kind for a in OPS[op].attrs.values())


@pytest.mark.parametrize(("member", "expected"), [
    (Rounding.NONE, 22), (Rounding.ROUND8, 24),  # α = 0.7 of 32: int(22.4) vs _make_divisible(22.4, 8)
])
def test_rounding_members(member: Rounding, expected: int) -> None:
    assert member.apply(0.7, 32) == expected


def test_other_members() -> None:
    assert [b.per_channel for b in BnParams] == [0, 2, 4]
    assert [d.bytes for d in Dtype] == [4, 2, 2, 1]
    assert [c.value for c in Counting] == ["macs", "flops"]
    assert [o.value for o in OpsCounted] == ["conv-fc-matmul", "conv-fc", "all"]
    assert [n.value for n in LnParams] == ["affine", "none"]
