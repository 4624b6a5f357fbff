"""Human-readable numbers for terminal output. Reports keep exact integers; only renderers round."""

from __future__ import annotations

from enum import StrEnum


def human(n: float, digits: int = 3) -> str:
    """1320648 -> '1.32M', 76524800 -> '76.5M', 864 -> '864' (decimal prefixes k, M, G)."""
    for factor, suffix in ((10**9, "G"), (10**6, "M"), (10**3, "k")):
        if abs(n) >= factor:
            value = n / factor
            decimals = max(0, digits - len(str(int(abs(value)))))
            return f"{value:.{decimals}f}{suffix}"
    return f"{n:g}" if isinstance(n, float) else str(n)


def human_bytes(n: int) -> str:
    """Bytes with decimal prefixes (kB = 1000 B), as the V2 paper's Table 3 counts memory."""
    for factor, suffix in ((10**9, "GB"), (10**6, "MB"), (10**3, "kB")):
        if n >= factor:
            return f"{n / factor:.1f} {suffix}"
    return f"{n} B"


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


def count_text(n: int, units: Units | None) -> str:
    """A count for people: human (None), exact with thousands separators (raw), or scaled to 2 decimals."""
    if units is None:
        return human(n)
    if units is Units.RAW:
        return f"{n:,}"
    return f"{n / 10**units.exponent:,.2f}"


def bytes_text(n: int, units: Units | None) -> str:
    """Bytes for people: human_bytes (None), exact (raw), or kB/MB/GB to 2 decimals."""
    if units is None:
        return human_bytes(n)
    return count_text(n, units)


def exact_text(n: int, units: Units | None) -> str:
    """A count for machines (CSV): the exact integer, or the exact decimal n / 10^k (no rounding)."""
    if units is None or units is Units.RAW:
        return str(n)
    from decimal import Decimal  # exact k/M/G decimals; imported only when --units asks for them

    return format(Decimal(n).scaleb(-units.exponent), "f")
