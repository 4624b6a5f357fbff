"""Shared fixtures: a pinned-width CliRunner, golden files and Hypothesis profiles."""

from __future__ import annotations

import os
from pathlib import Path

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


@pytest.fixture
def runner() -> CliRunner:
    """A CliRunner with stderr kept apart and a fixed 120-column, colourless terminal."""
    return CliRunner(env={"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"})


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
