"""YAML 1.1 number traps (issue 12, item 7): `1e3` is text, `010` is octal 8, `1:30` is base-60 90.
Each spelling is refused in a numeric field with a one-line error saying what to write; quoting
or the plain decimal form is unaffected. U+0085, U+2028 and U+2029 (line breaks to PyYAML, not to
an editor) do not shift the reported line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mncost import load
from mncost.cli import main
from mncost.errors import SpecError
from mncost.yamlload import load_yaml

PARSERS = [yaml.SafeLoader] + ([yaml.CSafeLoader] if hasattr(yaml, "CSafeLoader") else [])

HEAD = "name: t\ndescription: d\nsource: s\ninput: {resolution: 32, channels: 3}\nlayers:\n"


def spec_with(tmp_path: Path, out: str) -> Path:
    path = tmp_path / "n.yaml"
    path.write_text(HEAD + f"  - {{name: c1, op: conv, kernel: 3, stride: 2, out: {out}}}\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(("out", "message"), [
    ("1e3", "'out' = '1e3' is text, not a number, in YAML 1.1 (an exponent needs a dot and a sign, as in "
            "1.0e+3): write 1000"),
    ("1.0e3", "'out' = '1.0e3' is text, not a number, in YAML 1.1 (an exponent needs a dot and a sign, as in "
              "1.0e+3): write 1000"),
    ("2E-3", "'out' = '2E-3' is text, not a number, in YAML 1.1 (an exponent needs a dot and a sign, as in "
             "1.0e+3): write 0.002"),
    ("010", "'010' is an octal number in YAML 1.1 (= 8): write 8, or 10 without the leading zero"),
    ("-010", "'-010' is an octal number in YAML 1.1 (= -8): write -8, or -10 without the leading zero"),
    ("1:30", "'1:30' is a base-60 number in YAML 1.1 (= 90): write 90, or quote it if it is text"),
    ("1:30.5", "'1:30.5' is a base-60 number in YAML 1.1 (= 90.5): write 90.5, or quote it if it is text"),
])
def test_number_traps_are_refused(runner, tmp_path: Path, out: str, message: str) -> None:  # type: ignore[no-untyped-def]
    path = spec_with(tmp_path, out)
    result = runner.invoke(main, ["show", str(path)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == f"Error: {path}:6: {message}\n"


def test_plain_spellings_still_work(tmp_path: Path) -> None:
    """1000 is scaled by alpha; the refused `1e3` would have been an unscaled expression."""
    plain = load(str(spec_with(tmp_path, "1000")))
    assert plain.spec.layers[0].name == "c1"
    assert load(str(spec_with(tmp_path, "1_000"))).spec.layers[0].name == "c1"


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
def test_traps_are_refused_by_both_parsers(parser: object) -> None:
    for text, line in (("a: 1\nb: 010\n", 2), ("a: {b: 1:30}\n", 1)):
        with pytest.raises(SpecError, match=rf"^t\.yaml:{line}: '"):
            load_yaml(text, "t.yaml", parser)


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
def test_quoted_numbers_are_text(parser: object) -> None:
    assert load_yaml("a: '010'\nb: \"1:30\"\nc: '1e3'\n", "t.yaml", parser) == {"a": "010", "b": "1:30", "c": "1e3"}


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
@pytest.mark.parametrize("separator", ["\x85", "\u2028", "\u2029"])
def test_unicode_line_separators_do_not_shift_lines(parser: object, separator: str) -> None:
    text = f"a: 'text{separator}with a separator'\nb: \"and{separator}another\"\nc: 010\n"
    with pytest.raises(SpecError, match=r"^t\.yaml:3: '010' is an octal number"):
        load_yaml(text, "t.yaml", parser)
    doc = load_yaml(f"a: 'x{separator}y'\nb: 2\n", "t.yaml", parser)
    assert doc.loc("b").line == 2


@pytest.mark.parametrize("parser", PARSERS, ids=lambda p: p.__name__)
def test_unicode_separators_in_syntax_errors(parser: object) -> None:
    with pytest.raises(SpecError, match=r"^t\.yaml:3: YAML syntax error"):
        load_yaml("a: 'x\u2028y\u2029z'\nb: 2\nc: [1, 2\n", "t.yaml", parser)
