"""docs/spaces.md cannot drift: every console example is run and its output compared, and the
Python loop is run and its printed result compared."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

import pytest

from mncost.cli import main

from .conftest import cli_runner

ROOT = Path(__file__).parent.parent
DOC = (ROOT / "docs" / "spaces.md").read_text(encoding="utf-8")
PREFIX_ONLY = ("lut-keys",)
"""Commands whose example shows only the first lines of their output."""


def _commands() -> list[tuple[str, str]]:
    found = []
    for block in re.findall(r"```console\n(.*?)```", DOC, re.S):
        for chunk in block.split("$ ")[1:]:
            command, _, expected = chunk.partition("\n")
            found.append((command, expected))
    return found


def test_the_page_has_examples() -> None:
    assert len(_commands()) >= 7


@pytest.mark.parametrize(("command", "expected"), _commands(), ids=[c for c, _ in _commands()])
def test_console_example(command: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    configs = DOC.split("<!-- spaces-configs:begin -->")[1].split("```jsonl\n")[1].split("```")[0]
    (tmp_path / "configs.jsonl").write_text(configs, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    args = shlex.split(command)
    assert args[0] == "mncost"
    result = cli_runner(env={"COLUMNS": "80", "NO_COLOR": "1"}).invoke(main, args[1:])
    shown = result.stdout if result.exit_code == 0 else result.stderr
    if any(word in args for word in PREFIX_ONLY):
        assert shown.startswith(expected), command
    else:
        assert shown == expected, command


def test_python_loop() -> None:
    block = DOC.split("<!-- spaces-python:begin -->")[1].split("<!-- spaces-python:end -->")[0]
    code = block.split("```python\n")[1].split("```")[0]
    expected = block.split("```text\n")[1].split("```")[0]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "docs/spaces.md", "exec"), {})  # noqa: S102 - the page's own example
    assert printed.getvalue() == expected


README = (ROOT / "README.md").read_text(encoding="utf-8")


def _readme_block(marker: str, fence: str) -> str:
    block = README.split(f"<!-- {marker}:begin -->")[1].split(f"<!-- {marker}:end -->")[0]
    return block.split(f"```{fence}\n")[1].split("```")[0]


def test_readme_python_loop_prints_what_it_shows() -> None:
    """The README's search loop (`space.costs` over a population), as written there."""
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(_readme_block("readme-space-python", "python"), "README.md", "exec"), {})  # noqa: S102
    assert printed.getvalue() == _readme_block("readme-space-python", "text")


def test_readme_space_file_is_the_bundled_one() -> None:
    """The README's space file is spaces/ofa-mbv3.yaml, key for key (description and source left out)."""
    import yaml

    shown = yaml.safe_load(_readme_block("readme-space", "yaml"))
    bundled = yaml.safe_load((ROOT / "spaces" / "ofa-mbv3.yaml").read_text(encoding="utf-8"))
    assert shown == {k: v for k, v in bundled.items() if k not in ("description", "source")}
