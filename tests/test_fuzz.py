"""Fuzzing with Hypothesis: whatever the input, a right answer or one clean `Error:` line.

(a) arbitrary text and bytes into the loader raise only SpecError;
(b) every bundled spec, mutated (a value replaced by another type or value, a key deleted or
    duplicated, a list shortened or repeated; or lines of its text deleted, repeated, swapped or
    given another word), gives exit code 0 or 2 through the CLI, never a
    traceback, and on 2 one line starting `Error: ` on stderr and nothing on stdout;
(c) generated valid specs satisfy the invariants: layer rows sum to the totals, parameters do not
    depend on ρ, MACs are monotone in α and in ρ.

Example counts come from the Hypothesis profile (tests/conftest.py): small by default, many more
with HYPOTHESIS_PROFILE=long.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from mncost import Config, SpecError, build_graph, evaluate
from mncost.bundled import bundled_names, specs_dir
from mncost.cli import main
from mncost.conventions import Rounding
from mncost.errors import Location
from mncost.evaluate import check_paper_sizes
from mncost.expr import builtin_functions, parse
from mncost.spec import load_spec, parse_spec
from mncost.walk import scaler as _scaler
from mncost.yamlload import read_text

from .conftest import cli_runner

# -- (a) the loader takes anything -------------------------------------------------------------

YAML_PIECES = [
    "name: ", "layers:", "\n", "\n  ", "\n  - ", " ", "- ", "{", "}", "[", "]", ", ", ": ", "&a ", "*a",
    "!!str ", "!!python/object ", "!foo ", "<<: ", "'", '"', "# c", "---\n", "...\n", "? ", "|\n  ", ">\n  ",
    "\t", "op: conv", "kernel: 3", "out: ", "input: {resolution: 8, channels: 3}", "description: d",
    "source: s", "0", "-1", "1.5", "1e999", "yes", "off", "~", "null", "in * 0.3", "2 ** 99", "x.y",
    "blocks:", "block: b", "table: b", "when: ", "inputs: [in]", "\u00e9", "\ufeff", "\x85", "\u2028",
]


def must_be_spec_error(call: Any) -> None:
    """`call()` either returns or raises SpecError with a one-line message naming a place."""
    try:
        call()
    except SpecError as exc:
        assert "\n" not in str(exc)
        assert exc.location is None or exc.location.line >= 1


@given(st.text(max_size=400))
def test_parse_spec_takes_any_text(text: str) -> None:
    must_be_spec_error(lambda: parse_spec(text, "fuzz.yaml"))


@given(st.lists(st.sampled_from(YAML_PIECES), max_size=60).map("".join))
def test_parse_spec_takes_yaml_like_text(text: str) -> None:
    must_be_spec_error(lambda: parse_spec(text, "fuzz.yaml"))


@given(st.binary(max_size=400))
def test_read_text_takes_any_bytes(data: bytes) -> None:
    must_be_spec_error(lambda: parse_spec(read_text("fuzz.yaml", data), "fuzz.yaml"))


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@given(data=st.one_of(st.binary(max_size=400),
                      st.lists(st.sampled_from(YAML_PIECES), max_size=60).map(lambda p: "".join(p).encode())))
def test_load_spec_takes_any_file(scratch: Path, data: bytes) -> None:
    path = scratch / "any.yaml"
    path.write_bytes(data)
    must_be_spec_error(lambda: load_spec(path))


EXPRESSION_PIECES = ["alpha", "in", "c", "t", "(", ")", " + ", " - ", " * ", " / ", " // ", " % ", " ** ", "-",
                     "max(", "min(", "int(", "round(", "ceil(", "floor(", "round8(", "make_divisible(", "scale(",
                     ", ", "0", "1", "8", "0.5", "1e15", "1e308", "99999999999999999", "True", " not ", " and ",
                     " or ", " if ", " else ", " == ", " < ", " >= ", ".", "[0]", "'s'", "abs(", "__class__", "lambda"]


@given(st.one_of(st.text(max_size=80), st.lists(st.sampled_from(EXPRESSION_PIECES), max_size=30).map("".join)),
       st.sampled_from([0.01, 1.0, 1e300]), st.integers(-3, 10**6))
def test_expressions_take_anything(text: str, alpha: float, channels: int) -> None:
    """Parsing and evaluating any text gives a value or a SpecError, never another exception."""
    def run() -> None:
        compiled = parse(text, ["alpha", "in", "c", "t"], Location("e.yaml", 4))
        env = dict(builtin_functions(_scaler(alpha, Rounding.ROUND8)), alpha=alpha, in_=channels, c=channels, t=6)
        compiled(env)

    must_be_spec_error(run)


@given(option=st.sampled_from(["--alpha", "--rho", "--resolution", "--classes", "--depth-multiplier", "--rounding",
                               "--count", "--ops", "--bn-params", "--dtype", "--format"]),
       value=st.one_of(st.text(max_size=12), st.sampled_from(["nan", "inf", "-0", "1e-400", "1e400", "0x10", "1_0",
                                                              "  2", "2.", ".5", "١"])))
def test_cli_options_take_anything(option: str, value: str) -> None:
    result = cli_runner().invoke(main, ["show", "v1", "--format", "json", f"{option}={value}"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 2)
    if result.exit_code == 2:
        assert result.stdout == "" and result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1


# -- (b) mutated bundled specs through the command line ----------------------------------------


class Pairs(list):  # type: ignore[type-arg]
    """A YAML mapping as a list of [key, value] pairs, so that a key can be given twice."""


def to_pairs(value: Any) -> Any:
    if isinstance(value, dict):
        return Pairs([k, to_pairs(v)] for k, v in value.items())
    if isinstance(value, list):
        return [to_pairs(v) for v in value]
    return value


def emit(value: Any, indent: int = 0) -> str:
    """JSON-style YAML (duplicate keys allowed), one entry per line so that line numbers vary."""
    pad, inner = " " * indent, " " * (indent + 2)
    if isinstance(value, Pairs):
        if not value:
            return "{}"
        items = [f"{inner}{json.dumps(str(k))}: {emit(v, indent + 2)}" for k, v in value]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + emit(v, indent + 2) for v in value) + "\n" + pad + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return {math.inf: ".inf", -math.inf: "-.inf"}.get(value, ".nan")
    return json.dumps(value)


def containers(value: Any, path: tuple[int, ...] = ()) -> list[tuple[tuple[int, ...], Any]]:
    """Every mapping and list in the document with its path (indices into entries)."""
    found: list[tuple[tuple[int, ...], Any]] = []
    if isinstance(value, Pairs):
        found.append((path, value))
        for i, (_, v) in enumerate(value):
            found.extend(containers(v, path + (i,)))
    elif isinstance(value, list):
        found.append((path, value))
        for i, v in enumerate(value):
            found.extend(containers(v, path + (i,)))
    return found


INTERESTING = ["in * 0.3", "alpha", "s == 1", "max(1,", "1x1x3x8", "7x7x1024", "3x3x32 dw", "conv", "dwconv",
               "bottleneck", "relu6", "same", "valid", "half", "stage", "in", "yes", "scale(1280)", "t != 1",
               "112² × 32", "round8(in * 6)", "", "none", "round8", "classes", "expand", "project"]
VALUES = st.one_of(
    st.integers(-3, 10**7), st.sampled_from([0, 1, 2, 3, 7, 1000, 1001, 10**6 + 1]),
    st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.none(),
    st.sampled_from(INTERESTING), st.text(max_size=12),
    st.builds(Pairs), st.just([]), st.lists(st.integers(0, 300), max_size=4),
)


@st.composite
def mutated_spec(draw: st.DrawFn) -> tuple[str, str]:
    name = draw(st.sampled_from(bundled_names()))
    doc = to_pairs(yaml.safe_load((specs_dir() / f"{name}.yaml").read_text(encoding="utf-8")))
    for _ in range(draw(st.integers(1, 3))):
        places = containers(doc)
        _, target = draw(st.sampled_from(places))
        if not target:
            continue
        kind = draw(st.sampled_from(["replace", "replace", "delete", "duplicate", "shorten", "repeat"]))
        i = draw(st.integers(0, len(target) - 1))
        if kind == "replace":
            if isinstance(target, Pairs):
                target[i] = [target[i][0], draw(VALUES)]
            else:
                target[i] = draw(VALUES)
        elif kind == "delete":
            del target[i]
        elif kind == "duplicate":
            target.insert(i + 1, list(target[i]) if isinstance(target, Pairs) else target[i])
        elif kind == "shorten":
            del target[i:]
        else:
            target[len(target):] = target[i:] * draw(st.integers(1, 2))
    return name, emit(doc) + "\n"


@st.composite
def mutated_text(draw: st.DrawFn) -> tuple[str, str]:
    """Line-level mutations of a bundled spec's own text: plain YAML scalars (yes, 1.5, ...) survive."""
    name = draw(st.sampled_from(bundled_names()))
    lines = (specs_dir() / f"{name}.yaml").read_text(encoding="utf-8").splitlines()
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["delete", "duplicate", "swap", "word"]))
        if kind == "delete":
            del lines[i]
        elif kind == "duplicate":
            lines.insert(i, lines[i])
        elif kind == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            words = lines[i].replace(",", " ").replace("}", " ").split()
            if words:
                word = draw(st.sampled_from(words))
                new = draw(st.one_of(st.sampled_from(INTERESTING + ["yes", "off", "1.5", "-1", "0", "~", "[]", "{}"]),
                                     st.integers(-2, 2000).map(str)))
                lines[i] = lines[i].replace(word, new, 1)
        if not lines:
            break
    return name, "\n".join(lines) + "\n"


@given(case=st.one_of(mutated_spec(), mutated_text()), fmt=st.sampled_from(["json", "table"]),
       alpha=st.sampled_from(["1", "0.5", "0.01", "3"]))
def test_mutated_bundled_specs_fail_cleanly(scratch: Path, case: tuple[str, str], fmt: str, alpha: str) -> None:
    name, text = case
    path = scratch / f"mutated-{name}.yaml"
    path.write_text(text, encoding="utf-8")
    runner = cli_runner(env={"COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"})
    result = runner.invoke(main, ["show", str(path), "--format", fmt, "--alpha", alpha])
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{result.exception!r} for:\n{text}")
    assert result.exit_code in (0, 2), result.output
    if result.exit_code == 2:
        assert result.stdout == ""
        assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    else:
        # A mutation may leave a valid spec that earns a warning (a deleted row leaves a layer
        # unread): one line each, naming the file and line, and the report still written.
        assert all(line.startswith(f"Warning: {path}:") for line in result.stderr.splitlines()), result.stderr
        assert result.stdout


# -- (c) invariants of generated valid specs ---------------------------------------------------

BOTTLENECK = """blocks:
  bottleneck:
    params: {t: int, c: channels, s: int}
    let: {expanded: "in * t"}
    ops:
      - {name: expand,  op: conv,   kernel: 1, out: expanded, when: "t != 1"}
      - {name: dw,      op: dwconv, kernel: 3, stride: s}
      - {name: project, op: conv,   kernel: 1, out: c, act: none}
      - {name: add,     op: add,    inputs: [project, in], when: "s == 1 and in == c"}
"""

CHANNELS = st.sampled_from([16, 24, 32, 40, 48, 64, 96])


@st.composite
def layer_rows(draw: st.DrawFn, index: int) -> list[str]:
    kind = draw(st.sampled_from(["separable", "conv", "bottleneck", "table", "pool"]))
    stride = draw(st.sampled_from([1, 2]))
    c = draw(CHANNELS)
    n = f"l{index}"
    if kind == "separable":
        k = draw(st.sampled_from([3, 5]))
        return [f"{{name: {n}dw, op: dwconv, kernel: {k}, stride: {stride}}}", f"{{name: {n}pw, op: pwconv, out: {c}}}"]
    if kind == "conv":
        return [f"{{name: {n}, op: conv, kernel: {draw(st.sampled_from([1, 3]))}, stride: {stride}, out: {c}, "
                f"bias: {draw(st.sampled_from(['true', 'false']))}}}"]
    if kind == "bottleneck":
        return [f"{{name: {n}, block: bottleneck, t: {draw(st.sampled_from([1, 6]))}, c: {c}, s: {stride}}}"]
    if kind == "pool":
        return [f"{{name: {n}, op: maxpool, kernel: 2, stride: 2}}"]
    rows = draw(st.lists(st.tuples(st.sampled_from([1, 6]), CHANNELS, st.integers(1, 3), st.sampled_from([1, 2])),
                         min_size=1, max_size=3))
    table = "".join(f"\n      - [{t}, {c}, {reps}, {s}]" for t, c, reps, s in rows)
    return [f"table: bottleneck\n    name: {n}stage\n    columns: [t, c, n, s]\n    rows:{table}"]


@st.composite
def valid_spec(draw: st.DrawFn) -> str:
    rounding = draw(st.sampled_from(["none", "round8"]))
    bn = draw(st.sampled_from(["true", "false"]))
    rows = [f"{{name: stem, op: conv, kernel: 3, stride: 2, out: {draw(CHANNELS)}}}"]
    for i in range(draw(st.integers(1, 5))):
        rows += draw(layer_rows(i))
    rows += ["{name: pool, op: global_avgpool}", "{name: head, op: fc, out: classes}"]
    body = "".join(f"  - {r}\n" for r in rows)
    return (f"name: gen\ndescription: generated\nsource: hypothesis\ninput: {{resolution: 224, channels: 3}}\n"
            f"defaults: {{rounding: {rounding}, padding: same, bn: {bn}, act: relu}}\n{BOTTLENECK}layers:\n{body}")


ALPHAS = st.sampled_from([0.25, 0.35, 0.5, 0.75, 1.0, 1.3, 1.4, 2.0])
RESOLUTIONS = st.integers(8, 320)


@given(text=valid_spec(), alphas=st.tuples(ALPHAS, ALPHAS), resolutions=st.tuples(RESOLUTIONS, RESOLUTIONS),
       depth=st.sampled_from([1.0, 0.5, 1.4]))
def test_generated_specs_satisfy_invariants(text: str, alphas: tuple[float, float],
                                            resolutions: tuple[int, int], depth: float) -> None:
    graph = build_graph(parse_spec(text, "gen.yaml"), depth)
    check_paper_sizes(graph)
    (a1, a2), (r1, r2) = sorted(alphas), sorted(resolutions)
    low = evaluate(graph, Config(alpha=a1, resolution=r1, depth_multiplier=depth))
    assert sum(layer.params for layer in low.layers) == low.totals.params
    assert sum(layer.macs for layer in low.layers) == low.totals.macs
    assert sum(layer.activation_bytes for layer in low.layers) == low.totals.activation_bytes
    # Parameters do not depend on the resolution (the classifier follows a global pool).
    other_rho = evaluate(graph, Config(alpha=a1, resolution=r2, depth_multiplier=depth))
    assert [layer.params for layer in other_rho.layers] == [layer.params for layer in low.layers]
    assert other_rho.totals.macs >= low.totals.macs  # monotone in ρ
    wider = evaluate(graph, Config(alpha=a2, resolution=r1, depth_multiplier=depth))
    assert wider.totals.macs >= low.totals.macs  # monotone in α
    assert wider.totals.params >= low.totals.params
