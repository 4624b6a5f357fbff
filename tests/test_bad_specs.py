"""The bad-spec corpus: every file in tests/bad_specs/ is refused with its exact one-line message.

Each file starts with `# expect: LINE: MESSAGE` (and optionally `# args: OPTIONS` for the command
line). `mncost show tests/bad_specs/NAME.yaml [OPTIONS]` must print exactly
`Error: tests/bad_specs/NAME.yaml:LINE: MESSAGE` on stderr, nothing on stdout, and exit with 2.
Some files are deliberately not UTF-8 or hold NUL bytes, so they are read as bytes here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mncost.cli import main

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted((ROOT / "tests" / "bad_specs").glob("*.yaml"))


def expectation(path: Path) -> tuple[str, list[str]]:
    """The expected `LINE: MESSAGE` and the extra command-line arguments of a corpus file."""
    lines = path.read_bytes().split(b"\n")
    first = lines[0].decode("utf-8")
    assert first.startswith("# expect: "), f"{path.name} must start with '# expect: LINE: MESSAGE'"
    second = lines[1].decode("utf-8", errors="replace") if len(lines) > 1 else ""
    args = second.removeprefix("# args: ").split() if second.startswith("# args: ") else []
    return first.removeprefix("# expect: "), args


def test_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 45


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_bad_spec(path: Path, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    expected, args = expectation(path)
    shown = f"tests/bad_specs/{path.name}"
    result = runner.invoke(main, ["show", shown, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"Error: {shown}:{expected}\n"
    assert "Traceback" not in result.stderr
