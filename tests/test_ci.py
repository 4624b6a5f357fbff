"""CI integration (issue 18, item 3): `REV:PATH` sides read from git, absent sides, labels,
GitHub annotations, `mncost check`, the pre-commit hooks and the composite action, all run
against a throw-away git repository made in tmp_path."""

from __future__ import annotations

import json
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

from mncost import load
from mncost.annotations import github
from mncost.cli import main
from mncost.gitrev import split_revision

HERE = Path(__file__).parent
ROOT = HERE.parent
TINY = HERE / "diff_specs/tiny.yaml"
DEEPER = HERE / "diff_specs/tiny-deeper.yaml"  # +22.28 % MACs (one more block in stage 2)
GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.org", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def git(work: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=work, env={**os.environ, **GIT_ENV}, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with nets/net.yaml (tiny) committed on branch main, then the deeper spec in
    the work tree; the current folder is the repository."""
    work = tmp_path / "work"
    (work / "nets").mkdir(parents=True)
    shutil.copy(TINY, work / "nets/net.yaml")
    git(work, "init", "-q", "-b", "main")
    git(work, "add", ".")
    git(work, "commit", "-qm", "tiny")
    shutil.copy(DEEPER, work / "nets/net.yaml")
    monkeypatch.chdir(work)
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("GITHUB_WORKSPACE", raising=False)
    return work


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def one_error(stderr: str) -> str:
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), stderr
    return lines[0]


# -- REV:PATH sides -----------------------------------------------------------------------------

def test_a_revision_side_is_read_from_git(repo: Path, runner: CliRunner) -> None:
    code, out, err = run(runner, "diff", "main:nets/net.yaml", "nets/net.yaml", "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["old"]["label"] == "main:nets/net.yaml" and doc["old"]["spec"]["file"] == "main:nets/net.yaml"
    assert doc["old"]["exists"] is True and doc["new"]["exists"] is True
    # the old side is the committed tiny spec, the new side the deeper one in the work tree
    expected = {"old": load(str(TINY)), "new": load(str(DEEPER))}
    from mncost import Config, evaluate

    for side, graph in expected.items():
        assert doc["totals"]["macs"][side] == evaluate(graph, Config()).totals.macs
    assert doc["summary"]["added"] == 2 and doc["summary"]["removed"] == 1


def test_revision_side_takes_settings_and_thresholds(repo: Path, runner: CliRunner) -> None:
    code, out, err = run(runner, "diff", "main:nets/net.yaml@alpha=0.5", "nets/net.yaml@alpha=0.5",
                         "--fail-on", "macs>+5%")
    assert code == 1
    assert "alpha=0.5" in out and "Threshold exceeded: macs>+5%" in err


def test_a_spec_new_since_the_revision_is_all_added(repo: Path, runner: CliRunner) -> None:
    shutil.copy(TINY, repo / "nets/new.yaml")
    code, out, err = run(runner, "diff", "main:nets/new.yaml", "nets/new.yaml", "--fail-on", "macs>+0",
                         "-f", "json")
    assert code == 0, err  # nothing to compare with: thresholds are not checked, no git exit 128
    doc = json.loads(out)
    assert doc["old"]["exists"] is False and doc["new"]["exists"] is True
    assert doc["summary"]["added"] == len(doc["layers"]) > 0 and doc["summary"]["removed"] == 0
    assert doc["totals"]["macs"]["old"] == 0 and doc["thresholds"] == [] and doc["exceeded"] is False
    code, out, _ = run(runner, "diff", "main:nets/new.yaml", "nets/new.yaml", "-f", "markdown")
    assert code == 0 and "main:nets/new.yaml does not exist (every layer is added" in out


def test_a_spec_removed_since_the_revision_is_all_removed(repo: Path, runner: CliRunner) -> None:
    code, out, err = run(runner, "diff", "nets/net.yaml", "main:nets/gone.yaml", "-f", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["new"]["exists"] is False and doc["summary"]["removed"] == len(doc["layers"]) > 0


def test_neither_side_exists(repo: Path, runner: CliRunner) -> None:
    code, out, err = run(runner, "diff", "main:nets/a.yaml", "main:nets/b.yaml")
    assert code == 2 and out == ""
    assert "neither main:nets/a.yaml nor main:nets/b.yaml exists" in one_error(err)


@pytest.mark.parametrize(("old", "message"), [
    ("nope:nets/net.yaml", "Error: nope:nets/net.yaml: unknown git revision 'nope' (a branch, tag or commit"),
    ("main:nets", "Error: main:nets: is a tree at main, not a spec file"),
])
def test_git_failures_are_one_line(repo: Path, runner: CliRunner, old: str, message: str) -> None:
    code, out, err = run(runner, "diff", old, "nets/net.yaml")
    assert code == 2 and out == ""
    assert one_error(err).startswith(message)


def test_a_bad_spec_at_a_revision_names_the_revision(repo: Path, runner: CliRunner) -> None:
    (repo / "nets/net.yaml").write_text("name: [\n", encoding="utf-8")
    git(repo, "commit", "-qam", "broken")
    shutil.copy(TINY, repo / "nets/net.yaml")
    code, out, err = run(runner, "diff", "HEAD:nets/net.yaml", "nets/net.yaml")
    assert code == 2 and out == ""
    assert re.match(r"Error: HEAD:nets/net\.yaml:\d+: YAML syntax error", one_error(err))


def test_outside_a_repository(tmp_path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    shutil.copy(TINY, tmp_path / "net.yaml")
    code, _, err = run(runner, "diff", "main:net.yaml", "net.yaml")
    assert code == 2 and "not inside a git repository" in one_error(err)


def test_without_git(repo: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(repo / "no-such-folder"))
    code, _, err = run(runner, "diff", "main:nets/net.yaml", "nets/net.yaml")
    assert code == 2 and "git is not installed" in one_error(err)


@pytest.mark.parametrize(("text", "parsed"), [
    ("main:specs/net.yaml", ("main", "specs/net.yaml")),
    ("HEAD~1:./net.yaml", ("HEAD~1", "./net.yaml")),
    ("origin/main:a/b.yml", ("origin/main", "a/b.yml")),
    ("C:/specs/net.yaml", None),  # a Windows drive
    ("C:\\specs\\net.yaml", None),
    ("v1", None), (":net.yaml", None), ("main:", None), ("two words:x.yaml", None),
])
def test_split_revision(text: str, parsed: tuple[str, str] | None) -> None:
    assert split_revision(text) == parsed


def test_an_existing_file_with_a_colon_is_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    shutil.copy(TINY, tmp_path / "a:b.yaml")
    assert split_revision("a:b.yaml") is None


# -- labels ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["table", "markdown", "json"])
def test_labels_name_the_sides(runner: CliRunner, fmt: str) -> None:
    code, out, err = run(runner, "diff", "v1", "v1@alpha=0.75", "-f", fmt, "--old-label", "before | `x`",
                         "--new-label", "after")
    assert code == 0, err
    if fmt == "json":
        doc = json.loads(out)
        assert (doc["old"]["label"], doc["new"]["label"]) == ("before | `x`", "after")
    elif fmt == "markdown":
        assert out.startswith("### mncost diff: `` before | `x` `` → `after`")
    else:
        assert "mncost diff: before | `x` → after" in out


# -- annotations ----------------------------------------------------------------------------------

def test_github_annotation_escaping() -> None:
    assert github("a, b: 5%\nnext", "dir/a,b:c.yaml", 3, "t") == \
        "::error file=dir/a%2Cb%3Ac.yaml,line=3,title=t::a, b: 5%25%0Anext"
    assert github("plain") == "::error::plain"


def test_threshold_annotation_points_at_the_layer_that_grew_most(repo: Path, runner: CliRunner) -> None:
    code, _, err = run(runner, "diff", "main:nets/net.yaml", "nets/net.yaml", "--fail-on", "macs>+5%",
                       "--annotations", "github")
    assert code == 1
    [line] = [x for x in err.splitlines() if x.startswith("::")]
    from mncost import Config, evaluate

    old = {x.name: x for x in evaluate(load(str(TINY)), Config()).layers}
    new = evaluate(load("nets/net.yaml"), Config()).layers
    top = max(new, key=lambda x: x.macs - (old[x.name].macs if x.name in old else 0))
    assert line.startswith(f"::error file=nets/net.yaml,line={top.location.line},title=architecture cost::"
                           f"mncost: macs>+5%25 exceeded")
    assert f"largest increase: {top.name}" in line


def test_annotation_paths_are_relative_to_the_workspace(repo: Path, runner: CliRunner,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GITHUB_WORKSPACE", str(repo))
    monkeypatch.chdir(repo / "nets")
    code, _, err = run(runner, "diff", "main:nets/net.yaml", "net.yaml", "--fail-on", "params>+0",
                       "--annotations", "github")
    assert code == 1 and "::error file=nets/net.yaml,line=" in err


def test_spec_errors_are_annotated(repo: Path, runner: CliRunner) -> None:
    spec = repo / "nets/net.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("stride: 2, out: 16", "strid: 2, out: 16"), encoding="utf-8")
    code, out, err = run(runner, "diff", "main:nets/net.yaml", "nets/net.yaml", "--annotations", "github")
    assert code == 2 and out == ""
    annotation, error = err.splitlines()
    match = re.match(r"Error: nets/net\.yaml:(\d+): (.*)$", error)
    assert match, error
    assert annotation == f"::error file=nets/net.yaml,line={match[1]},title=mncost::{match[2]}"


# -- mncost check ---------------------------------------------------------------------------------

def test_check_reports_every_spec(repo: Path, runner: CliRunner) -> None:
    (repo / "nets/bad.yaml").write_text("name: [\n", encoding="utf-8")
    code, out, err = run(runner, "check", "nets/net.yaml", "nets/bad.yaml", "v2")
    assert code == 2
    assert [x.split(":")[0] for x in out.splitlines()] == ["nets/net.yaml", "v2"]
    assert one_error(err).startswith("Error: nets/bad.yaml:1: YAML syntax error")
    assert run(runner, "check", "-q", "nets/net.yaml", "v1") == (0, "", "")


def test_check_against_a_revision(repo: Path, runner: CliRunner) -> None:
    code, _, err = run(runner, "check", "-q", "--against", "main", "--fail-on", "macs>+5%", "nets/net.yaml")
    assert code == 1 and "nets/net.yaml: threshold exceeded: macs>+5% (macs " in err
    assert run(runner, "check", "-q", "--against", "main", "--fail-on", "macs>+50%", "nets/net.yaml")[0] == 0
    shutil.copy(DEEPER, repo / "nets/new.yaml")  # new since main: passes
    assert run(runner, "check", "-q", "--against", "main", "--fail-on", "macs>+0", "nets/new.yaml")[0] == 0


def test_check_fail_on_needs_against(runner: CliRunner) -> None:
    code, _, err = run(runner, "check", "v1", "--fail-on", "macs>+5%")
    assert code == 2 and "--fail-on needs --against REV" in one_error(err)


# -- the pre-commit hooks and the composite action, as pre-commit and GitHub run them -----------------

@pytest.fixture
def shell_env(repo: Path, tmp_path: Path) -> dict[str, str]:
    """An environment whose `mncost` on PATH runs this checkout's mncost."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "mncost"
    wrapper.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m mncost "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return {**env, **GIT_ENV, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(ROOT), "NO_COLOR": "1", "COLUMNS": "120"}


def hook(hook_id: str) -> list[str]:
    """The command pre-commit runs for a hook of .pre-commit-hooks.yaml: entry, then args."""
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))}
    spec = hooks[hook_id]
    assert spec["language"] == "python" and spec["types"] == ["yaml"]
    return [*shlex.split(spec["entry"]), *spec.get("args", [])]


def test_pre_commit_hooks(repo: Path, shell_env: dict[str, str]) -> None:
    def run_hook(hook_id: str, *files: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*hook(hook_id), *files], cwd=repo, env=shell_env, capture_output=True, text=True)

    assert run_hook("mncost-check", "nets/net.yaml").returncode == 0
    diffed = run_hook("mncost-diff", "nets/net.yaml")  # deeper: +22 % MACs, above the default +5 %
    assert diffed.returncode == 1 and "threshold exceeded: macs>+5%" in diffed.stderr
    git(repo, "commit", "-qam", "deeper")
    assert run_hook("mncost-diff", "nets/net.yaml").returncode == 0  # same as HEAD
    shutil.copy(TINY, repo / "nets/added.yaml")
    assert run_hook("mncost-diff", "nets/added.yaml").returncode == 0  # new: nothing to compare with
    (repo / "nets/net.yaml").write_text("name: [\n", encoding="utf-8")
    broken = run_hook("mncost-check", "nets/net.yaml", "nets/added.yaml")
    assert broken.returncode == 2 and broken.stderr.startswith("Error: nets/net.yaml:1: ")


def action_script() -> tuple[str, dict[str, str]]:
    """The action's diff step: its bash script and its env with ${{ inputs.NAME }} unresolved."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert 'pip install --quiet "$GITHUB_ACTION_PATH"' in steps[1]["run"]
    step = steps[-1]
    assert step["shell"] == "bash"
    return step["run"], step["env"]


def run_action(repo: Path, env: dict[str, str], tmp_path: Path, **inputs: str) -> tuple[int, str, str]:
    """Run the diff step as GitHub does (`bash -eo pipefail`), inputs substituted into its env."""
    script, step_env = action_script()
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()} | inputs
    resolved = {key: re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m[1]], value)
                for key, value in step_env.items()}
    summary = tmp_path / "summary.md"
    summary.write_text("", encoding="utf-8")
    result = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script], cwd=repo,
                            env={**env, **resolved, "GITHUB_STEP_SUMMARY": str(summary),
                                 "GITHUB_BASE_REF": "main", "GITHUB_WORKSPACE": str(repo)},
                            capture_output=True, text=True)
    return result.returncode, summary.read_text(encoding="utf-8"), result.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_composite_action(repo: Path, shell_env: dict[str, str], tmp_path: Path) -> None:
    git(repo, "update-ref", "refs/remotes/origin/main", "HEAD")  # what actions/checkout fetches
    shutil.copy(TINY, repo / "nets/added.yaml")
    code, summary, err = run_action(repo, shell_env, tmp_path, specs="nets/net.yaml\nnets/added.yaml",
                                    **{"fail-on": "  macs>+5%\n\nparams>+100k\n"})
    assert code == 1, err
    assert summary.count("### mncost diff: ") == 2
    assert "### mncost diff: `nets/net.yaml at origin/main` → `nets/net.yaml`" in summary
    assert "❌ `macs>+5%`: exceeded" in summary and "✅ `params>+100k`: ok" in summary
    assert "origin/main:nets/added.yaml does not exist (every layer is added" in summary
    assert re.search(r"^::error file=nets/net\.yaml,line=\d+,title=architecture cost::mncost: macs>\+5%25", err, re.M)
    code, summary, err = run_action(repo, shell_env, tmp_path, specs="nets/net.yaml")  # no thresholds
    assert code == 0 and "Thresholds" not in summary, err
    (repo / "nets/net.yaml").write_text("name: [\n", encoding="utf-8")
    code, summary, err = run_action(repo, shell_env, tmp_path, specs="nets/added.yaml nets/net.yaml",
                                    base="HEAD", **{"fail-on": "macs>+5%"})
    assert code == 2 and "Error: nets/net.yaml:1: " in err and summary.count("### mncost diff") == 1
