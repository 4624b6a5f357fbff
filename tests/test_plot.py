"""`mncost plot`: figures in every format, written atomically; skipped without matplotlib."""

from __future__ import annotations

import re
import struct
import sys
from pathlib import Path

import pytest

from mncost.cli import main

from .conftest import report


def test_missing_matplotlib_is_one_line_and_exit_2(runner, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import mncost.render

    monkeypatch.setitem(sys.modules, "matplotlib", None)  # as if the extra were not installed
    monkeypatch.delitem(sys.modules, "mncost.render.plot", raising=False)
    monkeypatch.delattr(mncost.render, "plot", raising=False)
    result = runner.invoke(main, ["plot", "v1", "-o", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert result.stderr.strip() == "Error: mncost plot needs matplotlib: pip install 'mncost[plot]'"
    assert not list(tmp_path.iterdir())


def test_bad_suffix_is_usage_error(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["plot", "v1", "-o", str(tmp_path / "x.jpg")])
    assert result.exit_code == 2 and ".png, .svg or .pdf" in result.stderr
    assert not list(tmp_path.iterdir())


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


@pytest.mark.parametrize("args", [[], ["--sweep"], ["--sweep", "--y", "peak-memory", "--alpha", "1,0.5",
                                                    "--resolution", "224,160"]])
@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_formats(runner, tmp_path: Path, fmt: str, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    out = tmp_path / f"fig.{fmt}"
    result = runner.invoke(main, ["plot", "v2", "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    data = out.read_bytes()
    inches = (8.0, 6.0) if args else (11.0, 7.5)
    if fmt == "png":
        assert png_size(data) == (round(inches[0] * 100), round(inches[1] * 100))
        assert len(data) > 20_000  # bars, text and axes, not a blank canvas
    elif fmt == "svg":
        head = data[:2000].decode()
        assert head.startswith("<?xml") and f'width="{inches[0] * 72:g}pt"' in head
        text = data.decode()
        assert ("per-layer cost" in text) != bool(args) and "MobileNet V2" in text
        assert text.count("<path") > 15  # axes, ticks, bars or markers
    else:
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        assert re.search(rb"/MediaBox \[ ?0 0 %d %d ?\]" % (inches[0] * 72, inches[1] * 72), data)
        assert len(data) > 5_000
    assert [p.name for p in tmp_path.iterdir()] == [out.name]


def test_svg_is_deterministic(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    a, b = tmp_path / "a.svg", tmp_path / "b.svg"
    runner.invoke(main, ["plot", "v1", "-o", str(a)])
    runner.invoke(main, ["plot", "v1", "-o", str(b)])
    assert a.read_bytes() == b.read_bytes()


def test_failed_write_leaves_target_untouched(runner, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("matplotlib")
    out = tmp_path / "fig.png"
    out.write_bytes(b"old")

    def broken(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("mncost.output.os.replace", broken)
    result = runner.invoke(main, ["plot", "v1", "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {out}: cannot write: disk full\n"
    assert out.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["fig.png"]


def test_stages_from_names_and_sizes() -> None:
    pytest.importorskip("matplotlib")
    from mncost.render.plot import stages

    r = report("v2")
    groups = stages([layer.name for layer in r.layers], [layer.output_shape.h for layer in r.layers])
    labels = [g[2] for g in groups]
    assert labels[:3] == ["conv1", "stage1", "stage2"] and "stage7" in labels
    assert groups[0][0] == 0 and groups[-1][1] == len(r.layers) - 1
    v1 = report("v1")
    sizes = stages([layer.name for layer in v1.layers], [layer.output_shape.h for layer in v1.layers])
    assert [g[2] for g in sizes] == ["112×112", "56×56", "28×28", "14×14", "7×7", "1×1"]
