"""Depth rounding (`--depth-rounding`), a stage table's `n` from a block parameter, and int
parameters that may be 0 (docs/outputs-and-depth.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mncost import Config, evaluate, load
from mncost.cli import main
from mncost.conventions import BnParams, DepthRounding
from mncost.graph import scaled_repeats

# timm 1.0.29 timm.models._efficientnet_builder._scale_stage_depth(stack_args, repeats,
# depth_multiplier, depth_trunc): (repeats of one stage's block strings, d, depth_trunc, the
# number of blocks it makes of each), computed once with timm and quoted here.
TIMM_STAGES = [
    ([1, 3], 1.2, "ceil", [1, 4]),
    ([1, 3], 1.2, "round", [1, 4]),
    ([1, 3], 1.3, "ceil", [2, 4]),
    ([2, 2], 1.25, "round", [3, 2]),
    ([1, 1], 2.6, "ceil", [3, 3]),
    ([1, 2, 3], 0.5, "round", [1, 1, 2]),
    ([1, 2, 3], 1.1, "ceil", [1, 2, 4]),
    ([4], 0.6, "round", [2]),
    ([1], 0.6, "round", [1]),
    ([2], 1.25, "round", [2]),   # round(2.5) = 2: Python rounds half to even
    ([3], 1.5, "round", [4]),    # round(4.5) = 4
    ([1, 4], 1.4, "round", [1, 6]),
]


@pytest.mark.parametrize(("repeats", "depth", "trunc", "blocks"), TIMM_STAGES)
def test_a_stage_scales_as_timm(repeats: list[int], depth: float, trunc: str, blocks: list[int]) -> None:
    assert DepthRounding(trunc).stage(depth, repeats) == blocks
    assert scaled_repeats(DepthRounding(trunc), depth, repeats, ["s"] * len(repeats)) == blocks


def test_rows_without_a_stage_scale_one_by_one() -> None:
    # torchvision _efficientnet_conf adjust_depth: int(math.ceil(num_layers * depth_mult)) per row
    assert scaled_repeats(DepthRounding.CEIL, 1.2, [1, 3], [None, None]) == [2, 4]
    assert scaled_repeats(DepthRounding.CEIL, 1.2, [1, 3], ["a", "a"]) == [1, 4]
    assert scaled_repeats(DepthRounding.ROUND, 1.2, [1, 0, 3], [None, None, None]) == [1, 0, 4]  # n = 0: none


def test_tinynet_a_is_efficientnet_b0_with_round() -> None:
    # timm 1.0.29 timm.create_model('tinynet_a', pretrained=False): _gen_tinynet(model_width=1.0,
    # depth_multiplier=1.2) on EfficientNet-B0's arch with decode_arch_def(..., depth_trunc='round'),
    # input 192: sum(p.numel()) = 6,187,972 (BN gamma/beta included), Conv2d + Linear forward-hook MACs
    # 336,867,712, stages [1, 2, 2, 4, 4, 5, 1] blocks. At width 1.0 its stem (32) and head (1280)
    # are EfficientNet-B0's, so the bundled spec is TinyNet-A with d = 1.2 and round.
    graph = load("efficientnet-b0", 1.2, depth_rounding=DepthRounding.ROUND)
    config = Config(resolution=192, depth_multiplier=1.2, depth_rounding=DepthRounding.ROUND,
                    bn_params=BnParams.AFFINE)
    t = evaluate(graph, config).totals
    assert (t.params, t.macs) == (6_187_972, 336_867_712)
    ceil = evaluate(load("efficientnet-b0", 1.2), Config(resolution=192, depth_multiplier=1.2,
                                                         bn_params=BnParams.AFFINE)).totals
    assert ceil.params > t.params  # ceil adds a block to every stage: [2, 3, 3, 4, 4, 5, 2]


def test_the_rounding_is_printed_and_in_the_json(runner: CliRunner) -> None:
    args = ["show", "efficientnet-b0", "-d", "1.2", "--resolution", "192"]
    table = runner.invoke(main, [*args, "--depth-rounding", "round"], catch_exceptions=False).stdout
    assert "depth-rounding=round" in table.splitlines()[2]
    assert "depth-rounding" not in runner.invoke(main, args, catch_exceptions=False).stdout
    for rounding in ("ceil", "round"):
        doc = json.loads(runner.invoke(main, [*args, "--depth-rounding", rounding, "-f", "json"],
                                       catch_exceptions=False).stdout)
        assert doc["conventions"]["depth_rounding"] == rounding


def test_a_graph_and_a_config_must_agree() -> None:
    with pytest.raises(Exception, match="built for depth rounding ceil"):
        evaluate(load("efficientnet-b0", 1.2), Config(depth_multiplier=1.2, depth_rounding=DepthRounding.ROUND))


NESTED = """name: t
description: test net
source: none
input: {resolution: 32, channels: 3}
blocks:
  unit:
    params: {c: channels, s: {type: int, default: 1}}
    ops:
      - {name: conv, op: conv, kernel: 3, stride: s, out: c}
  stack:
    params: {c: channels, depth: int, extra: {type: int, default: 0}}
    ops:
      - table: unit
        name: part
        columns: [c, n]
        rows:
          - [c, depth]
          - [c, "extra * 2"]
layers:
  - {name: s1, block: stack, c: 8, depth: 2}
  - {name: s2, block: stack, c: 16, depth: 0, extra: 1}
  - table: unit
    columns: [c, n, s, stage]
    rows:
      - [24, 1, 2, a]
      - [24, 3, 1, a]
      - [32, 2, 1, b]
"""


def test_n_from_a_block_parameter_and_zero(tmp_path: Path) -> None:
    path = tmp_path / "net.yaml"
    path.write_text(NESTED, encoding="utf-8")
    names = [row.name for row in evaluate(load(str(path)), Config()).layers]
    # s1: depth 2 blocks, extra 0 -> none; s2: depth 0 -> none, extra 1 -> 2 blocks
    assert [n for n in names if n.startswith("s")][:4] == ["s1.part1.block1.conv", "s1.part1.block2.conv",
                                                           "s2.part2.block1.conv", "s2.part2.block2.conv"]
    deeper = [row.name for row in evaluate(load(str(path), 1.2), Config(depth_multiplier=1.2)).layers]
    # ceil(1.2 * 2) = 3 twice; stage a [1, 3] -> [1, 4] (timm); b ceil(2.4) = 3
    assert len(deeper) == 3 + 3 + 5 + 3
    assert sum(n.startswith("stage1.") for n in deeper) == 1 and sum(n.startswith("stage2.") for n in deeper) == 4
