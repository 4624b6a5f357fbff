"""`--fail-on` thresholds: `macs>+5%`, `params>+100k`, `peak_memory>+0`, checked against a Diff.

Grammar: METRIC `>` SIGN NUMBER [k|M|G|%]. The sign is required (`+` an increase, `-` a decrease),
which keeps unsigned numbers free for a future absolute budget. k, M, G are decimal (10³, 10⁶,
10⁹); memory metrics are in bytes. A threshold is exceeded when the change is strictly greater
than the limit. Comparisons are exact (fractions, no float rounding).

Relative thresholds compare (new - old) / old in percent. When the old value is 0, no change is
0 % and any increase is +infinity %, which exceeds every relative threshold.
"""

from __future__ import annotations

import re
from fractions import Fraction

from .diff import Change, Diff, Metric
from .errors import MncostError
from .record import record

_SUFFIX = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9}
_NUMBER = re.compile(r"^(\d+(?:\.\d*)?|\.\d+)([A-Za-z%]*)$")


class ThresholdError(MncostError):
    """A --fail-on expression is malformed (a usage error, exit code 2)."""


@record
class Threshold:
    """A limit on the change of one metric: absolute (in the metric's unit) or relative (in %)."""

    text: str  # as written, whitespace removed
    metric: Metric
    limit: Fraction  # units (params, MACs, bytes) or percent
    relative: bool

    def exceeded_by(self, change: Change) -> bool:
        if not self.relative:
            return change.delta > self.limit
        if change.old == 0:  # 0 → 0 is 0 %; 0 → more is +inf %, above any limit
            return change.new > 0 or 0 > self.limit
        return Fraction(change.delta) * 100 / Fraction(change.old) > self.limit


@record
class Check:
    """A threshold with the change it was checked against."""

    threshold: Threshold
    change: Change
    exceeded: bool


def parse_threshold(text: str) -> Threshold:
    """Parse `METRIC>±VALUE[k|M|G|%]`. Raises ThresholdError naming what is wrong."""
    compact = "".join(text.split())
    example = "write it as METRIC>CHANGE, e.g. 'macs>+5%', 'params>+100k' or 'peak_memory>+0'"
    name, op, value = compact.partition(">")
    if not op:
        raise ThresholdError(f"threshold '{text}' has no '>' ({example})")
    if value.startswith(("=", ">")) or "<" in name or "=" in name:
        raise ThresholdError(f"threshold '{text}': only '>' is supported (the change must stay at or below "
                             f"the limit), e.g. 'macs>+5%'")
    known = ", ".join(m.value for m in Metric)
    try:
        metric = Metric(name.replace("-", "_"))
    except ValueError:
        raise ThresholdError(f"threshold '{text}': unknown metric '{name}' (expected one of: {known})") from None
    if not value:
        raise ThresholdError(f"threshold '{text}' has no value after '>' ({example})")
    sign, digits = value[0], value[1:]
    if sign not in "+-":
        raise ThresholdError(f"threshold '{text}': the change needs a sign, '+' for an increase or '-' for a "
                             f"decrease, e.g. '{name}>+{value}'")
    match = _NUMBER.match(digits)
    if not match:
        raise ThresholdError(f"threshold '{text}': '{digits}' is not a number (expected digits with an optional "
                             f"k, M or G suffix or a % sign, e.g. +5%, +100k, +1.5M, +0)")
    number, unit = match.groups()
    if unit != "%" and unit not in _SUFFIX:
        raise ThresholdError(f"threshold '{text}': unknown unit '{unit}' (expected k, M or G (decimal: "
                             f"10^3, 10^6, 10^9) or %)")
    magnitude = Fraction(number) * (1 if unit == "%" else _SUFFIX[unit])
    return Threshold(compact, metric, magnitude if sign == "+" else -magnitude, unit == "%")


def check(diff: Diff, thresholds: tuple[Threshold, ...]) -> tuple[Check, ...]:
    """Each threshold checked against the diff's totals, in the order given."""
    checks = []
    for threshold in thresholds:
        change = diff.total(threshold.metric)
        checks.append(Check(threshold, change, threshold.exceeded_by(change)))
    return tuple(checks)
