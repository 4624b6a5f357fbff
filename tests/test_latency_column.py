"""The latency column: `--device` adds per-layer and total `latency_ms` to every format, a
`latency` metric to `diff --fail-on` and a `--max-latency` budget to `fit` (issue 16, item 4)."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from mncost import Config, evaluate, load
from mncost.cli import main
from mncost.latency import report_latency
from mncost.profiles import load_profile
from mncost.sweep import sweep_rows

DEVICE = "pixel1-v3paper-fp32"


def test_total_is_the_sum_of_the_layers_and_the_models_figure() -> None:
    graph = load("v3-large")
    report = evaluate(graph, Config(device=DEVICE))
    assert report.conventions.device == DEVICE
    layers = [x.latency_ms for x in report.layers]
    assert all(ms is not None and ms >= 0 for ms in layers)
    assert report.totals.latency_ms == pytest.approx(sum(ms for ms in layers if ms is not None))
    assert report.totals.latency_ms == pytest.approx(report_latency(graph, report, load_profile(DEVICE)).total_ms)
    # V3 paper Table 3 (arXiv:1905.02244), Pixel 1, one large core, fp32: V3-Large 1.0 = 51 ms; the profile
    # was fitted to that table (docs/latency.md gives its leave-one-family-out error).
    assert abs(report.totals.latency_ms - 51) / 51 < 0.10
    assert evaluate(graph, Config()).totals.latency_ms is None


def test_every_format_carries_latency_only_with_a_device(runner: CliRunner) -> None:
    doc = json.loads(runner.invoke(main, ["show", "v2", "-f", "json", "--device", DEVICE]).stdout)
    assert doc["conventions"]["device"] == DEVICE and doc["totals"]["latency_ms"] > 0
    assert all(layer["latency_ms"] >= 0 for layer in doc["layers"])
    plain = json.loads(runner.invoke(main, ["show", "v2", "-f", "json"]).stdout)
    assert "latency_ms" not in plain["totals"] and "latency_ms" not in plain["layers"][0]
    text = runner.invoke(main, ["show", "v2", "-f", "csv", "--device", DEVICE]).stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    assert float(rows[-1]["latency_ms"]) == pytest.approx(doc["totals"]["latency_ms"])
    assert "latency_ms" not in runner.invoke(main, ["show", "v2", "-f", "csv"]).stdout.splitlines()[0]
    table = runner.invoke(main, ["show", "v2", "--device", DEVICE]).stdout
    assert " Latency " in table and f"on {DEVICE}" in table
    markdown = runner.invoke(main, ["show", "v2", "--summary", "-f", "markdown", "--device", DEVICE]).stdout
    assert "Latency" in markdown and " ms " in markdown


def test_sweep_with_a_device_equals_evaluate() -> None:
    graph = load("v2")
    result = sweep_rows(graph, [0.5, 1.0], [160, 224], Config(device=DEVICE))
    for row in result.rows:
        expected = evaluate(graph, Config(alpha=row.alpha, resolution=row.resolution, device=DEVICE))
        assert row.latency_ms == expected.totals.latency_ms and row.macs == expected.totals.macs


def test_diff_fails_on_latency(runner: CliRunner) -> None:
    args = ["diff", "v3-small", "v3-large", "--device", DEVICE]
    assert runner.invoke(main, [*args, "--fail-on", "latency>+5%"]).exit_code == 1
    assert runner.invoke(main, [*args, "--fail-on", "latency>+500%"]).exit_code == 0
    doc = json.loads(runner.invoke(main, [*args, "-f", "json"]).stdout)
    assert doc["totals"]["latency"]["new"] > doc["totals"]["latency"]["old"] > 0
    missing = runner.invoke(main, ["diff", "v1", "v2", "--fail-on", "latency>+5%"])
    assert missing.exit_code == 2
    assert missing.stderr == "Error: the latency metric needs --device (a device profile) on both sides\n"


def test_fit_within_a_latency_budget(runner: CliRunner) -> None:
    result = runner.invoke(main, ["fit", "v3-large", "--device", DEVICE, "--max-latency", "30ms", "-f", "json"])
    assert result.exit_code == 0, result.stderr
    point = json.loads(result.stdout)["points"][0]
    at = evaluate(load("v3-large"), Config(alpha=point["alpha"], device=DEVICE)).totals.latency_ms
    assert at is not None and at <= 30
    larger = evaluate(load("v3-large"), Config(alpha=point["alpha"] + 0.01, device=DEVICE)).totals.latency_ms
    assert larger is not None and larger > 30
    refused = runner.invoke(main, ["fit", "v3-large", "--max-latency", "30ms"])
    assert refused.exit_code == 2 and "--max-latency needs --device" in refused.stderr


def test_unknown_device_is_one_line(runner: CliRunner) -> None:
    result = runner.invoke(main, ["show", "v1", "--device", "nope"])
    assert result.exit_code == 2 and result.stderr.startswith("Error: unknown device 'nope'")
    assert result.stderr.count("\n") == 1


def test_formula_refuses_a_device_by_name(runner: CliRunner) -> None:
    result = runner.invoke(main, ["formula", "v1", "--device", DEVICE])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: formula gives MACs and params only; for latency on a --device")


@pytest.mark.parametrize("spec", ["v3-small", "resnet50"])
def test_latency_command_and_show_agree(runner: CliRunner, spec: str) -> None:
    """`mncost latency` and `show --device` price the same layers under the profile's fusion."""
    shown = json.loads(runner.invoke(main, ["show", spec, "-f", "json", "--device", DEVICE]).stdout)
    assert shown["conventions"]["fusion"] == load_profile(DEVICE).fusion.value
    summary = runner.invoke(main, ["latency", spec, "--device", DEVICE, "--summary"]).stdout
    assert summary.startswith(f"total {shown['totals']['latency_ms']:.2f} ms on {DEVICE}")
    other = json.loads(runner.invoke(main, ["show", spec, "-f", "json", "--device", DEVICE, "--fusion", "none"]).stdout)
    assert other["conventions"]["fusion"] == "none" and other["totals"]["latency_ms"] > shown["totals"]["latency_ms"]
