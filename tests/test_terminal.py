"""Standard output and terminals (issue 12, item 6): a closed or full stdout, a broken pipe, a
Latin-1 stdout, escape sequences in spec text, an 80-column diff, Ctrl-C while starting up.
These run the real command (`python -m mncost`) in a subprocess: file descriptors, encodings
and signals are what is tested."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mncost import Config, evaluate, load
from mncost.bundled import specs_dir
from mncost.diff import diff
from mncost.render.diff_table import to_diff_table


def mncost(*args: str, env: dict[str, str] | None = None, **kwargs: object) -> subprocess.CompletedProcess[bytes]:
    full_env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", **(env or {})}
    return subprocess.run([sys.executable, "-m", "mncost", *args], capture_output=True, env=full_env,
                          timeout=120, **kwargs)  # type: ignore[call-overload]


# -- where stdout goes -------------------------------------------------------------------------

def test_closed_stdout_is_an_error_not_lost_output() -> None:
    done = subprocess.run([sys.executable, "-m", "mncost", "show", "v1", "-f", "csv"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, timeout=120, pass_fds=(), close_fds=True,
                          preexec_fn=lambda: os.close(1))
    assert done.returncode == 2
    assert done.stderr == b"Error: cannot write to standard output: standard output is closed\n"


def test_closed_stdout_is_fine_with_an_output_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    done = subprocess.run([sys.executable, "-m", "mncost", "show", "v1", "-o", str(target)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120,
                          preexec_fn=lambda: os.close(1))
    assert done.returncode == 0, done.stderr
    assert target.read_text().startswith("row,name,op,type")


def test_stdout_on_a_full_device() -> None:
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "wb") as full:
        done = subprocess.run([sys.executable, "-m", "mncost", "show", "v1"], stdout=full, stderr=subprocess.PIPE,
                              timeout=120)
    assert done.returncode == 2
    assert done.stderr == b"Error: cannot write to standard output: No space left on device\n"


def test_broken_pipe_ends_quietly() -> None:
    """`mncost sweep ... | head -c 100`: the reader leaves after 100 bytes of ~0.2 MB."""
    with subprocess.Popen([sys.executable, "-m", "mncost", "sweep", "v1", "-a", "0.1:1:0.0005", "-f", "csv",
                           "--yes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(100).startswith(b"row,alpha,resolution")
        process.stdout.close()
        stderr = process.stderr.read()
        code = process.wait(timeout=120)
    assert code in (-signal.SIGPIPE, 128 + signal.SIGPIPE), (code, stderr)  # not 1: that is a diff finding
    assert stderr == b""


# -- encodings ---------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["show", "v1"], ["show", "v1", "-f", "markdown"], ["sweep", "v1", "-a", "1,0.5", "--pivot", "macs"],
    ["diff", "v1", "v2"], ["formula", "v1"], ["fit", "v1", "--max-macs", "300M"], ["list"],
])
def test_latin1_stdout_gets_ascii_for_what_it_cannot_encode(args: list[str]) -> None:
    done = mncost(*args, env={"PYTHONIOENCODING": "latin-1"})
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr and b"UnicodeEncodeError" not in done.stderr
    utf8 = mncost(*args)
    assert utf8.returncode == 0
    text, reference = done.stdout.decode("latin-1"), utf8.stdout.decode("utf-8")
    assert text.count("?") == reference.count("?")  # every replaced character had an ASCII form
    figures = re.findall(r"\d[\d,]*\d", reference)
    assert figures and all(f in text for f in figures)  # every figure survives the fallback


def test_latin1_fallback_words() -> None:
    done = mncost("formula", "v1", env={"PYTHONIOENCODING": "latin-1"})
    text = done.stdout.decode("latin-1")
    assert "alpha = width multiplier, rho = resolution / 224" in text
    assert "α" not in text


# -- spec text cannot drive the terminal -------------------------------------------------------

HOSTILE = {"description": "\x1b]0;pwned\x07 clears \x1b[2J the screen", "family": "fam\u202eylimaf"}


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    text = (specs_dir() / "v1.yaml").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if not line.startswith(("description:", "family:"))]
    lines.insert(1, 'description: "\\e]0;pwned\\a clears \\e[2J the screen"')
    lines.insert(2, 'family: "fam\\u202Eylimaf"')
    path = tmp_path / "hostile.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("fmt", ["table", "markdown", "csv", "json", "latex"])
def test_escape_sequences_in_spec_text_are_shown_escaped(hostile: Path, fmt: str) -> None:
    done = mncost("show", str(hostile), "-f", fmt, "--summary" if fmt != "json" else "--detail")
    assert done.returncode == 0, done.stderr
    text = done.stdout.decode("utf-8")
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    if fmt == "table":
        assert r"\x1b]0;pwned\x07 clears \x1b[2J the screen" in text
    if fmt == "markdown":  # Markdown's own escapes on top: it renders as the text above
        assert r"\\x1b\]0;pwned\\x07 clears \\x1b\[2J the screen" in text


def test_spec_text_is_escaped_once_in_the_loaded_spec(hostile: Path) -> None:
    spec = load(str(hostile)).spec
    assert spec.description == r"\x1b]0;pwned\x07 clears \x1b[2J the screen"
    assert spec.family == r"fam\u202eylimaf"


def test_diff_of_hostile_spec_is_escaped(hostile: Path) -> None:
    done = mncost("diff", "v1", str(hostile), "-f", "markdown")
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout.decode("utf-8")


# -- diff at 80 columns ------------------------------------------------------------------------

def figures_of(result: object) -> set[str]:
    from mncost.render.deltas import signed

    shown = set()
    for layer in result.shown(False):  # type: ignore[attr-defined]
        for field in ("params", "macs", "live_bytes"):
            shown.add(signed(layer.change(field).delta))
    return shown


@pytest.mark.parametrize("width", [80, 120])
def test_diff_at_80_columns_cuts_no_figure(width: int) -> None:
    """README: a narrow terminal folds a column, it never cuts a figure (V1 vs V2 used to show
    399 '…' at 80 columns)."""
    result = diff(evaluate(load("v1"), Config()), evaluate(load("v2"), Config()), "v1", "v2")
    text = to_diff_table(result, width=width).plain
    assert "…" not in text
    assert max(map(len, text.splitlines())) <= width
    lines = text.splitlines()
    for figure in figures_of(result):  # each figure whole on one line
        assert any(re.search(rf"(?<![\d,]){re.escape(figure)}(?![\d,])", line) for line in lines), figure
    left_out = "(hidden: Output, Params, MACs; --wide shows every column, --format markdown every figure)"
    assert (left_out in text.replace("\n  ", " ")) == (width == 80)  # each layer's change is still shown
    assert ("112x112x32" in text) == (width == 120)


def test_layer_names_with_a_line_break_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "n.yaml"
    path.write_text('name: t\ndescription: d\nsource: s\ninput: {resolution: 32, channels: 3}\nlayers:\n'
                    '  - {name: "c1\\n", op: conv, kernel: 3, stride: 2, out: 8}\n', encoding="utf-8")
    done = mncost("show", str(path))
    assert done.returncode == 2
    assert done.stderr.decode().startswith(f"Error: {path}:6: 'name' must be letters, digits, '_' or '-'")


def test_diff_at_40_columns_folds_but_never_cuts() -> None:
    result = diff(evaluate(load("v1"), Config()), evaluate(load("v2"), Config()), "v1", "v2")
    text = to_diff_table(result, width=40).plain
    assert "…" not in text and max(map(len, text.splitlines())) <= 40
    lines = text.splitlines()
    for figure in figures_of(result):  # hidden or whole, never split
        assert figure not in text or any(re.search(rf"(?<![\d,]){re.escape(figure)}(?![\d,])", line)
                                         for line in lines), figure


# -- Ctrl-C while starting up ------------------------------------------------------------------

def test_ctrl_c_during_start_up() -> None:
    script = (  # SIGINT arrives while the command line's modules are being imported
        "import builtins, os, signal\n"
        "signal.signal(signal.SIGINT, signal.default_int_handler)\n"  # as in a terminal (`&` ignores SIGINT)
        "real = builtins.__import__\n"
        "def imported(name, *args, **kwargs):\n"
        "    if name == 'click':\n"
        "        os.kill(os.getpid(), signal.SIGINT)\n"
        "    return real(name, *args, **kwargs)\n"
        "builtins.__import__ = imported\n"
        "from mncost.entry import run\n"
        "run(['show', 'v1'], prog_name='mncost')\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130
    assert done.stderr == "Aborted (interrupted).\n"
    assert done.stdout == ""


def test_nothing_is_imported_before_run_can_catch_ctrl_c() -> None:
    """The console script (pip's wrapper: `import re, sys; from mncost.entry import run`) reaches
    run()'s handler after importing only these: the rest of start-up is Python's own."""
    script = ("import re, sys\n"
              "before = set(sys.modules)\n"
              "import mncost.entry\n"
              "print(' '.join(sorted(set(sys.modules) - before)))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) <= {"__future__", "gc", "mncost", "mncost.entry"}, done.stdout
