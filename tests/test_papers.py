"""Tables for papers (issue 18, item 8): per-stage and per-block totals in every format, several
pivoted fields side by side, LaTeX captions and labels."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from mncost.bundled import bundled_names
from mncost.cli import main
from mncost.columns import GROUP_COLUMNS
from mncost.groups import Level, group_of
from mncost.render.latex import escape as tex
from mncost.render.markdown import escape as md

from .conftest import report


def out(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, list(args))
    assert result.exit_code == 0, result.stderr
    return result.stdout


def test_group_names() -> None:
    assert group_of("stage3.block2.dw", Level.STAGE) == "stage3"
    assert group_of("stage3.block2.dw", Level.BLOCK) == "stage3.block2"
    assert group_of("conv1", Level.STAGE) == group_of("conv1", Level.BLOCK) == "conv1"


@pytest.mark.parametrize("level", ["stage", "block"])
@pytest.mark.parametrize("spec", bundled_names())
def test_groups_add_up_to_the_totals(runner: CliRunner, spec: str, level: str) -> None:
    """Law over every bundled spec: the groups partition the layers; their sums are the totals and
    their largest live memory is the peak (the JSON is checked against its schema by conftest)."""
    doc = json.loads(out(runner, "show", spec, "--group-by", level, "-f", "json"))
    rows = doc["groups"]["rows"]
    assert doc["groups"]["by"] == level
    assert sum(r["layers"] for r in rows) == len(doc["layers"])
    for key in ("params", "macs", "activation_bytes"):
        assert sum(r[key] for r in rows) == doc["totals"][key]
    assert max(r["live_bytes"] for r in rows) == doc["totals"]["peak_bytes"]
    assert len({r["group"] for r in rows}) == len(rows)
    assert [group_of(x["name"], Level(level)) for x in doc["layers"]][0] == rows[0]["group"]


def test_groups_in_every_format(runner: CliRunner) -> None:
    reference = report("v2")
    stages = [r for r in csv.DictReader(io.StringIO(out(runner, "show", "v2", "--group-by", "stage", "-f", "csv")))]
    assert [r["row"] for r in stages] == ["stage"] * (len(stages) - 1) + ["total"]
    assert stages[-1]["macs"] == str(reference.totals.macs) and stages[-1]["group"] == "Total"
    figures = [c.key for c in GROUP_COLUMNS if not c.detail and not c.optional]
    assert list(stages[0])[:3 + len(figures)] == ["row", "group", "layers", *figures]
    names = [r["group"] for r in stages[:-1]]
    table = out(runner, "show", "v2", "--group-by", "stage")
    markdown = out(runner, "show", "v2", "--group-by", "stage", "-f", "markdown")
    latex = out(runner, "show", "v2", "--group-by", "stage", "-f", "latex")
    for name in names:
        assert f" {name} " in table and f"| {md(name)} |" in markdown and f"\n{tex(name)} &" in latex
    assert "Stage" in table and "| **Total** |" in markdown and "\nTotal & " in latex
    with_flops = out(runner, "show", "v2", "--group-by", "block", "--count", "flops")
    assert "FLOPs" in with_flops and f"{2 * reference.totals.macs:,}" in with_flops


def test_several_pivots_side_by_side(runner: CliRunner) -> None:
    grid = ["sweep", "v1", "-a", "1,0.75,0.5", "--resolution", "224,160"]
    both = list(csv.DictReader(io.StringIO(out(runner, *grid, "--pivot", "macs,params", "-f", "csv"))))
    macs = list(csv.DictReader(io.StringIO(out(runner, *grid, "--pivot", "macs", "-f", "csv"))))
    params = list(csv.DictReader(io.StringIO(out(runner, *grid, "--pivot", "params", "-f", "csv"))))
    assert list(both[0])[:6] == ["row", "alpha", "macs_224", "macs_160", "params_224", "params_160"]
    for row, m, p in zip(both, macs, params, strict=True):
        assert row == {**m, **p}
    repeated = out(runner, *grid, "--pivot", "macs", "--pivot", "params", "-f", "csv")
    assert repeated == out(runner, *grid, "--pivot", "macs,params", "-f", "csv")
    table = out(runner, *grid, "--pivot", "macs,params")
    assert "MACs 224" in table and "Params 160" in table
    assert "MACs and Params by width multiplier" in table


@pytest.mark.parametrize("bad", ["mac", "macs,macs", ""])
def test_bad_pivot_fields(runner: CliRunner, bad: str) -> None:
    result = runner.invoke(main, ["sweep", "v1", "--pivot", bad])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: Invalid value for '--pivot'") and result.stderr.count("\n") == 1


def test_latex_caption_label_and_conventions_footnote(runner: CliRunner) -> None:
    default = out(runner, "show", "v1", "--summary", "-f", "latex")
    assert "\\caption{v1: alpha=1 resolution=224 (rho=1) classes=1000}" in default
    assert "\\label" not in default
    footnotes = [line for line in default.splitlines() if line.startswith("\\multicolumn")]
    assert len(footnotes) == 2 and "conventions: rounding=none" in footnotes[0]
    assert default.index("\\bottomrule") < default.index(footnotes[0]) < default.index("\\end{tabular}")
    given = out(runner, "show", "v1", "--summary", "-f", "latex", "--caption", "50% of V1 & more", "--label",
                "tab:v1-summary")
    assert "\\caption{50\\% of V1 \\& more}\n\\label{tab:v1-summary}\n" in given
    assert "config: alpha=1" in given  # the config moves to the footnote rows when the caption is given
    pivot = out(runner, "sweep", "v1", "-a", "1,0.5", "--pivot", "macs,params", "-f", "latex")
    assert "\\caption{v1: MACs and Params by width multiplier $\\alpha$ (rows) and input resolution (columns)}" in pivot


@pytest.mark.parametrize(("args", "message"), [
    (["show", "v1", "-f", "csv", "--caption", "x"], "Error: --caption and --label apply to --format latex, not csv"),
    (["show", "v1", "--label", "x"], "Error: --caption and --label apply to --format latex, not table"),
    (["show", "v1", "-f", "latex", "--label", "a b"], "Error: Invalid value for '--label'"),
    (["show", "v1", "-f", "latex", "--label", "tab}x"], "Error: Invalid value for '--label'"),
])
def test_latex_options_misused(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith(message) and result.stderr.count("\n") == 1


def test_pivot_fields_complete_after_a_comma() -> None:
    from mncost.cli.sweep import _complete_pivot

    assert _complete_pivot(None, None, "macs,pa") == ["macs,params"]  # type: ignore[arg-type]
    assert "peak_bytes" in _complete_pivot(None, None, "")  # type: ignore[arg-type]
