"""Edges of the figure modules that no other test reached: each test here kills mutants that
survived `benchmarks/mutate.py` (docs/development.md), and each checks a figure or an error path
against a rule or a framework, not against mncost's own output."""

from __future__ import annotations

import math
import re
import struct

import pytest

from mncost import Config, MncostError, build_graph, evaluate, load
from mncost.conventions import Dtype, make_divisible
from mncost.diff import diff
from mncost.spec import parse_spec
from mncost.thresholds import check, parse_threshold

HEADER = "name: t\ndescription: d\nsource: tests/test_mutation_edges.py\ninput: {resolution: 16, channels: 3}\n"


def graph_of(layers: str):  # type: ignore[no-untyped-def]
    return build_graph(parse_spec(HEADER + "layers:\n" + layers, "t.yaml"))


# -- conventions ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("dtype", "element_bytes"), [
    (Dtype.FP32, struct.calcsize("f")),  # IEEE 754 binary32
    (Dtype.FP16, struct.calcsize("e")),  # IEEE 754 binary16
    (Dtype.BF16, struct.calcsize("f") // 2),  # bfloat16: the upper half of a binary32
    (Dtype.INT8, struct.calcsize("b")),
])
def test_activation_bytes_per_dtype(dtype: Dtype, element_bytes: int) -> None:
    graph = load("v1")
    report = evaluate(graph, Config(dtype=dtype))
    elements = sum(layer.output_shape.elements for layer in report.layers)
    assert report.totals.activation_bytes == elements * element_bytes
    assert dtype.bytes == element_bytes


def test_make_divisible_matches_torchvision_at_the_ten_percent_edge() -> None:
    # torchvision 0.28 models/_utils.py _make_divisible(v, 8): `if new_v < 0.9 * v: new_v += divisor`
    # (strictly less): _make_divisible(8 / 0.9, 8) = 8, _make_divisible(nextafter(8 / 0.9, inf), 8) = 16,
    # _make_divisible(32 * 0.35, 8) = 16 (checked with torchvision 0.28.0).
    edge = 8 / 0.9
    assert 0.9 * edge == 8.0  # the edge itself: 8 is exactly 10 % below
    assert make_divisible(edge) == make_divisible(edge, 8) == 8
    assert make_divisible(math.nextafter(edge, math.inf)) == 16
    assert make_divisible(32 * 0.35) == 16


# -- liveness -------------------------------------------------------------------------------------

def test_a_skipped_last_layer_keeps_only_its_first_input_alive() -> None:
    # README, "How memory is counted": a skipped layer passes its first input through, and the
    # network's output lives to the end. The skipped add's second input (c0) is not the output:
    # it dies after its last executed reader (c1).
    graph = graph_of("  - {name: c0, op: conv, kernel: 1, out: 64}\n"
                     "  - {name: c1, op: conv, kernel: 1, out: 8}\n"
                     "  - {name: c2, op: conv, kernel: 1, out: 8}\n"
                     "  - {name: add, op: add, inputs: [c2, c0], when: 'False'}\n")
    report = evaluate(graph, Config())
    c0, c1, c2 = report.layers
    assert [layer.name for layer in report.layers] == ["c0", "c1", "c2"]
    assert c2.live_bytes == c1.activation_bytes + c2.activation_bytes
    assert report.memory.peak_bytes == max(16 * 16 * 3 * 4 + c0.activation_bytes,
                                           c0.activation_bytes + c1.activation_bytes)


# -- walk -----------------------------------------------------------------------------------------

def test_scale_refuses_widths_beyond_the_channel_limit_with_the_product() -> None:
    # README "Limits": 1,000,000 channels at most (inclusive); scale(c) checks α·c before rounding.
    ok = graph_of("  - {name: c, op: pwconv, out: 'scale(500000)'}\n")
    assert evaluate(ok, Config(alpha=2.0)).layers[0].output_shape.c == 1_000_000
    with pytest.raises(MncostError, match=r"alpha=2 x 600000 = 1\.2e\+06 channels is beyond the limit 1,000,000"):
        evaluate(graph_of("  - {name: c, op: pwconv, out: 'scale(600000)'}\n"), Config(alpha=2.0))


# -- thresholds -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "new", "exceeded"), [
    ("macs>+1000", 1_000, False), ("macs>+1000", 1_001, True),  # a bare number is in units
    ("macs>+1.5k", 1_500, False), ("macs>+1.5k", 1_501, True),
])
def test_unit_of_an_absolute_threshold(text: str, new: int, exceeded: bool) -> None:
    from mncost.diff import Change

    assert parse_threshold(text).exceeded_by(Change(0, new)) is exceeded


def test_check_compares_each_threshold_with_the_diffs_totals() -> None:
    graph = load("v1")
    old, new = evaluate(graph, Config()), evaluate(graph, Config(alpha=0.5))
    thresholds = (parse_threshold("macs>-50%"), parse_threshold("params>+0"), parse_threshold("macs>-80%"))
    checks = check(diff(old, new), thresholds)
    assert [c.threshold for c in checks] == list(thresholds)
    macs = (new.totals.macs - old.totals.macs) * 100 / old.totals.macs  # V1 0.5: about -74 %
    assert [c.exceeded for c in checks] == [macs > -50, new.totals.params > old.totals.params, macs > -80]
    assert [c.exceeded for c in checks] == [False, False, True]
    assert checks[0].change.old == old.totals.macs and checks[0].change.new == new.totals.macs


def test_the_first_layer_trick_is_off_unless_asked() -> None:
    # README, "How memory is counted": the first-layer trick is an option of the streamed model.
    from mncost.conventions import MemoryModel
    from mncost.liveness import plan
    from mncost.walk import exact_walk

    graph = load("v2")
    walked = exact_walk(graph, 1.0, 224, 1000, graph.spec.defaults.rounding)
    default = plan(graph, walked, 4, MemoryModel.STREAMED)
    assert default == plan(graph, walked, 4, MemoryModel.STREAMED, first_layer_trick=False)
    assert default != plan(graph, walked, 4, MemoryModel.STREAMED, first_layer_trick=True)


# -- diff -----------------------------------------------------------------------------------------

def test_a_spec_that_does_not_exist_on_one_side_adds_every_layer() -> None:
    from mncost.diff import Metric, Status, absent

    report = evaluate(load("v1"), Config())
    added = diff(absent(report, "gone.yaml"), report, old_exists=False)
    assert added.count(Status.ADDED) == len(report.layers) and not added.old_exists
    assert added.total(Metric.MACS).old == 0 and added.total(Metric.MACS).new == report.totals.macs
    assert added.total(Metric.PEAK_MEMORY).old == 0 and added.total(Metric.ACTIVATION_MEMORY).old == 0
    gone = absent(report, "gone.yaml")  # "every total 0" (absent's docstring), the JSON diff shows them
    assert (gone.totals.param_bytes, gone.memory.largest_tensor_bytes, gone.memory.peak_bytes) == (0, 0, 0)
    assert gone.layers == () and gone.spec.file == "gone.yaml" and gone.config == report.config
    removed = diff(report, absent(report, "gone.yaml"), new_exists=False)
    assert removed.count(Status.REMOVED) == len(report.layers)
    assert removed.total(Metric.PARAMS).delta == -report.totals.params


def test_latency_is_a_total_only_when_both_sides_have_a_device() -> None:
    from mncost.diff import TOTALS, Metric

    graph = load("v1")
    timed = [evaluate(graph, Config(alpha=a, device="pixel1-v3paper-fp32")) for a in (1.0, 0.5)]
    both = diff(*timed)
    assert both.totals == (*TOTALS, Metric.LATENCY) and Metric.LATENCY in both.metrics
    assert both.total(Metric.LATENCY).new == timed[1].totals.latency_ms
    one = diff(timed[0], evaluate(graph, Config(alpha=0.5)))
    assert one.totals == TOTALS and Metric.LATENCY not in one.metrics


@pytest.mark.parametrize(("old", "new", "relative"), [
    (200, 150, -0.25), (4, 5, 0.25), (0, 0, 0.0), (0, 5, math.inf),  # docstring of Change.relative
])
def test_relative_change(old: int, new: int, relative: float) -> None:
    from mncost.diff import Change

    assert Change(old, new).relative == relative
    assert Change(old, new).delta == new - old


def test_a_renamed_layer_is_not_identical_though_every_total_is() -> None:
    from mncost.diff import Metric, Status

    old = evaluate(graph_of("  - {name: a, op: conv, kernel: 3, out: 8}\n"), Config())
    new = evaluate(graph_of("  - {name: b, op: conv, kernel: 3, out: 8}\n"), Config())
    renamed = diff(old, new)
    assert all(renamed.total(m).delta == 0 for m in (Metric.MACS, Metric.PARAMS, Metric.PEAK_MEMORY))
    assert (renamed.count(Status.ADDED), renamed.count(Status.REMOVED)) == (1, 1)
    assert not renamed.identical
    assert diff(old, old).identical


# -- expr -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("expression", "message"), [
    ("(1 < 2) + 1", "expected a number, got a boolean (True)"),  # a condition is not a number
    ("max(True, 2)", "expected a number, got a boolean (True)"),
    ("8 if in else 4", "expected a condition (true/false), got int 3"),  # in = 3 input channels
])
def test_expression_type_errors_name_the_value(expression: str, message: str) -> None:
    graph = graph_of(f'  - {{name: c, op: conv, kernel: 3, out: "{expression}"}}\n')
    with pytest.raises(MncostError) as info:
        evaluate(graph, Config())
    assert str(info.value) == f"t.yaml:6: expression '{expression}': {message}"


def test_formula_evaluates_expressions_in_its_own_numbers() -> None:
    # the formula recompiles each expression over polynomials (expr.compile_in); at α = 1 and the
    # base resolution it equals `evaluate` (law: tests/test_formula_laws.py)
    from mncost.formula import formula

    graph = graph_of("  - {name: c, op: conv, kernel: 3, out: 'scale(16) + 8'}\n"
                     "  - {name: p, op: pwconv, out: 'max(in, 32) // 2'}\n")
    result = formula(graph, Config())
    report = evaluate(graph, Config())
    assert result.value("arithmetic", 1.0, 16) == report.totals.macs
    assert result.value("params", 1.0, 16) == report.totals.params


@pytest.mark.parametrize(("expression", "channels"), [
    ("8 * 1 ** 64", 8),  # README "Limits": the exponent of ** may be 64
    ("0 ** 2 + 8", 8),  # 0 to a positive power is 0
    ("(-2) ** 2 + 4", 8),  # a negative base to a whole power is real
    ("2 ** -1 * 16", 8),
])
def test_powers_within_the_limits(expression: str, channels: int) -> None:
    graph = graph_of(f'  - {{name: c, op: conv, kernel: 1, out: "{expression}"}}\n')
    assert evaluate(graph, Config(alpha=1.0)).layers[0].output_shape.c == channels


@pytest.mark.parametrize(("expression", "message"), [
    ("8 * 1 ** 65", "exponent 65 is too large (limit 64)"),
    ("in[0]", "indexing is not allowed"),
    ("[8, 16]", "List is not allowed"),
])
def test_refused_expressions(expression: str, message: str) -> None:
    with pytest.raises(MncostError, match=re.escape(message)):
        evaluate(graph_of(f'  - {{name: c, op: conv, kernel: 1, out: "{expression}"}}\n'), Config())


def test_an_expression_of_exactly_the_length_limit_is_read() -> None:
    from mncost.expr import MAX_LENGTH

    text = "8" + " " * (MAX_LENGTH - 1)  # README "Limits": 500 characters
    graph = graph_of(f'  - {{name: c, op: conv, kernel: 1, out: "{text}"}}\n')
    assert evaluate(graph, Config()).layers[0].output_shape.c == 8
    with pytest.raises(MncostError, match=f"expression is {MAX_LENGTH + 1} characters"):
        graph_of(f'  - {{name: c, op: conv, kernel: 1, out: "{text} "}}\n')


@pytest.mark.parametrize(("expression", "channels"), [
    # torchvision 0.28 models/_utils.py _make_divisible(v, divisor, min_value), checked with it:
    ("make_divisible(20, 8)", 24), ("make_divisible(3, 8, 16)", 16), ("make_divisible(100, 16)", 96),
    ("make_divisible(37, 4, 12)", 36), ("make_divisible(37, 4.0, 12)", 36),
])
def test_make_divisible_in_expressions(expression: str, channels: int) -> None:
    graph = graph_of(f'  - {{name: c, op: conv, kernel: 1, out: "{expression}"}}\n')
    assert evaluate(graph, Config()).layers[0].output_shape.c == channels


@pytest.mark.parametrize("divisor", ["2.5", "0"])
def test_make_divisible_needs_a_whole_divisor(divisor: str) -> None:
    graph = graph_of(f'  - {{name: c, op: conv, kernel: 1, out: "make_divisible(20, {divisor})"}}\n')
    with pytest.raises(MncostError, match=f"make_divisible\\(\\) divisor must be a whole number >= 1, got {divisor}"):
        evaluate(graph, Config())


@pytest.mark.parametrize(("expression", "channels"), [  # Python's own arithmetic, as the README promises
    ("16 / 2", 8), ("17 % 9", 8), ("-(8) + 16", 8), ("+8", 8), ("-8 * -1", 8),
    ("8 if 2 < 2 else 16", 16), ("8 if 2 <= 2 else 16", 8), ("8 if 2 > 2 else 16", 16), ("8 if 2 >= 2 else 16", 8),
    ("8 if 2 == 2 else 16", 8), ("8 if 2 != 2 else 16", 16), ("8 if 1 < 2 < 2 else 16", 16),
    ("8 if True and False else 16", 16), ("8 if False or True else 16", 8), ("8 if not False else 16", 8),
    ("8 if not in == 3 else 16", 16), ("8 if (in == 3) and (in < 4) else 16", 8),
    ("max(1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8)", 8),
    ("min(8)", 8), ("max(8)", 8),  # one argument: used to be a TypeError traceback
    ("int(8.9)", 8),
    ("round(7.5)", 8), ("ceil(7.1)", 8), ("floor(8.9)", 8), ("round8(11)", 16), ("scale(8)", 8),
])
def test_expression_values(expression: str, channels: int) -> None:
    graph = graph_of(f'  - {{name: c, op: conv, kernel: 1, out: "{expression}"}}\n')
    assert evaluate(graph, Config()).layers[0].output_shape.c == channels


@pytest.mark.parametrize(("call", "low", "high", "given"), [  # README "Limits" and "The spec language"
    ("max(" + ", ".join(["8"] * 17) + ")", 1, 16, 17), ("min()", 1, 16, 0), ("int(8, 8)", 1, 1, 2),
    ("round()", 1, 1, 0), ("ceil(8, 8)", 1, 1, 2), ("floor(8, 8)", 1, 1, 2), ("round8(8, 8)", 1, 1, 2),
    ("make_divisible(8)", 2, 3, 1), ("make_divisible(8, 8, 8, 8)", 2, 3, 4), ("scale(8, 8)", 1, 1, 2),
])
def test_function_argument_counts(call: str, low: int, high: int, given: int) -> None:
    name = call.split("(")[0]
    with pytest.raises(MncostError, match=re.escape(f"{name}() takes {low}..{high} arguments, got {given}")):
        graph_of(f'  - {{name: c, op: conv, kernel: 1, out: "{call}"}}\n')


@pytest.mark.parametrize(("expression", "message"), [
    ("~8", "operator Invert is not allowed"), ("max(*[8])", "max() takes positional arguments only"),
    ("max(a=8)", "max() takes positional arguments only"), ("(lambda: 8)()", "only named functions may be called"),
    ("print(8)", "function 'print' is not allowed (allowed: ceil, floor, int, make_divisible, max, min, round, "
                 "round8, scale)"),
])
def test_refused_syntax(expression: str, message: str) -> None:
    with pytest.raises(MncostError, match=re.escape(message)):
        graph_of(f'  - {{name: c, op: conv, kernel: 1, out: "{expression}"}}\n')


@pytest.mark.parametrize(("expression", "channels"), [
    ("0 ** 0 + 7", 8), ("1 ** -1 * 8", 8), ("0 ** 0.5 + 8", 8), ("8 * 0.25 ** 0.5 * 2", 8),  # Python's **
    ("make_divisible(8, 1)", 8),  # divisor 1 is a whole number >= 1
])
def test_more_powers_and_divisors(expression: str, channels: int) -> None:
    graph = graph_of(f'  - {{name: c, op: conv, kernel: 1, out: "{expression}"}}\n')
    assert evaluate(graph, Config()).layers[0].output_shape.c == channels


@pytest.mark.parametrize(("nest", "deepest", "value"), [
    (lambda k: "-(" * k + "8" + ")" * k, 31, -8),  # 31 unary minus and the literal: 32 levels
    (lambda k: "max(" * k + "8" + ")" * k, 15, 8),  # a call counts twice (the call and its arguments)
])
def test_expression_nesting_limit_is_exact(nest, deepest: int, value: int) -> None:  # type: ignore[no-untyped-def]
    # README "Limits": expression nesting (operators, calls) of 32 levels
    from mncost.errors import Location
    from mncost.expr import MAX_DEPTH, builtin_functions, parse

    assert MAX_DEPTH == 32
    assert parse(nest(deepest), [], Location("t", 1))(builtin_functions(lambda c: int(c))) == value
    with pytest.raises(MncostError, match=f"nested deeper than {MAX_DEPTH} levels"):
        parse(nest(deepest + 1), [], Location("t", 1))


# -- ops ------------------------------------------------------------------------------------------

def test_ops_all_counts_one_per_output_element_and_one_per_window_element() -> None:
    # docs/conventions.md, `--ops all`: adds cost one per output element, pooling one per window element
    from mncost.conventions import OpsCounted

    graph = graph_of("  - {name: c1, op: conv, kernel: 3, out: 8}\n"
                     "  - {name: c2, op: conv, kernel: 3, out: 8}\n"
                     "  - {name: add, op: add, inputs: [c2, c1]}\n"
                     "  - {name: pool, op: maxpool, kernel: 3, stride: 2}\n")
    papers = {x.name: x for x in evaluate(graph, Config()).layers}
    every = {x.name: x for x in evaluate(graph, Config(ops=OpsCounted.ALL)).layers}
    assert papers["add"].macs == papers["pool"].macs == 0
    assert every["add"].macs == every["add"].output_shape.elements == 16 * 16 * 8
    assert every["pool"].macs == every["pool"].output_shape.elements * 3 * 3


def test_flatten_and_dropout_shapes_and_memory() -> None:
    # ops table: flatten is HxWxC -> 1x1x(H*W*C); docs/memory.md: flatten and dropout are in place
    graph = graph_of("  - {name: c, op: conv, kernel: 3, out: 8}\n"
                     "  - {name: drop, op: dropout}\n"
                     "  - {name: flat, op: flatten}\n")
    c, drop, flat = evaluate(graph, Config()).layers
    assert (flat.output_shape.h, flat.output_shape.w, flat.output_shape.c) == (1, 1, 16 * 16 * 8)
    assert drop.live_bytes == flat.live_bytes == c.activation_bytes  # no new tensor: the image is freed after c


def test_a_broadcast_needs_matching_channels_and_a_1x1_map() -> None:
    graph = graph_of("  - {name: a, op: conv, kernel: 3, out: 8}\n"
                     "  - {name: b, op: conv, kernel: 3, stride: 2, out: 8}\n"
                     "  - {name: m, op: mul, inputs: [a, b]}\n")
    with pytest.raises(MncostError, match="layer 'm'"):
        evaluate(graph, Config())


def test_pwconv_kernel_is_not_settable() -> None:
    with pytest.raises(MncostError, match="kernel"):
        graph_of("  - {name: p, op: pwconv, kernel: 3, out: 8}\n")
