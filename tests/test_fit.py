"""`mncost fit`: every answer fits the budget, and the next larger α / resolution does not."""

from __future__ import annotations

import csv
import io
import json
from fractions import Fraction

import pytest

from mncost import Config, evaluate, load
from mncost.cli import main
from mncost.conventions import Rounding
from mncost.errors import ConfigError
from mncost.fit import Budget, NoFit, fit, networks, parse_bytes, parse_count


def costs(spec: str, alpha: float, resolution: int) -> tuple[int, int, int]:
    r = evaluate(load(spec), Config(alpha=alpha, resolution=resolution))
    return r.totals.macs, r.totals.params, r.memory.peak_bytes


def within(budget: Budget, c: tuple[int, int, int]) -> bool:
    return all(limit is None or value <= limit for value, limit in zip(c, (budget.arithmetic, budget.params,
                                                                           budget.peak_bytes), strict=True))


@pytest.mark.parametrize(("spec", "budget"), [
    ("v1", Budget(arithmetic=150_000_000)),
    ("v1", Budget(arithmetic=300_000_000, params=2_000_000)),
    ("v2", Budget(arithmetic=150_000_000, params=2_000_000)),
    ("v2", Budget(params=3_000_000, peak_bytes=8_000_000)),
])
def test_largest_alpha_fits_and_the_next_network_does_not(spec: str, budget: Budget) -> None:
    result = fit(load(spec), Config(), budget, "alpha", alpha_max=1.5)
    (point,) = result.points
    assert within(budget, costs(spec, point.alpha, 224))
    assert point.alpha_low <= Fraction(str(point.alpha)) and point.alpha_high is not None
    assert Fraction(str(point.alpha)) < point.alpha_high
    # Every α in the interval is the same network; just past its end the budget is exceeded.
    assert costs(spec, float(point.alpha_low) + 1e-9, 224) == costs(spec, point.alpha, 224)
    assert not within(budget, costs(spec, float(point.alpha_high) + 1e-9, 224))
    # ... and so is every larger α on a fine grid up to the search limit (no monotonicity assumed).
    for k in range(1, 40):
        alpha = float(point.alpha_high) + k * (1.5 - float(point.alpha_high)) / 40
        assert not within(budget, costs(spec, alpha, 224)), alpha


@pytest.mark.parametrize(("spec", "alpha", "budget"), [
    ("v1", 0.75, Budget(arithmetic=150_000_000)),
    ("v2", 1.0, Budget(arithmetic=200_000_000, peak_bytes=10_000_000)),
])
def test_largest_resolution_fits_and_the_next_does_not(spec: str, alpha: float, budget: Budget) -> None:
    result = fit(load(spec), Config(alpha=alpha), budget, "rho")
    (point,) = result.points
    assert within(budget, costs(spec, alpha, point.resolution))
    assert not within(budget, costs(spec, alpha, point.resolution + 1))
    assert str(point.resolution + 1) in result.next_larger


def test_pareto_frontier() -> None:
    budget = Budget(arithmetic=150_000_000)
    result = fit(load("v1"), Config(), budget, "both", alpha_max=1.0, resolution_step=32)
    points = result.points
    assert len(points) >= 3
    for p in points:
        assert within(budget, costs("v1", p.alpha, p.resolution))
        assert p.resolution + 32 > 448 or not within(budget, costs("v1", p.alpha, p.resolution + 32))
    # Sorted by decreasing α with increasing resolution: no point dominates another.
    assert [p.alpha for p in points] == sorted((p.alpha for p in points), reverse=True)
    assert [p.resolution for p in points] == sorted({p.resolution for p in points})


def test_round8_networks_are_distinct_channel_configs() -> None:
    nets, _ = networks(load("v2"), Rounding.ROUND8, Fraction(1))
    assert nets[-1].high is None and nets[-1].alpha == 1.0
    widths = (16, 24, 32, 64, 96, 160, 320, 1280)  # the V2 spec's scaled paper widths
    sigs = [tuple(Rounding.ROUND8.apply(n.alpha, c) for c in widths) for n in nets[:-1]]
    assert all(a != b for a, b in zip(sigs, sigs[1:], strict=False))
    for n in nets[:-1]:  # the representative α and both ends of its interval give the same widths
        assert tuple(Rounding.ROUND8.apply(float(n.low) + 1e-12, c) for c in widths) == \
            tuple(Rounding.ROUND8.apply(n.alpha, c) for c in widths)


def test_impossible_budget_is_exit_1(runner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NoFit):
        fit(load("v1"), Config(), Budget(arithmetic=1000), alpha_max=0.5)
    result = runner.invoke(main, ["fit", "v1", "--max-macs", "1k", "--alpha-max", "0.5"])
    assert result.exit_code == 1
    assert "No fit:" in result.stderr and "MACs" in result.stderr


@pytest.mark.parametrize(("text", "value"), [("150M", 150_000_000), ("1.5G", 1_500_000_000), ("2k", 2000),
                                             ("123", 123)])
def test_parse_count(text: str, value: int) -> None:
    assert parse_count(text) == value


@pytest.mark.parametrize(("text", "value"), [("1MB", 10**6), ("1MiB", 2**20), ("512kB", 512_000),
                                             ("2 KiB", 2048), ("100", 100), ("1gb", 10**9)])
def test_parse_bytes(text: str, value: int) -> None:
    assert parse_bytes(text) == value


@pytest.mark.parametrize("text", ["", "M", "1.5X", "-3M", "1e6"])
def test_bad_budgets(text: str, runner) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError):
        parse_count(text)
    result = runner.invoke(main, ["fit", "v1", "--max-macs", text])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_no_budget_is_usage_error(runner) -> None:  # type: ignore[no-untyped-def]
    assert runner.invoke(main, ["fit", "v1"]).exit_code == 2


def test_export_formats(runner) -> None:  # type: ignore[no-untyped-def]
    args = ["fit", "v1", "--max-macs", "150M", "--vary", "both", "--alpha-max", "0.5", "--resolution-step", "32"]
    doc = json.loads(runner.invoke(main, [*args, "-f", "json"]).output)
    expected = fit(load("v1"), Config(), Budget(arithmetic=150_000_000), "both", alpha_max=0.5, resolution_step=32)
    assert doc["schema"] == "mncost.fit/1"
    assert [(p["alpha"], p["resolution"], p["macs"]) for p in doc["points"]] == [
        (p.alpha, p.resolution, p.arithmetic) for p in expected.points]
    rows = list(csv.DictReader(io.StringIO(runner.invoke(main, [*args, "-f", "csv"]).output)))
    assert [int(r["macs"]) for r in rows] == [p.arithmetic for p in expected.points]
    md = [line for line in runner.invoke(main, [*args, "-f", "markdown"]).output.splitlines() if line.startswith("|")]
    assert md[0].startswith("| alpha |") and len(md) == 2 + len(expected.points)
    assert rows[0]["rounding"] == "none" and rows[0]["counting"] == "macs"  # every row says its conventions
    assert doc["spec"]["name"] == "v1" and doc["conventions"]["rounding"] == "none"
    table = runner.invoke(main, args)
    assert table.exit_code == 0 and f"{expected.points[0].arithmetic:,}" in table.output
