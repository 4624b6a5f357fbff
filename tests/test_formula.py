"""`mncost formula`: the closed-form polynomials equal direct evaluation wherever they claim to."""

from __future__ import annotations

import json
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mncost import Config, evaluate, load
from mncost.cli import main
from mncost.conventions import BnParams, Counting, OpsCounted, Rounding
from mncost.formula import formula
from mncost.poly import Poly
from mncost.render.formula import poly_text

RESOLUTIONS = (96, 128, 160, 192, 224, 256)  # multiples of the total stride 32


def check_exact(spec: str, alphas: list[Fraction], **conventions: object) -> None:
    graph = load(spec)
    config = Config(**conventions)  # type: ignore[arg-type]
    f = formula(graph, config)
    for alpha in alphas:
        for resolution in RESOLUTIONS:
            r = evaluate(graph, Config(alpha=float(alpha), resolution=resolution, **conventions))  # type: ignore[arg-type]
            assert f.value("arithmetic", alpha, resolution) == r.arithmetic, (alpha, resolution)
            assert f.value("params", alpha, resolution) == r.totals.params, (alpha, resolution)


# V1's widths are all multiples of 32, so int(α·c) = α·c for every α = k/32.
V1_EXACT_ALPHAS = [Fraction(k, 32) for k in (4, 8, 13, 16, 24, 31, 32, 40, 48, 64)]


@pytest.mark.parametrize("conventions", [
    {},
    {"ops": OpsCounted.ALL, "bn_params": BnParams.ALL, "counting": Counting.FLOPS},
    {"classes": 1001, "bn_params": BnParams.AFFINE},
])
def test_v1_formula_is_exact_on_grid(conventions: dict[str, object]) -> None:
    check_exact("v1", V1_EXACT_ALPHAS, **conventions)


def test_v1_formula_shape_is_a_alpha2_rho2_plus_b_alpha_rho2_plus_c_alpha() -> None:
    f = formula(load("v1"), Config())
    assert len(f.pieces) == 1
    macs = f.pieces[0].arithmetic.as_dict()
    assert set(macs) == {(2, 2), (1, 2), (1, 0)}
    assert all(c.denominator == 1 and c > 0 for c in macs.values())
    assert f.stride_multiple == 32
    # The V1 paper, Table 14: 1.0 MobileNet-224 has 569 million Mult-Adds and 4.2 million parameters.
    assert round(f.value("arithmetic", 1, 224) / 10**6) == 569
    assert round(f.value("params", 1, 224) / 10**5) == 42


def test_v1_formula_is_not_exact_off_the_stride_multiple() -> None:
    """ceil() of 'same' padding: at 225 pixels the polynomial (in/stride) undercounts."""
    f = formula(load("v1"), Config())
    assert f.value("arithmetic", 1, 225) != evaluate(load("v1"), Config(resolution=225)).totals.macs


# Under round8 every width must be a multiple of 8 and >= 8: α·16 and α·24 force α ∈ {1, 2, ...}.
def test_v2_round8_formula_is_exact_where_widths_are_multiples_of_8() -> None:
    check_exact("v2", [Fraction(1), Fraction(2), Fraction(3)])


def test_v2_formula_is_piecewise_at_alpha_1() -> None:
    """The last conv keeps 1280 channels for α ≤ 1 and scales above (V2 paper, section 6.1)."""
    f = formula(load("v2"), Config())
    assert len(f.pieces) == 2
    assert f.pieces[0].high.value == 1 and f.pieces[1].low.value == 1
    assert f.pieces[0].arithmetic != f.pieces[1].arithmetic
    assert (f.pieces[0].arithmetic.at(1, 1) == f.pieces[1].arithmetic.at(1, 1)
            == evaluate(load("v2"), Config()).totals.macs)


@pytest.mark.parametrize("conventions", [{}, {"ops": OpsCounted.ALL, "bn_params": BnParams.AFFINE}])
def test_v2_without_rounding_is_exact_at_quarter_alphas(conventions: dict[str, object]) -> None:
    alphas = [Fraction(k, 4) for k in range(1, 9)]  # every V2 width times k/4 is whole
    check_exact("v2", alphas, rounding=Rounding.NONE, **conventions)


def test_largest_error_is_measured_and_positive_under_rounding() -> None:
    f = formula(load("v2"), Config())
    assert all(e.relative > 0 for e in f.errors)
    worst = f.errors[0]
    r = evaluate(load("v2"), Config(alpha=worst.alpha, resolution=worst.resolution))
    assert worst.evaluated == r.totals.macs
    assert worst.relative == pytest.approx(abs(worst.formula - worst.evaluated) / worst.evaluated, rel=1e-6)


def test_poly_arithmetic() -> None:
    a, r = Poly.alpha(), Poly.rho()
    p = (a * 3 + 1) * (r * r) - 2
    assert p.at(2, 3) == 61
    assert poly_text(p) == "3·α·ρ² + ρ² - 2"
    assert (p - p).terms == ()


def test_cli_formats(runner) -> None:  # type: ignore[no-untyped-def]
    f = formula(load("v1"), Config())
    text = runner.invoke(main, ["formula", "v1"])
    assert text.exit_code == 0, text.output
    assert poly_text(f.pieces[0].arithmetic) in text.output
    assert "multiple of 32" in text.output
    latex = runner.invoke(main, ["formula", "v1", "--format", "latex"])
    assert r"\begin{align*}" in latex.output and r"\alpha^{2}\,\rho^{2}" in latex.output
    doc = json.loads(runner.invoke(main, ["formula", "v2", "--format", "json"]).output)
    assert doc["schema"] == "mncost.formula/1"
    piece = doc["pieces"][0]
    value = sum(t["coefficient"] * Fraction(1, 2) ** t["alpha_power"] * Fraction(160, 224) ** t["rho_power"]
                for t in piece["macs"])
    assert value == formula(load("v2"), Config()).value("arithmetic", Fraction(1, 2), 160)


def test_deterministic(runner) -> None:  # type: ignore[no-untyped-def]
    a = runner.invoke(main, ["formula", "v2", "-f", "json"]).output
    assert a == runner.invoke(main, ["formula", "v2", "-f", "json"]).output


# V1 paper (arXiv:1704.04861), Tables 6 and 7: (α, resolution, million Mult-Adds, million parameters).
# The paper's integers are within ±1 of the exact counts (it rounds 568.74 up and 290.68 down).
V1_TABLES_6_7 = [(1.0, 224, 569, 4.2), (0.75, 224, 325, 2.6), (0.5, 224, 149, 1.3), (0.25, 224, 41, 0.5),
                 (1.0, 192, 418, 4.2), (1.0, 160, 290, 4.2), (1.0, 128, 186, 4.2)]


@pytest.mark.parametrize(("alpha", "resolution", "macs_m", "params_m"), V1_TABLES_6_7)
def test_v1_formula_against_paper(alpha: float, resolution: int, macs_m: int, params_m: float) -> None:
    f = formula(load("v1"), Config())
    assert abs(f.value("arithmetic", alpha, resolution) / 10**6 - macs_m) < 1
    assert round(float(f.value("params", alpha, resolution)) / 10**6, 1) == params_m


# TF-slim research/slim/nets/mobilenet/README.md (MobileNet V2 checkpoints, 1001 classes):
# mobilenet_v2_1.0_{224,192,160,128,96}: MACs (M) 300, 221, 154, 99, 56; params (M) 3.47. The README
# truncates: the exact counts are 300.776M ... 56.290M.
@pytest.mark.parametrize(("resolution", "macs_m"), [(224, 300), (192, 221), (160, 154), (128, 99), (96, 56)])
def test_v2_formula_against_tf_slim_readme(resolution: int, macs_m: int) -> None:
    f = formula(load("v2"), Config(classes=1001))
    assert int(f.value("arithmetic", 1, resolution) / 10**6) == macs_m
    assert round(float(f.value("params", 1, resolution)) / 10**6, 2) == 3.47


def test_v1_under_round8_is_exact_at_quarter_alphas() -> None:
    """V1's widths are multiples of 32, so α·c is a multiple of 8 (and ≥ 8) for every α = k/4."""
    check_exact("v1", [Fraction(k, 4) for k in range(1, 7)], rounding=Rounding.ROUND8)


_V1 = formula(load("v1"), Config())


@given(k=st.integers(1, 96), m=st.integers(1, 14))
def test_v1_formula_matches_evaluation_property(k: int, m: int) -> None:
    alpha, resolution = Fraction(k, 32), 32 * m
    r = evaluate(load("v1"), Config(alpha=float(alpha), resolution=resolution))
    assert _V1.value("arithmetic", alpha, resolution) == r.totals.macs
    assert _V1.value("params", alpha, resolution) == r.totals.params


# int() truncates and round() rounds half to even, as in Python (the exact walk calls them); where the
# argument is not whole at α = 1 the formula holds their value on an α interval. It used round half up
# for both: int(20.5·α) came out one too many at α ∈ [21/20.5, 22/20.5), and round(20.5) as 21 at α = 1.
@pytest.mark.parametrize("width", ["int(alpha * 41 / 2)", "round(alpha * 41 / 2)", "round(alpha * 6 + 1 / 2)",
                                   "int(alpha * 5 - 7 / 2) + 8"])
def test_held_int_and_round_equal_evaluation(width: str) -> None:
    from mncost import build_graph
    from mncost.spec import parse_spec

    text = ("name: t\ndescription: d\nsource: tests/test_formula.py\ninput: {resolution: 8, channels: 3}\n"
            f"layers:\n  - {{name: c, op: pwconv, out: '{width}'}}\n")
    graph = build_graph(parse_spec(text, "t.yaml"))
    f = formula(graph, Config())
    # every k/64 (exact in binary, so the float α of evaluate is the same number): the ties of
    # round(6α + ½) at α = 1/2, 1 and 3/2, every step of int(20.5·α) between 1/4 and 3/2, and
    # int(5α − 7/2) below 0 (truncated towards 0) for α < 7/10.
    alphas = [Fraction(k, 64) for k in range(16, 97)]
    exact = [a for a in alphas if f.exact_at(a, 8)]
    assert len(exact) == len(alphas)  # held values: exact on every piece
    for a in exact:
        channels = evaluate(graph, Config(alpha=float(a))).layers[0].output_shape.c
        assert f.value("arithmetic", a, 8) == 8 * 8 * 3 * channels, a


def test_formula_errors_print_numbers_as_evaluate_does() -> None:
    # The walk's messages format channel counts; in the formula's domain they are polynomials, which
    # printed as "Poly(terms=(((0, 0), Fraction(32, 1)),))" instead of 32.
    from mncost import MncostError, build_graph
    from mncost.spec import parse_spec

    text = ("name: t\ndescription: d\nsource: tests/test_formula.py\ninput: {resolution: 8, channels: 3}\n"
            "layers:\n  - {name: a, op: conv, kernel: 1, out: '32'}\n"
            "  - {name: g, op: conv, kernel: 1, groups: 3, out: '63'}\n")
    graph = build_graph(parse_spec(text, "t.yaml"))
    with pytest.raises(MncostError) as by_formula:
        formula(graph, Config())
    with pytest.raises(MncostError) as by_evaluate:
        evaluate(graph, Config())
    assert str(by_formula.value) == str(by_evaluate.value) == (
        "t.yaml:7: layer 'g': input channels 32 are not divisible by groups=3")
    assert str(Poly.alpha(6)) == "6·α"
