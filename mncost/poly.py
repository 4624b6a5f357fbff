"""Exact polynomials in the width multiplier α and the resolution multiplier ρ.

Coefficients are Fractions, so every arithmetic step is exact. Used by `mncost.formula` to carry
channel counts (polynomials in α) and feature-map sides (polynomials in ρ) through a graph.
"""

from __future__ import annotations

from fractions import Fraction

from .record import record

Number = int | Fraction
Monomial = tuple[int, int]  # (power of α, power of ρ)


@record
class Poly:
    """Σ coefficient · α^i · ρ^j, terms sorted by (i, j) descending, no zero coefficients."""

    terms: tuple[tuple[Monomial, Fraction], ...] = ()

    @staticmethod
    def of(mapping: dict[Monomial, Fraction]) -> Poly:
        return Poly(tuple(sorted(((m, c) for m, c in mapping.items() if c != 0), reverse=True)))

    @staticmethod
    def const(value: Number | float) -> Poly:
        return Poly.of({(0, 0): to_fraction(value)})

    @staticmethod
    def alpha(coefficient: Number = 1) -> Poly:
        return Poly.of({(1, 0): Fraction(coefficient)})

    @staticmethod
    def rho(coefficient: Number = 1) -> Poly:
        return Poly.of({(0, 1): Fraction(coefficient)})

    def __str__(self) -> str:
        """The value as an error message prints it: the number itself when constant (32, 3/2),
        else the polynomial in the formula's notation (6·α)."""
        if self.is_constant:
            return str(self.constant)
        from .render.formula import poly_text

        return poly_text(self)

    def as_dict(self) -> dict[Monomial, Fraction]:
        return dict(self.terms)

    @property
    def is_constant(self) -> bool:
        return all(m == (0, 0) for m, _ in self.terms)

    @property
    def constant(self) -> Fraction:
        """The constant term (the whole value when `is_constant`)."""
        return self.as_dict().get((0, 0), Fraction(0))

    def at(self, alpha: Number = 0, rho: Number = 0) -> Fraction:
        """Exact value at the given α and ρ."""
        a, r = Fraction(alpha), Fraction(rho)
        return sum((c * a**i * r**j for (i, j), c in self.terms), Fraction(0))

    def _coerce(self, other: object) -> Poly | None:
        if isinstance(other, Poly):
            return other
        if isinstance(other, int | Fraction) and not isinstance(other, bool):
            return Poly.const(other)
        return None

    def __add__(self, other: object) -> Poly:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        out = self.as_dict()
        for m, c in o.terms:
            out[m] = out.get(m, Fraction(0)) + c
        return Poly.of(out)

    __radd__ = __add__

    def __neg__(self) -> Poly:
        return Poly(tuple((m, -c) for m, c in self.terms))

    def __sub__(self, other: object) -> Poly:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return self + (-o)

    def __rsub__(self, other: object) -> Poly:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return o + (-self)

    def __mul__(self, other: object) -> Poly:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        out: dict[Monomial, Fraction] = {}
        for (i1, j1), c1 in self.terms:
            for (i2, j2), c2 in o.terms:
                m = (i1 + i2, j1 + j2)
                out[m] = out.get(m, Fraction(0)) + c1 * c2
        return Poly.of(out)

    __rmul__ = __mul__

    def scaled(self, factor: Fraction) -> Poly:
        return Poly.of({m: c * factor for m, c in self.terms})


def to_fraction(value: Number | float) -> Fraction:
    """A float is read as the decimal it prints as (0.1 → 1/10), not its binary value."""
    if isinstance(value, float):
        return Fraction(repr(value))
    return Fraction(value)
