"""`--fail-on` expressions: the grammar, exact comparisons, the old-value-0 rule, usage errors."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
from click.testing import CliRunner

from mncost.cli import main
from mncost.diff import Change, Metric
from mncost.thresholds import ThresholdError, parse_threshold


@pytest.mark.parametrize(("text", "metric", "limit", "relative"), [
    ("macs>+5%", Metric.MACS, 5, True),
    ("params>+100k", Metric.PARAMS, 100_000, False),
    ("peak_memory>+0", Metric.PEAK_MEMORY, 0, False),
    ("activation_memory>+1M", Metric.ACTIVATION_MEMORY, 1_000_000, False),
    ("flops>+1.5G", Metric.FLOPS, 1_500_000_000, False),
    ("macs>-10%", Metric.MACS, -10, True),
    ("params>+.5k", Metric.PARAMS, 500, False),
    ("macs>+0.25%", Metric.MACS, Fraction(1, 4), True),
    (" macs > +5 % ", Metric.MACS, 5, True),  # spaces, as a quoted shell argument may have
    ("peak-memory>+2k", Metric.PEAK_MEMORY, 2_000, False),  # '-' spelling of a metric
])
def test_valid_thresholds(text: str, metric: Metric, limit: Fraction, relative: bool) -> None:
    threshold = parse_threshold(text)
    assert (threshold.metric, threshold.limit, threshold.relative) == (metric, limit, relative)


INVALID = [
    ("macs", "has no '>'"),
    ("macs>5%", "needs a sign"),
    ("macs>=+5%", "only '>' is supported"),
    ("macs<+5%", "has no '>'"),
    ("macs<=+5%", "has no '>'"),
    ("mac>+5%", "unknown metric 'mac'"),
    (">+5%", "unknown metric ''"),
    ("macs>", "no value after '>'"),
    ("macs>+", "'' is not a number"),
    ("macs>++5", "'+5' is not a number"),
    ("macs>+5x", "unknown unit 'x'"),
    ("macs>+5K", "unknown unit 'K'"),  # decimal k only; K would suggest 1024 to some
    ("macs>+5m", "unknown unit 'm'"),
    ("macs>+5k%", "unknown unit 'k%'"),
    ("macs>+5%%", "unknown unit '%%'"),
    ("macs>+abc", "'abc' is not a number"),
    ("macs>+inf", "'inf' is not a number"),
    ("macs>+nan", "'nan' is not a number"),
    ("macs>+1e6", "'1e6' is not a number"),
    ("macs>+1,000", "'1,000' is not a number"),
    ("", "has no '>'"),
]


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_threshold_raises(text: str, message: str) -> None:
    with pytest.raises(ThresholdError, match=re.escape(message)):
        parse_threshold(text)


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_threshold_is_a_usage_error(runner: CliRunner, text: str, message: str) -> None:
    result = runner.invoke(main, ["diff", "v1", "v1", "--fail-on", text])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Invalid value for '--fail-on'" in result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(("text", "old", "new", "exceeded"), [
    ("macs>+5%", 100, 105, False),  # exactly +5 % is within: exceeded means strictly greater
    ("macs>+5%", 100, 106, True),
    ("macs>+5%", 100, 50, False),
    ("macs>-10%", 100, 91, True),  # -9 % > -10 %: did not shrink by more than 10 %
    ("macs>-10%", 100, 89, False),
    ("params>+100k", 1_000_000, 1_100_000, False),
    ("params>+100k", 1_000_000, 1_100_001, True),
    ("peak_memory>+0", 7, 7, False),
    ("peak_memory>+0", 7, 8, True),
    ("peak_memory>+0", 7, 6, False),
    # Exact: +1/3 is 33.333...%, above 33.333333 % and below 33.3333334 %.
    ("macs>+33.333333%", 3, 4, True),
    ("macs>+33.3333334%", 3, 4, False),
    # From 0: no change is 0 %, any increase is +infinity %.
    ("macs>+1000000%", 0, 1, True),
    ("macs>+0%", 0, 0, False),
    ("macs>-5%", 0, 0, True),  # 0 % > -5 %
])
def test_exceeded(text: str, old: int, new: int, exceeded: bool) -> None:
    assert parse_threshold(text).exceeded_by(Change(old, new)) is exceeded
