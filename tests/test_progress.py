"""Progress on stderr (issue 18, item 6): only on a terminal, only after about a second, erased
before any output, never on stdout."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from rich.console import Console

from mncost.cli import main, progress

from .conftest import cli_runner


@pytest.fixture
def runner() -> CliRunner:
    """The suite's runner without TERM=dumb (a dumb terminal gets no display: tested below)."""
    return cli_runner(env={"COLUMNS": "120", "NO_COLOR": "1", "TERM": "xterm-256color"})


SWEEP = ["sweep", "v1", "--alpha", "1,0.75,0.5", "--resolution", "224,160", "-f", "csv"]


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """stderr as a terminal: the display goes to the returned buffer."""
    screen = io.StringIO()
    monkeypatch.setattr(progress, "_console", lambda: Console(file=screen, force_terminal=True,
                                                                      force_interactive=True, width=80))
    return screen


def plain(runner: CliRunner, args: list[str]) -> tuple[int, str, str]:
    result = runner.invoke(main, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_silent_when_stderr_is_not_a_terminal(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.0)  # would show at once on a terminal
    code, out, err = plain(runner, SWEEP)
    assert (code, err) == (0, "") and out.startswith("row,alpha,resolution")


def test_shown_on_a_terminal_and_erased_before_output(runner: CliRunner, monkeypatch: pytest.MonkeyPatch,
                                                      terminal: io.StringIO) -> None:
    expected = plain(runner, SWEEP)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    assert plain(runner, SWEEP) == expected  # stdout and stderr exactly as without a display
    shown = terminal.getvalue()
    assert "mncost sweep v1" in shown and "0:00:0" in shown  # what is done and the time taken
    assert shown.endswith("\x1b[?25h\r\x1b[1A\x1b[2K") or "\x1b[2K" in shown.rsplit("\x1b[?25h", 1)[1]  # erased
    assert not progress.showing()


def test_not_shown_for_quick_work(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, terminal: io.StringIO) -> None:
    monkeypatch.setattr(progress, "DELAY", 30.0)
    assert plain(runner, ["show", "v1", "--summary"])[0] == 0
    assert terminal.getvalue() == "" and not progress.showing()


@pytest.mark.parametrize("args", [["show", "v1"], ["fit", "v2", "--max-macs", "150M", "-f", "json"],
                                  ["diff", "v1", "v2", "-f", "markdown"], ["formula", "v1"], ["memory", "v2"],
                                  ["space", "sample", "ofa-mbv3", "-n", "3", "--max-macs", "300M"]])
def test_long_running_commands_show_it(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, terminal: io.StringIO,
                                       args: list[str]) -> None:
    expected = plain(runner, args)
    monkeypatch.setattr(progress, "DELAY", 0.0)
    assert plain(runner, args) == expected
    assert f"mncost {args[0]} {args[1]}" in terminal.getvalue()


def test_output_erases_the_display_first(monkeypatch: pytest.MonkeyPatch, terminal: io.StringIO,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    from mncost.cli.emit import emit

    monkeypatch.setattr(progress, "DELAY", 0.0)
    with progress.working("busy"):
        assert progress.showing()
        before = terminal.getvalue()
        emit("result\n", None)
        assert not progress.showing()
        assert terminal.getvalue() != before  # the erase was written before the result
    assert capsys.readouterr().out == "result\n"


def test_an_error_leaves_one_line(runner: CliRunner, monkeypatch: pytest.MonkeyPatch, terminal: io.StringIO,
                                  tmp_path: Path) -> None:
    monkeypatch.setattr(progress, "DELAY", 0.0)
    (tmp_path / "bad.yaml").write_text("name: [\n", encoding="utf-8")
    result = runner.invoke(main, ["show", str(tmp_path / "bad.yaml")])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: ") and len(result.stderr.splitlines()) == 1
    assert not progress.showing()


def test_a_dumb_terminal_gets_no_display(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stderr", Tty())
    monkeypatch.setenv("TERM", "xterm-256color")
    assert progress._console() is not None  # a real terminal gets one
    monkeypatch.setenv("TERM", "dumb")
    assert progress._console() is None
    monkeypatch.setattr("sys.stderr", io.StringIO())  # not a terminal
    monkeypatch.setenv("TERM", "xterm-256color")
    assert progress._console() is None
