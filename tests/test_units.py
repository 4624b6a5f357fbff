"""Unit boundaries of the human numbers (mncost/render/units.py, rule in docs/units.md).

Each boundary is tested from both sides: the last value that keeps a prefix and the first one that
moves to the next, for counts (3 significant digits) and bytes (one decimal)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mncost.render.units import Units, bytes_text, count_text, human, human_bytes, scaled

COUNTS = [
    (0, "0"), (1, "1"), (999, "999"),
    (1_000, "1.00k"), (1_004, "1.00k"), (1_005, "1.01k"), (9_994, "9.99k"), (9_995, "10.0k"),
    (99_949, "99.9k"), (99_950, "100k"), (999_499, "999k"), (999_500, "1.00M"), (999_999, "1.00M"),
    (1_000_000, "1.00M"), (1_025_000, "1.03M"), (1_320_648, "1.32M"), (9_994_999, "9.99M"),
    (9_995_000, "10.0M"), (9_999_999, "10.0M"), (76_524_800, "76.5M"), (99_950_000, "100M"),
    (999_499_999, "999M"), (999_500_000, "1.00G"), (999_999_999, "1.00G"), (9_995_000_000, "10.0G"),
    (999_499_999_999, "999G"), (999_500_000_000, "1000G"), (1_234_567_890_123, "1235G"),
    (-999_999, "-1.00M"), (-999, "-999"),
]


@pytest.mark.parametrize(("n", "text"), COUNTS)
def test_count_boundaries(n: int, text: str) -> None:
    assert human(n) == text
    assert count_text(n, None) == text


def test_floats_below_a_thousand_stay_as_they_are_and_round_up_into_k() -> None:
    assert human(12.5) == "12.5"
    assert human(999.4) == "999.4"
    assert human(999.5) == "1.00k"


BYTES = [
    (0, "0 B"), (999, "999 B"), (1_000, "1.0 kB"), (1_049, "1.0 kB"), (1_050, "1.1 kB"),
    (999_949, "999.9 kB"), (999_950, "1.0 MB"), (999_960, "1.0 MB"), (1_000_000, "1.0 MB"),
    (3_211_264, "3.2 MB"), (999_949_999, "999.9 MB"), (999_950_000, "1.0 GB"),
    (5_000_000_000_000, "5000.0 GB"), (-999_960, "-1.0 MB"),
]


@pytest.mark.parametrize(("n", "text"), BYTES)
def test_byte_boundaries(n: int, text: str) -> None:
    assert human_bytes(n) == text
    assert bytes_text(n, None) == text


@pytest.mark.parametrize(("n", "units", "text"), [
    (1_005_000, Units.M, "1.01"),  # exact half: binary floats print 1.00
    (1_004_999, Units.M, "1.00"),
    (999_999_999, Units.M, "1,000.00"),  # a fixed unit keeps its unit past 1000
    (1_234_567, Units.K, "1,234.57"),
    (1_234_567, Units.RAW, "1,234,567"),
    (5, Units.G, "0.00"),
    (-1_005_000, Units.M, "-1.01"),
])
def test_fixed_units_round_exactly(n: int, units: Units, text: str) -> None:
    assert count_text(n, units) == text


@given(st.integers(min_value=1_000, max_value=10**11))
def test_a_count_never_reads_a_thousand_of_a_prefix(n: int) -> None:
    text = human(n)
    number, prefix = Decimal(text[:-1]), text[-1]
    assert prefix in "kMG" and Decimal(1) <= number < 1000
    assert len(number.as_tuple().digits) == 3  # three significant digits, trailing zeros kept
    exact = Decimal(n).scaleb(-{"k": 3, "M": 6, "G": 9}[prefix])
    assert abs(exact - number) <= Decimal("0.5").scaleb(int(number.as_tuple().exponent))  # correctly rounded


@given(st.integers(min_value=1_000, max_value=10**11))
def test_bytes_never_read_a_thousand_of_a_prefix(n: int) -> None:
    number, prefix = human_bytes(n).split()
    assert prefix in ("kB", "MB", "GB") and Decimal("1.0") <= Decimal(number) < 1000
    exact = Decimal(n).scaleb(-{"kB": 3, "MB": 6, "GB": 9}[prefix])
    assert abs(exact - Decimal(number)) <= Decimal("0.05")


def test_scaled_separates_thousands() -> None:
    assert scaled(12_345_678, 3, 1) == "12,345.7"
