"""Streamed sweeps (issue 12, item 3): CSV and JSON Lines rows are written as they are computed,
to stdout or through a temporary file that replaces -o only when complete; the same rows as the
unstreamed sweep; the 10^4 guard still asks for --yes; a grid too large to run is one line.
Time and memory at 10^5-10^7 points are in benchmarks/stream.py (not run here)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from mncost import Config, load
from mncost.cli import main
from mncost.render.units import Units
from mncost.sweep_grid import run_sweep, sweep_module

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["sweep", "v1", "-a", "1,0.75,0.5", "--resolution", "224,160"]


def test_csv_rows_are_the_sweep_rows(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, [*ARGS, "-f", "csv"])
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    expected = run_sweep(load("v1"), [1.0, 0.75, 0.5], [224, 160], Config()).points
    assert [(float(r["alpha"]), int(r["resolution"]), int(r["params"]), int(r["macs"]), int(r["peak_bytes"]))
            for r in rows] == [(e.alpha, e.resolution, e.params, e.macs, e.peak_bytes) for e in expected]
    assert rows[0]["macs"] == "568740352"  # V1 paper, Table 8: 569 M mult-adds at 1.0 MobileNet-224


@pytest.mark.parametrize("units", [None, "k"])
def test_streamed_csv_is_what_the_whole_sheet_gives(runner, tmp_path: Path, units: str | None) -> None:  # type: ignore[no-untyped-def]
    from mncost.render.csv import to_csv
    from mncost.render.sheet import sweep_sheet

    sheet = sweep_sheet(run_sweep(load("v1"), [1.0, 0.75, 0.5], [224, 160], Config()), machine=True)
    target = tmp_path / "out.csv"
    result = runner.invoke(main, [*ARGS, "-o", str(target), *(["--units", units] if units else [])])
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes() == to_csv(sheet, Units(units) if units else None).encode()  # CRLF, RFC 4180


def test_jsonl_has_one_object_per_point_with_the_csv_keys(runner) -> None:  # type: ignore[no-untyped-def]
    lines = runner.invoke(main, [*ARGS, "-f", "jsonl"]).stdout.splitlines()
    header = runner.invoke(main, [*ARGS, "-f", "csv"]).stdout.splitlines()[0].split(",")
    objects = [json.loads(line) for line in lines]
    assert len(objects) == 6 and all(list(o) == header for o in objects)
    assert objects[0]["macs"] == 568740352 and objects[0]["params"] == 4210088  # V1 paper, Table 8: 569 M, 4.2 M
    assert [(o["alpha"], o["resolution"]) for o in objects] == [(a, r) for a in (1.0, 0.75, 0.5) for r in (224, 160)]


def test_jsonl_is_chosen_by_the_suffix(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "points.jsonl"
    assert runner.invoke(main, [*ARGS, "-o", str(target)]).exit_code == 0
    assert json.loads(target.read_text().splitlines()[0])["row"] == "point"
    assert runner.invoke(main, ["show", "v1", "-f", "jsonl"]).exit_code == 2  # sweep only


def test_rows_are_written_before_the_sweep_ends(runner, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    """The engine is called one α at a time, and each α's rows are out before the next is computed."""
    real = sweep_module.sweep
    seen: list[int] = []

    def one_alpha(graph, alphas, resolutions, config):  # type: ignore[no-untyped-def]
        assert len(alphas) == 1
        seen.append(written())
        return real(graph, alphas, resolutions, config)

    out = io.StringIO()
    written = lambda: out.getvalue().count("\n")  # noqa: E731
    monkeypatch.setattr(sweep_module, "sweep", one_alpha)
    monkeypatch.setattr("sys.stdout", out)
    from mncost.cli.emit import emit_lines
    from mncost.cli.sweep import _first_computed
    from mncost.render.csv import csv_lines
    from mncost.render.sheet import sweep_sheet
    from mncost.sweep_grid import stream_sweep

    frame, rows = stream_sweep(load("v1"), [1.0, 0.75, 0.5], [224, 160], Config())
    emit_lines(csv_lines(sweep_sheet(frame, machine=True), _first_computed(rows)), None)
    assert seen == [0, 3, 5]  # header + 2 rows out before the 2nd α, 2 more before the 3rd
    assert written() == 7


def test_failure_mid_stream_leaves_the_target(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "out.csv"
    target.write_text("old\n")
    result = runner.invoke(main, ["sweep", "v1", "-a", "1,0.5,0.001", "-f", "csv", "-o", str(target)])
    assert result.exit_code == 2
    rows = (ROOT / "specs/v1.yaml").read_text().splitlines()
    line = next(n for n, text in enumerate(rows, 1) if "Conv2d_0," in text)
    assert result.stderr == (f"Error: specs/v1.yaml:{line}: layer 'Conv2d_0': 'out' = 0 at alpha=0.001; "
                             "it must be >= 1\n")
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_failure_at_the_first_point_prints_nothing(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["sweep", "v1", "-a", "0.001,1", "-f", "csv"])
    assert result.exit_code == 2 and result.stdout == ""


def test_large_grid_still_needs_yes(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["sweep", "v1", "-a", "0.1:1:0.00001", "-f", "csv"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == ("Error: the grid has 90,001 points, more than 10,000; give --yes to run it anyway "
                             "(see 'main sweep --help')\n")


@pytest.mark.parametrize(("alpha", "resolution"), [
    ("0.000000000000000000000000001:1:0.000000000000000000000000001", "32:1031:1"),
    ("0.0000000000001:1:0.0000000000001", "32:1031:1"),
    ("1", "1:10000000000000000000000000000:1"),
])
def test_unrepresentable_grid_is_one_line(runner, alpha: str, resolution: str) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["sweep", "v1", "-a", alpha, "--resolution", resolution, "--yes"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("Error: the grid has ") and result.stderr.count("\n") == 1
    assert "more than any sweep can run (1e+15)" in result.stderr
