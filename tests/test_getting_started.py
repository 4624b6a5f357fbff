"""Getting started (issue 18, item 5): `mncost init`, `mncost list --paths`, hints in errors and
shell completion of commands and bundled spec names."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
import yaml
from click.testing import CliRunner

from mncost import Config, evaluate, load
from mncost.bundled import bundled_names, specs_dir
from mncost.cli import main
from mncost.schema import schema_file

from .conftest import check_against_schema


def run(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = runner.invoke(main, list(args), catch_exceptions=False, env=env, prog_name="mncost")
    return result.exit_code, result.stdout, result.stderr


def one_error(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    return lines[0]


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def schema_of(path: Path) -> Path:
    """The file named by a spec's yaml-language-server first line (a file: URI)."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    uri = urlparse(first[len(prefix):])
    assert uri.scheme == "file"
    return Path(unquote(uri.path))


# -- mncost init ------------------------------------------------------------------------------------

def test_init_writes_a_commented_minimal_spec(here: Path, runner: CliRunner) -> None:
    code, out, err = run(runner, "init", "my-net")
    assert (code, err) == (0, "")
    assert out == "Wrote my-net.yaml (a minimal spec). Next: mncost show my-net.yaml\n"
    spec = here / "my-net.yaml"
    text = spec.read_text(encoding="utf-8")
    assert "\nname: my-net\n" in text and text.count("\n#") >= 3  # commented
    assert schema_of(spec) == Path(schema_file("spec")).resolve()
    check_against_schema("spec", yaml.safe_load(text))
    report = evaluate(load(str(spec)), Config())
    assert report.spec.name == "my-net" and report.totals.macs > 0
    assert run(runner, "show", "my-net.yaml")[0] == 0
    assert sorted(os.listdir(here)) == ["my-net.yaml"]  # no temporary file left behind


@pytest.mark.parametrize("origin", bundled_names())
def test_init_from_a_bundled_spec_keeps_its_figures(here: Path, runner: CliRunner, origin: str) -> None:
    code, out, _ = run(runner, "init", "nets-" + origin, "--from", origin)
    assert code == 0 and out == f"Wrote nets-{origin}.yaml (from {origin}). Next: mncost show nets-{origin}.yaml\n"
    copy = here / f"nets-{origin}.yaml"
    assert schema_of(copy) == Path(schema_file("spec")).resolve()
    new, old = evaluate(load(str(copy)), Config()), evaluate(load(origin), Config())
    assert new.spec.name == f"nets-{origin}" and new.totals == old.totals
    assert [x.name for x in new.layers] == [x.name for x in old.layers]


def test_init_accepts_a_yaml_path(here: Path, runner: CliRunner) -> None:
    (here / "nets").mkdir()
    assert run(runner, "init", "nets/edge.yaml", "--from", "v1")[0] == 0
    assert evaluate(load("nets/edge.yaml"), Config()).spec.name == "edge"


def test_init_refuses_to_overwrite(here: Path, runner: CliRunner) -> None:
    (here / "my-net.yaml").write_text("mine\n", encoding="utf-8")
    code, out, err = run(runner, "init", "my-net")
    assert (code, out) == (2, "")
    assert one_error(err) == "Error: my-net.yaml: already exists; give --force to overwrite it"
    assert (here / "my-net.yaml").read_text(encoding="utf-8") == "mine\n"
    assert run(runner, "init", "my-net", "--force", "--from", "v2")[0] == 0
    assert evaluate(load("my-net.yaml"), Config()).totals == evaluate(load("v2"), Config()).totals


@pytest.mark.parametrize(("args", "message"), [
    (["init", "x", "--from", "v22"], "Error: --from 'v22': not a bundled spec; did you mean 'v2'?"),
    (["init", "bad name"], "Error: 'bad name' cannot be a spec name: use letters, digits, '_' or '-'"),
    (["init", "no/such/folder/x"], "Error: no/such/folder/x.yaml: cannot write: folder 'no/such/folder' does not"),
])
def test_init_errors(here: Path, runner: CliRunner, args: list[str], message: str) -> None:
    code, out, err = run(runner, *args)
    assert (code, out) == (2, "") and one_error(err).startswith(message)
    assert os.listdir(here) == []
    if "v22" in args:
        assert err.endswith("; did you mean 'v2'?\n")


# -- mncost list --paths ----------------------------------------------------------------------------

def test_list_paths(runner: CliRunner) -> None:
    code, out, _ = run(runner, "list", "--paths")
    assert code == 0
    rows = [line.split() for line in out.splitlines()]
    assert [name for name, _ in rows] == bundled_names()
    for name, path in rows:
        assert Path(path) == specs_dir() / f"{name}.yaml" and Path(path).is_file()


# -- hints --------------------------------------------------------------------------------------------

SPEC = ("name: t\ndescription: d\nsource: s\ninput: {resolution: 32, channels: 3}\n"
        "blocks:\n  b:\n    params: {c: channels}\n    ops:\n      - {name: x, op: conv, kernel: k, out: c}\n"
        "layers:\n  - {name: b1, block: b, c: 8}\n")


def test_an_unknown_name_in_a_block_says_to_declare_it(here: Path, runner: CliRunner) -> None:
    (here / "t.yaml").write_text(SPEC, encoding="utf-8")
    code, _, err = run(runner, "show", "t.yaml")
    assert code == 2
    assert one_error(err) == (
        "Error: t.yaml:9: expression 'k': unknown name 'k'; known names: alpha, c, classes, in; to make 'k' a "
        "parameter of block 'b', declare it in the block's params (params: {k: int}) and give it in each row that "
        "uses the block")
    fixed = SPEC.replace("params: {c: channels}", "params: {c: channels, k: int}").replace("c: 8}", "c: 8, k: 3}")
    (here / "t.yaml").write_text(fixed, encoding="utf-8")
    assert run(runner, "show", "t.yaml")[0] == 0  # the hint's fix works


def test_an_unknown_name_outside_blocks_gets_no_block_hint(here: Path, runner: CliRunner) -> None:
    fixed = SPEC.replace("kernel: k", "kernel: 3")
    (here / "t.yaml").write_text(fixed.replace("c: 8}", "c: width}"), encoding="utf-8")
    message = one_error(run(runner, "show", "t.yaml")[2])
    assert "unknown name 'width'" in message and "params" not in message


@pytest.mark.parametrize(("args", "message"), [
    (["shwo", "v1"], "Error: No such command 'shwo'; did you mean 'show'? (see 'mncost --help')"),
    (["sweeep"], "Error: No such command 'sweeep'; did you mean 'sweep'? (see 'mncost --help')"),
    (["xyz"], "Error: No such command 'xyz' (commands: bench, calibrate, check, devices, diff, export, fit, formula, "
              "import, init, latency, list, memory, plot, schema, show, size, space, sweep) (see 'mncost --help')"),
    (["show", "v22"], "; did you mean 'v2'?"),
    (["show", "v3-lage"], "; did you mean 'v3-large'?"),
])
def test_hints_name_the_nearest_command_or_spec(runner: CliRunner, args: list[str], message: str) -> None:
    code, out, err = run(runner, *args)
    assert (code, out) == (2, "")
    if message.startswith("Error"):
        assert one_error(err) == message
    else:
        assert one_error(err).endswith(message)


def test_a_misspelt_op_names_the_nearest_op(here: Path, runner: CliRunner) -> None:
    (here / "t.yaml").write_text(SPEC.replace("op: conv", "op: dwconf"), encoding="utf-8")
    assert one_error(run(runner, "show", "t.yaml")[2]).endswith("unknown op 'dwconf'; did you mean 'dwconv'?")


# -- shell completion ---------------------------------------------------------------------------------

def complete(runner: CliRunner, words: str) -> list[str]:
    """What bash completion offers for the last of `words` (click's bash_complete protocol)."""
    parts = words.split(" ")
    result = runner.invoke(main, [], prog_name="mncost", env={
        "_MNCOST_COMPLETE": "bash_complete", "COMP_WORDS": words, "COMP_CWORD": str(len(parts) - 1)})
    return result.stdout.splitlines()


@pytest.mark.parametrize("words", ["mncost show v3-s", "mncost diff v1 v3-s", "mncost check v1 v3-s",
                                   "mncost sweep v3-s", "mncost init x --from v3-s"])
def test_spec_arguments_complete_bundled_names_and_files(runner: CliRunner, words: str) -> None:
    expected = [f"plain,{n}" for n in bundled_names() if n.startswith("v3-s")]
    assert complete(runner, words) == [*expected, "file,v3-s"]


def test_commands_and_schema_names_complete(runner: CliRunner) -> None:
    assert complete(runner, "mncost s") == ["plain,schema", "plain,show", "plain,size", "plain,space", "plain,sweep"]
    assert complete(runner, "mncost schema r") == ["plain,report"]


def test_the_docs_undeclared_name_example(here: Path, runner: CliRunner) -> None:
    """docs/getting-started.md's error for `kernel: k` in the minimal spec's block, as printed."""
    import re

    page = (Path(__file__).parent.parent / "docs/getting-started.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- docs:undeclared-k -->\n```text\n(.*?)\n```", page, re.S)
    assert match
    run(runner, "init", "my-net")
    spec = here / "my-net.yaml"
    text = spec.read_text(encoding="utf-8")
    assert text.count("op: dwconv, kernel: 3, stride: s") == 1
    spec.write_text(text.replace("op: dwconv, kernel: 3, stride: s", "op: dwconv, kernel: k, stride: s"),
                    encoding="utf-8")
    assert one_error(run(runner, "show", "my-net.yaml")[2]) == match[1]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_documented_completion_scripts_exist(runner: CliRunner, shell: str) -> None:
    page = (Path(__file__).parent.parent / "docs/getting-started.md").read_text(encoding="utf-8")
    assert f"_MNCOST_COMPLETE={shell}_source mncost" in page
    result = runner.invoke(main, [], prog_name="mncost", env={"_MNCOST_COMPLETE": f"{shell}_source"})
    assert result.exit_code == 0 and "_MNCOST_COMPLETE" in result.stdout


@pytest.mark.parametrize(("typed", "meant"), [
    ("mobilenet-v2", "v2"), ("MobileNetV3-Large", "v3-large"), ("mobilenet_v3_small", "v3-small"),
    ("mobilenetv1", "v1"), ("v22", "v2"), ("v3-lage", "v3-large"), ("ResNet-50", "resnet50"),
    ("efficientnet", "efficientnet-b0"), ("shufflenet", "shufflenet-v2"), ("ghost", "ghostnet"),
    ("mobilenet-v3", None),  # four MobileNet V3 specs: no single guess
    ("xyz", None), ("v9", None),
])
def test_nearest_bundled_spec(typed: str, meant: str | None) -> None:
    from mncost.bundled import nearest_bundled

    assert nearest_bundled(typed) == meant
