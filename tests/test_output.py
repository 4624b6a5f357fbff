"""-o FILE is all or nothing: on any failure the target keeps its old content (or stays absent)
and no temporary file is left in its folder."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

import mncost.output
from mncost.cli import main
from mncost.output import OutputError, write_atomic
from mncost.sweep_grid import sweep_module

OLD = "old content\n"


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "out.csv"
    path.write_text(OLD)
    return path


def test_write_atomic_replaces(target: Path) -> None:
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert files(target.parent) == ["out.csv"]


def test_write_atomic_creates_with_umask_mode(tmp_path: Path) -> None:
    path = tmp_path / "new.txt"
    write_atomic(path, "x")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_write_atomic_keeps_mode_of_replaced_file(target: Path) -> None:
    target.chmod(0o640)
    write_atomic(target, "x")
    assert target.stat().st_mode & 0o777 == 0o640


def test_disk_full_leaves_old_file(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(mncost.output.os, "write", full)
    with pytest.raises(OutputError, match="No space left on device"):
        write_atomic(target, "new\n" * 1000)
    assert target.read_text() == OLD
    assert files(target.parent) == ["out.csv"]


def test_interrupt_during_write_leaves_old_file(target: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(src: object, dst: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(mncost.output.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, "new\n")
    assert target.read_text() == OLD
    assert files(target.parent) == ["out.csv"]


# -- through the command line ------------------------------------------------------------------

def run(runner, target: Path, *args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(main, [*args, "-o", str(target)])


def test_cli_writes_file_and_nothing_to_stdout(runner, target: Path) -> None:  # type: ignore[no-untyped-def]
    result = run(runner, target, "show", "v1", "-f", "csv")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert target.read_text().startswith("row,name,op,type")
    assert files(target.parent) == ["out.csv"]


@pytest.mark.parametrize("args", [
    ["show", "no-such-spec.yaml"],  # bad spec
    ["show", "v1", "--alpha", "0"],  # bad option
    ["show", "v1", "--rho", "1", "--resolution", "224"],
    ["show", "v1", "--summary", "--group-by", "op"],
    ["show", "v1", "--alpha", "0.001"],  # evaluation error: 0 channels
    ["sweep", "v1", "--alpha", "1:0:1"],
    ["sweep", "v1", "--alpha", "0.001,1"],  # fails mid-sweep
])
@pytest.mark.parametrize("exists", [True, False])
def test_cli_failure_leaves_target(runner, tmp_path: Path, args: list[str], exists: bool) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.csv"
    if exists:
        target.write_text(OLD)
    result = run(runner, target, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("Error") or "Error:" in result.stderr
    assert result.stdout == ""
    assert files(tmp_path) == (["out.csv"] if exists else [])
    if exists:
        assert target.read_text() == OLD


def test_cli_ctrl_c_during_sweep(runner, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    real = sweep_module.sweep
    calls = []

    def interrupted_sweep(graph, alphas, resolutions, config):  # type: ignore[no-untyped-def]
        calls.append(real(graph, alphas[:1], resolutions[:1], config))  # some work done, then Ctrl-C
        raise KeyboardInterrupt

    monkeypatch.setattr(sweep_module, "sweep", interrupted_sweep)
    result = run(runner, target, "sweep", "v1", "-a", "0.25:1:0.25", "--resolution", "128:224:32", "-f", "csv")
    assert calls
    assert result.exit_code == 130
    assert "Aborted" in result.stderr
    assert target.read_text() == OLD
    assert files(target.parent) == ["out.csv"]


def test_cli_disk_full(runner, target: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    def full(fd: int, data: object) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(mncost.output.os, "write", full)
    result = run(runner, target, "sweep", "v1", "-a", "1,0.5", "-f", "csv")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {target}: cannot write: No space left on device\n"
    assert target.read_text() == OLD
    assert files(target.parent) == ["out.csv"]


def test_cli_missing_folder_fails_before_computing(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["show", "v1", "-o", str(tmp_path / "nowhere" / "out.csv")])
    assert result.exit_code == 2
    assert "does not exist" in result.stderr
    assert files(tmp_path) == []


def test_dash_is_stdout(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["show", "v1", "-f", "csv", "-o", "-"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stdout.startswith("row,name")
