"""A sweep validates before it evaluates (issue 12, item 8): the first point's error, and any α or
resolution that no point can have, are raised before any α is planned (the symbolic walk that
costs tens of seconds on a 100,000-layer network)."""

from __future__ import annotations

import importlib

import pytest

from mncost import Config, MncostError, build_graph, evaluate, load
from mncost.graph import Graph
from mncost.spec import parse_spec
from mncost.sweep_grid import run_sweep, stream_sweep
from tests.conftest import cli_runner

sweep_module = importlib.import_module("mncost.sweep")  # `mncost.sweep` is the function (mncost.api)

LAST_LAYER_FAILS = """name: late
description: a network whose last layer needs a 7x7 map
source: tests/test_sweep_validation.py
input: {resolution: 64, channels: 3}
layers:
  - {name: stem, op: conv, kernel: 3, stride: 2, out: 16}
  - {name: dw, op: dwconv, kernel: 3}
  - {name: pw, op: pwconv, out: 32}
  - {name: pool, op: avgpool, kernel: 7, padding: valid}
"""


def late() -> Graph:
    return build_graph(parse_spec(LAST_LAYER_FAILS, "late.yaml"))


@pytest.fixture
def no_planning(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a sweep planned an α before reporting an error it could find at once")

    monkeypatch.setattr(sweep_module, "_plan", refuse)


def evaluate_error(graph: Graph, alpha: float, resolution: int) -> str:
    with pytest.raises(MncostError) as info:
        evaluate(graph, Config(alpha=alpha, resolution=resolution))
    return str(info.value)


@pytest.mark.parametrize("run", [run_sweep, lambda *a: list(stream_sweep(*a)[1])], ids=["table", "streamed"])
def test_an_invalid_first_point_is_reported_before_planning(no_planning: None, run) -> None:  # type: ignore[no-untyped-def]
    graph = late()
    # stride 2 halves 12 to 6 < 7: the last layer fails, as `evaluate` says at that point
    with pytest.raises(MncostError) as info:
        run(graph, [1.0, 0.5], [12, 64], Config())
    assert str(info.value) == evaluate_error(graph, 1.0, 12)
    assert "late.yaml:9: layer 'pool': kernel 7x7 is larger than its 6x6 input" in str(info.value)


@pytest.mark.parametrize(("alphas", "resolutions", "point"), [
    ([1.0, 0.5], [64, 32, 200_000], (1.0, 200_000)),  # a resolution beyond the limit, last in the list
    ([1.0, 0.5, -1.0], [64, 32], (-1.0, 64)),  # an α no point can have
    ([-1.0], [200_000], (-1.0, 200_000)),  # both: the first point's (α is checked first)
])
def test_an_impossible_axis_value_is_reported_before_planning(no_planning: None, alphas: list[float],
                                                              resolutions: list[int],
                                                              point: tuple[float, int]) -> None:
    graph = load("v1")
    with pytest.raises(MncostError) as info:
        run_sweep(graph, alphas, resolutions, Config())
    assert str(info.value) == evaluate_error(graph, *point)


def test_a_valid_sweep_is_unchanged_by_the_validation() -> None:
    graph = late()
    rows = run_sweep(graph, [1.0, 0.5], [64, 48], Config()).points
    for row in rows:
        report = evaluate(graph, Config(alpha=row.alpha, resolution=row.resolution))
        assert (row.params, row.macs, row.peak_bytes) == (report.totals.params, report.totals.macs,
                                                          report.memory.peak_bytes)


def test_cli_sweep_with_an_invalid_first_point_writes_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from mncost.cli import main

    spec = tmp_path / "late.yaml"
    spec.write_text(LAST_LAYER_FAILS, encoding="utf-8")
    for fmt in ("csv", "table"):
        result = cli_runner().invoke(main, ["sweep", str(spec), "--resolution", "12,64", "-f", fmt])
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr.startswith(f"Error: {spec}:9: layer 'pool': kernel 7x7 is larger than its 6x6 input")
        assert result.stderr.count("\n") == 1
