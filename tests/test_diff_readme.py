"""docs/diff.md's `mncost diff` examples and docs/ci.md's recipes must keep working (docs that cannot drift)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from mncost.cli import main
from mncost.thresholds import parse_threshold

from .docs import README, page

HERE = Path(__file__).parent
DIFF, CI = page("diff"), page("ci")


def block_after(marker: str) -> str:
    """The fenced code block right after an HTML comment marker such as `<!-- ci:shell -->`."""
    match = re.search(rf"<!-- {re.escape(marker)} -->\n```\w*\n(.*?)\n```", CI, re.S)
    assert match, f"docs/ci.md has no code block after <!-- {marker} -->"
    return match.group(1)


def console_commands() -> list[list[str]]:
    """The `$ mncost diff ...` lines of the section, comments removed, that use bundled specs only."""
    commands = []
    for line in DIFF.splitlines():
        if line.startswith("$ mncost diff "):
            args = shlex.split(line[2:], comments=True)[1:]
            if not any(a.endswith(".yaml") for a in args):
                commands.append(args)
    return commands


def test_the_readme_links_both_pages() -> None:
    assert "](docs/diff.md)" in README and "](docs/ci.md)" in README


@pytest.mark.parametrize("args", console_commands(), ids=lambda a: " ".join(a))
def test_readme_diff_examples_run(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(main, args, catch_exceptions=False)
    expected = 1 if "--fail-on" in args else 0  # the README's threshold example is one that fails
    assert result.exit_code == expected, result.stderr


def test_readme_examples_exist() -> None:
    assert len(console_commands()) >= 4


def test_readme_threshold_examples_parse() -> None:
    expressions = (re.findall(r"--fail-on '([a-z_]+>[^']+)'", DIFF + CI)
                   + re.findall(r"^\| `([a-z_]+>[^`]+)` \|", DIFF, re.M))
    assert len(expressions) >= 10
    for expression in expressions:
        parse_threshold(expression)


def test_github_actions_job() -> None:
    workflow = yaml.safe_load(block_after("ci:github-actions"))
    steps = workflow["jobs"]["mncost-diff"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    run = steps[-1]["run"]
    assert "git show \"origin/${{ github.base_ref }}:nets/my-net.yaml\" > /tmp/base.yaml" in run
    assert '>> "$GITHUB_STEP_SUMMARY"' in run and "|" not in run.replace("'", "")  # no pipe: exit code kept
    command = shlex.split(run.split("\n", 1)[1].replace("\\\n", " "))
    assert command[:2] == ["mncost", "diff"] and "markdown" in command


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A git repository holding nets/my-net.yaml (the tiny test spec) in one commit, and an
    environment whose `mncost` runs this checkout's mncost."""
    if shutil.which("git") is None or shutil.which("sh") is None:
        pytest.skip("needs git and sh")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "mncost"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mncost "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    work = tmp_path / "work"
    (work / "nets").mkdir(parents=True)
    shutil.copy(HERE / "diff_specs/tiny.yaml", work / "nets/my-net.yaml")
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": str(HERE.parent), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org", "COLUMNS": "120",
           "NO_COLOR": "1"}
    for command in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-qm", "spec"]):
        subprocess.run(command, cwd=work, env=env, check=True)
    return work, env


def run_script(work: Path, env: dict[str, str], **extra: str) -> subprocess.CompletedProcess[str]:
    script = work.parent / "check-cost.sh"
    script.write_text(block_after("ci:shell") + "\n", encoding="utf-8")
    return subprocess.run(["sh", str(script)], cwd=work, env={**env, **extra}, capture_output=True, text=True)


def test_pre_commit_hook(repo: tuple[Path, dict[str, str]]) -> None:
    work, env = repo
    assert run_script(work, env).returncode == 0  # nothing staged
    shutil.copy(HERE / "diff_specs/tiny-deeper.yaml", work / "nets/my-net.yaml")  # +22.28 % MACs
    subprocess.run(["git", "add", "nets/my-net.yaml"], cwd=work, env=env, check=True)
    result = run_script(work, env)
    assert result.returncode == 1, result.stderr
    assert "Threshold exceeded: macs>+5%" in result.stderr
    (work / "nets/my-net.yaml").write_text("name: [", encoding="utf-8")
    subprocess.run(["git", "add", "nets/my-net.yaml"], cwd=work, env=env, check=True)
    broken = run_script(work, env)
    assert broken.returncode == 2 and broken.stderr.startswith("Error: ")


def test_ci_script_against_a_base_ref(repo: tuple[Path, dict[str, str]]) -> None:
    work, env = repo
    assert run_script(work, env, BASE="HEAD").returncode == 0  # same spec
    text = (HERE / "diff_specs/tiny.yaml").read_text(encoding="utf-8").replace("[64, 1, 2]", "[48, 1, 2]")
    (work / "nets/my-net.yaml").write_text(text, encoding="utf-8")  # narrower last stage: cheaper
    cheaper = run_script(work, env, BASE="HEAD")
    assert cheaper.returncode == 0, cheaper.stderr
    assert "stage3.block1.pw" in cheaper.stdout
    shutil.copy(HERE / "diff_specs/tiny-deeper.yaml", work / "nets/my-net.yaml")
    assert run_script(work, env, BASE="HEAD").returncode == 1
