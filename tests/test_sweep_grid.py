"""Sweep value lists: decimal ranges, usage errors, the grid size limit."""

from __future__ import annotations

from decimal import Decimal

import pytest

import mncost.cli.sweep as sweep_cli
from mncost.cli import main
from mncost.sweep_grid import AxisError, parse_axis


@pytest.mark.parametrize(("text", "expected"), [
    ("0.25:1:0.25", ["0.25", "0.50", "0.75", "1.00"]),  # binary floats would give 0.25·k drift
    ("0.1:0.3:0.1", ["0.1", "0.2", "0.3"]),  # 0.1 + 0.2 != 0.3 in floats; inclusive stop kept
    ("1,0.75,0.5,0.25", ["1", "0.75", "0.5", "0.25"]),
    ("96:224:32", ["96", "128", "160", "192", "224"]),
    ("96:230:32", ["96", "128", "160", "192", "224"]),  # stop not on the step: the last value <= stop
    ("0.35, 0.5:1:0.25", ["0.35", "0.50", "0.75", "1.00"]),
    ("1:1:0.5", ["1.0"]),
])
def test_axis_values(text: str, expected: list[str]) -> None:
    axis = parse_axis(text, "alpha")
    assert [str(v) for v in axis.values()] == expected
    assert len(axis) == len(expected)
    assert [float(v) for v in axis.values()] == [float(e) for e in expected]


@pytest.mark.parametrize(("text", "integer", "message"), [
    ("0.25:1:0", False, "step of '0.25:1:0' must be > 0"),
    ("0.25:1:-0.25", False, "step of '0.25:1:-0.25' must be > 0"),
    ("1:0.25:0.25", False, "'1:0.25:0.25' is an empty range"),
    ("nan", False, "must be finite"),
    ("inf", False, "must be finite"),
    ("1:inf:1", False, "must be finite"),
    ("-1", False, "must be > 0"),
    ("0", False, "must be > 0"),
    ("", False, "empty item"),
    ("1,,2", False, "empty item"),
    ("1:2", False, "neither a number nor START:STOP:STEP"),
    ("abc", False, "'abc' is not a number"),
    ("160.5", True, "must be whole numbers"),
    ("96:224:0.5", True, "must be whole numbers"),
    ("1:1e40:1e-40", False, "too many values"),
])
def test_axis_errors(text: str, integer: bool, message: str) -> None:
    with pytest.raises(AxisError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_axis(text, "resolution" if integer else "alpha", integer)


@pytest.mark.parametrize("args", [
    ["--alpha", "0.25:1:0"], ["--alpha", "1:0:0.25"], ["--alpha", "nan"], ["--alpha", "inf"],
    ["--resolution", "0:224:32"], ["--resolution", "224.5"], ["--rho", "-1"],
    ["--alpha", "1,1.0"],  # the same value twice
    ["--rho", "0.714,0.715"],  # both give resolution 160
    ["--rho", "1", "--resolution", "224"],
    ["--format", "json", "--units", "M"],
])
def test_sweep_usage_errors_exit_2(runner, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["sweep", "v1", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert "Error" in result.stderr


def test_grid_limit(runner) -> None:  # type: ignore[no-untyped-def]
    # 101 × 100 = 10,100 points > MAX_GRID (10,000): refused before any evaluation.
    result = runner.invoke(main, ["sweep", "v1", "--alpha", "0.01:1.01:0.01", "--resolution", "1:100:1"])
    assert result.exit_code == 2
    assert "10,100 points, more than 10,000; give --yes" in result.stderr
    assert result.stdout == ""


def test_grid_limit_yes_runs_anyway(runner, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(sweep_cli, "MAX_GRID", 3)
    args = ["sweep", "v1", "--alpha", "1,0.5", "--resolution", "224,160", "-f", "csv"]
    assert runner.invoke(main, args).exit_code == 2
    result = runner.invoke(main, [*args, "--yes"], catch_exceptions=False)
    assert result.exit_code == 0
    assert len(result.stdout.splitlines()) == 1 + 4


def test_decimal_exactness_reaches_the_output(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["sweep", "v1", "--alpha", "0.1:0.3:0.1", "-f", "json"], catch_exceptions=False)
    import json

    assert json.loads(result.stdout)["alphas"] == [0.1, 0.2, 0.3]
    assert Decimal("0.3") == parse_axis("0.1:0.3:0.1", "alpha").values()[-1]
