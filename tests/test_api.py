"""The Python API (issue 18, item 2): package-level functions, Config from strings, results as
dicts, documents and DataFrames, notebook display; each agrees with the command line."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import types
from dataclasses import fields

import pytest
from click.testing import CliRunner

import mncost
from mncost import Config
from mncost.cli import main
from mncost.columns import LAYER_COLUMNS
from mncost.conventions import BnParams
from mncost.report import _CONFIG_ENUMS

from .conftest import check_against_schema


def test_the_verbs_are_functions_even_after_their_modules_are_imported() -> None:
    script = ("import mncost.evaluate, mncost.sweep, mncost.diff, types\n"
              "import mncost\n"
              "from mncost.evaluate import check_paper_sizes\n"
              "from mncost.diff import Metric\n"
              "assert all(isinstance(getattr(mncost, n), types.FunctionType) for n in ('evaluate', 'sweep', 'diff'))\n"
              "assert sys.modules['mncost.sweep'].__name__ == 'mncost.sweep'\n"
              "print(mncost.evaluate('v1').totals.macs)\n")
    done = subprocess.run([sys.executable, "-c", "import sys\n" + script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == mncost.evaluate(mncost.load("v1"), Config()).totals.macs


def test_the_package_attributes() -> None:
    for name in ("evaluate", "sweep", "diff", "load"):
        assert isinstance(getattr(mncost, name), types.FunctionType), name
    assert set(mncost.__all__) >= {"evaluate", "sweep", "diff", "load", "Config", "Report", "SweepResult", "Diff"}


def test_evaluate_takes_a_name_a_graph_or_a_config() -> None:
    by_name = mncost.evaluate("v1", alpha=0.5)
    by_graph = mncost.evaluate(mncost.load("v1"), Config(alpha=0.5))
    both = mncost.evaluate("v1", Config(alpha=1.0), alpha=0.5)  # keywords override the config's fields
    assert by_name == by_graph == both


def test_config_signature_is_its_fields() -> None:
    assert list(inspect.signature(Config).parameters) == [f.name for f in fields(Config)]


@pytest.mark.parametrize("name", sorted(_CONFIG_ENUMS))
def test_config_takes_each_convention_as_its_string(name: str) -> None:
    enum = _CONFIG_ENUMS[name]
    for member in enum:
        assert Config(**{name: member.value}) == Config(**{name: member})
    with pytest.raises(ValueError, match=name) as caught:
        Config(**{name: "nonsense"})
    assert all(repr(m.value) in str(caught.value) for m in enum)  # names every choice


def test_every_convention_field_takes_its_string() -> None:
    # every Config field typed with a convention enum of mncost.conventions is converted (ln_params was
    # not: Config(ln_params="none") counted layer norm's γ and β)
    from enum import Enum

    from mncost import conventions

    enums = {name for name, value in vars(conventions).items() if isinstance(value, type) and issubclass(value, Enum)}
    typed = {f.name for f in fields(Config) if str(f.type).split(" | ")[0] in enums}
    assert typed == set(_CONFIG_ENUMS)


def test_a_string_convention_evaluates_as_its_member() -> None:
    assert mncost.evaluate("v2", bn_params="affine") == mncost.evaluate("v2", bn_params=BnParams.AFFINE)


def run(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0
    return result.stdout


def test_report_rows_and_document_are_the_json_documents() -> None:
    report = mncost.evaluate("v1", alpha=0.75, resolution=192)
    document = report.to_dict()
    check_against_schema("mncost.report/1", document)
    assert document == json.loads(run("show", "v1", "-a", "0.75", "--resolution", "192", "-f", "json"))
    rows = report.rows()
    assert len(rows) == len(report.layers)
    assert list(rows[0]) == [c.key for c in LAYER_COLUMNS if not c.optional]  # the declared keys
    assert [r["macs"] for r in rows] == [layer.macs for layer in report.layers]
    assert report._repr_markdown_() == run("show", "v1", "-a", "0.75", "--resolution", "192", "-f", "markdown")
    html = report._repr_html_()
    assert html.count("<tr>") == len(rows) + 1 and "paper&#x27;s" in html


def test_sweep_result() -> None:
    result = mncost.sweep("v1", [1.0, 0.5], [224, 160])
    document = result.to_dict()
    check_against_schema("mncost.sweep/1", document)
    assert document == json.loads(run("sweep", "v1", "-a", "1,0.5", "--resolution", "224,160", "-f", "json"))
    assert [(r["alpha"], r["resolution"]) for r in result.rows()] == [(1.0, 224), (1.0, 160), (0.5, 224), (0.5, 160)]
    assert result.rows()[1]["macs"] == mncost.evaluate("v1", resolution=160).totals.macs
    assert result._repr_markdown_() == run("sweep", "v1", "-a", "1,0.5", "--resolution", "224,160", "-f", "markdown")
    assert mncost.sweep("v1").rows()[0]["resolution"] == 224  # the spec's own resolution by default


def test_diff_result() -> None:
    old, new = mncost.evaluate("v1"), mncost.evaluate("v1", alpha=0.5)
    change = mncost.diff(old, new, "v1", "v1@alpha=0.5")
    document = change.to_dict()
    check_against_schema("mncost.diff/1", document)
    assert document == json.loads(run("diff", "v1", "v1@alpha=0.5", "-f", "json"))
    assert len(change.rows()) == len(old.layers)  # unchanged layers too
    assert change._repr_markdown_() == run("diff", "v1", "v1@alpha=0.5", "-f", "markdown")
    assert mncost.diff(old, new).old_label == "v1"
    html = change._repr_html_()  # titled as the terminal's diff is
    assert html.startswith("<p><b>mncost diff: v1 → v1@alpha=0.5</b></p>") and html.count("<tr>") == len(old.layers) + 1


def test_to_pandas() -> None:
    pandas = pytest.importorskip("pandas")
    report = mncost.evaluate("v1")
    frame = report.to_pandas()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == list(report.rows()[0]) and len(frame) == len(report.layers)
    assert int(frame["macs"].sum()) == report.totals.macs
    assert len(mncost.sweep("v1", [1.0, 0.5]).to_pandas()) == 2
