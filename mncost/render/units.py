"""Human-readable numbers for terminal output. Reports keep exact integers; only renderers round.

The rounding rule, the same for every human number (documented in docs/units.md):

- Rounding is exact decimal arithmetic, half away from zero (999,500 is 1.00M, 999,499 is 999k),
  never binary floating point (1,005,000 at --units M is 1.01, not 1.00).
- The prefix is chosen *after* rounding, so a value never reads 1000 of a prefix: counts keep
  three significant digits (999,999 -> 1.00M, 9,999,999 -> 10.0M, 99,950 -> 100k) and bytes keep
  one decimal (999,960 B -> 1.0 MB, 999,949 B -> 999.9 kB).
- Counts below 1,000 and bytes below 1,000 B are exact. G and GB are the largest prefixes: beyond
  them the value grows (1,234,567,890,123 -> 1235G) instead of switching to T.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

_PREFIXES = ((0, ""), (3, "k"), (6, "M"), (9, "G"))


def _round(value: Decimal, decimals: int) -> Decimal:
    """value rounded to `decimals` places, half away from zero, exactly."""
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def _significant(value: Decimal, digits: int) -> Decimal:
    """value rounded to `digits` significant digits, half away from zero (0 stays 0)."""
    if not value:
        return value
    return _round(value, digits - 1 - value.adjusted())


def human(n: float, digits: int = 3) -> str:
    """1320648 -> '1.32M', 76524800 -> '76.5M', 999999 -> '1.00M', 864 -> '864' (decimal prefixes k, M, G).

    `digits` significant digits from 1,000 up, the prefix chosen after rounding; below 1,000 the
    value as it is.
    """
    exact = Decimal(n)
    rounded = _significant(exact, digits)
    if abs(rounded) < 1000:
        return f"{n:g}" if isinstance(n, float) else str(n)
    magnitude = rounded.adjusted()
    exponent = min(3 * (magnitude // 3), 9)
    if magnitude - exponent >= digits:  # beyond the largest prefix: whole units of G, exactly rounded
        return f"{_round(exact.scaleb(-exponent), 0)}G"
    decimals = digits - 1 - (magnitude - exponent)
    return f"{_round(rounded.scaleb(-exponent), decimals)}{_PREFIXES[exponent // 3][1]}"


def human_bytes(n: int) -> str:
    """Bytes with decimal prefixes (kB = 1000 B), as the V2 paper's Table 3 counts memory:
    one decimal in the smallest prefix that keeps the rounded value below 1000 (999,960 -> '1.0 MB')."""
    if abs(n) < 1000:
        return f"{n} B"
    for exponent, prefix in _PREFIXES[1:]:
        value = _round(Decimal(n).scaleb(-exponent), 1)
        if abs(value) < 1000 or exponent == 9:
            return f"{value} {prefix}B"
    raise AssertionError("unreachable: GB takes every remaining value")


class Units(StrEnum):
    """How counts (params, MACs) and bytes are shown: `--units`.

    None (the default) means human-readable ("76.5M", "3.2 MB") in table/markdown/latex and exact
    integers in CSV/JSON. RAW is the exact integer; K/M/G divide by 10^3/10^6/10^9 (decimal
    prefixes, bytes as kB/MB/GB) and name the unit once, in the column header.
    """

    RAW = "raw"
    K = "k"
    M = "M"
    G = "G"

    @property
    def exponent(self) -> int:
        return {"raw": 0, "k": 3, "M": 6, "G": 9}[self.value]


def scaled(n: int, exponent: int, decimals: int) -> str:
    """n / 10^exponent with thousands separators and `decimals` places, exactly rounded half away
    from zero: scaled(1005000, 6, 2) -> '1.01', scaled(999999999, 6, 2) -> '1,000.00'."""
    return f"{_round(Decimal(n).scaleb(-exponent), decimals):,}"


def count_text(n: int, units: Units | None) -> str:
    """A count for people: human (None), exact with thousands separators (raw), or scaled to 2 decimals."""
    if units is None:
        return human(n)
    if units is Units.RAW:
        return f"{n:,}"
    return scaled(n, units.exponent, 2)


def bytes_text(n: int, units: Units | None) -> str:
    """Bytes for people: human_bytes (None), exact (raw), or kB/MB/GB to 2 decimals."""
    if units is None:
        return human_bytes(n)
    return count_text(n, units)


def exact_text(n: int, units: Units | None) -> str:
    """A count for machines (CSV): the exact integer, or the exact decimal n / 10^k (no rounding)."""
    if units is None or units is Units.RAW:
        return str(n)
    return format(Decimal(n).scaleb(-units.exponent), "f")
