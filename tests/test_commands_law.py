"""Every command on every bundled spec exits 0, or 2 with a one-line message: never a traceback,
never exit 1 for an error (issue 13's third law). `plot` needs the plot extra: without matplotlib
it must still be a one-line exit 2."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from mncost.bundled import bundled_names
from mncost.cli import main

COMMANDS = [
    ["show"], ["show", "--summary", "-f", "csv"], ["sweep", "--alpha", "0.5,1", "--resolution", "128,224"],
    ["memory"], ["fit", "--max-macs", "100G"], ["plot", "-o", "{tmp}/p.png"],
]
# fit's budget fits every bundled network at its largest α, so the law checks the command's path and
# exit code without scanning every α (tests/test_fit.py checks budgets that bind; a budget far
# below a large network's cost scans its distinct networks one by one: MNv4-Hybrid-L at 100M, 24 s).
# `formula` on every bundled spec: tests/test_formula_laws.py (the API and its three renderers on every spec)


@pytest.mark.parametrize("spec", bundled_names())
def test_every_command_on_every_bundled_spec(spec: str, runner: CliRunner, tmp_path: object) -> None:
    for command in [*COMMANDS, ["diff", spec, f"{spec}@alpha=0.5"]]:
        args = [a.replace("{tmp}", str(tmp_path)) for a in command]
        args = [args[0], spec, *args[1:]] if args[0] != "diff" else args
        result = runner.invoke(main, args)
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, repr(result.exception))
        assert "Traceback" not in result.output
        if result.exit_code == 2:
            assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, (args, result.stderr)
        elif command[0] == "fit" and result.exit_code == 1:
            assert result.stderr.startswith("No fit: ")  # a finding: nothing fits the budget
        else:
            assert result.exit_code == 0, (args, result.stderr)
