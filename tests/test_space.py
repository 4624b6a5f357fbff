"""Search spaces (issue 15 items 2-4): the ofa-mbv3 space against Once-for-All's own figures, the
compiled cost function against `evaluate`, and `mncost space count|sample|eval|enumerate|lut-keys`.

Reference: tests/reference/ofa/ofa_mbv3.json, 50 random sub-networks drawn by OFA's own sampler and
costed by OFA (mit-han-lab/once-for-all @ f03b2673; MACs from Mbv3FLOPsModel.get_efficiency, i.e.
MBv3LatencyTable.count_flops_given_config; params from the active sub-network's parameters,
batch-norm affine included) with torch 2.13.0; made by benchmarks/ofa_reference.py.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from mncost import Config, evaluate, load
from mncost.cli import main
from mncost.conventions import BnParams, Dtype, MemoryModel
from mncost.space import KeysPer, bundled_spaces, load_space, read_space

from .conftest import check_against_schema

ROOT = Path(__file__).resolve().parent.parent
OFA = json.loads((ROOT / "tests" / "reference" / "ofa" / "ofa_mbv3.json").read_text())


def test_ofa_mbv3_equals_once_for_all_on_its_random_subnetworks() -> None:
    space = load_space("ofa-mbv3", Config(bn_params=BnParams.AFFINE))
    for row in OFA["configs"]:
        cost = space.cost(row["config"])
        assert (cost.macs, cost.params) == (row["macs"], row["params"]), row["config"]
        bound = {k: v for k, v in row["config"].items() if k != "r"}
        report = evaluate(load("ofa-mbv3", variables=bound),
                          Config(resolution=row["config"]["r"][0], bn_params=BnParams.AFFINE))
        assert (report.totals.macs, report.totals.params) == (row["macs"], row["params"])


CONVENTIONS = [Config(), Config(bn_params=BnParams.ALL, dtype=Dtype.INT8),
               Config(memory_model=MemoryModel.STREAMED), Config(memory_model=MemoryModel.STREAMED,
                                                                 first_layer_trick=True)]


@pytest.mark.parametrize("name", bundled_spaces())
@pytest.mark.parametrize("conventions", range(len(CONVENTIONS)))
@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_cost_is_evaluate_on_the_bound_spec(name: str, conventions: int, seed: int) -> None:
    """The law of the compiled cost function: params, MACs, peak memory and activation bytes of a
    random configuration are exactly those of `evaluate` on the spec bound to it."""
    config = CONVENTIONS[conventions]
    space = _spaces(name, conventions)
    drawn = space.sample(random.Random(seed))
    cost = space.cost(drawn)
    file = read_space(name)
    report = evaluate(load(file.spec, variables={k: v for k, v in drawn.items() if k != "r"}),
                      Config(**{**{f: getattr(config, f) for f in ("bn_params", "dtype", "memory_model",
                                                                    "first_layer_trick")},
                                "resolution": drawn["r"][0]}))
    assert (cost.params, cost.macs, cost.peak_bytes, cost.activation_bytes) == (
        report.totals.params, report.totals.macs, report.memory.peak_bytes, report.totals.activation_bytes)


_LOADED: dict[tuple[str, int], object] = {}


def _spaces(name: str, conventions: int):  # type: ignore[no-untyped-def]
    if (name, conventions) not in _LOADED:
        _LOADED[(name, conventions)] = load_space(name, CONVENTIONS[conventions])
    return _LOADED[(name, conventions)]


def test_count_is_exact() -> None:
    space = load_space("ofa-mbv3")
    per_stage = sum((3 * 3) ** d for d in (2, 3, 4))  # depth 2, 3 or 4, each block 3 kernels x 3 ratios
    assert space.count() == per_stage**5
    assert space.count(with_resolutions=True) == per_stage**5 * 5


def test_sample_with_a_budget_keeps_only_what_fits(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "s.jsonl"
    result = runner.invoke(main, ["space", "sample", "ofa-mbv3", "-n", "20", "--seed", "3", "--max-macs", "200M",
                                  "-o", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    for row in rows:
        check_against_schema("space", row)
    assert len(rows) == 20 and all(r["macs"] <= 200_000_000 for r in rows)
    draws = int(result.stderr.split(" in ")[1].split()[0].replace(",", ""))
    assert draws > 20  # about half of the space is above 200M
    again = runner.invoke(main, ["space", "sample", "ofa-mbv3", "-n", "20", "--seed", "3", "--max-macs", "200M"])
    assert again.stdout == out.read_text()  # the same seed, the same draws


def test_eval_streams_in_input_order_and_matches_sample(runner: CliRunner, tmp_path: Path) -> None:
    sampled = tmp_path / "s.csv"
    runner.invoke(main, ["space", "sample", "ofa-mbv3", "-n", "7", "--seed", "5", "-o", str(sampled)],
                  catch_exceptions=False)
    result = runner.invoke(main, ["space", "eval", "ofa-mbv3", "--configs", str(sampled), "-f", "csv"],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == sampled.read_text()


@pytest.mark.parametrize(("line", "message"), [
    ("not json", "not JSON"),
    ('{"ks": [3], "e": [], "d": [], "r": [224]}', "'ks' must be a list of 20 values"),
    ('{"ks": [9], "e": [], "d": [], "r": [224]}', "'ks' must be a list of 20 values"),
    ('{"ks": [3], "e": [], "d": [], "r": [224]} {}', "not JSON (Extra data)"),
    # A float equal to a choice is not the choice: 3.0 passed the fast path and reached bytes() (a traceback).
    ('{"ks": [3.0' + ', 3' * 19 + '], "e": [3' + ', 3' * 19 + '], "d": [2, 2, 2, 2, 2], "r": [160]}',
     "'ks': 3.0 is not one of 3, 5, 7"),
    # A value JSON makes a list or an object cannot be looked up among the choices (a traceback).
    ('{"ks": [[3]' + ', 3' * 19 + '], "e": [3' + ', 3' * 19 + '], "d": [2, 2, 2, 2, 2], "r": [160]}',
     "'ks': [3] is not one of 3, 5, 7"),
    ('{"ks": [3' + ', 3' * 19 + '], "e": [3' + ', 3' * 19 + '], "d": [{"a": 1}, 2, 2, 2, 2], "r": [160]}',
     "'d': {'a': 1} is not one of 2, 3, 4"),
    ('{"ks": [3' + ', 3' * 19 + '], "e": [3' + ', 3' * 19 + '], "d": [2, 2, 2, 2, 2], "r": [160, 160]}',
     "'r' must be [one of 160, 176, 192, 208, 224], got [160, 160]"),
    ('{"ks": [3' + ', 3' * 19 + '], "e": [3' + ', 3' * 19 + '], "d": [2, 2, 2, 2, 2], "r": [[160]]}',
     "'r' must be [one of 160, 176, 192, 208, 224], got [[160]]"),
])
def test_eval_a_malformed_line_names_it_and_writes_nothing(runner: CliRunner, tmp_path: Path, line: str,
                                                          message: str) -> None:
    good = json.dumps(load_space("ofa-mbv3").sample(random.Random(1)))
    configs = tmp_path / "c.jsonl"
    configs.write_text(f"{good}\n{good}\n{line}\n{good}\n")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(main, ["space", "eval", "ofa-mbv3", "--configs", str(configs), "-o", str(out)])
    assert result.exit_code == 2 and not out.exists()
    assert result.stderr.startswith(f"Error: {configs}:3: {message}") and result.stderr.count("\n") == 1


@pytest.mark.parametrize("counting", ["macs", "flops"])
def test_eval_jsonl_rows_are_the_configuration_and_its_cost(runner: CliRunner, tmp_path: Path,
                                                            counting: str) -> None:
    """Each JSONL row is `{"config": ..., figures}` as json.dumps writes it, whatever the key order,
    blanks or wrapping (a line of sample's output) of the input line."""
    space = load_space("ofa-mbv3")
    rng = random.Random(7)
    drawn = [space.sample(rng) for _ in range(8)]
    # A line already as json.dumps writes the configuration is copied; these are not: a key given
    # twice (JSON keeps the last), a key written with an escape, blanks after a value.
    twice = '{"ks": [' + ", ".join(["9"] * 20) + "], " + json.dumps(drawn[6])[1:]
    escaped = json.dumps(drawn[7]).replace('"ks"', '"\\u006bs"')
    lines = [json.dumps(drawn[0]), "  " + json.dumps(drawn[1]) + "  ", json.dumps(dict(reversed(drawn[2].items()))),
             json.dumps({"config": drawn[3], "params": 0}), json.dumps(drawn[4], separators=(",", ":")), "",
             json.dumps(drawn[5]), twice, escaped, json.dumps(drawn[0]).replace("]", " ]")]
    configs = tmp_path / "c.jsonl"
    configs.write_text("\n".join(lines) + "\n")
    result = runner.invoke(main, ["space", "eval", "ofa-mbv3", "--configs", str(configs), "--count", counting],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    factor = 2 if counting == "flops" else 1
    expected = []
    for config in [drawn[0], drawn[1], dict(reversed(drawn[2].items())), *drawn[3:], drawn[0]]:
        cost = space.cost(config)
        expected.append(json.dumps({"config": config, "params": cost.params, counting: cost.macs * factor,
                                    "peak_bytes": cost.peak_bytes, "activation_bytes": cost.activation_bytes},
                                   separators=(", ", ": ")) + "\n")
    assert result.stdout == "".join(expected)


def test_ofa_mbv3_is_costed_from_tables_computed_up_front() -> None:
    """The law above checks the tables `cost` computes on its first call (mncost.space._Compiled)
    for ofa-mbv3; the first-layer trick (the whole spec one piece) and a device keep the tables
    filled as configurations come, checked by the same law and by the latency law below."""
    for conventions, compiled in [(0, True), (2, True), (3, False)]:
        space = _spaces("ofa-mbv3", conventions)
        space.cost(space.sample(random.Random(0)))  # type: ignore[attr-defined]
        assert (space._compiled is not None) is compiled, conventions  # type: ignore[attr-defined]
    with_device = load_space("ofa-mbv3", Config(device="pixel1-mnasnet-readme-fp32"))
    with_device.cost(with_device.sample(random.Random(0)))
    assert with_device._compiled is None


def test_a_remembered_configuration_is_still_checked() -> None:
    """`cost` keeps configurations whole; asking again gives the same figures, and a changed one
    (an extra key, a value out of the choices, a resolution not in a list) is checked anew."""
    from mncost.space import ConfigurationError

    space = load_space("ofa-mbv3")
    config = space.sample(random.Random(4))
    first = space.cost(config)
    assert space.cost(config) == first == space.cost(config, remember=False)
    assert space.cost({k: v if k == "r" else tuple(v) for k, v in config.items()}) == first
    with pytest.raises(ConfigurationError, match="unknown key 'x'"):
        space.cost({**config, "x": [1]})
    with pytest.raises(ConfigurationError, match="'ks': True is not one of"):
        space.cost({**config, "ks": [True, *config["ks"][1:]]})
    assert space.cost({**config, "r": config["r"][0]}) == first


@pytest.mark.parametrize("kind", ["ofa-mbv3", "kernels", "widths"])
def test_at_most_remembered_configurations_are_kept(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                    kind: str) -> None:
    """The memory bound of `cost`: the first REMEMBERED distinct configurations are kept whole, no
    more (here REMEMBERED = 5): on the compiled fast path (ofa-mbv3), on the compiled path that
    checks each configuration first (a scalar variable: `kernels`) and on tables filled as they
    come (`widths`); with remember=False none is; the figures are the same either way."""
    import mncost.space as space_module

    monkeypatch.setattr(space_module, "REMEMBERED", 5)
    compiled = kind != "widths"
    if kind == "ofa-mbv3":
        space = load_space("ofa-mbv3")
    else:
        variables, layers, _ = _TINY_SPACES[kind]
        (tmp_path / "tiny.yaml").write_text(_TINY.format(name=f"tiny-{kind}", variables=variables, layers=layers))
        (tmp_path / "space.yaml").write_text("name: w\ndescription: d\nspec: tiny.yaml\nresolutions: [32, 40]\n")
        space = load_space(str(tmp_path / "space.yaml"))
    rng = random.Random(6)
    drawn = list({json.dumps(c): c for c in (space.sample(rng) for _ in range(40))}.values())[:9]
    assert len(drawn) == 9
    once = [space.cost(c, remember=False) for c in drawn]
    assert space._remembered == 0 and (space._compiled is not None) is compiled
    assert [space.cost(c) for c in drawn] == once
    kept = (sum(map(len, space._compiled.memo.values())) if compiled else sum(map(len, space._seen.values())))
    assert (compiled, space._remembered, kept) == (compiled, 5, 5)
    assert [space.cost(c) for c in drawn] == once  # the kept ones answered from memory, the others computed


def test_a_value_outside_the_choices_is_refused() -> None:
    from mncost.space import ConfigurationError

    space = load_space("ofa-mbv3")
    config = space.sample(random.Random(2))
    config["ks"][4] = 9
    with pytest.raises(ConfigurationError, match="'ks': 9 is not one of 3, 5, 7"):
        space.cost(config)
    config["ks"][4] = 3.0
    with pytest.raises(ConfigurationError, match="'ks': 3.0 is not one of 3, 5, 7"):
        space.cost(config)
    config["ks"][4] = 3
    config["r"] = [225]
    with pytest.raises(ConfigurationError, match=r"'r' must be \[one of 160, 176, 192, 208, 224\]"):
        space.cost(config)


def test_enumerate_is_refused_beyond_the_limit(runner: CliRunner) -> None:
    result = runner.invoke(main, ["space", "enumerate", "ofa-mbv3"])
    assert result.exit_code == 2 and "give --yes" in result.stderr


def test_lut_keys_cover_every_layer_of_every_sampled_network() -> None:
    from mncost.walk import exact_walk

    space = load_space("ofa-mbv3")
    keys = {json.dumps({f: v for f, v in k.items() if f != "key"}, sort_keys=True)
            for k in space.lut_keys(KeysPer.LAYER)}
    assert 100 < len(keys) < 2_000  # a few hundred, not 10^19
    rng = random.Random(4)
    for _ in range(5):
        config = space.sample(rng)
        graph = load("ofa-mbv3", variables={k: v for k, v in config.items() if k != "r"})
        for ev in exact_walk(graph, 1.0, config["r"][0], 1000, graph.spec.defaults.rounding):
            key = {"op": ev.node.op, "input": [x.as_list() for x in ev.inputs], "output": ev.output.as_list(),
                   **ev.attrs}
            assert json.dumps(key, sort_keys=True) in keys


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_latency_is_the_sum_of_the_layers_latency(seed: int) -> None:
    """With --device, latency_ms is evaluate's total (a sum of floats, added piece by piece: equal
    up to the order of the additions); the integer figures stay exact."""
    config = Config(device="pixel1-mnasnet-readme-fp32")
    space = _LOADED.setdefault(("ofa-mbv3", -1), load_space("ofa-mbv3", config))
    drawn = space.sample(random.Random(seed))  # type: ignore[attr-defined]
    cost = space.cost(drawn)  # type: ignore[attr-defined]
    report = evaluate(load("ofa-mbv3", variables={k: v for k, v in drawn.items() if k != "r"}),
                      Config(resolution=drawn["r"][0], device=config.device))
    assert (cost.params, cost.macs, cost.peak_bytes) == (report.totals.params, report.totals.macs,
                                                         report.memory.peak_bytes)
    assert cost.latency_ms == pytest.approx(report.totals.latency_ms, rel=1e-12)


def test_device_adds_latency_to_each_line(runner: CliRunner) -> None:
    result = runner.invoke(main, ["space", "sample", "ofa-mbv3", "-n", "3", "--device", "pixel1-mnasnet-readme-fp32"],
                           catch_exceptions=False)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    for row in rows:
        check_against_schema("space", row)
    assert len(rows) == 3 and all(row["latency_ms"] > 0 for row in rows)
    bad = runner.invoke(main, ["space", "sample", "ofa-mbv3", "--device", "nope"])
    assert bad.exit_code == 2 and bad.stderr.startswith("Error: unknown device 'nope'") and bad.stdout == ""


_TINY = """name: {name}
description: a small space for the cost function's paths
source: tests/test_space.py
input: {{resolution: 32, channels: 3}}
classes: 10
defaults: {{rounding: round8, padding: half, bn: true, act: relu}}
variables:
{variables}
layers:
  - {{name: stem, op: conv, kernel: 3, stride: 2, out: 16}}
{layers}
  - {{name: pool, op: global_avgpool}}
  - {{name: fc, op: fc, out: classes, bias: true}}
"""

# (variables, layers, whether the tables are computed up front)
_TINY_SPACES = {
    # kernels only, one value a scalar and a depth: shapes fixed; the scalar takes the checked path
    "kernels": ("  ks: {choices: [3, 5, 7], slots: 3, default: 3}\n  k: {choices: [3, 5], default: 3}\n"
                "  d: {choices: [2, 3], slots: 1, default: 3}",
                "  - {name: a, op: conv, kernel: \"$ks[0]\", out: 16}\n"
                "  - {name: b, op: dwconv, kernel: \"$ks[1]\", stride: 2}\n"
                "  - {name: c, op: conv, kernel: \"$ks[2]\", out: 16, when: \"$d[0] >= 3\"}\n"
                "  - {name: e, op: dwconv, kernel: \"$k\"}", True),
    # widths: the next layer's input depends on the values (the tables are filled as they come)
    "widths": ("  w: {choices: [8, 16, 24], slots: 2, default: 8}",
               "  - {name: a, op: conv, kernel: 3, out: \"$w[0]\"}\n  - {name: b, op: conv, kernel: 1, out: \"$w[1]\"}",
               False),
    # a true/false choice (not a whole number: the tables' keys of bytes cannot hold it)
    "switch": ("  se: {choices: [true, false], default: true}\n  ks: {choices: [3, 5], slots: 1, default: 3}",
               "  - {name: a, op: conv, kernel: \"$ks[0]\", out: 16}\n"
               "  - {name: b, op: dwconv, kernel: 3, when: \"$se\"}", False),
}


@pytest.mark.parametrize("kind", sorted(_TINY_SPACES))
@pytest.mark.parametrize("conventions", range(len(CONVENTIONS)))
def test_cost_is_evaluate_on_small_spaces_of_every_path(tmp_path: Path, kind: str, conventions: int) -> None:
    """The law of the compiled cost function on spaces other than ofa-mbv3: tables computed up front
    (a scalar variable, a depth), and the two kinds the tables cannot take (a width that changes the
    next layer's input, a true/false choice), under the four conventions."""
    variables, layers, compiled = _TINY_SPACES[kind]
    (tmp_path / "tiny.yaml").write_text(_TINY.format(name=f"tiny-{kind}", variables=variables, layers=layers))
    (tmp_path / "space.yaml").write_text(f"name: tiny-{kind}\ndescription: a small space\nspec: tiny.yaml\n"
                                         "resolutions: [32, 40, 48]\n")
    config = CONVENTIONS[conventions]
    space = load_space(str(tmp_path / "space.yaml"), config)
    rng = random.Random(conventions)
    for _ in range(12):
        drawn = space.sample(rng)
        cost = space.cost(drawn)
        report = evaluate(load(str(tmp_path / "tiny.yaml"), variables={k: v for k, v in drawn.items() if k != "r"}),
                          Config(**{**{f: getattr(config, f) for f in ("bn_params", "dtype", "memory_model",
                                                                        "first_layer_trick")},
                                    "resolution": drawn["r"][0]}))
        assert (cost.params, cost.macs, cost.peak_bytes, cost.activation_bytes) == (
            report.totals.params, report.totals.macs, report.memory.peak_bytes, report.totals.activation_bytes)
    assert (space._compiled is not None) is (compiled and not config.first_layer_trick)


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 300) | st.floats(allow_nan=False) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=21) | st.dictionaries(st.text(max_size=2), inner, max_size=2),
    max_leaves=30)


@settings(max_examples=200, deadline=None)
@given(replaced=st.dictionaries(st.sampled_from(["ks", "e", "d", "r", "x"]), _JSON, max_size=3),
       dropped=st.sets(st.sampled_from(["ks", "e", "d", "r"]), max_size=1), seed=st.integers(0, 100))
def test_any_json_value_is_figures_or_a_configuration_error(replaced: dict[str, object], dropped: set[str],
                                                            seed: int) -> None:
    """Whatever JSON a configuration file holds in a key (a list of lists, an object, a string,
    a float, null), `cost` returns figures or raises ConfigurationError: never another exception
    (a traceback on the command line)."""
    from mncost.space import ConfigurationError

    space = _spaces("ofa-mbv3", 0)
    config = {**space.sample(random.Random(seed)), **replaced}
    for key in dropped:
        config.pop(key, None)
    try:
        cost = space.cost(config)
    except ConfigurationError as error:
        assert "\n" not in str(error)
    else:
        assert cost.macs > 0 and space.check(config)  # accepted: a configuration check() accepts too
