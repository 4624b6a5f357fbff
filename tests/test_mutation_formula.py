"""Edges of `formula` and `sweep` that no other test reached: each test here kills mutants that
survived `benchmarks/mutate.py` (docs/development.md, "Mutation testing"). Every reference is a
rule (the docs or a docstring) or the `evaluate` path, never the output of the code under test."""

from __future__ import annotations

from fractions import Fraction

import pytest

from mncost import Config, MncostError, build_graph, evaluate, load
from mncost.conventions import Rounding
from mncost.formula import FormulaError, formula
from mncost.graph import Graph
from mncost.record import replace
from mncost.spec import parse_spec
from mncost.sweep import SweepRow, sweep_rows, validate

HEADER = "name: t\ndescription: d\nsource: tests/test_mutation_formula.py\ninput: {resolution: RES, channels: 3}\n"


def graph_of(layers: str, resolution: int = 64) -> Graph:
    return build_graph(parse_spec(HEADER.replace("RES", str(resolution)) + "layers:\n" + layers, "t.yaml"))


def evaluated(graph: Graph, alphas: list[float], resolutions: list[int], config: Config) -> list[SweepRow]:
    """The sweep's rows as `evaluate` gives them, point by point (the rule `sweep` must follow)."""
    rows = []
    for a in alphas:
        for r in resolutions:
            report = evaluate(graph, replace(config, alpha=a, rho=None, resolution=r))
            t = report.totals
            rows.append(SweepRow(a, r, report.config.rho, t.params, t.macs, t.activation_bytes,
                                 report.memory.peak_bytes, t.latency_ms))
    return rows


def error_of(graph: Graph, config: Config) -> str:
    with pytest.raises(MncostError) as caught:
        evaluate(graph, config)
    return str(caught.value)


# -- sweep: the points it evaluates on their own, and the errors it must raise -------------------

def test_a_sweep_with_a_device_evaluates_every_point_like_evaluate() -> None:
    # sweep.py: "With a --device (latency), each point is evaluated on its own"; each row is evaluate's.
    graph = load("v1")
    config = Config(device="pixel1-v3paper-fp32")
    result = sweep_rows(graph, [0.5, 1.0], [128, 160], config)
    assert result.evaluated_alone == 4
    assert list(result.rows) == evaluated(graph, [0.5, 1.0], [128, 160], config)
    assert all(row.latency_ms is not None and row.latency_ms > 0 for row in result.rows)


# Two maps from one input: a 'same' conv (out = ceil(in / 2)) and a 'valid' 2x2 max pool
# (out = floor((in − 2) / 2) + 1 = floor(in / 2)) agree on even sides only; the add needs equal shapes.
ODD_EVEN = ("  - {name: stem, op: conv, kernel: 3, out: 8}\n"
            "  - {name: a, op: conv, kernel: 3, stride: 2, out: 8}\n"
            "  - {name: b, op: maxpool, kernel: 2, stride: 2, padding: valid, inputs: [stem]}\n"
            "  - {name: add, op: add, inputs: [a, b]}\n")


@pytest.mark.parametrize("resolutions", [[64, 66, 65], [65, 64]])
def test_a_sweep_raises_where_an_add_sees_unequal_shapes(resolutions: list[int]) -> None:
    graph = graph_of(ODD_EVEN)
    with pytest.raises(MncostError) as caught:
        sweep_rows(graph, [1.0], resolutions, Config())
    assert str(caught.value) == error_of(graph, Config(resolution=65))
    good = [r for r in resolutions if r % 2 == 0]
    assert list(sweep_rows(graph, [1.0], good, Config()).rows) == evaluated(graph, [1.0], good, Config())


def test_a_sweep_raises_where_a_kernel_is_larger_than_its_input_everywhere() -> None:
    # a 'valid' 9x9 pool on maps of 8x8 at most (64 px / 8): evaluate refuses every point.
    graph = graph_of("  - {name: s, op: conv, kernel: 3, stride: 8, out: 8}\n"
                     "  - {name: p, op: avgpool, kernel: 9, stride: 1, padding: valid}\n")
    with pytest.raises(MncostError) as caught:
        sweep_rows(graph, [1.0], [48, 64], Config())
    assert str(caught.value) == error_of(graph, Config(resolution=48))


@pytest.mark.parametrize(("stop", "start"), [(8, 0), (8, 3), (9, 0), (8, 8), (3, 5)])
def test_a_sweep_slices_channels_like_evaluate(stop: int, start: int) -> None:
    # ops: a slice keeps channels start..stop-1 of the input; stop beyond the input, or start not
    # below stop, is an error (both checked by the domain's `less` on exact channel counts).
    graph = graph_of("  - {name: c, op: conv, kernel: 1, out: 8}\n"
                     f"  - {{name: s, op: slice, stop: {stop}" + (f", start: {start}}}\n" if start else "}\n"))
    if stop <= 8 and start < stop:
        result = sweep_rows(graph, [1.0], [32, 64], Config())
        assert list(result.rows) == evaluated(graph, [1.0], [32, 64], Config())
        assert result.evaluated_alone == 0  # valid at the probe, no guard on sides: the fast path
    else:
        with pytest.raises(MncostError) as caught:
            sweep_rows(graph, [1.0], [32, 64], Config())
        assert str(caught.value) == error_of(graph, Config(resolution=32))


def test_validate_reports_a_bad_resolution_before_a_bad_alpha() -> None:
    # sweep.validate: "an α or a resolution that no point can have (the first in grid order)": the
    # point (α0, r) comes before (α, r0) for every α after α0.
    graph = load("v1")
    with pytest.raises(MncostError) as caught:
        validate(graph, [1.0, -1.0], [224, -5], Config())
    assert str(caught.value) == error_of(graph, Config(alpha=1.0, resolution=-5))
    with pytest.raises(MncostError) as caught:
        validate(graph, [1.0, 0.5, -1.0], [224], Config())
    assert str(caught.value) == error_of(graph, Config(alpha=-1.0, resolution=224))
    validate(graph, [1.0, 0.5], [224, 128], Config())  # a valid grid: no error


def test_a_gate_that_is_1x1_at_the_probe_stays_on_the_fast_path() -> None:
    # ops: a mul broadcasts a 1x1 map over a larger one. Here the gate's side, ceil(in / 32), is a
    # symbol of the sweep that is 1 at 32 px (the probe, the largest resolution): a guard, not a failure.
    graph = graph_of("  - {name: stem, op: conv, kernel: 3, out: 8}\n"
                     "  - {name: g, op: conv, kernel: 1, stride: 32, out: 8, inputs: [stem]}\n"
                     "  - {name: gate, op: mul, inputs: [stem, g]}\n", resolution=32)
    result = sweep_rows(graph, [0.5, 1.0], [17, 32], Config())
    assert list(result.rows) == evaluated(graph, [0.5, 1.0], [17, 32], Config())
    assert result.evaluated_alone == 0


def test_each_alpha_checks_its_own_guards() -> None:
    # A layer that runs only for α > 0.6 brings a guard of its own (its 'valid' 5x5 window fits
    # maps of 5 px or more): at 16 px (4x4 maps) α = 1 fails, as evaluate says, though α = 0.5,
    # without the layer, is valid there.
    graph = graph_of("  - {name: s, op: conv, kernel: 3, stride: 4, out: 8}\n"
                     "  - {name: p, op: avgpool, kernel: 5, stride: 1, padding: valid, when: 'alpha > 0.6'}\n")
    assert list(sweep_rows(graph, [0.5], [64, 16], Config()).rows) == evaluated(graph, [0.5], [64, 16], Config())
    with pytest.raises(MncostError) as caught:
        sweep_rows(graph, [0.5, 1.0], [64, 16], Config())
    assert str(caught.value) == error_of(graph, Config(alpha=1.0, resolution=16))


@pytest.mark.parametrize("resolution", [0, -32])
def test_a_sweep_refuses_a_resolution_evaluate_refuses(resolution: int) -> None:
    graph = graph_of("  - {name: c, op: pwconv, out: 8}\n", resolution=32)
    with pytest.raises(MncostError) as caught:
        sweep_rows(graph, [1.0], [32, resolution], Config())
    assert str(caught.value) == error_of(graph, Config(resolution=resolution))


# -- formula: where it says it is exact, and what it says --------------------------------------------

def macs_of(graph: Graph, alpha: Fraction, resolution: int) -> int:
    return evaluate(graph, Config(alpha=float(alpha), resolution=resolution)).totals.macs


def test_v2_is_exact_at_the_paper_network_and_not_at_widths_off_the_multiple_of_8() -> None:
    # docs/design-space.md: under round8 the formula is exact where every α·c is a multiple of 8 and
    # ≥ 8 and the resolution a multiple of 32. V2's widths (16, 24, 32, ..., 1280) at α = 1: yes; at
    # α = 0.35, α·24 = 8.4 is not, and round8 moves it (the evaluated count differs from the formula).
    graph = load("v2")
    f = formula(graph, Config())
    assert f.exact_at(1, 224) and f.exact_at(Fraction(1), 192) and f.exact_at(1.0, 224)
    assert f.value("arithmetic", 1, 224) == macs_of(graph, Fraction(1), 224)
    assert not f.exact_at(0.35, 224)
    # α = 1/2: 24·α = 12 is whole but no multiple of 8 (round8 gives 16)
    assert not f.exact_at(0.5, 224) and f.value("arithmetic", 0.5, 224) != macs_of(graph, Fraction(1, 2), 224)
    assert f.value("arithmetic", 0.35, 224) != macs_of(graph, Fraction(7, 20), 224)
    assert not f.exact_at(1, 225) and not f.exact_at(1, 240)  # 225 and 240 are not multiples of 32
    assert f.smoothed == ("every scaled width α·c is a multiple of 8 and at least 8 (scale(c) taken as α·c; "
                          "c = 16, 24, 32, 64, 96, 160, 320, 1,280)",)


def test_v1_is_exact_on_every_multiple_of_32_only() -> None:
    # V1's widths are multiples of 32 and its rounding is int(α·c): exact for α = k/32 and any
    # resolution that is a multiple of 32; at 225 the 'same' padding's ceil() is not the polynomial.
    graph = load("v1")
    f = formula(graph, Config())
    assert f.exact_at(Fraction(3, 4), 160) and f.value("params", Fraction(3, 4), 160) == evaluate(
        graph, Config(alpha=0.75, resolution=160)).totals.params
    assert not f.exact_at(1, 225) and f.value("arithmetic", 1, 225) != macs_of(graph, Fraction(1), 225)
    assert not f.exact_at(Fraction(1, 100), 224)  # 0.32 channels: α·32 is not whole
    assert f.exact_at(Fraction(1, 32), 224)  # every width whole (1, 2, 4, ...), though not a multiple of 8
    assert f.value("arithmetic", Fraction(1, 32), 224) == macs_of(graph, Fraction(1, 32), 224)
    assert f.covers_all_alphas and len(f.pieces) == 1
    # docs/design-space.md (mncost formula v1): the condition as printed
    assert f.smoothed == ("every scaled width α·c is a whole number (scale(c) taken as α·c; "
                          "c = 32, 64, 128, 256, 512, 1,024)",)


def test_a_float_alpha_is_the_decimal_it_prints_as() -> None:
    # mncost.poly.to_fraction: 0.35 is 7/20 (as `--alpha 0.35` is), not the binary double nearest it.
    f = formula(load("v2"), Config())
    for quantity in ("arithmetic", "params"):
        assert f.value(quantity, 0.35, 160) == f.value(quantity, Fraction(7, 20), 160)
    assert f.exact_at(0.35, 224) is f.exact_at(Fraction(7, 20), 224)


def test_the_error_grid_is_five_multiples_of_the_stride_around_the_base() -> None:
    # docs/design-space.md (mncost formula v1): "Largest error of the formula over α = 0.25, 0.3, ...,
    # 1.4 × resolution 128, 160, 192, 224, 256"; its largest errors are evaluate's counts.
    graph = load("v1")
    f = formula(graph, Config())
    assert f.grid_resolutions == (128, 160, 192, 224, 256)
    assert f.grid_alphas[:2] == (0.25, 0.3) and f.grid_alphas[-1] == 1.4
    for e in f.errors:
        report = evaluate(graph, Config(alpha=e.alpha, resolution=e.resolution))
        assert e.evaluated == (report.totals.macs if e.quantity == "arithmetic" else report.totals.params)


# A 'valid' 3x3 pool after a stride of 32: at the base (128 px) the map is 4 px, larger than the
# kernel; the comparison 3 < side keeps its outcome for side > 3, i.e. from 4 × 32 = 128 px on.
GUARDED = ("  - {name: s, op: conv, kernel: 3, stride: 32, out: 8}\n"
           "  - {name: p, op: avgpool, kernel: 3, stride: 1, padding: valid}\n")


def test_a_comparison_of_sides_is_a_guard_with_its_smallest_resolution() -> None:
    graph = graph_of(GUARDED, resolution=128)
    f = formula(graph, Config())
    assert f.min_resolution == 128 and len(f.notes) == 1
    for r in (128, 160, 320, 1024):
        assert f.exact_at(1, r)
        assert f.value("arithmetic", 1, r) == macs_of(graph, Fraction(1), r)
    assert not f.exact_at(1, 96)  # side 3: the comparison's outcome at the base no longer holds


@pytest.mark.parametrize("width", ["scale(2 ** 4)", "scale(64) // 4", "scale(16) + 10 % 4", "scale(40) / 5",
                                   "scale(16) * 3 ** 0", "scale(48) // 1", "scale(16) + 7 // 2", "scale(16) + 5 % 1"])
def test_arithmetic_of_constants_inside_scaled_widths(width: str) -> None:
    # spec-language: **, //, % and / between constants are exact; the scaled part follows α.
    graph = graph_of(f"  - {{name: c, op: pwconv, out: '{width}'}}\n", resolution=8)
    f = formula(graph, Config())
    for a in (Fraction(1), Fraction(1, 2), Fraction(2)):
        assert f.exact_at(a, 8)
        assert f.value("arithmetic", a, 8) == macs_of(graph, a, 8)


@pytest.mark.parametrize(("width", "message"), [
    ("scale(16) ** 2 ** alpha", "only whole constant powers have a polynomial form"),
    ("scale(16) // (alpha * 2)", "'//' by a value that is not a positive whole constant"),
    ("scale(16) % 3", "'%' of an alpha-dependent value has no polynomial form"),
    ("scale(16) // 0", "division by zero"),
    ("make_divisible(scale(24), alpha * 8)", "make_divisible\\(\\) with an alpha-dependent divisor"),
    ("make_divisible(scale(24), 8, alpha * 8)", "make_divisible\\(\\) with an alpha-dependent divisor"),
])
def test_refused_arithmetic_names_what_has_no_polynomial_form(width: str, message: str) -> None:
    graph = graph_of(f"  - {{name: c, op: pwconv, out: '{width}'}}\n", resolution=8)
    with pytest.raises(FormulaError, match=message):
        formula(graph, Config())


def test_grouped_convolutions_of_scaled_widths() -> None:
    # A grouped conv needs both channel counts divisible by the groups: 32·α and 64·α by 4 hold at
    # α = 1 (smoothed: exact where they stay multiples of 4).
    graph = graph_of("  - {name: a, op: pwconv, out: 'scale(32)'}\n"
                     "  - {name: g, op: conv, kernel: 3, groups: 4, out: 'scale(64)'}\n", resolution=8)
    f = formula(graph, Config(rounding=Rounding.NONE))
    for a in (Fraction(1), Fraction(1, 2), Fraction(3, 8)):
        assert f.exact_at(a, 8)
        assert f.value("arithmetic", a, 8) == evaluate(
            graph, Config(alpha=float(a), resolution=8, rounding=Rounding.NONE)).totals.macs
    assert not f.exact_at(Fraction(1, 3), 8)  # 32/3 channels


def test_a_width_whole_at_alpha_1_only_is_smoothed_at_alpha_1() -> None:
    # design-space.md: a rounding step whose argument is whole at α = 1 (the paper's network) is
    # taken as its argument. round8(12) = 16, so a width of 12 is not, and the formula at α = 1 is
    # the evaluated network (16 channels).
    graph = graph_of("  - {name: c, op: pwconv, out: 'scale(12)'}\n", resolution=8)
    config = Config(rounding=Rounding.ROUND8)
    f = formula(graph, config)
    assert f.exact_at(1, 8)
    assert f.value("arithmetic", 1, 8) == evaluate(graph, replace(config, resolution=8)).totals.macs == 8 * 8 * 3 * 16


def test_pieces_stop_at_32_from_alpha_1_down_and_up() -> None:
    # docs/design-space.md: --format json lists at most 32 pieces. int(20.5·α) changes at every
    # α = k/20.5: the piece at α = 1 is [20/20.5, 21/20.5); 15 more below it (16 from α = 1 down, half
    # of the 32) and 16 above, so the formula covers 5/20.5 ≤ α < 37/20.5.
    graph = graph_of("  - {name: c, op: pwconv, out: 'int(alpha * 41 / 2)'}\n", resolution=8)
    f = formula(graph, Config())
    assert len(f.pieces) == 32
    assert f.pieces[0].low.value == Fraction(5 * 2, 41) and f.pieces[0].low.closed
    assert f.pieces[-1].high.value == Fraction(37 * 2, 41) and not f.pieces[-1].high.closed
    assert not f.covers_all_alphas


def test_a_kernel_that_depends_on_alpha_is_refused_by_name() -> None:
    # formula module doc: "A rule that has no polynomial form (an α-dependent stride ...) is refused by name".
    graph = graph_of("  - {name: c, op: conv, kernel: 'int(alpha * 2) * 2 + 1', out: 8}\n", resolution=8)
    with pytest.raises(FormulaError, match=r"t\.yaml:6: layer 'c': 'kernel' depends on alpha or is not a whole number"):
        formula(graph, Config())


def test_without_strides_every_resolution_is_exact() -> None:
    # Sides are divided only by strides: with none, the side polynomial is the resolution itself.
    graph = graph_of("  - {name: a, op: conv, kernel: 3, out: 'scale(16)'}\n"
                     "  - {name: p, op: maxpool, kernel: 3, stride: 1, padding: valid}\n", resolution=9)
    f = formula(graph, Config())
    assert f.stride_multiple == 1
    for r in (9, 11, 33):
        assert f.exact_at(1, r)
        assert f.value("arithmetic", 1, r) == macs_of(graph, Fraction(1), r)


def test_fixed_widths_grouped_and_a_kernel_as_large_as_its_input() -> None:
    # Fixed channel counts (an expression, not a paper width that α scales: '32' and '64', divisible
    # by 4 groups) need no smoothing; a 'valid' 3x3 pool on a 3x3 map (96 px / 32) fits exactly (a
    # kernel larger than its input is the error).
    graph = graph_of("  - {name: a, op: conv, kernel: 3, stride: 32, out: '32'}\n"
                     "  - {name: g, op: conv, kernel: 1, groups: 4, out: '64'}\n"
                     "  - {name: p, op: avgpool, kernel: 3, stride: 1, padding: valid}\n", resolution=96)
    f = formula(graph, Config())
    assert f.exact_at(1, 96) and not f.smoothed
    assert f.value("arithmetic", 1, 96) == macs_of(graph, Fraction(1), 96)
    assert f.value("params", 2, 96) == evaluate(graph, Config(alpha=2.0, resolution=96)).totals.params


def test_a_guard_that_flips_sends_the_point_to_evaluate() -> None:
    # A ceil-mode 2x2 pool with padding 1 drops its last window on odd maps only (PyTorch's rule: a
    # window that starts in the padding is dropped): at 33 px the decision differs from the probe's
    # (64 px), so that point is evaluated on its own; 64 and 48 stay on the fast path.
    graph = graph_of("  - {name: p, op: maxpool, kernel: 2, stride: 2, padding: 1, ceil_mode: true}\n"
                     "  - {name: c, op: pwconv, out: 8}\n")
    result = sweep_rows(graph, [1.0], [64, 33, 48], Config())
    assert list(result.rows) == evaluated(graph, [1.0], [64, 33, 48], Config())
    assert result.evaluated_alone == 1


@pytest.mark.parametrize(("width", "extra"), [
    ("scale(8) + int(classes / 300)", 3),  # int(3.33) = 3
    ("scale(8) + int((classes - 3500) / 1000)", -2),  # int(-2.5) = -2: towards 0
    ("scale(8) + round(classes / 400)", 2),  # round(2.5) = 2: Python's round, half to even
    ("scale(8) + round(classes / 2000 + 1)", 2),  # round(1.5) = 2
    # torchvision _make_divisible(10, 8): int(10 + 4) // 8 * 8 = 8 < 0.9 · 10, so 16
    ("scale(8) + round8(classes / 100)", 16),
    ("scale(8) + make_divisible(classes / 100, 8, 16)", 16),
])
def test_int_and_round_of_a_constant_inside_a_width(width: str, extra: int) -> None:
    graph = graph_of(f"  - {{name: c, op: pwconv, out: '{width}'}}\n", resolution=8)
    config = Config(classes=1000, rounding=Rounding.NONE)
    f = formula(graph, config)
    report = evaluate(graph, replace(config, resolution=8))
    assert report.layers[0].output_shape.c == 8 + extra
    assert f.exact_at(1, 8) and f.value("arithmetic", 1, 8) == report.totals.macs


def test_a_strided_conv_after_global_pooling() -> None:
    # After a global pool the side is the number 1, no longer a symbol: TF 'same' gives ceil(1 / 2) = 1.
    graph = graph_of("  - {name: c, op: conv, kernel: 3, stride: 2, out: 8}\n"
                     "  - {name: g, op: global_avgpool}\n"
                     "  - {name: s, op: conv, kernel: 1, stride: 2, out: 16}\n"
                     "  - {name: t, op: conv, kernel: 1, stride: 3, out: 16, padding: valid}\n")
    result = sweep_rows(graph, [1.0, 0.5], [64, 31], Config())
    assert list(result.rows) == evaluated(graph, [1.0, 0.5], [64, 31], Config())
    assert result.evaluated_alone == 0  # no decision on sides differs from the probe's
    assert evaluate(graph, Config()).layers[-1].output_shape.h == 1


def test_peak_memory_when_a_small_tensor_outlives_a_large_constant_one() -> None:
    # README "How memory is counted": the peak is the largest sum of the tensors alive at one step.
    # Here the 1-channel image and the pooled 1x1x1 map (r² + 1 elements) are alive together, then the
    # pooled map and 5,000 fc outputs (5,001): at 128 px the first is the peak, at 16 px the second.
    graph = build_graph(parse_spec(
        HEADER.replace("RES", "64").replace("channels: 3", "channels: 1") + "layers:\n"
        "  - {name: g, op: global_avgpool}\n"
        "  - {name: fc, op: fc, out: '5000'}\n", "t.yaml"))
    rows = sweep_rows(graph, [1.0], [128, 16], Config()).rows
    assert list(rows) == evaluated(graph, [1.0], [128, 16], Config())
    assert rows[0].peak_bytes == 4 * (128 * 128 + 1) and rows[1].peak_bytes == 4 * 5001


def test_a_sweep_where_no_layer_runs_at_some_alpha() -> None:
    # A layer that runs only for α > 2: at α = 1 nothing runs (no cost, no step, no peak), as evaluate says.
    graph = graph_of("  - {name: c, op: conv, kernel: 1, out: 8, when: 'alpha > 2'}\n")
    rows = sweep_rows(graph, [1.0, 3.0], [64, 32], Config()).rows
    assert list(rows) == evaluated(graph, [1.0, 3.0], [64, 32], Config())
    assert rows[0].peak_bytes == rows[0].macs == 0 and rows[2].peak_bytes > 0


def test_a_kernel_above_a_smooth_side_that_is_not_the_real_side_is_refused_by_name() -> None:
    # 40 px over a stride of 32: the real side is ceil(40 / 32) = 2 (a 2x2 window fits, evaluate
    # counts it), the smooth side ρ·40/32 = 1.25 is below the kernel: no polynomial describes it.
    graph = graph_of("  - {name: s, op: conv, kernel: 3, stride: 32, out: 8}\n"
                     "  - {name: p, op: avgpool, kernel: 2, stride: 1, padding: valid}\n", resolution=40)
    assert evaluate(graph, Config()).layers[-1].output_shape.h == 1
    with pytest.raises(FormulaError, match=r"^t\.yaml:7: layer 'p': its input side has no polynomial form"):
        formula(graph, Config())


def test_explicit_padding_with_strides_slices_and_a_broadcast_listed_last() -> None:
    # PyTorch's rule out = floor((in + 2p − k) / s) + 1: with 'valid' 3x3 at stride 2 the side is
    # in/2 − 1 at even sides (then 'half' at stride 2: in/2); a slice keeps channels 2..5; the 1x1
    # gate is the first input of the mul.
    graph = graph_of("  - {name: a, op: conv, kernel: 3, stride: 2, padding: valid, out: '8'}\n"
                     "  - {name: b, op: conv, kernel: 3, stride: 2, padding: half, out: '8'}\n"
                     "  - {name: s, op: slice, start: '2', stop: '6'}\n"
                     "  - {name: g, op: global_avgpool}\n"
                     "  - {name: m, op: mul, inputs: [g, s]}\n")
    f = formula(graph, Config())
    for r in (64, 96, 132):  # multiples of 4, the two strides
        assert f.exact_at(1, r)
        assert f.value("arithmetic", 1, r) == macs_of(graph, Fraction(1), r)


def test_a_comparison_that_is_not_linear_in_alpha_is_refused() -> None:
    graph = graph_of("  - {name: c, op: pwconv, out: 8, when: 'alpha * alpha > 1 / 2'}\n", resolution=8)
    with pytest.raises(FormulaError, match="a comparison that is not linear in alpha"):
        formula(graph, Config())


def test_conditions_that_change_exactly_at_alpha_1() -> None:
    # 'alpha == 1' holds at the single point α = 1: the formula has a piece that is that point.
    graph = graph_of("  - {name: a, op: pwconv, out: '8', when: 'alpha == 1'}\n"
                     "  - {name: b, op: pwconv, out: '16', when: 'alpha > 1'}\n"
                     "  - {name: c, op: pwconv, out: '24', when: 'alpha >= 1'}\n"
                     "  - {name: d, op: pwconv, out: '8'}\n", resolution=8)
    f = formula(graph, Config())
    assert any(p.low.value == p.high.value == 1 for p in f.pieces)
    for a in (Fraction(1, 2), Fraction(1), Fraction(2)):
        assert f.exact_at(a, 8)
        assert f.value("arithmetic", a, 8) == macs_of(graph, a, 8), a


@pytest.mark.parametrize(("first", "second"), [("'alpha < 3 / 2'", "max(alpha * 16, 24)"),
                                               ("'alpha > 1 / 2'", "max(alpha * 16, 8)")])
def test_a_strict_condition_and_a_max_that_change_at_the_same_alpha(first: str, second: str) -> None:
    # At α = 3/2 (or 1/2) the condition is false while max() is the same on both sides: the piece
    # below (above) ends there open, whichever was met first; wherever the formula says it is exact,
    # it is the evaluated network.
    graph = graph_of(f"  - {{name: a, op: pwconv, out: '8', when: {first}}}\n"
                     f"  - {{name: b, op: pwconv, out: '{second}'}}\n", resolution=8)
    f = formula(graph, Config())
    exact = [a for a in (Fraction(1, 2), Fraction(1), Fraction(3, 2), Fraction(2)) if f.exact_at(a, 8)]
    assert Fraction(1) in exact and Fraction(2) in exact
    for a in exact:
        assert f.value("arithmetic", a, 8) == macs_of(graph, a, 8), a


def test_held_round8_and_make_divisible_equal_evaluation() -> None:
    # docs/design-space.md: round8(18) = 24 is held at its value on the α interval where it does not
    # change; held values are exact on every piece (the 10 % rule of _make_divisible included).
    graph = graph_of("  - {name: a, op: pwconv, out: 'round8(alpha * 18)'}\n"
                     "  - {name: b, op: pwconv, out: 'make_divisible(alpha * 20, 8, 16)'}\n", resolution=8)
    f = formula(graph, Config())
    for k in range(16, 97, 3):
        a = Fraction(k, 64)
        assert f.exact_at(a, 8)
        assert f.value("arithmetic", a, 8) == macs_of(graph, a, 8), a


def test_a_width_of_8_under_round8_is_smoothed() -> None:
    # round8 keeps a multiple of 8 that is at least 8: α·8 at α = 1 is 8, taken as its argument.
    graph = graph_of("  - {name: a, op: pwconv, out: 'scale(8)'}\n", resolution=8)
    f = formula(graph, Config(rounding=Rounding.ROUND8))
    assert f.smoothed == ("every scaled width α·c is a multiple of 8 and at least 8 (scale(c) taken as α·c; c = 8)",)
    assert len(f.pieces) == 1


def test_narrow_pieces_next_to_each_other_are_all_found() -> None:
    # max(10000α, 9990) and max(10000α, 9991) change at α = 0.999 and 0.9991, min(10000α, 10001)
    # and min(10000α, 10002) at 1.0001 and 1.0002: pieces narrower than the first step of the search.
    width = ("max(alpha * 10000, 9990) + max(alpha * 10000, 9991) + min(alpha * 10000, 10001)"
             " + min(alpha * 10000, 10002) - 39000")
    graph = graph_of(f"  - {{name: a, op: pwconv, out: '{width}'}}\n", resolution=8)
    f = formula(graph, Config())
    assert [p.low.value for p in f.pieces] == [None, Fraction(999, 1000), Fraction(9991, 10000),
                                               Fraction(10001, 10000), Fraction(10002, 10000)]
    assert [p.high.value for p in f.pieces][:-1] == [p.low.value for p in f.pieces][1:]


def test_guard_texts_give_the_sign_at_the_base() -> None:
    # The comparison kernel − side at the base: 3 − 4 < 0 for GUARDED (4 px maps), 3 − 3 = 0 on 3 px maps.
    assert formula(graph_of(GUARDED, resolution=128), Config()).notes[0].endswith(" < 0")
    assert formula(graph_of(GUARDED, resolution=96), Config()).notes[0].endswith(" = 0")



def test_json_pieces_of_v2_name_their_ends() -> None:
    # docs/design-space.md: V2 has two pieces, 0 < α ≤ 1 and α ≥ 1 (α = 0 is no network; ∞ no width).
    import json

    from mncost.render.formula import to_json

    pieces = json.loads(to_json(formula(load("v2"), Config())))["pieces"]
    assert [(p["alpha_from"], p["alpha_to"]) for p in pieces] == [
        ({"value": None, "included": False}, {"value": 1, "included": True}),
        ({"value": 1, "included": True}, {"value": None, "included": False})]


@pytest.mark.parametrize("argument", ["alpha * 8 / 0.9", "(2 - alpha) * 8 / 0.9"])
def test_make_divisible_at_its_ten_percent_edge(argument: str) -> None:
    # torchvision _make_divisible(v, 8) adds 8 only when new_v < 0.9·v (strictly): at v = 8/0.9 it
    # stays 8 (0.9 · (8/0.9) is 8.0 in floats too), just above it becomes 16. With (2 − α) the edge
    # at α = 1 has the 16 below it: the piece below must not claim α = 1.
    graph = graph_of(f"  - {{name: a, op: pwconv, out: 'make_divisible({argument}, 8)'}}\n", resolution=8)
    f = formula(graph, Config())
    for a in (Fraction(1), Fraction(9, 8), Fraction(3, 4)):
        assert f.exact_at(a, 8)
        assert f.value("arithmetic", a, 8) == macs_of(graph, a, 8), a
    assert evaluate(graph, Config()).layers[0].output_shape.c == 8


def test_held_round_pieces_meet_at_the_ties() -> None:
    # round(6α + ½) changes where 6α + ½ is a tie n + ½, i.e. at α = n/6: the pieces end there and
    # meet (no overlap, no gap between them).
    graph = graph_of("  - {name: a, op: pwconv, out: 'round(alpha * 6 + 1 / 2)'}\n", resolution=8)
    pieces = formula(graph, Config()).pieces
    ends = [p.high.value for p in pieces][:-1]
    assert ends == [p.low.value for p in pieces][1:]
    assert all(e is not None and (6 * e).denominator == 1 for e in ends)


def test_an_expression_at_the_nesting_limit_is_compiled_by_the_formula_too() -> None:
    # docs/limits.md: an expression may nest 32 levels (expr.MAX_DEPTH); the deepest one the spec
    # parser accepts must also compile over polynomials (expr.compile_in), not be refused there.
    from mncost.expr import MAX_DEPTH
    width = "in + 5"  # a name, so the formula compiles it (a literal is taken as its value)
    for _ in range(MAX_DEPTH - 2):
        width = f"1 + ({width})"
    graph = graph_of(f'  - {{name: c, op: conv, kernel: 1, out: "{width}"}}\n')
    assert evaluate(graph, Config()).layers[0].output_shape.c == 3 + 5 + MAX_DEPTH - 2
    f = formula(graph, Config())
    assert f.value("arithmetic", 1, 64) == macs_of(graph, Fraction(1), 64)
    with pytest.raises(MncostError, match=f"nested deeper than {MAX_DEPTH} levels"):  # the limit itself
        graph_of(f'  - {{name: c, op: conv, kernel: 1, out: "1 + ({width})"}}\n')
