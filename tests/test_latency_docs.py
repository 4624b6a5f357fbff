"""docs/latency.md cannot drift: its leave-one-family-out table and its calibration example are
recomputed here."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from mncost.cli import main

from .conftest import cli_runner

ROOT = Path(__file__).parent.parent
DOC = (ROOT / "docs" / "latency.md").read_text(encoding="utf-8")


def between(begin: str, end: str) -> str:
    return DOC.split(f"<!-- {begin} -->")[1].split(f"<!-- {end} -->")[0]


def test_lofo_table_is_current() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "latency_lofo.py"), "--markdown"],
                            capture_output=True, text=True, check=True)
    assert between("lofo:begin", "lofo:end").strip() == result.stdout.strip()


def test_calibration_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    block = between("calibrate-example:begin", "calibrate-example:end")
    csv_text = block.split("```csv\n")[1].split("```")[0]
    console = block.split("```console\n")[1].split("```")[0]
    (tmp_path / "my-phone.csv").write_text(csv_text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    commands = console.split("$ ")[1:]
    assert len(commands) == 2
    for chunk in commands:
        command, _, expected = chunk.partition("\n")
        args = shlex.split(command)
        assert args[0] == "mncost"
        result = cli_runner().invoke(main, args[1:], catch_exceptions=False)
        assert result.exit_code == 0
        assert result.output == expected, command
    assert os.path.exists(tmp_path / "my-phone.yaml")
