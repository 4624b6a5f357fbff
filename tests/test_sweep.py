"""sweep() must give, row for row, exactly what evaluating each grid point on its own gives."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mncost import Config, EvaluationError, MncostError, build_graph, evaluate, load
from mncost.bundled import bundled_names
from mncost.conventions import BnParams, Dtype, OpsCounted, Rounding
from mncost.graph import Graph
from mncost.record import replace
from mncost.spec import parse_spec
from mncost.sweep import SweepRow, sweep, sweep_rows

# Conditional ops, residual adds, a strided shortcut (add of two differently derived maps), a
# concat, a squeeze-and-excite gate (mul broadcasting 1x1xC), pools with explicit padding, and
# flatten + fc.
BRANCHY = """
name: branchy
description: every op kind the sweep's fast path models
source: tests/test_sweep.py
input: {resolution: 64, channels: 3}
classes: 10
defaults: {rounding: round8, bn: true, act: relu}
blocks:
  se_block:
    params: {c: channels, s: int, t: int}
    ops:
      - {name: expand, op: conv, kernel: 1, out: "in * t", when: "t != 1"}
      - {name: dw, op: dwconv, kernel: 3, stride: s}
      - {name: pool, op: global_avgpool}
      - {name: squeeze, op: conv, kernel: 1, out: "max(8, in // 4)", bn: false}
      - {name: excite, op: conv, kernel: 1, out: "in * t", bn: false, act: hsigmoid}
      - {name: gate, op: mul, inputs: [dw, excite]}
      - {name: project, op: conv, kernel: 1, out: c, act: none}
      - {name: add, op: add, inputs: [project, in], when: "s == 1 and in == c"}
  down:
    params: {c: channels}
    ops:
      - {name: a, op: conv, kernel: 3, stride: 2, out: c}
      - {name: b, op: conv, kernel: 3, out: c, act: none}
      - {name: short, op: conv, kernel: 1, stride: 2, out: c, inputs: [in], padding: valid}
      - {name: add, op: add, inputs: [b, short]}
      - {name: relu, op: relu}
layers:
  - {name: stem, op: conv, kernel: 3, stride: 2, out: 16, padding: half}
  - {name: pool0, op: maxpool, kernel: 3, stride: 2, padding: 1}
  - table: se_block
    name: stage
    columns: [t, c, n, s]
    rows:
      - [1, 16, 1, 1]
      - [4, 24, 2, 2]
  - {name: down1, block: down, c: 40}
  - {name: left, op: conv, kernel: 3, padding: valid, out: 32}
  - {name: right, op: avgpool, kernel: 3, stride: 1, padding: valid, inputs: [down1]}
  - {name: cat, op: concat, inputs: [left, right]}
  - {name: head, op: pwconv, out: "max(64, scale(64))", when: "alpha > 0.4"}
  - {name: gpool, op: global_maxpool}
  - {name: flat, op: flatten}
  - {name: drop, op: dropout}
  - {name: fc, op: fc, out: classes}
  - {name: prob, op: softmax}
"""


def branchy() -> Graph:
    return build_graph(parse_spec(BRANCHY, "branchy.yaml"))


def one_by_one(graph: Graph, alphas: list[float], resolutions: list[int], config: Config) -> list[SweepRow]:
    rows = []
    for a in alphas:
        for r in resolutions:
            report = evaluate(graph, replace(config, alpha=a, rho=None, resolution=r))
            rows.append(SweepRow(a, r, report.config.rho, report.totals.params, report.totals.macs,
                                 report.totals.activation_bytes, report.memory.peak_bytes))
    return rows


CONFIGS = [
    Config(),
    Config(ops=OpsCounted.ALL, bn_params=BnParams.AFFINE, dtype=Dtype.FP16),
    Config(rounding=Rounding.NONE, classes=1001, bn_params=BnParams.ALL, dtype=Dtype.INT8),
]
ALPHAS = [0.25, 0.35, 0.5, 0.6, 0.75, 1.0, 1.3, 1.4]
RESOLUTIONS = [32, 96, 127, 128, 160, 192, 224, 225]


@pytest.mark.parametrize("config", CONFIGS, ids=["default", "ops-all", "classes-1001"])
@pytest.mark.parametrize("spec", ["v1", "v2"])
def test_sweep_equals_evaluating_each_point(spec: str, config: Config) -> None:
    graph = load(spec)
    assert sweep(graph, ALPHAS, RESOLUTIONS, config) == one_by_one(graph, ALPHAS, RESOLUTIONS, config)


@pytest.mark.parametrize("config", CONFIGS, ids=["default", "ops-all", "classes-1001"])
def test_sweep_equals_evaluate_with_branches_gates_and_conditions(config: Config) -> None:
    graph = branchy()
    resolutions = [33, 40, 63, 64, 65, 100]
    assert sweep(graph, ALPHAS, resolutions, config) == one_by_one(graph, ALPHAS, resolutions, config)


@pytest.mark.parametrize("name", [*bundled_names(), "branchy"])
def test_no_bundled_spec_leaves_the_fast_path(name: str) -> None:
    """Every grid point of every bundled spec is computed from the per-α side polynomials (none is
    evaluated on its own), and each row is what `evaluate` gives; otherwise the tests above would
    only compare evaluate with itself."""
    graph = branchy() if name == "branchy" else load(name)
    alphas, resolutions = [0.35, 0.5, 1.0, 1.3], [96, 131, 160, 224, 257]
    if name.startswith("mobilevit"):  # 2x2 patches need even stage maps (at strides 8, 16, 32)
        resolutions = [128, 192, 250, 256, 320]
    result = sweep_rows(graph, alphas, resolutions, Config())
    assert result.evaluated_alone == 0
    assert list(result.rows) == one_by_one(graph, alphas, resolutions, Config())


def test_sweep_on_the_benchmark_grid_at_a_few_points() -> None:
    graph = load("v2")
    alphas = [round(0.25 + 0.0125 * i, 4) for i in range(100)]
    resolutions = [96 + 2 * i for i in range(100)]
    rows = sweep(graph, alphas, resolutions, Config())
    assert len(rows) == 10_000
    for i in (0, 1, 4_321, 5_050, 9_998, 9_999):
        a, r = alphas[i // 100], resolutions[i % 100]
        assert rows[i] == one_by_one(graph, [a], [r], Config())[0]


def test_sweep_with_a_depth_multiplier() -> None:
    graph = load("v2", depth_multiplier=0.5)
    config = Config(depth_multiplier=0.5)
    assert sweep(graph, [0.5, 1.0], [128, 224], config) == one_by_one(graph, [0.5, 1.0], [128, 224], config)


def test_sweep_raises_what_evaluate_raises() -> None:
    graph = branchy()
    # 'valid' 3x3 windows fail on maps smaller than 3x3: at resolution 16, not at 64 or 33
    with pytest.raises(EvaluationError) as fast:
        sweep(graph, [1.0], [64, 33, 16, 8], Config())
    with pytest.raises(EvaluationError) as slow:
        evaluate(graph, Config(resolution=16))
    assert str(fast.value) == str(slow.value)
    with pytest.raises(MncostError, match="alpha must be"):
        sweep(load("v1"), [1.0, -1.0], [224], Config())


@given(alphas=st.lists(st.sampled_from([0.1, 0.2, 0.33, 0.5, 0.77, 1.0, 1.5, 2.0]), min_size=1, max_size=3),
       resolutions=st.lists(st.integers(8, 300), min_size=1, max_size=3))
def test_sweep_matches_evaluate_on_random_grids(alphas: list[float], resolutions: list[int]) -> None:
    graph = load("v2")
    assert sweep(graph, alphas, resolutions, Config()) == one_by_one(graph, alphas, resolutions, Config())

