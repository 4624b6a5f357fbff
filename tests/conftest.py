"""Shared fixtures: a pinned-width CliRunner, golden files and Hypothesis profiles."""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings

from mncost import Config, Report, evaluate, load
from mncost.spec import Spec

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


# -- every JSON document and every accepted spec the tests produce is checked against its schema ----

SCHEMA_CHECKS: dict[str, int] = {}
"""How many documents (by schema name) and accepted specs ("spec") were validated in this run."""
SCHEMA_SECONDS = [0.0]
_VALIDATORS: dict[str, Any] = {}
_SEEN: set[str] = set()


def _validators() -> dict[str, Any]:
    import json

    from jsonschema import Draft7Validator

    from mncost.schema import DOCUMENTS, NAMES, schema_text

    by_name = {name: Draft7Validator(json.loads(schema_text(name))) for name in NAMES}
    return {**by_name, **{DOCUMENTS[name]: by_name[name] for name in DOCUMENTS}}


def check_against_schema(name: str, document: object) -> None:
    """Fail with the schema's first complaint when `document` does not match schema `name`."""
    import time

    start = time.perf_counter()
    if not _VALIDATORS:
        _VALIDATORS.update(_validators())
    error = next(iter(_VALIDATORS[name].iter_errors(document)), None)
    assert error is None, f"schema {name}: {'/'.join(map(str, error.absolute_path))}: {error.message}"
    SCHEMA_CHECKS[name] = SCHEMA_CHECKS.get(name, 0) + 1
    SCHEMA_SECONDS[0] += time.perf_counter() - start


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if SCHEMA_CHECKS:
        counts = ", ".join(f"{n} {name}" for name, n in sorted(SCHEMA_CHECKS.items()))
        terminalreporter.write_line(f"schema checks: {counts} ({SCHEMA_SECONDS[0]:.1f} s)")


def _checked_json(render: Callable[..., str]) -> Callable[..., str]:
    import functools
    import json

    @functools.wraps(render)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        text = render(*args, **kwargs)
        if text not in _SEEN:  # the same document again (v1's report, many times) is checked once
            document = json.loads(text)
            check_against_schema(document["schema"], document)
            _SEEN.add(text)
        return text

    return wrapper


def _checked_spec(parse: Callable[..., Spec]) -> Callable[..., Spec]:
    import functools

    import yaml

    @functools.wraps(parse)
    def wrapper(text: str, file: str, variables: Any = None) -> Spec:
        spec = parse(text, file, variables)  # raises for a bad spec: only accepted specs are checked
        if text not in _SEEN:
            check_against_schema("spec", yaml.safe_load(text))
            _SEEN.add(text)
        return spec

    return wrapper


def pytest_configure(config: pytest.Config) -> None:
    """Wrap the JSON renderers and the spec parser before any test module imports them (a test
    that does `from mncost.spec import parse_spec` gets the checked one too; see SCHEMA_CHECKS)."""
    from mncost import spec
    from mncost.render import diff_json, fit, formula, json

    for module, names in ((json, ("to_json", "memory_to_json", "sweep_to_json")), (diff_json, ("to_json",)),
                          (fit, ("to_json",)), (formula, ("to_json",))):
        for name in names:
            setattr(module, name, _checked_json(getattr(module, name)))
    setattr(spec, "parse_spec", _checked_spec(spec.parse_spec))  # noqa: B010 - a module attribute, on purpose
