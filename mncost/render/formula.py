"""Closed-form formulas as plain text, LaTeX and the `mncost.formula/1` JSON document."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

from ..formula import Bound, Formula, LargestError, Piece
from ..poly import Poly

SCHEMA = "mncost.formula/1"
MAX_SHOWN = 6
"""Most pieces the text output lists; beyond, it shows the piece at α = 1."""


def _variables(f: Formula) -> str:
    return f"α = width multiplier, ρ = resolution / {f.base_resolution}"


def _conventions(f: Formula) -> str:
    return (f"rounding={f.rounding} count={f.unit.lower()} ops={f.ops} bn-params={f.bn_params}"
            f" ln-params={f.ln_params} classes={f.classes}"
            + (f" depth={f.depth_multiplier:g}" if f.depth_multiplier != 1 else ""))


def exact_where(f: Formula) -> list[str]:
    """The conditions under which the formula equals the evaluated counts exactly."""
    lines = [f"the resolution is a multiple of {f.stride_multiple} (a side's floor or ceiling division by "
             "the strides so far is then exact)"] if f.stride_multiple > 1 else []
    lines += list(f.smoothed)
    if f.notes:
        lines.append(f"the resolution is at least {f.min_resolution} ({len(f.notes)} comparisons of feature-map "
                     "sides, such as a kernel fitting its input, keep their outcome; --format json lists them)")
    if not f.covers_all_alphas:
        lines.append(f"α is in the range the pieces cover ({_interval(_span(f))})")
    return lines


def _span(f: Formula) -> Piece:
    return Piece(f.pieces[0].low, f.pieces[-1].high, Poly(), Poly())


def _interval(piece: Piece, var: str = "α", le: str = "≤", num: Any = None) -> str:
    """'0 < α ≤ 1', '1 ≤ α', 'α > 0'."""
    num = num or _num
    lo, hi = piece.low, piece.high
    if lo.value is not None and lo.value == hi.value:
        return f"{var} = {num(lo.value)}"
    if lo.value is None and hi.value is None:
        return f"{var} > 0"
    if hi.value is None:
        ge = "≥" if le == "≤" else r"\ge"
        return f"{var} {ge} {num(lo.value)}" if lo.closed else f"{var} > {num(lo.value)}"
    left = "0 <" if lo.value is None else f"{num(lo.value)} {le if lo.closed else '<'}"
    return f"{left} {var} {le if hi.closed else '<'} {num(hi.value)}"


def _num(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def _grouped(x: Fraction, sep: str) -> str:
    def digits(n: int) -> str:
        return f"{n:,}".replace(",", sep)

    if x.denominator == 1:
        return digits(x.numerator)
    return f"{digits(x.numerator)}/{digits(x.denominator)}"


_SUPER = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def poly_text(p: Poly) -> str:
    """247,869,440·α²·ρ² + 51,624,832·α·ρ² + 1,280,000"""
    if not p.terms:
        return "0"
    parts = []
    for k, ((i, j), c) in enumerate(p.terms):
        factors = [_grouped(abs(c), ",")] if abs(c) != 1 or (i, j) == (0, 0) else []
        for name, power in (("α", i), ("ρ", j)):
            if power:
                factors.append(name + (str(power).translate(_SUPER) if power > 1 else ""))
        term = "·".join(factors)
        sign = ("-" if c < 0 else "") if k == 0 else (" - " if c < 0 else " + ")
        parts.append(sign + term)
    return "".join(parts)


def poly_latex(p: Poly) -> str:
    if not p.terms:
        return "0"
    parts = []
    for k, ((i, j), c) in enumerate(p.terms):
        a = abs(c)
        thin = r"\,"
        if a.denominator == 1:
            coef = _grouped(a, thin)
        else:
            coef = rf"\frac{{{_grouped(Fraction(a.numerator), thin)}}}{{{_grouped(Fraction(a.denominator), thin)}}}"
        factors = [coef] if a != 1 or (i, j) == (0, 0) else []
        for name, power in ((r"\alpha", i), (r"\rho", j)):
            if power:
                factors.append(name + (f"^{{{power}}}" if power > 1 else ""))
        sign = ("-" if c < 0 else "") if k == 0 else (" - " if c < 0 else " + ")
        parts.append(sign + r"\,".join(factors))
    return "".join(parts)


def _error_line(e: LargestError, unit: str) -> str:
    name = unit if e.quantity == "arithmetic" else "params"
    if e.relative == 0:
        return f"{name}: exact at every grid point"
    return (f"{name}: {100 * e.relative:.2f}% (α={e.alpha:g}, resolution={e.resolution}: formula {e.formula:,}, "
            f"evaluated {e.evaluated:,})")


def _grid_text(f: Formula) -> str:
    a = f.grid_alphas
    return (f"α = {a[0]:g}, {a[1]:g}, ..., {a[-1]:g} × resolution {', '.join(str(r) for r in f.grid_resolutions)}")


def to_text(f: Formula) -> str:
    lines = [f"{f.spec_name}: {f.spec_description}",
             f"{f.unit} and parameters as exact polynomials in α and ρ ({_variables(f)})",
             f"conventions: {_conventions(f)}", ""]
    label_m, label_p = f"{f.unit}(α, ρ)", "params(α, ρ)"
    width = max(len(label_m), len(label_p))
    shown = f.pieces if len(f.pieces) <= MAX_SHOWN else [p for p in f.pieces if p.contains(Fraction(1))]
    for piece in shown:
        lines.append(f"for {_interval(piece)}:")
        lines.append(f"  {label_m:<{width}} = {poly_text(piece.arithmetic)}")
        lines.append(f"  {label_p:<{width}} = {poly_text(piece.params)}")
    if len(shown) < len(f.pieces):
        lines.append(f"(the piece at α = 1 of {len(f.pieces)} pieces, which rounding steps and conditions split "
                     "α into; --format json lists them all)")
    conditions = exact_where(f)
    if conditions:
        lines += ["", "Exact where:"] + [f"  - {c}" for c in conditions]
        lines.append(f"Largest error of the formula over {_grid_text(f)}:")
        lines += [f"  {_error_line(e, f.unit)}" for e in f.errors]
    else:
        lines += ["", "Exact for every α and resolution."]
    return "\n".join(lines) + "\n"


def _interval_latex(piece: Piece) -> str:
    def num(x: Fraction) -> str:
        return str(x.numerator) if x.denominator == 1 else rf"\tfrac{{{x.numerator}}}{{{x.denominator}}}"

    return _interval(piece, r"\alpha", r"\le", num)


def to_latex(f: Formula) -> str:
    unit = r"\mathrm{" + f.unit + "}"
    lines = [f"% mncost formula {f.spec_name}: {f.spec_description}",
             f"% {_variables(f)}".replace("α", "alpha").replace("ρ", "rho"),
             f"% conventions: {_conventions(f)}"]
    for c in exact_where(f):
        lines.append(f"% exact where {c}".replace("α", "alpha").replace("·", "*"))
    for e in f.errors:
        if e.relative:
            lines.append(f"% largest error on the grid: {_error_line(e, f.unit)}".replace("α", "alpha"))
    lines.append(r"\begin{align*}")
    rows = []
    for piece in f.pieces:
        where = f"&& {_interval_latex(piece)}" if len(f.pieces) > 1 else ""
        rows.append(rf"{unit}(\alpha,\rho) &= {poly_latex(piece.arithmetic)} {where}".rstrip())
        rows.append(rf"\mathrm{{params}}(\alpha,\rho) &= {poly_latex(piece.params)} {where}".rstrip())
    lines.append(" \\\\\n".join(rows))
    lines.append(r"\end{align*}")
    return "\n".join(lines) + "\n"


def _coef(c: Fraction) -> int | str:
    return c.numerator if c.denominator == 1 else f"{c.numerator}/{c.denominator}"


def _terms(p: Poly) -> list[dict[str, Any]]:
    return [{"coefficient": _coef(c), "alpha_power": i, "rho_power": j} for (i, j), c in p.terms]


def _bound(b: Bound) -> dict[str, Any]:
    return {"value": None if b.value is None else _coef(b.value), "included": b.closed}


def formula_dict(f: Formula) -> dict[str, Any]:
    key = f.unit.lower()
    return {
        "schema": SCHEMA,
        "spec": {"name": f.spec_name, "description": f.spec_description},
        "variables": {"alpha": "width multiplier", "rho": f"resolution / {f.base_resolution}"},
        "conventions": {"rounding": str(f.rounding), "counting": key, "ops": str(f.ops), "bn_params": f.bn_params,
                        "ln_params": f.ln_params,
                        "classes": f.classes, "depth_multiplier": f.depth_multiplier},
        "pieces": [{"alpha_from": _bound(p.low), "alpha_to": _bound(p.high), key: _terms(p.arithmetic),
                    "params": _terms(p.params)} for p in f.pieces],
        "exact_where": exact_where(f),
        "side_comparisons": list(f.notes),
        "min_resolution": f.min_resolution,
        "resolution_multiple": f.stride_multiple,
        "largest_error": {
            "alphas": list(f.grid_alphas), "resolutions": list(f.grid_resolutions),
            **{(key if e.quantity == "arithmetic" else "params"): {
                "relative": round(e.relative, 6), "alpha": e.alpha, "resolution": e.resolution,
                "formula": e.formula, "evaluated": e.evaluated} for e in f.errors},
        },
    }


def to_json(f: Formula) -> str:
    return json.dumps(formula_dict(f), indent=2, ensure_ascii=False) + "\n"
