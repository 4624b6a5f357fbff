"""Human-readable numbers for terminal output. Reports keep exact integers; only renderers round."""

from __future__ import annotations


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
