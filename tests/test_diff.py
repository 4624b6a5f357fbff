"""`mncost diff`: layer matching, totals, exit codes, side settings and the three output formats."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from mncost import Config, evaluate, load
from mncost.cli import main
from mncost.diff import Metric, Status, diff
from mncost.thresholds import check, parse_threshold

from .conftest import report

HERE = Path(__file__).parent
TINY = "diff_specs/tiny.yaml"
DEEPER = "diff_specs/tiny-deeper.yaml"  # tiny.yaml + one block in stage 2 - the dropout


def run_json(runner: CliRunner, *args: str) -> dict[str, object]:
    result = runner.invoke(main, ["diff", *args, "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    document: dict[str, object] = json.loads(result.stdout)
    return document


@pytest.fixture
def in_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from tests/ so that spec paths (and so the output) are the same on every machine."""
    monkeypatch.chdir(HERE)


# --- the core --------------------------------------------------------------------------------

def test_identical_reports_have_no_changes() -> None:
    r = report("v2")
    d = diff(r, report("v2"))
    assert d.identical
    assert {x.status for x in d.layers} == {Status.UNCHANGED}
    assert len(d.layers) == len(r.layers)
    assert d.shown() == ()
    assert all(d.total(m).delta == 0 and d.total(m).relative == 0 for m in d.metrics)


def test_v1_across_alpha() -> None:
    d = diff(report("v1"), report("v1", alpha=0.75))
    # V1 paper, Table 6: 1.0 MobileNet-224 569 M mult-adds, 0.75 MobileNet-224 325 M; published.md
    # §1.5 gives the exact conv+FC counts 568.740 M and 325.400 M (int(alpha*c) channels).
    assert (d.total(Metric.MACS).old, d.total(Metric.MACS).new) == (568_740_352, 325_400_448)
    assert d.total(Metric.FLOPS).new == 2 * 325_400_448
    # Same table: 4.2 M and 2.6 M params; published.md §1.5: 4.209 M and 2.568 M with an FC
    # without bias, so 4,209,088 + 1,000 and 2,568,144 + 1,000 with the logits' bias.
    assert (d.total(Metric.PARAMS).old, d.total(Metric.PARAMS).new) == (4_210_088, 2_569_144)
    status = {x.name: x.status for x in d.layers}
    convs = [x.name for x in report("v1").layers if x.op in ("conv", "dwconv", "fc")]
    assert len(convs) == 28
    assert all(status[name] is Status.CHANGED for name in convs)
    assert [n for n, s in status.items() if s is Status.UNCHANGED] == ["Softmax"]  # 1x1x1000 either way
    assert d.count(Status.ADDED) == d.count(Status.REMOVED) == 0
    logits = next(x for x in d.layers if x.name == "Logits")
    assert (logits.change("params").old, logits.change("params").new) == (1024 * 1000 + 1000, 768 * 1000 + 1000)


def test_added_block_does_not_mark_later_layers_changed() -> None:
    d = diff(evaluate(load(HERE / TINY), Config()), evaluate(load(HERE / DEEPER), Config()))
    rows = [(x.name, x.status) for x in d.layers]
    assert rows == [
        ("stem", Status.UNCHANGED),
        ("stage1.block1.dw", Status.UNCHANGED), ("stage1.block1.pw", Status.UNCHANGED),
        ("stage2.block1.dw", Status.UNCHANGED), ("stage2.block1.pw", Status.UNCHANGED),
        ("stage2.block2.dw", Status.UNCHANGED), ("stage2.block2.pw", Status.UNCHANGED),
        ("stage2.block3.dw", Status.ADDED), ("stage2.block3.pw", Status.ADDED),
        ("stage3.block1.dw", Status.UNCHANGED), ("stage3.block1.pw", Status.UNCHANGED),
        ("pool", Status.UNCHANGED),
        ("dropout", Status.REMOVED),  # right after the layer that preceded it in the old spec
        ("fc", Status.UNCHANGED),
    ]
    added = [x.new for x in d.layers if x.status is Status.ADDED]
    assert d.total(Metric.PARAMS).delta == sum(x.params for x in added if x) == 288 + 1_024
    assert d.total(Metric.MACS).delta == sum(x.macs for x in added if x) == 18_432 + 65_536


def test_renamed_layer_is_removed_and_added(tmp_path: Path) -> None:
    text = (HERE / TINY).read_text(encoding="utf-8").replace("{name: fc,", "{name: classifier,")
    renamed = tmp_path / "renamed.yaml"
    renamed.write_text(text, encoding="utf-8")
    d = diff(evaluate(load(HERE / TINY), Config()), evaluate(load(renamed), Config()))
    assert [(x.name, x.status) for x in d.shown()] == [("fc", Status.REMOVED), ("classifier", Status.ADDED)]
    assert all(d.total(m).delta == 0 for m in d.metrics)


FLAT_TINY = """\
name: tiny-flat
description: tiny.yaml written out flat, as `mncost import` writes an exported spec
source: mncost tests
input: {resolution: 32, channels: 3}
classes: 10
defaults: {rounding: none, padding: same, bn: true, act: relu}
layers:
  - {name: stem, op: conv, kernel: 3, stride: 2, out: 16}
  - {name: stage1_block1_dw, op: dwconv, kernel: 3}
  - {name: stage1_block1_pw, op: conv, kernel: 1, out: 16}
  - {name: stage2_block1_dw, op: dwconv, kernel: 3, stride: 2}
  - {name: stage2_block1_pw, op: conv, kernel: 1, out: 32}
  - {name: stage2_block2_dw, op: dwconv, kernel: 3}
  - {name: stage2_block2_pw, op: conv, kernel: 1, out: 32}
  - {name: stage3_block1_dw, op: dwconv, kernel: 3, stride: 2}
  - {name: stage3_block1_pw, op: conv, kernel: 1, out: 64}
  - {name: pool, op: global_avgpool}
  - {name: fc, op: fc, out: classes, bias: true}
"""


def test_a_flat_spelling_of_nested_names_is_the_same_layer(tmp_path: Path) -> None:
    # docs/diff.md: `stage2.block1.dw` and `stage2_block1_dw` (an imported export) are one layer
    flat = tmp_path / "flat.yaml"
    flat.write_text(FLAT_TINY, encoding="utf-8")
    nested, written = evaluate(load(HERE / TINY), Config()), evaluate(load(flat), Config())
    d = diff(nested, written)
    assert [(x.name, x.status) for x in d.shown()] == [("dropout", Status.REMOVED)]
    assert [x.name for x in d.layers] == [x.name for x in written.layers[:-1]] + ["dropout", "fc"]
    back = diff(written, nested)  # and the other way round: rows take the new side's names
    assert [(x.name, x.status) for x in back.shown()] == [("dropout", Status.ADDED)]
    assert [x.name for x in back.layers] == [x.name for x in nested.layers]


def test_a_flat_spelling_two_layers_share_is_no_match(tmp_path: Path) -> None:
    # `s.a_b` and `s_a.b` both spell `s_a_b` flat: which one the flat side's `s_a_b` is, diff does not guess
    head = ("name: t\ndescription: d\nsource: mncost tests\ninput: {resolution: 8, channels: 3}\n"
            "defaults: {rounding: none}\n")
    old_text = head + (
        "blocks:\n"
        "  one: {ops: [{name: a_b, op: conv, kernel: 1, out: 8}]}\n"
        "  two: {ops: [{name: b, op: conv, kernel: 1, out: 8}]}\n"
        "layers:\n  - {name: s, block: one}\n  - {name: s_a, block: two}\n")
    new_text = head + ("layers:\n  - {name: s_a_b, op: conv, kernel: 1, out: 8}\n"
                       "  - {name: s_a_b2, op: conv, kernel: 1, out: 8}\n")
    old, new = tmp_path / "old.yaml", tmp_path / "new.yaml"
    old.write_text(old_text, encoding="utf-8")
    new.write_text(new_text, encoding="utf-8")
    old_report = evaluate(load(old), Config())
    assert [x.name for x in old_report.layers] == ["s.a_b", "s_a.b"]
    d = diff(old_report, evaluate(load(new), Config()))
    assert {(x.name, x.status) for x in d.layers} == {
        ("s.a_b", Status.REMOVED), ("s_a.b", Status.REMOVED), ("s_a_b", Status.ADDED), ("s_a_b2", Status.ADDED)}

@given(alpha=st.sampled_from([0.25, 0.35, 0.5, 0.75, 1.0, 1.3]), resolution=st.integers(32, 320),
       spec=st.sampled_from(["v1", "v2"]))
def test_diff_of_a_report_with_itself_is_empty(alpha: float, resolution: int, spec: str) -> None:
    r = report(spec, alpha=alpha, resolution=resolution)
    d = diff(r, r)
    assert d.identical and d.shown() == ()
    assert not any(c.exceeded for c in check(d, tuple(parse_threshold(f"{m}>+0") for m in d.metrics)))


# --- exit codes ------------------------------------------------------------------------------

def test_same_spec_exits_0_and_shows_no_changes(runner: CliRunner) -> None:
    result = runner.invoke(main, ["diff", "v1", "v1", "--fail-on", "macs>+0", "--fail-on", "params>+0%"],
                           catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "Layers: 0 changed, 0 added, 0 removed, 30 unchanged" in result.stdout
    assert "Thresholds: 0 of 2 exceeded" in result.stdout


def test_threshold_exceeded_exits_1(runner: CliRunner) -> None:
    result = runner.invoke(main, ["diff", "v1@alpha=0.75", "v1", "--fail-on", "macs>+5%", "--fail-on",
                                  "params>+10M", "--fail-on", "peak_memory>+0"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "Thresholds: 2 of 3 exceeded" in result.stdout  # the full output is still written
    assert result.stderr == (
        "Threshold exceeded: macs>+5% (macs 325,400,448 → 568,740,352, +243,339,904, +74.78%)\n"
        "Threshold exceeded: peak_memory>+0 (peak_memory 3,612,672 → 4,816,896, +1,204,224, +33.33%)\n")


def test_decrease_is_within_an_increase_threshold(runner: CliRunner) -> None:
    result = runner.invoke(main, ["diff", "v1", "v1@alpha=0.75", "--fail-on", "macs>+0"], catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.parametrize("side", [0, 1])
def test_bad_spec_on_either_side_names_file_and_line(runner: CliRunner, tmp_path: Path, side: int) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((HERE / TINY).read_text(encoding="utf-8").replace("op: dwconv", "op: dwconvv"),
                   encoding="utf-8")
    args = [str(HERE / TINY), str(bad)] if side else [str(bad), str(HERE / TINY)]
    result = runner.invoke(main, ["diff", *args])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {bad}:21: ")
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(("side", "message"), [
    ("nosuch", "unknown spec 'nosuch'"),
    ("nosuch.yaml", "nosuch.yaml: no such file"),
    ("v1@alpha=0.001", "Error: specs/v1.yaml:"),  # 0 channels at this alpha: an evaluation error
])
def test_bad_input_exits_2(runner: CliRunner, side: str, message: str) -> None:
    for args in (["v1", side], [side, "v1"]):
        result = runner.invoke(main, ["diff", *args])
        assert result.exit_code == 2, result.stdout
        assert result.stdout == ""
        assert message in result.stderr and result.stderr.startswith("Error: ")
        assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("side", "message"), [
    ("v1@alpha=abc", "v1@alpha=abc: alpha: 'abc' is not a number"),
    ("v1@alpha=-1", "alpha: '-1' must be a finite number > 0"),
    ("v1@alpha=nan", "alpha: 'nan' must be a finite number > 0"),
    ("v1@resolution=0", "resolution: 0 is not in the range x>=1"),
    ("v1@rounding=bogus", "rounding: 'bogus' is not one of 'none', 'round8'"),
    ("v1@dtype=fp64", "dtype: 'fp64' is not one of"),
    ("v1@foo=1", "unknown setting 'foo' (expected one of: alpha, rho, resolution, rounding, classes, ops,"),
    ("v1@count=flops", "'count' applies to both sides: give --count once"),
    ("v1@alpha=0.5,alpha=0.6", "'alpha' is given twice"),
    ("v1@rho=0.5,resolution=128", "give either rho or resolution, not both"),
    ("v1@", "nothing after '@'"),
    ("v1@alpha", "'alpha' is not KEY=VALUE"),
    ("v1@alpha=0.5,", "'' is not KEY=VALUE"),
    ("v1@=0.5", "'=0.5' is not KEY=VALUE"),
    ("nosuch@alpha=0.5", "no such file, and 'nosuch' before the last '@' is neither a bundled spec"),
])
def test_bad_side_settings_are_usage_errors(runner: CliRunner, side: str, message: str) -> None:
    for argument, args in (("NEW", ["v1", side]), ("OLD", [side, "v1"])):
        result = runner.invoke(main, ["diff", *args])
        assert result.exit_code == 2
        assert result.stdout == ""
        assert f"Error: Invalid value for '{argument}': " in result.stderr
        assert message in result.stderr, result.stderr


# --- sides -----------------------------------------------------------------------------------

def test_side_settings_override_shared_options(runner: CliRunner) -> None:
    d = run_json(runner, "v1", "v1@resolution=192,bn-params=affine", "--rho", "0.714", "--classes", "1001")
    old, new = d["old"], d["new"]
    assert isinstance(old, dict) and isinstance(new, dict)
    assert (old["config"]["resolution"], old["config"]["classes"]) == (160, 1001)  # round(224 × 0.714)
    assert (new["config"]["resolution"], new["config"]["classes"]) == (192, 1001)  # rho dropped for this side
    assert (old["conventions"]["bn_params"], new["conventions"]["bn_params"]) == ("none", "affine")
    assert new["label"] == "v1@resolution=192,bn-params=affine"


def test_paths_containing_at_signs(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "team@nets"
    folder.mkdir()
    spec = folder / "tiny@2.yaml"
    shutil.copy(HERE / TINY, spec)
    d = run_json(runner, str(spec), f"{spec}@alpha=0.5")  # the whole first argument is a file
    assert d["old"]["config"]["alpha"] == 1.0 and d["new"]["config"]["alpha"] == 0.5  # type: ignore[index]
    assert d["old"]["spec"]["file"] == d["new"]["spec"]["file"] == str(spec)  # type: ignore[index]


def test_v1_to_v2_shares_no_layer_names(runner: CliRunner) -> None:
    d = run_json(runner, "v1", "v2")
    summary = d["summary"]
    assert summary == {"changed": 0, "added": len(report("v2").layers), "removed": len(report("v1").layers),
                       "unchanged": 0}
    assert d["totals"]["macs"] == {"old": 568_740_352, "new": 300_774_272,  # type: ignore[index]
                                   "change": 300_774_272 - 568_740_352,
                                   "relative_change": round((300_774_272 - 568_740_352) / 568_740_352, 6)}


def test_all_lists_unchanged_layers(runner: CliRunner) -> None:
    assert len(run_json(runner, "v2", "v2")["layers"]) == 0  # type: ignore[arg-type]
    assert len(run_json(runner, "v2", "v2", "--all")["layers"]) == len(report("v2").layers)  # type: ignore[arg-type]


def test_count_flops_doubles_the_arithmetic_row(runner: CliRunner) -> None:
    result = runner.invoke(main, ["diff", "v1", "v1@alpha=0.75", "--count", "flops", "-f", "markdown"],
                           catch_exceptions=False)
    assert "| FLOPs | 1,137,480,704 | 650,800,896 | -486,679,808 | -42.79% |" in result.stdout
    assert "| MACs |" not in result.stdout


# --- output formats --------------------------------------------------------------------------

def test_markdown_golden(runner: CliRunner, golden, in_tests: None) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["diff", TINY, DEEPER, "--format", "markdown",
                                  "--fail-on", "macs>+10%", "--fail-on", "peak_memory>+0"], catch_exceptions=False)
    assert result.exit_code == 1
    golden("diff_tiny.md", result.stdout)


def test_markdown_golden_across_alpha(runner: CliRunner, golden) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["diff", "v1", "v1@alpha=0.75", "--format", "markdown"], catch_exceptions=False)
    assert result.exit_code == 0
    golden("diff_v1_alpha.md", result.stdout)
    table_rows = [line for line in result.stdout.splitlines() if line.startswith("| `")]
    assert len(table_rows) == 29  # every layer but the softmax changed


def test_table_golden(runner: CliRunner, golden, in_tests: None) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["diff", TINY, DEEPER, "--fail-on", "macs>+10%"])
    assert result.exit_code == 1
    golden("diff_tiny.txt", result.stdout)


def test_json_document(runner: CliRunner, in_tests: None) -> None:
    result = runner.invoke(main, ["diff", TINY, DEEPER, "-f", "json", "--fail-on", "macs>+10%",
                                  "--fail-on", "peak_memory>+0"])
    assert result.exit_code == 1
    d = json.loads(result.stdout)
    assert d["schema"] == "mncost.diff/1"
    assert set(d["totals"]) == {m.value for m in Metric} - {"latency"}  # latency: only with --device
    assert d["totals"]["params"] == {"old": 5_786, "new": 7_098, "change": 1_312, "relative_change": 0.226754}
    assert d["summary"] == {"changed": 0, "added": 2, "removed": 1, "unchanged": 11}
    assert [(x["name"], x["status"]) for x in d["layers"]] == [
        ("stage2.block3.dw", "added"), ("stage2.block3.pw", "added"), ("dropout", "removed")]
    added = d["layers"][0]
    assert added["old"] is None and added["new"]["output_shape"] == [8, 8, 32]
    assert added["change"] == {"params": 288, "macs": 18_432, "activation_bytes": 8_192, "live_bytes": 16_384}
    assert d["thresholds"] == [
        {"expression": "macs>+10%", "metric": "macs", "kind": "relative", "limit": 10, "old": 376_960,
         "new": 460_928, "change": 83_968, "relative_change": 0.222750, "exceeded": True},
        {"expression": "peak_memory>+0", "metric": "peak_memory", "kind": "absolute", "limit": 0, "old": 32_768,
         "new": 32_768, "change": 0, "relative_change": 0.0, "exceeded": False},
    ]
    assert d["exceeded"] is True and d["all_layers"] is False


def test_json_fields_are_the_documented_ones(runner: CliRunner) -> None:
    """Every field of a document (with all optional parts present) is in docs/diff.md's table, and
    every field in that table occurs in the document."""
    d = run_json(runner, "v1", "v2", "--all", "--fail-on", "macs>+1%")
    fields: set[str] = set()

    def walk(value: object, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                name = "METRIC" if path == "totals" else key
                walk(item, f"{path}.{name}" if path else name)
        elif isinstance(value, list):
            fields.add(path)
            for item in value:
                if isinstance(item, dict):
                    walk(item, f"{path}[]")
        else:
            fields.add(path)

    walk(d, "")
    from .docs import page
    from .docs import section as doc_section

    section = doc_section(page("diff"), "## The mncost.diff/1 JSON document")
    documented = {line.split("`")[1] for line in section.splitlines() if line.startswith("| `")}
    assert fields - documented == set()
    # Objects such as `old` or `layers[].new` are documented on a row of their own as well.
    objects = {f.rsplit(".", 1)[0] for f in fields if "." in f}
    assert documented - fields - objects == set()


def test_output_is_deterministic_across_hash_seeds() -> None:
    outputs = set()
    for seed in ("0", "1", "12345"):
        for fmt in ("markdown", "json", "table"):
            env = {**os.environ, "PYTHONHASHSEED": seed, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
            done = subprocess.run([sys.executable, "-m", "mncost", "diff", TINY, DEEPER, "--all", "-f", fmt],
                                  cwd=HERE, env=env, capture_output=True, check=True)
            outputs.add((fmt, done.stdout))
    assert len(outputs) == 3


def test_every_metric_has_a_value_and_a_label() -> None:
    from mncost.render.deltas import metric_label

    d = diff(report("v1", device="pixel1-v3paper-fp32"), report("v1", alpha=0.5, device="pixel1-v3paper-fp32"))
    for metric in Metric:
        assert d.total(metric).delta < 0
        assert metric_label(metric, d)
    assert Metric.LATENCY not in diff(report("v1"), report("v1", alpha=0.5)).metrics
    assert d.total(Metric.FLOPS).old == 2 * d.total(Metric.MACS).old
