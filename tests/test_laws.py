"""Laws every bundled spec obeys, checked with Hypothesis (STYLE.md §12)."""

from __future__ import annotations

from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mncost import Config, Graph, Report, evaluate, load
from mncost.bundled import bundled_names
from mncost.conventions import BnParams, Dtype

SPECS = bundled_names()
alphas = st.floats(min_value=0.25, max_value=2.0, allow_nan=False).map(lambda a: round(a, 3))
resolutions = st.integers(min_value=64, max_value=320)
PER_SPEC = settings(max_examples=max(10, settings.default.max_examples // 2))
"""Each law runs once per bundled spec (33 of them), so half the profile's examples per spec still
draws several hundred networks per law; HYPOTHESIS_PROFILE=long draws thousands per spec."""


@cache
def graph(name: str) -> Graph:
    return load(name)


def at(name: str, alpha: float, resolution: int, **config: object) -> Report:
    return evaluate(graph(name), Config(alpha=alpha, resolution=resolution, **config))  # type: ignore[arg-type]


@pytest.mark.parametrize("name", SPECS)
@PER_SPEC
@given(alpha=alphas, r1=resolutions, r2=resolutions)
def test_params_do_not_depend_on_resolution(name: str, alpha: float, r1: int, r2: int) -> None:
    assert at(name, alpha, r1).totals.params == at(name, alpha, r2).totals.params


@pytest.mark.parametrize("name", SPECS)
@PER_SPEC
@given(a1=alphas, a2=alphas, resolution=resolutions)
def test_macs_and_params_monotone_in_alpha(name: str, a1: float, a2: float, resolution: int) -> None:
    low, high = sorted((a1, a2))
    small, big = at(name, low, resolution).totals, at(name, high, resolution).totals
    assert small.macs <= big.macs
    assert small.params <= big.params


@pytest.mark.parametrize("name", SPECS)
@PER_SPEC
@given(alpha=alphas, r1=resolutions, r2=resolutions)
def test_macs_monotone_in_resolution(name: str, alpha: float, r1: int, r2: int) -> None:
    low, high = sorted((r1, r2))
    assert at(name, alpha, low).totals.macs <= at(name, alpha, high).totals.macs


@pytest.mark.parametrize("name", SPECS)
@PER_SPEC
@given(alpha=alphas, resolution=resolutions, bn=st.sampled_from(list(BnParams)), dtype=st.sampled_from(list(Dtype)))
def test_rows_sum_to_totals_and_memory_bounds(name: str, alpha: float, resolution: int, bn: BnParams,
                                              dtype: Dtype) -> None:
    r = at(name, alpha, resolution, bn_params=bn, dtype=dtype)
    assert sum(x.params for x in r.layers) == r.totals.params
    assert sum(x.macs for x in r.layers) == r.totals.macs
    assert sum(x.activation_bytes for x in r.layers) == r.totals.activation_bytes
    assert all(x.activation_bytes == x.output_shape.elements * dtype.bytes for x in r.layers)
    assert all(r.memory.peak_bytes >= x.live_bytes >= x.activation_bytes for x in r.layers)
    assert sum(t.macs for t in r.by_type()) == r.totals.macs


@pytest.mark.parametrize("name", SPECS)
def test_flops_are_twice_macs(name: str) -> None:
    from mncost.conventions import Counting

    r = evaluate(graph(name), Config(counting=Counting.FLOPS))
    assert r.arithmetic == 2 * r.totals.macs
