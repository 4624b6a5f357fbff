"""Resource limits: each is a clear one-line spec error (docs/limits.md), and the limits leave room
for large real networks. Inputs too big to keep in tests/bad_specs/ are generated here; how fast
each limit is reached and how much memory it takes is measured by benchmarks/limits.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mncost import Config, build_graph, evaluate, expr, graph, spec, yamlload
from mncost.cli import main
from mncost.errors import MAX_MESSAGE, Location, SpecError
from mncost.spec import parse_spec

HEADER = "name: t\ndescription: d\nsource: s\ninput: {resolution: 32, channels: 3}\n"
SPECS = Path(__file__).parent.parent / "specs"


def line_of(spec_name: str, text: str) -> int:
    """The 1-based line of a bundled spec where `text` first appears (messages name that line)."""
    lines = (SPECS / f"{spec_name}.yaml").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def error_of(text: str) -> str:
    with pytest.raises(SpecError) as caught:
        build_graph(parse_spec(text, "t.yaml"))
    message = str(caught.value)
    assert "\n" not in message
    return message


def run(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(main, ["show", *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    return result.stderr.rstrip("\n")


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path: Path, runner: CliRunner) -> None:
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (yamlload.MAX_BYTES + 1))
    size = f"{yamlload.MAX_BYTES + 1:,}"
    assert run(runner, str(path)) == f"Error: {path}:1: file is {size} bytes; the limit is {yamlload.MAX_BYTES:,}"


def test_bytes_over_the_size_limit() -> None:
    with pytest.raises(SpecError, match="the limit is"):
        yamlload.read_text("t.yaml", b" " * (yamlload.MAX_BYTES + 1))


def test_billion_laughs_stops_at_the_node_budget() -> None:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]  # 10⁹ nodes
    message = error_of("\n".join(lines) + "\n")
    assert message == (f"t.yaml:6: document expands to more than {yamlload.MAX_NODES:,} YAML nodes "
                       "(each use of an alias counts its whole value)")


def test_alias_to_itself_is_refused() -> None:
    assert error_of("a: &x [1, *x]\n") == (
        "t.yaml:1: alias '*x' is used inside the value it names (a recursive structure)")


@pytest.mark.parametrize("text, line", [
    ("[" * 100_000, 1),  # crashed libyaml's recursive composer before the loader was event-driven
    ("{a: " * 50_000, 1),
    ("".join(" " * i + f"k{i}:\n" for i in range(1_000)), yamlload.MAX_DEPTH + 1),
    ("".join(" " * i + "-\n" for i in range(1_000)), yamlload.MAX_DEPTH + 1),
])
def test_deep_nesting(text: str, line: int) -> None:
    assert error_of(text) == f"t.yaml:{line}: nesting deeper than {yamlload.MAX_DEPTH} levels"


def test_nesting_at_the_limit_loads() -> None:
    depth = yamlload.MAX_DEPTH
    value = yamlload.load_yaml("[" * depth + "]" * depth, "t.yaml")
    for _ in range(depth - 1):
        value = value[0]
    assert value == []


def test_huge_text_in_a_message_is_cut() -> None:
    message = error_of(HEADER + "layers:\n  - {name: c1, op: " + "k" * 100_000 + "}\n")
    assert message.startswith("t.yaml:6: unknown op 'kkkk") and len(message) == MAX_MESSAGE


def test_control_characters_in_a_message_are_escaped() -> None:
    message = error_of(HEADER + 'layers:\n  - {name: c1, op: "re\\nlu\\u0085"}\n')
    assert message == "t.yaml:6: unknown op 're\\nlu\\x85'; did you mean 'relu'?"


@pytest.mark.parametrize("text, message", [
    ("(" * 300 + "1", "invalid syntax (too many nested parentheses)"),
    ("1" + "+1" * 200, f"nested deeper than {expr.MAX_DEPTH} levels"),
    ("max(" * 40 + "1" + ")" * 40, f"nested deeper than {expr.MAX_DEPTH} levels"),
    ("9" * 400, "number " + "9" * 400 + " is out of range"),
    ("1e999", "number inf is out of range"),
])
def test_expression_limits(text: str, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        expr.parse(text, ["alpha"], Location("t.yaml", 3))
    assert str(caught.value) == f"t.yaml:3: expression '{text}': {message}"


def test_expression_length_limit() -> None:
    text = "1" + "+1" * expr.MAX_LENGTH
    with pytest.raises(SpecError) as caught:
        expr.parse(text, [], Location("t.yaml", 3))
    assert str(caught.value) == f"t.yaml:3: expression is {len(text)} characters; the limit is {expr.MAX_LENGTH}"


def template_chain(length: int, reverse: bool) -> str:
    order = reversed(range(length - 1)) if reverse else range(length - 1)
    blocks = "".join(f"  b{i}:\n    ops:\n      - {{name: x, block: b{i + 1}}}\n" for i in order)
    blocks += f"  b{length - 1}:\n    ops:\n      - {{name: r, op: relu}}\n"
    return HEADER + "blocks:\n" + blocks + "layers:\n  - {name: top, block: b0}\n"


@pytest.mark.parametrize("reverse", [False, True])
def test_long_template_chains_stop_at_the_nesting_limit(reverse: bool) -> None:
    message = error_of(template_chain(1_000, reverse))  # no RecursionError, whatever the order
    assert f"blocks nested deeper than {spec.MAX_NESTING} levels" in message


def test_template_chain_at_the_nesting_limit_builds() -> None:
    built = build_graph(parse_spec(template_chain(spec.MAX_NESTING, False), "t.yaml"))
    assert [n.name for n in built.nodes] == ["top" + ".x" * (spec.MAX_NESTING - 1) + ".r"]


def test_stage_rows_times_repeats_stop_at_the_layer_limit() -> None:
    text = (HEADER + "blocks:\n  one:\n    ops:\n      - {name: r, op: relu}\n"
            + "layers:\n  - table: one\n    columns: [n]\n    rows:\n" + "      - [1000]\n" * 101)
    assert error_of(text) == f"t.yaml:10: the network expands to more than {graph.MAX_NODES:,} layers"


def test_depth_multiplier_stops_at_the_layer_limit(runner: CliRunner) -> None:
    assert run(runner, "v2", "--depth-multiplier", "1e308") == (
        f"Error: specs/v2.yaml:{line_of('v2', '- table: bottleneck')}: "
        f"the network expands to more than {graph.MAX_NODES:,} layers")


def test_ten_thousand_layers_are_within_the_limits() -> None:
    """A later issue needs a 10,000-layer spec: the limits leave ten times that room."""
    assert graph.MAX_NODES >= 10 * 10_000
    rows = "".join(f"  - {{name: l{i:05d}, op: conv, kernel: 3, stride: 1, out: 64, bn: true, act: relu6}}\n"
                   for i in range(10_000))
    text = HEADER + "layers:\n" + rows
    assert len(text.encode()) < yamlload.MAX_BYTES // 2
    assert len(yamlload.load_yaml(text, "t.yaml")["layers"]) == 10_000  # within the YAML node budget
    table = (HEADER + "blocks:\n  one:\n    ops:\n      - {name: r, op: conv, kernel: 1, out: 8}\n"
             + "layers:\n  - {table: one, columns: [n], rows: [[1000], [1000], [1000]]}\n")
    report = evaluate(build_graph(parse_spec(table, "t.yaml"), depth_multiplier=4), Config(depth_multiplier=4))
    assert len(report.layers) == 12_000
    assert report.totals.params == 3 * 8 + 11_999 * 8 * 8


@pytest.mark.parametrize("args, message", [
    (["--resolution", "100001"], f"resolution must be between 1 and {spec.MAX_RESOLUTION:,}, got 100001"),
    (["--rho", "1e300"], f"rho=1e+300 gives a resolution of 2.24e+302, beyond the limit {spec.MAX_RESOLUTION:,}"),
    (["--classes", "1000001"], f"classes must be between 1 and {spec.MAX_CHANNELS:,}, got 1000001"),
    (["--alpha", "1e300"], f"specs/v1.yaml:{line_of('v1', 'name: Conv2d_0,')}: "
                           "expression 'scale(32)': alpha=1e+300 x 32 = 3.2e+301 channels is "
                           f"beyond the limit {spec.MAX_CHANNELS:,}"),
])
def test_config_beyond_the_limits(runner: CliRunner, args: list[str], message: str) -> None:
    assert run(runner, "v1", *args) == f"Error: {message}"


def test_largest_resolution_evaluates(runner: CliRunner) -> None:
    result = runner.invoke(main, ["show", "v1", "--resolution", str(spec.MAX_RESOLUTION), "--format", "json"])
    assert result.exit_code == 0, result.stderr
