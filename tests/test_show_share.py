"""The Share column of `mncost show`: a bar scaled to the most expensive layer plus its % of MACs."""

from __future__ import annotations

from mncost.cli import main
from mncost.render.table import share_bar

from .conftest import report


def test_share_bar() -> None:
    assert share_bar(50, 50, 200) == "█████ 25%"
    assert share_bar(25, 50, 200) == "██▌   12%"
    assert share_bar(0, 50, 200) == ""
    assert share_bar(1, 8 * 5, 1000) == "▏      0%"


def test_show_marks_the_most_expensive_layer(runner) -> None:  # type: ignore[no-untyped-def]
    r = report("v1")
    top = max(r.layers, key=lambda layer: layer.macs)
    result = runner.invoke(main, ["show", "v1"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    full = [line for line in result.output.splitlines() if "█████" in line]
    assert full and all(f"{top.macs:,}" in line for line in full)
    assert f"{round(100 * top.macs / r.totals.macs):3d}%" in full[0]
