"""Bad command-line input: one line `Error: ...` on stderr, exit code 2, nothing on stdout.

Results go to stdout and errors to stderr, so a pipeline never mixes them. Tests run as root,
which can read a chmod-000 file, so an unreadable file is simulated by making `open` fail with
EACCES; a FIFO stands for "not a regular file" (reading one would block forever).
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mncost.cli import main


def refused(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr.rstrip("\n")


@pytest.mark.parametrize("option", ["--alpha", "--rho", "--depth-multiplier"])
@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "-1", "0", "", "abc", "1e-400"])
def test_bad_multipliers(runner: CliRunner, option: str, value: str) -> None:
    message = refused(runner, "show", "v1", f"{option}={value}")
    assert f"Invalid value for '{option}'" in message
    assert message.endswith("(see 'main show --help')")


@pytest.mark.parametrize("value, why", [("nan", "'nan' must be a finite number > 0"),
                                        ("-1", "'-1' must be a finite number > 0"),
                                        ("", "'' is not a number")])
def test_alpha_messages(runner: CliRunner, value: str, why: str) -> None:
    assert refused(runner, "show", "v1", f"--alpha={value}") == (
        f"Error: Invalid value for '--alpha' / '-a': {why} (see 'main show --help')")


@pytest.mark.parametrize("option", ["--resolution", "--classes"])
@pytest.mark.parametrize("value", ["0", "-3", "", "1.5", "x"])
def test_bad_counts(runner: CliRunner, option: str, value: str) -> None:
    assert f"Invalid value for '{option}'" in refused(runner, "show", "v1", f"{option}={value}")


NO_SUCH_OPTION = r"No such option(: --bogus|( '--bogus'))"
"""click's wording: 8.1 `No such option: --bogus`, 8.2 on `No such option '--bogus'`."""


@pytest.mark.parametrize("args, message", [
    (["show", "v1", "--rho", "0.5", "--resolution", "112"], "give either --rho or --resolution, not both"),
    (["show", "v1", "--format", "xml"], "Invalid value for '--format' / '-f'"),
    (["show", "v1", "--bogus"], NO_SUCH_OPTION),
    (["show"], "Missing argument 'SPEC'"),
    (["show", "v1", "v2"], "Got unexpected extra argument (v2)"),
    (["nosuch"], "No such command 'nosuch'"),
    (["--bogus"], NO_SUCH_OPTION),
])
def test_usage_errors_are_one_line(runner: CliRunner, args: list[str], message: str) -> None:
    assert re.search(message if message is NO_SUCH_OPTION else re.escape(message), refused(runner, *args))


def test_bare_command_prints_help(runner: CliRunner) -> None:
    result = runner.invoke(main, [])
    both = result.stdout + result.stderr  # click 8.1 prints this help to stdout, 8.2 to stderr
    assert "Usage:" in both and "Traceback" not in both


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "nope.yaml"
    assert refused(runner, "show", str(path)) == f"Error: {path}: no such file"


def test_empty_spec_argument(runner: CliRunner) -> None:
    assert refused(runner, "show", "") == (
        "Error: the spec argument is empty (give a bundled name such as v1, or a YAML file)")


def test_directory(runner: CliRunner, tmp_path: Path) -> None:
    folder = tmp_path / "net.yaml"
    folder.mkdir()
    assert refused(runner, "show", str(folder)) == f"Error: {folder}: is a directory, not a spec file"


def test_broken_symlink(runner: CliRunner, tmp_path: Path) -> None:
    link = tmp_path / "net.yaml"
    link.symlink_to(tmp_path / "gone.yaml")
    assert refused(runner, "show", str(link)) == f"Error: {link}: is a broken symbolic link"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
def test_fifo_is_refused_without_blocking(runner: CliRunner, tmp_path: Path) -> None:
    fifo = tmp_path / "net.yaml"
    os.mkfifo(fifo)
    assert refused(runner, "show", str(fifo)) == (
        f"Error: {fifo}: is not a regular file (a pipe, socket or device); give a YAML file")


def test_unreadable_file(runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "net.yaml"
    path.write_text("name: x\n", encoding="utf-8")
    # Tests run as root, which reads a chmod-000 file, so the loader's open() is made to refuse.
    real_open = open

    def deny(file: object, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if str(file) == str(path):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr("mncost.spec.open", deny, raising=False)
    assert refused(runner, "show", str(path)) == f"Error: {path}: cannot read (Permission denied)"


def test_results_go_to_stdout_and_nothing_to_stderr(runner: CliRunner) -> None:
    result = runner.invoke(main, ["show", "v1", "--format", "json"])
    assert result.exit_code == 0
    assert result.stdout.startswith("{") and result.stderr == ""
