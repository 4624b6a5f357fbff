"""Shared fixtures: a pinned-width CliRunner, golden files and Hypothesis profiles."""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from mncost import Config, Report, evaluate, load

HERE = Path(__file__).parent
GOLDEN = HERE / "golden"

settings.register_profile("default", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=5_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-goldens", action="store_true", help="rewrite tests/golden/* from current output")


_MIX_STDERR = "mix_stderr" in inspect.signature(CliRunner.__init__).parameters
"""click 8.1's CliRunner mixes stderr into `stdout` unless told not to (`mix_stderr=False`); from
click 8.2 on, `stdout` and `stderr` are always apart and the argument is gone. Tests read
`result.stdout` and `result.stderr`, never `result.output` (8.1: stdout only; 8.2: both)."""


def cli_runner(**kwargs: Any) -> CliRunner:
    """A CliRunner whose `result.stdout` and `result.stderr` are kept apart with every click
    version mncost supports (8.1 onwards)."""
    if _MIX_STDERR:
        kwargs.setdefault("mix_stderr", False)
    return CliRunner(**kwargs)


@pytest.fixture
def runner() -> CliRunner:
    """A CliRunner with stderr kept apart and a fixed 120-column, colourless terminal."""
    return cli_runner(env={"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"})


@pytest.fixture
def golden(request: pytest.FixtureRequest):  # type: ignore[no-untyped-def]
    """`golden("name.out", text)`: compare with tests/golden/name.out; a missing file fails."""
    update = request.config.getoption("--update-goldens")

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if update:
            path.write_text(text, encoding="utf-8")
        assert path.exists(), f"golden file {path} is missing (run pytest --update-goldens once)"
        assert text == path.read_text(encoding="utf-8")

    return check


def report(spec: str, **config: object) -> Report:
    """Evaluate a bundled spec under a config (keyword arguments of mncost.Config)."""
    return evaluate(load(spec), Config(**config))  # type: ignore[arg-type]
