"""Distinct sub-networks (issue 15, `mncost space`): slots beyond a stage's depth are ignored, so
`enumerate` lists each sub-network once, `sample` draws uniformly over them by default (OFA's own
per-slot sampler on request), and `sample --unique` promises N distinct ones or says why not.

The tiny space tests/spaces/tiny-attention.yaml is small enough to list by brute force: every raw
configuration (2 head counts x 2^4 MLP ratios x 2^2 depths x 2 resolutions = 256) and its canonical
form. Uniformity is a chi-square goodness-of-fit test at p = 0.001 with a fixed seed: it fails for
OFA's per-slot sampler, which is not uniform over sub-networks.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from mncost.cli import main
from mncost.space import Sampling, load_space

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "tests" / "spaces" / "tiny-attention.yaml")


def _raw_configurations(space):  # type: ignore[no-untyped-def]
    """Every configuration of the space, ignored slots included (the product of every slot's choices)."""
    axes = []
    for var in space.variables.values():
        axes.append([list(v) for v in itertools.product(var.choices, repeat=var.slots)] if var.slots else var.choices)
    for values in itertools.product(*axes, space.resolutions):
        yield {**dict(zip(space.variables, values[:-1], strict=True)), "r": [values[-1]]}


def test_enumerate_lists_each_distinct_sub_network_once() -> None:
    space = load_space(TINY)
    listed = [space.identity(c) for c in space.enumerate()]
    distinct = {space.identity(c) for c in _raw_configurations(space)}
    assert len(listed) == len(set(listed)) == space.count(with_resolutions=True)
    assert set(listed) == distinct
    per_stage = 2 + 2 * 2  # depth 1: 2 MLP ratios; depth 2: 2 x 2
    assert space.count() == 2 * per_stage**2  # x 2 head counts
    assert all(space.canonical(c) == c for c in space.enumerate())  # listed in canonical form


def test_space_enumerate_command_writes_as_many_lines_as_count_counts(runner: CliRunner) -> None:
    count = runner.invoke(main, ["space", "count", TINY], catch_exceptions=False)
    total = int(count.stdout.split("; ")[1].split()[0].replace(",", ""))
    result = runner.invoke(main, ["space", "enumerate", TINY], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line)["config"] for line in result.stdout.splitlines()]
    space = load_space(TINY)
    assert len(rows) == total == len({space.identity(c) for c in rows})


def _chi_square(counts: Counter[tuple[object, ...]], cells: int, draws: int) -> float:
    """Pearson's statistic against equal frequencies (a cell never drawn adds its expected count)."""
    expected = draws / cells
    return sum((n - expected) ** 2 / expected for n in counts.values()) + (cells - len(counts)) * expected


def _critical(dof: int, z: float = 3.0902) -> float:
    """The chi-square quantile at 1 - 0.001 (z = 3.0902, the normal quantile) by the Wilson-Hilferty
    approximation (Wilson & Hilferty 1931): at 143 degrees of freedom 201.05, where the exact
    quantile (bisecting the regularized incomplete gamma function) is 201.00."""
    return dof * (1 - 2 / (9 * dof) + z * math.sqrt(2 / (9 * dof))) ** 3


def _statistic(space, sampling: Sampling, draws: int, seed: int = 1) -> float:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    counts = Counter(space.identity(space.sample(rng, sampling)) for _ in range(draws))
    cells = space.count(with_resolutions=True)
    assert len(counts) <= cells
    return _chi_square(counts, cells, draws)


def test_sample_is_uniform_over_the_distinct_sub_networks() -> None:
    space = load_space(TINY)
    cells = space.count(with_resolutions=True)
    draws = 60 * cells
    assert _statistic(space, Sampling.SUBNETWORK, draws) < _critical(cells - 1)
    # OFA's per-slot sampler draws a depth-1 stage half the time, though it is 2 of a stage's 6
    # forms: the same test refuses it.
    assert _statistic(space, Sampling.SLOT, draws) > 3 * _critical(cells - 1)


def test_ofa_mbv3_depths_follow_the_sub_network_counts() -> None:
    """In ofa-mbv3 a stage has 9^2, 9^3 and 9^4 forms of depth 2, 3 and 4: drawn uniformly over
    sub-networks, the depths come in those proportions, and the ignored slots are canonical."""
    space = load_space("ofa-mbv3")
    rng = random.Random(3)
    depths: Counter[int] = Counter()
    draws = 2_000
    for _ in range(draws):
        config = space.sample(rng)
        assert space.canonical(config) == config
        depths.update(config["d"])
    weights = {d: 9**d for d in (2, 3, 4)}
    total = draws * 5
    statistic = sum((depths[d] - total * w / sum(weights.values())) ** 2 / (total * w / sum(weights.values()))
                    for d, w in weights.items())
    assert statistic < 13.82  # chi-square, 2 degrees of freedom, p = 0.001 (exact: -2 ln 0.001)
    slot = Counter(d for _ in range(draws) for d in space.sample(rng, Sampling.SLOT)["d"])
    assert all(abs(slot[d] - total / 3) < 0.05 * total for d in (2, 3, 4))  # OFA's: each depth a third


def test_sample_slot_keeps_ofa_s_random_ignored_slots(runner: CliRunner) -> None:
    result = runner.invoke(main, ["space", "sample", "ofa-mbv3", "-n", "5", "--sampling", "slot"],
                           catch_exceptions=False)
    space = load_space("ofa-mbv3")
    rows = [json.loads(line)["config"] for line in result.stdout.splitlines()]
    assert len(rows) == 5 and any(space.canonical(c) != c for c in rows)
    default = runner.invoke(main, ["space", "sample", "ofa-mbv3", "-n", "5"], catch_exceptions=False)
    assert all(space.canonical(c) == c for c in (json.loads(line)["config"] for line in default.stdout.splitlines()))


@pytest.mark.parametrize("sampling", ["subnetwork", "slot"])
def test_sample_unique_promises_distinct_configurations(runner: CliRunner, sampling: str) -> None:
    space = load_space(TINY)
    size = space.count(with_resolutions=True)
    result = runner.invoke(main, ["space", "sample", TINY, "-n", str(size), "--unique", "--sampling", sampling],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line)["config"] for line in result.stdout.splitlines()]
    assert len(rows) == len({space.identity(c) for c in rows}) == size
    draws = int(result.stderr.split(" in ")[1].split()[0].replace(",", ""))
    assert result.stderr.startswith(f"{size:,} distinct configurations in ") and draws > size


def test_sample_unique_refuses_more_than_the_space_has(runner: CliRunner, tmp_path: Path) -> None:
    space = load_space(TINY)
    size = space.count(with_resolutions=True)
    out = tmp_path / "s.jsonl"
    result = runner.invoke(main, ["space", "sample", TINY, "-n", str(size + 1), "--unique", "-o", str(out)])
    assert result.exit_code == 2 and result.stdout == "" and not out.exists()
    assert result.stderr == (f"Error: -n {size + 1} --unique: the space has {size} distinct configurations "
                             f"({space.count()} sub-networks x 2 resolutions)\n")


def test_sample_unique_within_budgets_counts_what_fits(runner: CliRunner) -> None:
    space = load_space(TINY)
    costs = sorted(space.cost(c).macs for c in space.enumerate())
    budget = costs[len(costs) // 3]
    within = sum(1 for m in costs if m <= budget)
    base = ["space", "sample", TINY, "--unique", "--max-macs", str(budget)]
    result = runner.invoke(main, [*base, "-n", str(within + 1)])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == (f"Error: -n {within + 1} --unique: {within} of the space's {len(costs)} distinct "
                             f"configurations are within the budgets\n")
    result = runner.invoke(main, [*base, "-n", str(within)], catch_exceptions=False)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == within and all(r["macs"] <= budget for r in rows)
    assert len({space.identity(r["config"]) for r in rows}) == within


def test_ignored_slots_change_no_figure() -> None:
    """What makes the canonical form the sub-network: a configuration drawn by OFA's sampler (random
    values in the ignored slots) costs what its canonical form costs, in `cost` and in `evaluate`."""
    from mncost import Config, evaluate, load

    space = load_space("ofa-mbv3")
    rng = random.Random(11)
    for _ in range(3):
        config = space.sample(rng, Sampling.SLOT)
        canonical = space.canonical(config)
        assert canonical != config
        assert space.cost(config) == space.cost(canonical)
        reports = [evaluate(load("ofa-mbv3", variables={k: v for k, v in c.items() if k != "r"}),
                            Config(resolution=c["r"][0])).totals for c in (config, canonical)]
        assert reports[0] == reports[1]
