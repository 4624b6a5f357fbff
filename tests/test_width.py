"""Terminal tables that fit (issue 18, item 1): `--width N` lays a table out for N columns (what a
terminal of N columns gets), columns are hidden in the declared order with a note saying so, names
and descriptions fold, and a figure is never split. A pipe keeps the natural width.

Golden files: tests/golden/width/COMMAND_WIDTH.txt (rewrite with `pytest --update-goldens`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mncost.bundled import bundled_names
from mncost.cli import main
from mncost.columns import HIDDEN_FIRST, LAYER_COLUMNS
from mncost.render.layout import Cells, lay_out, render

HERE = Path(__file__).parent
WIDTHS = (60, 80, 100, 200)
COMMANDS = {
    "show_v1": ["show", "v1"],
    "show_v2": ["show", "v2"],
    "show_v1_summary": ["show", "v1", "--summary"],
    "sweep_v1": ["sweep", "v1", "-a", "1,0.75,0.5", "--resolution", "224,192,160"],
    "diff_tiny": ["diff", "diff_specs/tiny.yaml", "diff_specs/tiny-deeper.yaml"],
    "list": ["list"],
}


def run(runner: CliRunner, args: list[str]) -> str:
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_golden_at_width(runner: CliRunner, golden, name: str, width: int,  # type: ignore[no-untyped-def]
                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(HERE)  # the diff's file names, independent of the checkout
    text = run(runner, [*COMMANDS[name], "--width", str(width)])
    golden(f"width/{name}_{width}.txt", text)
    assert max(map(len, text.splitlines())) <= width


FIGURE = re.compile(r"(?<![\w.,])[+-]?\d{1,3}(?:,\d{3})+(?![\w,])")


@pytest.mark.parametrize("width", [60, 80])
@pytest.mark.parametrize("spec", bundled_names())
def test_every_bundled_table_fits_and_keeps_every_figure_whole(runner: CliRunner, spec: str, width: int) -> None:
    """Law over every bundled spec: the table fits; every per-layer params and MACs figure of the
    natural-width table is on one line of the fitted one (hidden columns aside, never split)."""
    natural = run(runner, ["show", spec])
    fitted = run(runner, ["show", spec, "--width", str(width)])
    assert max(map(len, fitted.splitlines())) <= width
    body = [line for line in fitted.splitlines() if line.startswith(" ") and FIGURE.search(line)]
    wanted = []
    for line in natural.splitlines():
        figures = FIGURE.findall(line)
        if line.startswith(" ") and len(figures) >= 2:
            wanted.append(figures[:2])  # params, MACs: never hidden
    found = [FIGURE.findall(line)[:2] for line in body]
    assert [pair for pair in found if len(pair) == 2] == wanted


def test_the_hidden_columns_are_named_with_the_way_to_show_them(runner: CliRunner) -> None:
    text = run(runner, ["show", "v1", "--width", "80"])
    assert "(hidden: Input, Output mem, Live mem, Share; --wide shows every column)" in text
    assert run(runner, ["show", "v1", "--width", "80", "--wide"]) == run(runner, ["show", "v1"])


def test_a_pipe_keeps_the_natural_width(runner: CliRunner) -> None:
    """No --width and stdout not a terminal: every column, however wide (scripts rely on it)."""
    text = run(runner, ["show", "v1"])
    assert "Share" in text and "Live mem" in text and "hidden" not in text
    assert max(map(len, text.splitlines())) > 100


def test_a_terminal_gets_its_width(runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal, $COLUMNS decides (rich reads it); the same output as --width."""
    from rich.console import Console

    monkeypatch.setattr(Console, "is_terminal", property(lambda self: True))
    terminal = runner.invoke(main, ["show", "v1"], env={"COLUMNS": "60", "NO_COLOR": "1", "TERM": "xterm"})
    assert terminal.exit_code == 0
    plain = re.sub(r"\x1b\[[0-9;]*m", "", terminal.stdout)  # a terminal gets bold headers
    assert plain == run(runner, ["show", "v1", "--width", "60"])
    to_file = runner.invoke(main, ["show", "v1", "-o", "-"], env={"COLUMNS": "60", "TERM": "xterm"})
    assert "hidden" in to_file.stdout  # -o - is standard output: the terminal's width too


def test_an_output_file_keeps_the_natural_width(runner: CliRunner, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    monkeypatch.setattr(Console, "is_terminal", property(lambda self: True))
    target = tmp_path / "v1.txt"
    assert runner.invoke(main, ["show", "v1", "-o", str(target)], env={"COLUMNS": "60"}).exit_code == 0
    assert "Share" in target.read_text(encoding="utf-8")


def test_the_declared_order_hides_share_then_live_memory_first() -> None:
    assert HIDDEN_FIRST[:2] == ("share", "live_bytes")
    never = {"name", "params", "macs"}
    assert never.isdisjoint(HIDDEN_FIRST)
    assert {c.key for c in LAYER_COLUMNS if c.human} - never - {"streamed"} <= set(HIDDEN_FIRST)


def test_layout_hides_in_order_then_folds_names_never_figures() -> None:
    columns = [Cells("name", "Layer", False, ["a_rather_long_layer_name"], fold=8),
               Cells("params", "Params", True, ["1,234,567"]),
               Cells("live_bytes", "Live mem", True, ["1.2 MB"]),
               Cells("share", "Share", False, ["█████ 9%"])]
    assert lay_out(columns, None).hidden == ()
    assert lay_out(columns, 50).hidden == ("Share",)
    narrow = lay_out(columns, 22)
    assert narrow.hidden == ("Live mem", "Share")
    header, body, _ = render(narrow)
    assert all(len(line) <= 22 for line in [header, *body])
    assert "1,234,567" in body[0] and len(body) > 1  # the name folded onto a second line
    too_narrow = lay_out(columns, 10)  # the figure would have to split: the table is wider instead
    assert "1,234,567" in render(too_narrow)[1][0]


def test_width_must_be_reasonable(runner: CliRunner) -> None:
    result = runner.invoke(main, ["show", "v1", "--width", "5"])
    assert result.exit_code == 2
    assert "--width" in result.stderr
