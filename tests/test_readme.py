"""Docs that cannot drift: the README's set-up commands, the op and convention lists, and every
console example of the README and of the pages under docs/."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from mncost.cli import main
from mncost.conventions import BnParams, Counting, DepthRounding, Dtype, LnParams, OpsCounted, Rounding
from mncost.ops import OPS

from .conftest import cli_runner
from .docs import DOCS, README, ROOT, page

OWN_TESTS = {"docs/onnx.md": "tests/test_onnx_docs.py", "docs/latency.md": "tests/test_latency_docs.py",
             "docs/spaces.md": "tests/test_spaces_docs.py"}
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
    table = [line for line in page("spec-language").splitlines() if line.startswith("| `")]
    assert any(f"`{op}`" in line.split(" | ", 1)[0] for line in table)  # the first cell of an op-table row


@pytest.mark.parametrize("member", [m for enum in (Rounding, Counting, OpsCounted, BnParams, LnParams, Dtype,
                                                    DepthRounding)
                                    for m in enum])
def test_every_convention_is_documented(member: object) -> None:
    assert f"`{member}`" in page("conventions") or f" {member} " in page("conventions")


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
    write_bad_spec_example(args)
    result = cli_runner(env={"COLUMNS": "120"}).invoke(main, args, prog_name="mncost")
    got = "".join(line.rstrip() + "\n" for line in (result.stdout + result.stderr).splitlines())
    assert got == expected


def write_bad_spec_example(args: list[str]) -> None:
    """The bad-spec example of the README and docs/errors.md: my-net.yaml with a misspelt key."""
    if "my-net.yaml" in args and not Path("my-net.yaml").exists():
        Path("my-net.yaml").write_text(
            "name: my-net\ndescription: x\nsource: y\ninput: {resolution: 32, channels: 3}\nlayers:\n"
            "  - {name: c1, op: conv, kernel: 3, strid: 2, out: 16}\n", encoding="utf-8")


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
        write_bad_spec_example(shlex.split(command)[1:])
        result = cli_runner(env={"COLUMNS": "120", "NO_COLOR": "1"}).invoke(main, shlex.split(command)[1:],
                                                                            prog_name="mncost")
        got = "".join(line.rstrip() + "\n" for line in (result.stdout + result.stderr).splitlines())
        assert (command, got) == (command, expected)


def commands_without_output(text: str) -> list[str]:
    shown = {command for command, _ in console_examples(text)}
    return [command for command in all_console_examples(text) if command not in shown]


WITHOUT_OUTPUT = [(p, c) for p in ["README.md", *sorted(DOCS)] if p not in OWN_TESTS
                  for c in commands_without_output(README if p == "README.md" else DOCS[p])]


@pytest.mark.parametrize(("page", "command"), WITHOUT_OUTPUT)
def test_console_examples_without_output_run(page: str, command: str, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A console example whose output is not shown still runs as written: exit 0, or 1 where its
    comment says so. Spec files it names are stand-ins (copies of v1), output folders exist."""
    args = shlex.split(command, comments=True)[1:]
    if args[0] == "plot":
        pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    if "nets/" in command:
        docs_repository(tmp_path)
    for arg in args:
        if arg.endswith(".yaml") and ":" not in arg and not (tmp_path / arg).exists():
            (tmp_path / arg).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / arg).write_text((ROOT / "specs/v1.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    if "-o" in args:
        (tmp_path / args[args.index("-o") + 1]).parent.mkdir(parents=True, exist_ok=True)
    result = cli_runner(env={"COLUMNS": "120"}).invoke(main, args, prog_name="mncost")
    assert result.exit_code == (1 if "exits 1" in command else 0), (command, result.stderr)


@pytest.mark.parametrize("page", sorted(DOCS))
def test_every_docs_page_is_linked_from_the_readme(page: str) -> None:
    assert f"]({page})" in README


def anchors(text: str) -> set[str]:
    """GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as hyphens."""
    found = set()
    fence = False
    for line in text.splitlines():
        fence ^= line.startswith("```")
        if not fence and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            found.add(re.sub(r"\s", "-", re.sub(r"[^\w\s-]", "", title)))
    return found


@pytest.mark.parametrize("page", ["README.md", *sorted(DOCS)])
def test_relative_links_resolve(page: str) -> None:
    """Every relative link of the README and the docs pages names a file that exists, and an anchor
    that one of its headings makes."""
    text = README if page == "README.md" else DOCS[page]
    broken = []
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        file = (ROOT / page).parent / path if path else ROOT / page
        if not file.exists() or (anchor and file.suffix == ".md"
                                 and anchor not in anchors(file.read_text(encoding="utf-8"))):
            broken.append(target)
    assert broken == []


def test_mkdocs_nav_lists_every_page() -> None:
    import yaml

    nav = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))["nav"]

    def pages(items: list[object]) -> set[str]:
        found: set[str] = set()
        for item in items:
            for value in item.values():  # type: ignore[attr-defined]
                found |= pages(value) if isinstance(value, list) else {f"docs/{value}"}
        return found

    assert pages(nav) == set(DOCS)
