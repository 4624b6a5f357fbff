"""Spec variables (issue 15 item 1): declared choices, `--set`, `SPEC@NAME=VALUE` sides, defaults, errors.

The figures of a bound spec are checked against Once-for-All's own MAC count in test_space.py; here
the binding itself: a variable's value reaches the layer that names it, and nothing else changes.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from mncost import Config, evaluate, load
from mncost.cli import main

SMALL = """\
name: small
description: a net with variables
source: test
input: {resolution: 32, channels: 3}
variables:
  k: {choices: [3, 5], slots: 2, default: 3}
  wide: {choices: [false, true], default: false}
  nl: {choices: [relu, hswish], default: relu}
  n: {choices: [1, 2, 3], default: 1}
blocks:
  sep:
    params: {k: int, c: channels}
    ops:
      - {name: dw, op: dwconv, kernel: k}
      - {name: pw, op: conv, kernel: 1, out: c}
layers:
  - {name: stem, op: conv, kernel: "$k[0]", stride: 2, out: "32 if $wide else 16", act: $nl}
  - table: sep
    columns: [k, c, n]
    rows:
      - ["$k[1]", 24, $n]
  - {name: pool, op: global_avgpool}
"""


@pytest.fixture
def small(tmp_path):  # type: ignore[no-untyped-def]
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    return path


def _layers(path, **variables):  # type: ignore[no-untyped-def]
    return {row.name: row for row in evaluate(load(path, variables=variables), Config()).layers}


def test_each_value_reaches_the_layer_that_names_it(small) -> None:  # type: ignore[no-untyped-def]
    default = _layers(small)
    assert default["stem"].params == 3 * 3 * 3 * 16
    assert default["stage1.block1.dw"].params == 3 * 3 * 16
    bound = _layers(small, k=[5, 3], wide=True, n=3)
    assert bound["stem"].params == 5 * 5 * 3 * 32  # slot 0 and the expression
    assert bound["stage1.block1.dw"].params == 3 * 3 * 32  # slot 1
    assert [name for name in bound if name.endswith(".pw")] == [f"stage1.block{b}.pw" for b in (1, 2, 3)]  # n
    assert _layers(small, k=5)["stage1.block1.dw"].params == 5 * 5 * 16  # one value for every slot


def test_set_on_show_sweep_fit_and_diff_sides(small, runner: CliRunner) -> None:  # type: ignore[no-untyped-def]
    def macs(*args: str) -> int:
        result = runner.invoke(main, [*args, "-f", "json"], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        return int(json.loads(result.stdout)["totals"]["macs"])

    five = evaluate(load(small, variables={"k": "5,5", "nl": "hswish"}), Config()).totals.macs
    assert macs("show", str(small), "--set", "k=5,5", "--set", "nl=hswish") == five
    assert macs("show", str(small), "--set", "k=5") == five
    assert macs("show", str(small)) < five
    sweep = runner.invoke(main, ["sweep", str(small), "--set", "k=5", "-f", "csv"], catch_exceptions=False)
    assert f",{five}," in sweep.stdout
    fit = runner.invoke(main, ["fit", str(small), "--set", "k=5", "--max-macs", str(five), "--vary", "rho",
                               "--max-resolution", "32", "-f", "csv"], catch_exceptions=False)
    assert fit.exit_code == 0 and f",{five}," in fit.stdout
    diff = runner.invoke(main, ["diff", str(small), f"{small}@k=5,5,nl=hswish,resolution=32", "-f", "json"],
                         catch_exceptions=False)
    assert diff.exit_code == 0, diff.stderr
    assert json.loads(diff.stdout)["totals"]["macs"]["new"] == five


@pytest.mark.parametrize(("args", "message"), [
    (["--set", "k=4"], "small.yaml:6: variable 'k': '4' is not one of 3, 5"),
    (["--set", "k=3,5,3"], "small.yaml:6: variable 'k' has 2 slots, got 3 values"),
    (["--set", "wide=yes"], "small.yaml:7: variable 'wide': 'yes' is not one of false, true"),
    (["--set", "nl=relu,relu"], "small.yaml:8: variable 'nl' takes one value, got 2"),
    (["--set", "kk=3"], "small.yaml:5: unknown variable 'kk' (variables: k, wide, nl, n); did you mean 'k'?"),
])
def test_a_bad_value_names_the_declaration(small, runner: CliRunner, args: list[str],  # type: ignore[no-untyped-def]
                                           message: str, tmp_path) -> None:
    out = tmp_path / "out.json"
    result = runner.invoke(main, ["show", str(small), *args, "-o", str(out)])
    assert result.exit_code == 2 and result.stdout == "" and not out.exists()
    assert result.stderr.strip().endswith(message) and result.stderr.count("\n") == 1


def test_a_spec_without_variables_refuses_set(runner: CliRunner) -> None:
    result = runner.invoke(main, ["show", "v1", "--set", "k=3"])
    assert result.exit_code == 2
    assert result.stderr == "Error: specs/v1.yaml:1: unknown variable 'k' (the spec declares no variables)\n"


def test_unset_variables_take_their_default() -> None:
    default = evaluate(load("ofa-mbv3"), Config())
    largest = evaluate(load("ofa-mbv3", variables={"ks": 7, "e": 6, "d": 4}), Config())
    assert default.totals == largest.totals
    assert default.totals != evaluate(load("ofa-mbv3", variables={"d": 2}), Config()).totals


@pytest.mark.parametrize(("space", "spec_edit", "message"), [
    ("choice: {ks: [3]}", None, "space.yaml:5: unknown key 'choice' in the space file (keys: name, description, "
                                "source, spec, resolutions, choices, depth); did you mean 'choices'?"),
    ("choices: {kss: [3]}", None, "space.yaml:5: 'kss' is not a variable of the spec (variables: ks, e, d); "
                                  "did you mean 'ks'?"),
    ("depth: {dd: [ks, e]}", None, "space.yaml:5: 'dd' must be a slotted variable of whole numbers (one depth per "
                                   "stage); did you mean 'd'?"),
    ("depth: {d: [kss, e]}", None, "space.yaml:5: 'kss' must be a variable with a multiple of 5 slots (one share "
                                   "per stage of 'd'); did you mean 'ks'?"),
    ("", ("variables:", "variable:"), "spec.yaml:26: unknown key 'variable' in the spec; did you mean 'variables'?"),
])
def test_a_misspelt_space_file_name_gets_a_hint(runner: CliRunner, tmp_path, space: str,  # type: ignore[no-untyped-def]
                                                spec_edit: tuple[str, str] | None, message: str) -> None:
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "specs" / "ofa-mbv3.yaml").read_text()
    if spec_edit:
        text = text.replace(spec_edit[0] + "\n", spec_edit[1] + "\n", 1)
    (tmp_path / "spec.yaml").write_text(text)
    header = "name: s\ndescription: a space\nspec: spec.yaml\nresolutions: [224]\n"
    (tmp_path / "space.yaml").write_text(f"{header}{space}\n")
    result = runner.invoke(main, ["space", "count", str(tmp_path / "space.yaml")])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"Error: {tmp_path}/{message}\n"


_SPACE_HEADER = "name: s\ndescription: a space\nspec: spec.yaml\n"


@pytest.mark.parametrize(("body", "message"), [
    ("resolutions: 224\n", "space.yaml:4: 'resolutions' must be a list of distinct whole numbers of pixels"),
    ("resolutions: []\n", "space.yaml:4: 'resolutions' must be a list of distinct whole numbers of pixels"),
    ("resolutions: [224, 224]\n", "space.yaml:4: 'resolutions' must be a list of distinct whole numbers of pixels"),
    ("resolutions: [224, true]\n", "space.yaml:4: 'resolutions' must be a list of distinct whole numbers of pixels"),
    ("resolutions: [0]\n", "space.yaml:4: 'resolutions' must be a list of distinct whole numbers of pixels"),
    ("resolutions: [100001]\n", "space.yaml:4: 'resolutions' must be a list of distinct whole numbers of pixels"),
    ("resolutions: [224.0]\n", "space.yaml:4: 'resolutions' must be a list of distinct whole numbers of pixels"),
    ("resolutions: [224]\nchoices: [ks]\n", "space.yaml:5: 'choices' must map variable names to lists of choices"),
    ("resolutions: [224]\nchoices: {ks: []}\n", "space.yaml:5: the choices of 'ks' must be a non-empty list"),
    ("resolutions: [224]\nchoices: {ks: 3}\n", "space.yaml:5: the choices of 'ks' must be a non-empty list"),
    ("resolutions: [224]\ndepth: [d]\n",
     "space.yaml:5: 'depth' must map a depth variable to the slotted variables it governs"),
    ("resolutions: [224]\ndepth: {d: []}\n", "space.yaml:5: 'depth: d' must list the slotted variables it governs"),
    ("resolutions: [224]\ndepth: {ks: [e]}\n",
     "space.yaml:5: a depth of 7 exceeds the 1 slot per stage of 'e'"),
])
def test_a_bad_space_file_is_one_line_naming_its_line(runner: CliRunner, tmp_path, body: str,  # type: ignore[no-untyped-def]
                                                      message: str) -> None:
    """Every check of a space file: exit 2, nothing on standard output, one line naming the file
    and line of what is wrong."""
    from pathlib import Path

    (tmp_path / "spec.yaml").write_text((Path(__file__).resolve().parent.parent / "specs" / "ofa-mbv3.yaml")
                                        .read_text())
    (tmp_path / "space.yaml").write_text(_SPACE_HEADER + body)
    result = runner.invoke(main, ["space", "count", str(tmp_path / "space.yaml")])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: {tmp_path}/{message}\n")


@pytest.mark.parametrize(("text", "message"), [
    ("- a list\n", "space.yaml:1: a space file must be a mapping with 'spec', 'resolutions', ..."),
    ("name: s\ndescription: d\nspec: spec.yaml\n", "space.yaml:1: the space file is missing required key "
                                                    "'resolutions'"),
    ("name: s\ndescription: '  '\nspec: spec.yaml\nresolutions: [224]\n",
     "space.yaml:2: 'description' must be non-empty text"),
    ("name: s\ndescription: d\nsource: [x]\nspec: spec.yaml\nresolutions: [224]\n",
     "space.yaml:3: 'source' must be non-empty text"),
    ("name: s\ndescription: d\nspec: v2\nresolutions: [224]\n",
     "space.yaml:3: spec 'v2' declares no variables (a space varies them)"),
])
def test_a_space_file_of_the_wrong_shape(runner: CliRunner, tmp_path, text: str,  # type: ignore[no-untyped-def]
                                         message: str) -> None:
    from pathlib import Path

    (tmp_path / "spec.yaml").write_text((Path(__file__).resolve().parent.parent / "specs" / "ofa-mbv3.yaml")
                                        .read_text())
    (tmp_path / "space.yaml").write_text(text)
    result = runner.invoke(main, ["space", "count", str(tmp_path / "space.yaml")])
    assert (result.exit_code, result.stdout, result.stderr) == (2, "", f"Error: {tmp_path}/{message}\n")
