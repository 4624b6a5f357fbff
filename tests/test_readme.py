"""Docs that cannot drift: the README's set-up commands, op and convention lists, and examples."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from mncost.cli import main
from mncost.conventions import BnParams, Counting, Dtype, LnParams, OpsCounted, Rounding
from mncost.ops import OPS

from .conftest import cli_runner

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "docs").glob("*.md"))}
"""The pages under docs/: their console examples are tested like the README's."""
OWN_TESTS = {"docs/onnx.md": "tests/test_onnx_docs.py", "docs/latency.md": "tests/test_latency_docs.py"}
"""Pages whose examples need fixtures (ONNX files, measurements): their own test module runs them."""


def test_setup_block_has_the_two_commands_ci_runs() -> None:
    block = README.split("<!-- setup:begin -->")[1].split("<!-- setup:end -->")[0]
    commands = [line for line in block.splitlines() if re.match(r"^(python|pip|mncost) ", line)]
    assert commands == [
        "python -m pip install . && mncost show v1 --alpha 0.5 --rho 0.714",
        "python -m pip install '.[test]' && python -m pytest -q",
    ]
    assert README.index("<!-- setup:begin -->") < README.index("## Quick tour")  # the README starts with them


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_op_is_documented(op: str) -> None:
    assert f"`{op}`" in README


@pytest.mark.parametrize("member", [m for enum in (Rounding, Counting, OpsCounted, BnParams, LnParams, Dtype)
                                    for m in enum])
def test_every_convention_is_documented(member: object) -> None:
    assert f"`{member}`" in README or f" {member} " in README


def console_examples(text: str = README) -> list[tuple[str, str]]:
    """(`mncost ...` command, expected output) pairs from ```console blocks that show output."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("$ mncost "):
                continue
            output = []
            for follow in lines[i + 1:]:
                if follow.startswith("$ "):
                    break
                output.append(follow)
            if output:
                examples.append((line[2:], "\n".join(output) + "\n"))
    return examples


@pytest.mark.parametrize(("command", "expected"), console_examples())
def test_console_examples_match(command: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = shlex.split(command)[1:]
    monkeypatch.chdir(tmp_path)
    if "my-net.yaml" in args:  # the README's bad-spec example
        (tmp_path / "my-net.yaml").write_text(
            "name: my-net\ndescription: x\nsource: y\ninput: {resolution: 32, channels: 3}\nlayers:\n"
            "  - {name: c1, op: conv, kernel: 3, strid: 2, out: 16}\n")
    result = cli_runner(env={"COLUMNS": "120"}).invoke(main, args, prog_name="mncost")
    got = "".join(line.rstrip() + "\n" for line in (result.stdout + result.stderr).splitlines())
    assert got == expected


def all_console_examples(text: str) -> list[str]:
    """Every `$ mncost ...` line of the ```console blocks (with output shown or not)."""
    return [line[2:] for block in re.findall(r"```console\n(.*?)```", text, flags=re.S)
            for line in block.splitlines() if line.startswith("$ mncost ")]


def docs_repository(folder: Path) -> None:
    """The repository the docs pages' examples run in (docs/ci.md): branch main holds
    nets/net.yaml (tests/diff_specs/tiny.yaml); the work tree has the deeper version of it and a
    new nets/new.yaml."""
    import os
    import shutil
    import subprocess

    specs = ROOT / "tests/diff_specs"
    (folder / "nets").mkdir()
    shutil.copy(specs / "tiny.yaml", folder / "nets/net.yaml")
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    for command in (["init", "-q", "-b", "main"], ["add", "."], ["commit", "-qm", "tiny"]):
        subprocess.run(["git", *command], cwd=folder, env=env, check=True, capture_output=True)
    shutil.copy(specs / "tiny-deeper.yaml", folder / "nets/net.yaml")
    shutil.copy(specs / "tiny.yaml", folder / "nets/new.yaml")


def test_pages_with_their_own_example_tests_have_them() -> None:
    assert all((ROOT / module).is_file() and page in DOCS for page, module in OWN_TESTS.items())


@pytest.mark.parametrize("page", sorted(p for p in DOCS if console_examples(DOCS[p]) and p not in OWN_TESTS))
def test_docs_console_examples_match(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A page's examples run in order in one folder, as a reader would type them (docs/ci.md's in
    the repository `docs_repository` makes)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    examples = console_examples(DOCS[page])
    if any("nets/" in command for command, _ in examples):
        docs_repository(tmp_path)
    for command, expected in examples:
        result = cli_runner(env={"COLUMNS": "120", "NO_COLOR": "1"}).invoke(main, shlex.split(command)[1:],
                                                                            prog_name="mncost")
        got = "".join(line.rstrip() + "\n" for line in (result.stdout + result.stderr).splitlines())
        assert (command, got) == (command, expected)


@pytest.mark.parametrize("page", sorted(p for p in DOCS if p not in OWN_TESTS))
def test_every_docs_console_example_shows_its_output(page: str) -> None:
    """A console example without output would go untested."""
    shown = {command for command, _ in console_examples(DOCS[page])}
    assert [c for c in all_console_examples(DOCS[page]) if c not in shown] == []


@pytest.mark.parametrize("page", sorted(DOCS))
def test_every_docs_page_is_linked_from_the_readme(page: str) -> None:
    assert f"]({page})" in README
