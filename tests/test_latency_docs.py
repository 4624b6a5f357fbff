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


README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_lofo_table_is_the_pages() -> None:
    """The README's per-table figures are the page's first LOFO table (kept current above)."""
    readme = README.split("<!-- readme-lofo:begin -->")[1].split("<!-- readme-lofo:end -->")[0].strip()
    assert readme == between("lofo:begin", "lofo:end").strip().split("\n\n")[0]


def test_readme_calibration_csv_is_the_pages_example() -> None:
    readme = README.split("<!-- readme-calibrate:begin -->")[1].split("<!-- readme-calibrate:end -->")[0]
    page = between("calibrate-example:begin", "calibrate-example:end")
    assert readme.split("```csv\n")[1].split("```")[0] == page.split("```csv\n")[1].split("```")[0]


def _lofo_rows() -> dict[str, list[float]]:
    """The page's leave-one-family-out table (kept current by test_lofo_table_is_current): per
    table, LOFO mean, LOFO ±10 %, MACs-only mean, MACs-only ±10 % (in %)."""
    rows = {}
    for line in between("lofo:begin", "lofo:end").splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 9 and cells[4].endswith("%"):
            rows[cells[0]] = [float(c.rstrip("%")) for c in cells[4:8]]
    return rows


def test_readme_latency_figures_are_the_pages() -> None:
    """The README's summary of how well the model predicts quotes the page's table."""
    rows = _lofo_rows()
    v3 = [r for name, r in rows.items() if "v3paper" in name]
    assert len(v3) == 6

    def span(values: list[float], digits: int = 1) -> str:
        return f"{min(values):.{digits}f} to {max(values):.{digits}f}"

    text = " ".join(README.split())
    assert (f"on the six V3-paper tables (Pixel 1, 2, 3; fp32 and int8) {span([r[0] for r in v3])} % mean error "
            f"and {span([r[1] for r in v3], 0)} % of networks within ±10 % (MACs only: "
            f"{span([r[2] for r in v3], 0)} %, {span([r[3] for r in v3], 0)} %)") in text
    cpu = rows["pixel3-tflite-cpu4-fp32"]
    assert f"hosted CPU fp32 table {cpu[0]:.1f} %, {cpu[1]:.0f} % (MACs only {cpu[2]:.1f} %, {cpu[3]:.0f} %)" in text
    poor = [rows[n][0] for n in ("pixel3-tflite-gpu-fp32", "pixel3-tflite-nnapi-fp32", "pixel3-tflite-nnapi-int8")]
    assert f"({span(poor, 0)} % mean error;" in text
    assert f"hosted CPU int8 table ({rows['pixel3-tflite-cpu4-int8'][0]:.0f} %:" in text
    assert f"(three networks: {rows['pixel1-v2paper-fp32'][0]:.1f} %," in text
