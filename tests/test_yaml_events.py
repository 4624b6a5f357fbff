"""The YAML loader builds values straight from parser events: positions, aliases, limits, errors."""

from __future__ import annotations

import datetime

import pytest

from mncost.errors import SpecError
from mncost.yamlload import MAX_NODES, load_yaml


def test_values_and_lines() -> None:
    text = "name: x\nlist:\n  - {a: 1, b: yes, c: 1.5, d: null, e: '3'}\n  - &r [1, 2]\n  - *r\nts: 2001-12-14\n"
    doc = load_yaml(text, "f.yaml")
    assert doc == {"name": "x", "list": [{"a": 1, "b": True, "c": 1.5, "d": None, "e": "3"}, [1, 2], [1, 2]],
                   "ts": datetime.date(2001, 12, 14)}
    assert doc.key_lines == {"name": 1, "list": 2, "ts": 6}
    assert doc.value_lines == {"name": 1, "list": 3, "ts": 6}
    assert doc["list"].item_lines == [3, 4, 5]
    assert doc["list"][0].location.line == 3
    assert load_yaml("", "f.yaml") is None


@pytest.mark.parametrize(("text", "message"), [
    ("a: 1\nb: 2\na: 3\n", "f.yaml:3: duplicate key 'a' (first given at line 1)"),
    ("x: &a {p: 1}\ny:\n  <<: *a\n", "f.yaml:3: YAML merge keys ('<<') are not supported"),
    ("a: !!set {x}\n", "f.yaml:1: unsupported YAML tag 'tag:yaml.org,2002:set'"),
    ("1: a\n", "f.yaml:1: mapping keys must be names, got 1"),
    ("? [a]\n: 1\n", "f.yaml:1: mapping keys must be plain names"),
    ("a: [1, 2\nb: 3\n", "f.yaml:2: YAML syntax error: expected ',' or ']', but got ':'"),
    ("a: 1\n---\nb: 2\n", "f.yaml:2: a second YAML document ('---'); a spec file holds exactly one"),
    ("a: *nope\n", "f.yaml:1: alias '*nope' names no earlier anchor"),
    ("a: " + "[" * 70 + "]" * 70 + "\n", "f.yaml:1: nesting deeper than 64 levels"),
    ("a: !!int x\n", "f.yaml:1: bad YAML value: invalid literal for int() with base 10: 'x'"),
    ("a: 1\nd: 2024-13-45\n", "f.yaml:2: bad YAML value: month must be in 1..12"),
])
def test_errors_name_the_line(text: str, message: str) -> None:
    with pytest.raises(SpecError) as err:
        load_yaml(text, "f.yaml")
    assert str(err.value) == message


def test_alias_expansion_counts_against_the_node_budget() -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for prev, name in zip("abcde", "bcdef", strict=True):  # 10^6 nodes when expanded
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    with pytest.raises(SpecError, match=f"more than {MAX_NODES:,} YAML nodes"):
        load_yaml("\n".join(lines) + "\n", "f.yaml")
    assert len(load_yaml("\n".join(lines[:5]) + "\n", "f.yaml")["e"]) == 10  # 111,111 nodes: fine
