"""-o onto targets that a rename would damage: special files, inputs, read-only files and
folders, over-long names, links, setuid files, SIGTERM during the write (issue 12, item 5).
The rules are in mncost/output.py and docs/output.md."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import mncost.output
from mncost.bundled import specs_dir
from mncost.cli import main
from mncost.errors import Terminated
from mncost.output import OutputError, open_output, write_atomic

V1 = specs_dir() / "v1.yaml"


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def spec(tmp_path: Path) -> Path:
    path = tmp_path / "net.yaml"
    path.write_text(V1.read_text(encoding="utf-8"), encoding="utf-8")
    return path


def refused(runner, *args: str) -> str:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, list(args))
    assert result.exit_code == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    return result.stderr.removeprefix("Error: ").rstrip("\n")


# -- special files are opened, never replaced --------------------------------------------------

@pytest.mark.parametrize("device", ["/dev/null", "/dev/full"])
def test_device_is_not_replaced(runner, device: str) -> None:  # type: ignore[no-untyped-def]
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    before = os.stat(device)
    result = runner.invoke(main, ["show", "v1", "-f", "csv", "-o", device])
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    if device == "/dev/null":
        assert result.exit_code == 0 and result.stdout == ""
    else:  # writing to /dev/full fails with ENOSPC: a one-line error
        assert result.exit_code == 2
        assert result.stderr == "Error: /dev/full: cannot write: No space left on device\n"


def test_fifo_is_written_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen([sys.executable, "-c", f"import sys; sys.stdout.write(open({str(fifo)!r}).read())"],
                              stdout=subprocess.PIPE, text=True)
    write_atomic(fifo, "row,name\n1,conv\n")
    assert reader.communicate(timeout=30)[0] == "row,name\n1,conv\n"
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert files(tmp_path) == ["pipe"]


@pytest.mark.parametrize("target", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_dev_stdout_appends_to_the_redirected_file(tmp_path: Path, target: str) -> None:
    if not os.path.exists(target):
        pytest.skip(f"no {target}")
    out = tmp_path / "out.csv"
    out.write_text("kept\n")
    with out.open("a") as stdout:  # like `mncost show v1 -f csv -o /dev/stdout >> out.csv`
        done = subprocess.run([sys.executable, "-m", "mncost", "show", "v1", "-f", "csv", "-o", target],
                              stdout=stdout, stderr=subprocess.PIPE, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert text.startswith("kept\nrow,name,op,type")
    assert os.path.islink("/dev/stdout") or target != "/dev/stdout"
    assert files(tmp_path) == ["out.csv"]


def test_proc_target_is_a_one_line_error(runner) -> None:  # type: ignore[no-untyped-def]
    if not os.path.isdir("/proc/self"):
        pytest.skip("no /proc")
    message = refused(runner, "show", "v1", "-f", "csv", "-o", "/proc/self/no-such-file.csv")
    assert message.startswith("/proc/self/no-such-file.csv: cannot write: ")


# -- inputs of the command ---------------------------------------------------------------------

def test_output_onto_the_spec_is_refused(runner, spec: Path) -> None:  # type: ignore[no-untyped-def]
    before = spec.read_text()
    for command in (["show", str(spec)], ["sweep", str(spec), "-a", "1,0.5"]):
        message = refused(runner, *command, "-o", str(spec))
        assert message == f"{spec}: refusing to write over {spec}, an input of this command (give another -o file)"
    assert spec.read_text() == before


def test_output_onto_the_spec_through_a_link_is_refused(runner, spec: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    link, hard = tmp_path / "link.yaml", tmp_path / "hard.yaml"
    link.symlink_to(spec)
    os.link(spec, hard)
    before = spec.read_text()
    assert "an input of this command" in refused(runner, "show", str(spec), "-o", str(link))
    assert "an input of this command" in refused(runner, "show", str(hard), "-o", str(spec))
    assert spec.read_text() == before


def test_output_onto_a_bundled_spec_is_refused(runner) -> None:  # type: ignore[no-untyped-def]
    before = V1.read_bytes()
    assert "an input of this command" in refused(runner, "show", "v1", "-f", "csv", "-o", str(V1))
    assert V1.read_bytes() == before


# -- targets that may not be replaced ----------------------------------------------------------

def test_read_only_file_is_refused(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o444)
    message = refused(runner, "show", "v1", "-o", str(target))
    assert message == f"{target}: cannot write: the file is read-only (make it writable or choose another)"
    assert target.read_text() == "old\n" and files(tmp_path) == ["out.csv"]


def test_read_only_folder_is_refused(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        message = refused(runner, "show", "v1", "-o", str(folder / "out.csv"))
    finally:
        folder.chmod(0o755)
    assert message == f"{folder / 'out.csv'}: cannot write: folder {str(folder)!r} is read-only"
    assert files(folder) == []


def test_over_long_name_is_refused(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    limit = os.pathconf(tmp_path, "PC_NAME_MAX")
    target = tmp_path / ("a" * (limit + 1))
    message = refused(runner, "show", "v1", "-o", str(target))
    assert message == f"{target}: cannot write: the file name is longer than {limit} bytes"
    assert files(tmp_path) == []


def test_name_near_the_limit_is_written(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A 250-character name used to overflow the temporary file's name (prefix + name + suffix)."""
    target = tmp_path / ("a" * 246 + ".csv")
    result = runner.invoke(main, ["show", "v1", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert target.read_text().startswith("row,name,op,type")
    assert files(tmp_path) == [target.name]


def test_mkstemp_failure_is_a_one_line_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_room(**kwargs: object) -> tuple[int, str]:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mncost.output.tempfile, "mkstemp", no_room)
    with pytest.raises(OutputError, match=r"out\.csv: cannot write: No space left on device$"):
        write_atomic(tmp_path / "out.csv", "x")


# -- permissions and links ---------------------------------------------------------------------

def test_setuid_bit_is_not_copied(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    target.chmod(0o4755)
    write_atomic(target, "new\n")
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o755


def test_symlink_is_followed_and_kept(tmp_path: Path) -> None:
    real, link = tmp_path / "real.csv", tmp_path / "link.csv"
    real.write_text("old\n")
    link.symlink_to(real.name)
    write_atomic(link, "new\n")
    assert link.is_symlink() and os.readlink(link) == "real.csv"
    assert real.read_text() == "new\n"
    assert files(tmp_path) == ["link.csv", "real.csv"]


def test_hard_link_keeps_the_old_content(tmp_path: Path) -> None:
    """Documented: the name given is replaced; its other hard links keep the old content."""
    target, other = tmp_path / "out.csv", tmp_path / "other.csv"
    target.write_text("old\n")
    os.link(target, other)
    write_atomic(target, "new\n")
    assert (target.read_text(), other.read_text()) == ("new\n", "old\n")


# -- SIGTERM -----------------------------------------------------------------------------------

def test_sigterm_during_the_write_removes_the_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    with pytest.raises(Terminated), open_output(target) as sink:
        sink.write("half a row")
        os.kill(os.getpid(), signal.SIGTERM)
    assert target.read_text() == "old\n"
    assert files(tmp_path) == ["out.csv"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_sigterm_on_the_command_line_exits_143(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    script = (  # the signal arrives while the temporary file is open, as a `kill` would
        "import os, signal, mncost.output as o\n"
        "real = o.os.fsync\n"
        "def fsync(fd):\n"
        "    os.kill(os.getpid(), signal.SIGTERM)\n"
        "    real(fd)\n"
        "o.os.fsync = fsync\n"
        "from mncost.entry import run\n"
        f"run(['show', 'v1', '-f', 'csv', '-o', {str(target)!r}], prog_name='mncost')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 143, done.stderr
    assert done.stderr == "Aborted (terminated); no output file was changed.\n"
    assert target.read_text() == "old\n"
    assert files(tmp_path) == ["out.csv"]
