"""`Space.costs` (issue 15): a batch of configurations costed at once, with numpy where it is
installed (the `fast` extra), and always exactly `[space.cost(c) for c in batch]`, figures and
errors alike.

Without numpy the array tests skip and the one-at-a-time tests still run; .ci/run runs this file
with the extra at its lowest and latest declared versions.
"""

from __future__ import annotations

import contextlib
import io
import random
from pathlib import Path
from typing import Any

import pytest

import mncost.space_batch as space_batch
from mncost import Config
from mncost.conventions import BnParams, Dtype, MemoryModel
from mncost.space import ConfigurationError, Sampling, Space, bundled_spaces, load_space

from .test_space import _TINY

try:
    import numpy
except ImportError:  # pragma: no cover - the fast extra is not installed
    numpy = None

needs_numpy = pytest.mark.skipif(numpy is None, reason="numpy (the fast extra) is not installed")

CONVENTIONS = [Config(), Config(bn_params=BnParams.ALL, dtype=Dtype.INT8), Config(memory_model=MemoryModel.STREAMED)]

# A second compiled space, of another layout than ofa-mbv3's: three kernel slots, a one-slot kernel and a depth.
_KERNELS = ("  ks: {choices: [3, 5, 7], slots: 3, default: 3}\n  k: {choices: [3, 5], slots: 1, default: 3}\n"
            "  d: {choices: [2, 3], slots: 1, default: 3}",
            "  - {name: a, op: conv, kernel: \"$ks[0]\", out: 16}\n"
            "  - {name: b, op: dwconv, kernel: \"$ks[1]\", stride: 2}\n"
            "  - {name: c, op: conv, kernel: \"$ks[2]\", out: 16, when: \"$d[0] >= 3\"}\n"
            "  - {name: e, op: dwconv, kernel: \"$k[0]\"}")


@pytest.fixture(scope="module")
def kernels_space(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("kernels")
    variables, layers = _KERNELS
    (folder / "tiny.yaml").write_text(_TINY.format(name="tiny-kernels", variables=variables, layers=layers))
    (folder / "space.yaml").write_text("name: tiny-kernels\ndescription: a small space\nspec: tiny.yaml\n"
                                       "resolutions: [32, 40, 300]\n")  # 300: a resolution beyond a byte
    return str(folder / "space.yaml")


@pytest.fixture(scope="module")
def ofa() -> Space:
    """One ofa-mbv3 space for the tests that do not need a fresh one (its tables take a third of a second)."""
    return load_space("ofa-mbv3")


def _spaces(kernels_space: str) -> list[str]:
    return [*bundled_spaces(), kernels_space]


def _draws(space: Space, count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    half = count // 2  # canonical sub-networks and OFA-style draws, whose ignored slots are random
    return [space.sample(rng) for _ in range(half)] + [space.sample(rng, Sampling.SLOT) for _ in range(count - half)]


@pytest.mark.parametrize("conventions", range(len(CONVENTIONS)))
def test_costs_is_cost_of_each_on_every_compiled_space(kernels_space: str, conventions: int) -> None:
    """The law: on every bundled space (and a second layout), under three conventions, a batch
    longer than one array pass gives exactly `cost` of each configuration, in order."""
    for name in _spaces(kernels_space):
        space, fresh = load_space(name, CONVENTIONS[conventions]), load_space(name, CONVENTIONS[conventions])
        batch = _draws(space, space_batch.CHUNK * 2 + 37, seed=conventions)
        assert space.costs(batch) == [fresh.cost(c, remember=False) for c in batch], name
        assert (space._arrays is not None) is (numpy is not None), name


@needs_numpy
def test_the_array_path_reads_the_compiled_tables_and_costs_a_generation_at_once(ofa: Space) -> None:
    """The array path gives each configuration's own figures (not one batch's sum or a neighbour's):
    the batch's MACs are not all equal, and match a reference drawn without the arrays."""
    space = ofa
    batch = _draws(space, 300, seed=7)
    got = space.costs(batch)
    assert space._arrays is not None and len({c.macs for c in got}) > 200
    assert [c.macs for c in got] == [space.cost(c, remember=False).macs for c in batch]
    assert all(c.latency_ms is None for c in got)


@needs_numpy
def test_the_array_path_answers_every_plainly_well_formed_batch(ofa: Space) -> None:
    """The arrays answer a well-formed batch themselves (the loop behind them gives the same
    figures, so the law alone would not see a check that sends every batch to it)."""
    ofa.costs([])
    arrays = ofa._arrays
    assert arrays is not None
    batch = _draws(ofa, 60, seed=17)
    spellings = [batch, [{k: tuple(v) if k != "r" else v for k, v in c.items()} for c in batch],
                 [{k: [numpy.int64(x) for x in v] if k != "r" else v for k, v in c.items()} for c in batch]]
    for spelled in spellings:
        assert arrays.costs(spelled) == [ofa.cost(c, remember=False) for c in batch]
    for how in ("value", "bool", "float", "short", "missing", "extra", "resolution", "huge", "two resolutions"):
        assert arrays.costs([*batch[:3], _spoil(batch[3], how)]) is None, how  # left to the loop, for its error
    assert arrays.costs([{**batch[0], "r": 224}]) is None  # a bare resolution: the loop takes it


def test_fits_refuses_what_int64_and_bytes_cannot_hold() -> None:
    """ArrayTables.fits on made-up tables: each of params, MACs and activation bytes must sum below
    2^62 over the groups (peak bytes are a max, not a sum), and every choice must be a byte."""
    from types import SimpleNamespace

    def compiled(fields: tuple[int, int, int, int], choices: list[Any]) -> Any:
        return SimpleNamespace(raw={224: [{0: fields}, {0: (0, 0, 0, 0)}]}, per_position=[choices])

    limit = 1 << 62
    assert space_batch.ArrayTables.fits(compiled((limit - 1, limit - 1, limit - 1, 5 * limit), [3, 5]))
    for k in range(3):
        too_big = tuple(limit if i == k else 1 for i in range(4))
        assert space_batch.ArrayTables.fits(compiled(too_big, [3, 5])) is False, k  # type: ignore[arg-type]
    for choices, fits in (([0, 255], True), ([3, 256], False), ([-1, 3], False), ([True, 3], False),
                          ([3.0], False)):
        assert space_batch.ArrayTables.fits(compiled((1, 1, 1, 1), choices)) is fits, choices


def test_without_numpy_a_bad_configuration_names_its_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(space_batch, "numpy_or_none", lambda: None)
    space = load_space("ofa-mbv3")
    batch = _draws(space, 5, seed=19)
    batch[3] = _spoil(batch[3], "value")
    with pytest.raises(ConfigurationError, match=r"^configs\[3\]: 'ks': 4 is not one of 3, 5, 7$"):
        space.costs(batch)


def test_without_numpy_costs_is_the_loop(kernels_space: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(space_batch, "numpy_or_none", lambda: None)
    space = load_space("ofa-mbv3")
    batch = _draws(space, 50, seed=3)
    assert space.costs(batch) == [space.cost(c) for c in batch] and space._arrays is None


def test_a_space_with_a_device_costs_one_at_a_time_with_latency() -> None:
    space = load_space("ofa-mbv3", Config(device="pixel1-v3paper-fp32"))
    batch = _draws(space, 20, seed=5)
    got = space.costs(batch)
    assert space._arrays is None and got == [space.cost(c) for c in batch]
    assert all(c.latency_ms is not None and c.latency_ms > 0 for c in got)


def test_an_empty_batch_and_a_generator(ofa: Space) -> None:
    space = ofa
    batch = _draws(space, 10, seed=2)
    assert space.costs([]) == []
    assert space.costs(c for c in batch) == space.costs(batch)


def _spoil(config: dict[str, Any], how: str) -> dict[str, Any]:
    bad = {k: list(v) for k, v in config.items()}
    if how == "value":
        bad["ks"][4] = 4
    elif how == "bool":
        bad["e"][0] = True
    elif how == "float":
        bad["ks"][0] = 3.0
    elif how == "short":
        bad["d"] = bad["d"][:4]
    elif how == "missing":
        del bad["e"]
    elif how == "extra":
        bad["w"] = [1]
    elif how == "resolution":
        bad["r"] = [225]
    elif how == "huge":
        bad["ks"][1] = 2**70
    elif how == "two resolutions":
        bad["r"] = [224, 224]
    return bad


@pytest.mark.parametrize("how", ["value", "bool", "float", "short", "missing", "extra", "resolution", "huge",
                                 "two resolutions"])
def test_a_bad_configuration_is_costs_error_naming_its_index(ofa: Space, how: str) -> None:
    """A bad configuration anywhere in the batch (here in the second array pass) is `cost`'s own
    error for it, prefixed with its index in the batch."""
    space = ofa
    batch = _draws(space, space_batch.CHUNK + 20, seed=11)
    at = space_batch.CHUNK + 9
    batch[at] = _spoil(batch[at], how)
    with pytest.raises(ConfigurationError) as single:
        space.cost(batch[at])
    with pytest.raises(ConfigurationError) as batched:
        space.costs(batch)
    assert str(batched.value) == f"configs[{at}]: {single.value}"


def test_other_spellings_cost_as_cost_takes_them(ofa: Space) -> None:
    """Tuples, a bare resolution and numpy's integers are what `cost` accepts; so does `costs`."""
    space = ofa
    batch = _draws(space, 40, seed=13)
    as_tuples = [{k: tuple(v) if k != "r" else v for k, v in c.items()} for c in batch]
    assert space.costs(as_tuples) == space.costs(batch)
    bare = [{**c, "r": c["r"][0]} for c in batch]
    assert space.costs(bare) == space.costs(batch) == [space.cost(c) for c in bare]
    if numpy is not None:
        as_numpy = [{k: [numpy.int64(x) for x in v] if k != "r" else v for k, v in c.items()} for c in batch]
        assert space.costs(as_numpy) == space.costs(batch)


def test_the_docs_batch_example_prints_what_the_page_shows() -> None:
    """docs/spaces.md's population example, as written there, prints the text shown under it."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "spaces.md").read_text(encoding="utf-8")
    block = text.split("<!-- costs-example:begin -->")[1].split("<!-- costs-example:end -->")[0]
    code = block.split("```python\n")[1].split("```")[0]
    expected = block.split("```text\n")[1].split("```")[0]
    printed = io.StringIO()
    namespace: dict[str, Any] = {}
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "docs/spaces.md", "exec"), namespace)  # noqa: S102 - the page's own example
    assert printed.getvalue() == expected
    assert all(c.macs <= 300_000_000 for _, c in namespace["fitting"])
