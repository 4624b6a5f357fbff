"""The one column declaration (mncost.columns) is what every output reads."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from mncost import Config, evaluate, load
from mncost.cli import main
from mncost.columns import COLUMNS, LAYER_COLUMNS, METRICS, POINT_COLUMNS, TOTAL_COLUMNS
from mncost.diff import Metric
from mncost.sweep import SweepRow


def test_keys_are_unique_and_documented() -> None:
    assert len({c.key for c in COLUMNS}) == len(COLUMNS)
    assert all(c.doc for c in COLUMNS)


def test_diff_metrics_are_the_declared_metrics_and_flops() -> None:
    assert {m.value for m in Metric} == set(METRICS) | {"flops"}


def test_sweep_points_carry_every_declared_point_figure() -> None:
    assert {c.key for c in POINT_COLUMNS} <= set(SweepRow.__dataclass_fields__) | {"macs"}


def test_json_layers_and_totals_follow_the_declaration(runner: CliRunner) -> None:
    doc = json.loads(runner.invoke(main, ["show", "v2", "-f", "json"]).stdout)
    assert list(doc["layers"][0]) == [c.key for c in LAYER_COLUMNS if not c.optional]
    assert list(doc["totals"]) == [c.key for c in TOTAL_COLUMNS if not c.optional]
    report = evaluate(load("v2"), Config())
    for c in TOTAL_COLUMNS:
        if not c.optional:
            assert c.total is not None and doc["totals"][c.key] == c.total(report)
    args = ["show", "v2", "-f", "json", "--device", "pixel1-v3paper-fp32"]
    with_device = json.loads(runner.invoke(main, args).stdout)
    assert list(with_device["layers"][0]) == [c.key for c in LAYER_COLUMNS]  # the optional latency_ms too


def test_csv_header_follows_the_declaration(runner: CliRunner) -> None:
    text = runner.invoke(main, ["show", "v1", "-f", "csv", "--detail", "--device", "pixel1-v3paper-fp32"]).stdout
    header = next(csv.reader(io.StringIO(text)))
    assert [k for k in header if k in {c.key for c in LAYER_COLUMNS}] == [c.key for c in LAYER_COLUMNS]


def test_readme_json_field_table_documents_every_declared_figure() -> None:
    """docs/json.md's `mncost.report/1` table has a row for every layer and total figure."""
    from .docs import page
    from .docs import section as doc_section

    section = doc_section(page("json"), "## `mncost.report/1`")
    for c in LAYER_COLUMNS:
        assert f"| `layers[].{c.key}` |" in section, c.key
    for c in TOTAL_COLUMNS:
        assert f"| `totals.{c.key}` |" in section, c.key
