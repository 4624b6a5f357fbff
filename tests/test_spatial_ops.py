"""The spatial ops (docs/ops-spatial.md) against PyTorch, case by case.

tests/reference/ops/spatial.json was extracted by benchmarks/spatial_extract.py with torch 2.13.0
(CPU): for each case the module call (`nn.Conv2d(...)`, `nn.ConvTranspose2d(...)`,
`nn.MaxPool2d(..., ceil_mode=...)`, `F.adaptive_avg_pool2d(x, (h, w))`, `F.interpolate(...)`), its
output size, parameter count, and MACs = FLOPs / 2 of torch's FlopCounterMode; for adaptive pooling
the number of input elements its windows read, from torch itself. mncost computes each figure from
a one-layer spec.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from mncost import Config, build_graph, evaluate
from mncost.conventions import OpsCounted
from mncost.ops import RESIZE_TAPS
from mncost.spec import parse_spec

REFERENCE = Path(__file__).parent / "reference" / "ops" / "spatial.json"


@functools.cache
def cases() -> list[dict[str, Any]]:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))["cases"]  # type: ignore[no-any-return]


def one_layer(case: dict[str, Any]) -> str:
    h, w, c = case["input"]
    attrs = ", ".join(f"{k}: {json.dumps(v)}" for k, v in case["attrs"].items())
    return ("name: t\ndescription: t\nsource: t\n"
            f"input: {{resolution: {h}, channels: {c}}}\ndefaults: {{bn: false, act: none}}\nlayers:\n"
            f"  - {{name: x, op: {case['op']}, {attrs}}}\n")


def evaluated(case: dict[str, Any], ops: OpsCounted = OpsCounted.CONV_FC) -> Any:
    graph = build_graph(parse_spec(one_layer(case), "t.yaml"))
    return evaluate(graph, Config(ops=ops)).layers[0]


def test_the_fixture_covers_every_spatial_op() -> None:
    assert {c["op"] for c in cases()} == {"conv", "conv_transpose", "maxpool", "avgpool", "adaptive_avgpool",
                                          "resize"}
    convs = [c for c in cases() if c["op"] == "conv"]
    assert {c["attrs"]["dilation"] for c in convs} == {1, 2, 3}
    assert any(c["attrs"]["kernel"][0] != c["attrs"]["kernel"][1] for c in convs)
    pools = [c for c in cases() if c["op"] in ("maxpool", "avgpool")]
    # ceil_mode changes the size in some cases and not in others: the rule is exercised both ways
    floor = {(c["op"], tuple(c["input"]), c["attrs"]["kernel"], c["attrs"]["stride"], c["attrs"]["padding"]):
             c["output"] for c in pools if not c["attrs"]["ceil_mode"]}
    ceil = [c for c in pools if c["attrs"]["ceil_mode"]]
    differ = [c for c in ceil if c["output"] != floor[(c["op"], tuple(c["input"]), c["attrs"]["kernel"],
                                                         c["attrs"]["stride"], c["attrs"]["padding"])]]
    assert 0 < len(differ) < len(ceil)


@pytest.mark.parametrize("op", ["conv", "conv_transpose", "maxpool", "avgpool", "adaptive_avgpool", "resize"])
def test_matches_torch(op: str) -> None:
    for case in (c for c in cases() if c["op"] == op):
        row = evaluated(case)
        got = ([row.output_shape.h, row.output_shape.w, row.output_shape.c], row.params, row.macs)
        assert got == (case["output"], case["params"], case["macs"]), case["torch"]


def test_dilation_changes_no_count() -> None:
    # MACs and params of a dilated conv are the undilated conv's at the same output size (every tap counts)
    for case in (c for c in cases() if c["op"] == "conv" and c["attrs"]["dilation"] > 1):
        row = evaluated(case)
        kh, kw = case["attrs"]["kernel"]
        per_output = kh * kw * case["input"][2] // case["attrs"]["groups"]
        assert row.macs == row.output_shape.elements * per_output, case["torch"]
        assert row.params == per_output * row.output_shape.c, case["torch"]


def test_adaptive_pool_counts_every_window_element_under_ops_all() -> None:
    for case in (c for c in cases() if c["op"] == "adaptive_avgpool"):
        assert evaluated(case, OpsCounted.ALL).macs == case["window_elements"], case["torch"]


def test_resize_under_ops_all() -> None:
    assert RESIZE_TAPS == {"nearest": 0, "bilinear": 4}   # documented in docs/ops-spatial.md
    for case in (c for c in cases() if c["op"] == "resize"):
        row = evaluated(case, OpsCounted.ALL)
        resized = row.output_shape != row.input_shape  # a resize to the same size costs nothing
        assert row.macs == row.output_shape.elements * RESIZE_TAPS[case["attrs"]["mode"]] * resized


SPATIAL = Path(__file__).parent / "specs" / "spatial.yaml"   # every spatial op and attribute in one network


@pytest.mark.parametrize("ops", list(OpsCounted))
def test_sweep_equals_evaluate_on_the_spatial_ops(ops: OpsCounted) -> None:
    # odd and even sides: ceil_mode's dropped window, adaptive windows, resize to a tensor's size
    from mncost import load
    from mncost.sweep import sweep_rows

    graph = load(str(SPATIAL))
    alphas, resolutions = [0.5, 1.0, 1.3], [33, 47, 64, 65, 97, 128]
    result = sweep_rows(graph, alphas, resolutions, Config(ops=ops))
    for row in result.rows:
        report = evaluate(graph, Config(alpha=row.alpha, resolution=row.resolution, ops=ops))
        assert (row.params, row.macs, row.peak_bytes) == (report.totals.params, report.totals.macs,
                                                          report.memory.peak_bytes)


@pytest.mark.parametrize("ops", list(OpsCounted))
def test_formula_is_exact_where_it_says_on_the_spatial_ops(ops: OpsCounted) -> None:
    from mncost import load
    from mncost.formula import formula

    graph = load(str(SPATIAL))
    f = formula(graph, Config(ops=ops))
    exact = [r for r in range(32, 400) if f.exact_at(1, r)]
    assert exact  # adaptive pooling to 3x5 makes it a multiple of 60 under --ops all, of 4 otherwise
    for r in exact[:6]:
        report = evaluate(graph, Config(resolution=r, ops=ops))
        assert (f.value("arithmetic", 1, r), f.value("params", 1, r)) == (report.totals.macs, report.totals.params)


@pytest.mark.parametrize("command", [
    ["show"], ["show", "--ops", "all", "-f", "json"], ["sweep", "--alpha", "0.5,1", "--resolution", "64,97"],
    ["formula"], ["memory"], ["fit", "--max-macs", "5M"], ["size"], ["latency", "--device", "pixel1-v3paper-fp32"],
    ["diff", "{spec}", "{spec}@alpha=0.5"],
])
def test_every_command_takes_the_spatial_ops(command: list[str]) -> None:
    from mncost.cli import main

    from .conftest import cli_runner

    spec = str(SPATIAL)
    args = [a.replace("{spec}", spec) for a in command]
    args = args if args[0] == "diff" else [args[0], spec, *args[1:]]
    result = cli_runner().invoke(main, args)
    assert result.exit_code == 0, (args, result.stderr)


def test_structured_fields_of_the_spatial_ops() -> None:
    # the per-layer kernel and dilation fields (mncost.structure) of non-square and dilated windows
    from mncost import load

    layers = {row.name: row for row in evaluate(load(str(SPATIAL)), Config()).layers}
    assert [(str(layers[n].kernel), layers[n].dilation) for n in ("d1", "k15", "k51", "ct")] == \
        [("3x3", 2), ("1x5", 1), ("5x1", 1), ("4x4", 1)]


@pytest.mark.parametrize("spec", ["lraspp-v3-large", "deeplabv3-v3-large", "mobilevit-xxs"])
def test_a_resize_reads_its_input_not_its_size_reference(spec: str) -> None:
    """A resize to `like: T` (or to its second input's size) reads the map it resizes; of T only the
    height and width: T's bytes are in neither its bytes read nor the bytes its latency prices."""
    from mncost import load
    from mncost.latency import layer_features

    graph = load(spec)
    report = evaluate(graph, Config())
    resizes = [r for r in report.layers if r.op == "resize"]
    assert resizes
    for row in resizes:
        assert row.bytes_read == row.input_shape.elements * 4  # fp32, no parameters
    for feature in (f for f in layer_features(graph, Config()) if f.op == "resize"):
        row = next(r for r in resizes if r.name == feature.name)
        assert feature.read_elements == row.input_shape.elements
    if spec == "lraspp-v3-large":
        out = next(r for r in resizes if r.name == "out")
        assert out.bytes_read == 65 * 65 * 21 * 4  # the 65x65 logits, not the 520x520x3 image
