"""The loader gives the same values and the same one-line errors with libyaml and without it.

PyYAML ships libyaml in most wheels (0.2.6 since PyYAML 6.0.4, whose scanner has a flow-depth
limit of its own) and only its pure-Python parser elsewhere. Every error is worded by the
pure-Python parser either way, so a spec's message does not depend on the PyYAML build.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mncost import yamlload
from mncost.errors import SpecError

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted((ROOT / "tests" / "bad_specs").glob("*.yaml")) + sorted((ROOT / "specs").glob("*.yaml"))
PARSERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])

TEXTS = [
    "[" * 100_000,  # libyaml 0.2.6 stops at 1,000 flow levels; mncost's own limit is 64
    "{a: " * 2_000,
    "a: [1, 2\n",
    "a: 1\nb: \x01x\n",
    "a: é\nb: ü\x07\n",
    "a: b: c\n",
    "- a\nb: 1\n",
    "a: 'unterminated\n",
    "a: &x 1\nb: *y\n",
    "%YAML 9.9\n---\na: 1\n",
    "a: !!python/object:os.system x\n",
]


def outcome(text: str, parser: object) -> object:
    try:
        return yamlload.load_yaml(text, "t.yaml", parser)
    except SpecError as exc:
        return f"error: {exc}"


@pytest.mark.parametrize("text", TEXTS)
def test_messages_do_not_depend_on_the_parser(text: str) -> None:
    outcomes = {parser.__name__: outcome(text, parser) for parser in PARSERS}
    assert len(set(map(repr, outcomes.values()))) == 1, outcomes
    assert str(next(iter(outcomes.values()))).startswith("error: t.yaml:")


def test_deep_flow_nesting_is_refused_by_mncost_whatever_the_parser() -> None:
    for parser in PARSERS:
        assert outcome("[" * 100_000, parser) == f"error: t.yaml:1: nesting deeper than {yamlload.MAX_DEPTH} levels"


def test_control_character_names_its_line() -> None:
    for parser in PARSERS:
        assert outcome("a: 1\nb: \x01x\n", parser) == (
            "error: t.yaml:2: character U+0001 is not allowed in YAML (a control character)")


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_every_spec_file_loads_alike(path: Path) -> None:
    data = path.read_bytes()
    try:
        text = yamlload.read_text(path.name, data)
    except SpecError:
        return  # refused before any parser runs (size, NUL bytes, encoding)
    outcomes = [repr(outcome(text, parser)) for parser in PARSERS]
    assert len(set(outcomes)) == 1, outcomes
