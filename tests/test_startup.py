"""Start-up cost: commands import only what they need (timings are in benchmarks/bench.py)."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from mncost.cli import main


def imported_after(code: str, modules: list[str]) -> list[bool]:
    probe = f"import sys\n{code}\nprint(' '.join(str(m in sys.modules) for m in {modules!r}), file=sys.stderr)"
    return [word == "True" for word in subprocess.run([sys.executable, "-c", probe], capture_output=True,
                                                       text=True, check=True).stderr.split()]


def test_version_is_looked_up_only_for_version(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("mncost, version ")
    assert imported_after("import mncost.cli", ["importlib.metadata", "pathlib", "difflib"]) == [False] * 3


def test_json_output_needs_no_rich() -> None:
    code = ("from mncost.cli import main\n"
            "try:\n    main(['show', 'v2', '--format', 'json'])\nexcept SystemExit:\n    pass")
    assert imported_after(code, ["rich", "mncost.render.json", "mncost.sweep"]) == [False, True, False]
