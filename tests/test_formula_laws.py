"""Laws of `formula` over every bundled spec and every spec under tests/specs/.

The formula is the one walk (mncost.walk) over the polynomial domain; `evaluate` is the same walk
over exact integers. Where the formula states it is exact (`Formula.exact_at`: its α piece, the
resolution multiple, every smoothed rounding step, every comparison of sides), the two agree
exactly; and the conditions hold where they must: at α = 1 and the base resolution (when it is a
multiple of the formula's resolution multiple), and at every multiple of 32 from 96 to 320 px at
α = 1 (from the formula's smallest resolution on; of 64 for MobileViT, whose 2×2 patches need even
maps).

Detectors divide the resolution down to 1x1 maps (SSDLite: stride 512): their formula is exact
only at multiples of 512, not at their base (300, 320); where a map's smooth side ρ·base/stride
falls below a kernel at the base, `formula` refuses the spec by name (`NO_FORMULA`).
"""

from __future__ import annotations

import json
from fractions import Fraction
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from mncost import Config, evaluate, load
from mncost.bundled import bundled_names
from mncost.cli import main
from mncost.formula import Formula, formula
from mncost.render.formula import to_json, to_latex, to_text

ROOT = Path(__file__).resolve().parent.parent
NO_FORMULA = {
    # specs/ssdlite-v3-large.yaml: PyTorch padding (floor) takes the extras' maps 5 -> 3 -> 2 -> 1 at
    # 320 px; the smooth sides 320/128, 320/256, 320/512 = 0.625 are below extra4.expand's 1x1 kernel.
    "ssdlite-v3-large": "specs/ssdlite-v3-large.yaml:65: layer 'extra4.expand': its input side has no polynomial",
}
TEST_SPECS = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "specs").glob("*.yaml"))
SPECS = [s for s in (*bundled_names(), *TEST_SPECS) if s not in NO_FORMULA]
ALPHAS = [Fraction(k, 4) for k in range(1, 9)] + [Fraction(7, 20), Fraction(13, 10)]
RESOLUTIONS = list(range(96, 321, 32))


@cache
def formula_of(spec: str) -> Formula:
    return formula(load(str(ROOT / spec) if spec.endswith(".yaml") else spec), Config())


@pytest.mark.parametrize("spec", SPECS)
def test_exact_at_the_base_network_and_at_multiples_of_32(spec: str) -> None:
    f = formula_of(spec)
    graph = load(str(ROOT / spec) if spec.endswith(".yaml") else spec)
    base = graph.spec.resolution
    if base % f.stride_multiple:
        # A base that is not a multiple of the strides (torchvision's 520 px for segmentation: 65 -> 33,
        # SSDLite's 300 px) rounds a side that a polynomial in ρ cannot follow; the formula says so and
        # is exact at the multiples around it instead.
        assert not f.exact_at(1, base)
        base = f.min_resolution if f.min_resolution > base else base // f.stride_multiple * f.stride_multiple
    assert f.exact_at(1, base)
    report = evaluate(graph, Config(resolution=base))
    assert f.value("arithmetic", 1, base) == report.arithmetic
    assert f.value("params", 1, base) == report.totals.params
    for r in RESOLUTIONS:
        # MobileViT's patch grouping needs even stage maps: its formula states a multiple of 64
        if r >= f.min_resolution and r % f.stride_multiple == 0:
            assert f.exact_at(1, r), r


@pytest.mark.parametrize("spec", SPECS)
def test_formula_equals_evaluate_wherever_it_says_it_is_exact(spec: str) -> None:
    f = formula_of(spec)
    graph = load(str(ROOT / spec) if spec.endswith(".yaml") else spec)
    checked = 0
    resolutions = RESOLUTIONS if f.min_resolution <= RESOLUTIONS[0] else [f.min_resolution * k for k in (1, 2)]
    for alpha in ALPHAS:
        for r in resolutions:
            if not f.exact_at(alpha, r):
                continue
            report = evaluate(graph, Config(alpha=float(alpha), resolution=r))
            assert f.value("arithmetic", alpha, r) == report.arithmetic, (alpha, r)
            assert f.value("params", alpha, r) == report.totals.params, (alpha, r)
            checked += 1
    assert checked >= len(resolutions)  # at least α = 1 at every resolution


@pytest.mark.parametrize("spec", SPECS)
def test_formula_renders_on_every_spec(spec: str) -> None:
    f = formula_of(spec)
    text, latex, document = to_text(f), to_latex(f), json.loads(to_json(f))
    assert text.startswith(f"{f.spec_name}: ") and "MACs(α, ρ)" in text
    assert latex.count(r"\begin{align*}") == 1
    assert len(document["pieces"]) == len(f.pieces)


@pytest.mark.parametrize(("spec", "message"), NO_FORMULA.items())
def test_formula_refuses_a_spec_without_a_polynomial_form_in_one_line(spec: str, message: str,
                                                                      runner: CliRunner) -> None:
    result = runner.invoke(main, ["formula", spec])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"Error: {message}") and result.stderr.count("\n") == 1


@pytest.mark.parametrize("spec", ["v1", "v3-large", "shufflenet-v2", "tests/specs/branchy.yaml"])
def test_formula_command_exits_0(spec: str, runner: CliRunner) -> None:
    result = runner.invoke(main, ["formula", str(ROOT / spec) if spec.endswith(".yaml") else spec])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output


def test_shufflenet_formula_at_the_base_is_the_evaluated_count() -> None:
    # issue 13: formula gave 4,121,034 params and 410.8 M MACs where show gives 2,262,424 and 144.9 M
    report = evaluate(load("shufflenet-v2"), Config())
    f = formula_of("shufflenet-v2")
    assert (f.value("params", 1, 224), f.value("arithmetic", 1, 224)) == (report.totals.params, report.totals.macs)
    assert report.totals.params == 2_262_424  # torchvision shufflenet_v2_x1_0 without BN (tests/test_zoo.py)


def write(tmp_path: Path, layers: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text("name: net\nfamily: test\ndescription: a test network\nsource: hand-written\n"
                    "input: {resolution: 32, channels: 3}\nclasses: 10\ndefaults: {padding: same}\nlayers:\n" + layers,
                    encoding="utf-8")
    return str(path)


def test_conditional_width_is_accepted(tmp_path: Path, runner: CliRunner) -> None:
    spec = write(tmp_path, '  - {name: c1, op: conv, kernel: 3, stride: 2, out: "32 if alpha < 1 else scale(32)"}\n'
                           "  - {name: fc, op: fc, out: 10}\n")
    result = runner.invoke(main, ["formula", spec])
    assert result.exit_code == 0, result.output
    f = formula(load(spec), Config())
    for alpha in (Fraction(1, 2), Fraction(1), Fraction(3, 2)):
        report = evaluate(load(spec), Config(alpha=float(alpha)))
        assert f.exact_at(alpha, 32)
        assert f.value("arithmetic", alpha, 32) == report.arithmetic


def test_alpha_conditional_stride_gives_pieces(tmp_path: Path) -> None:
    spec = write(tmp_path, '  - {name: c1, op: conv, kernel: 3, stride: "1 if alpha < 1 else 2", out: 8}\n')
    f = formula(load(spec), Config())
    assert len(f.pieces) >= 2  # below 1, above 1 (and the point α = 1, where the comparison flips)
    for alpha in (Fraction(1, 2), Fraction(1), Fraction(2)):
        assert f.value("arithmetic", alpha, 32) == evaluate(load(spec), Config(alpha=float(alpha))).arithmetic


def test_stride_proportional_to_alpha_is_refused_in_one_line(tmp_path: Path, runner: CliRunner) -> None:
    spec = write(tmp_path, '  - {name: c1, op: conv, kernel: 3, stride: "2 * alpha", out: 8}\n')
    result = runner.invoke(main, ["formula", spec])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "'stride' depends on alpha" in result.stderr
