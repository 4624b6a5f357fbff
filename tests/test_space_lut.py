"""`mncost space lut-keys --per block|layer` (issue 15): the distinct blocks or layers of a whole
space, the list to time on a device for a latency lookup table.

Per block, the ofa-mbv3 keys are checked against the set computed here from Once-for-All's rules
(mit-han-lab/once-for-all @ f03b2673, ofa_mbv3.py OFAMobileNetV3: a stem conv with stride 2 to 16
channels, a first block 16 -> 16 with expansion 1 and kernel 3, then 5 stages of widths 24, 40, 80,
112, 160 with strides 2, 2, 2, 1, 2, SE in stages 2, 4 and 5, ReLU in stages 1 and 2 and h-swish
after; per block a kernel 3/5/7 and an expansion 3/4/6; every stage runs at least 2 blocks; a k x k
conv with padding k // 2 and stride 2 maps a side h to ceil(h / 2)). Per layer, each key is the
`lut_key` of mncost.latency, which a device profile's `lut:` entries are keyed by: a profile
holding them measures every layer of every network of the space.
"""

from __future__ import annotations

import functools
import json
import random
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from mncost import Config, evaluate, load
from mncost.cli import main
from mncost.latency import lut_key, report_features
from mncost.profiles import dump_profile, profile_for
from mncost.space import KeysPer, graph_keys, load_space

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "tests" / "spaces" / "tiny-attention.yaml")


@functools.cache
def _keys(name: str, per: KeysPer) -> list[dict[str, object]]:
    return load_space(name).lut_keys(per)  # about 2 s for ofa-mbv3: once per test run


def _ofa_blocks(resolutions: tuple[int, ...]) -> set[tuple[object, ...]]:
    """(input, output, expansion, kernel, stride, SE, activation) of every MBConv block OFA's rules allow."""
    stages = [(24, 2, False, "relu"), (40, 2, True, "relu"), (80, 2, False, "hswish"), (112, 1, True, "hswish"),
              (160, 2, True, "hswish")]
    found = set()
    for r in resolutions:
        side = -(-r // 2)
        found.add(((side, side, 16), (side, side, 16), 1, 3, 1, False, "relu"))
        channels = 16
        for width, stride, se, act in stages:
            out = -(-side // stride)
            for k in (3, 5, 7):
                for e in (3, 4, 6):
                    found.add(((side, side, channels), (out, out, width), e, k, stride, se, act))
                    found.add(((out, out, width), (out, out, width), e, k, 1, se, act))
            side, channels = out, width
    return found


def test_ofa_mbv3_block_keys_are_once_for_all_s_blocks() -> None:
    space = load_space("ofa-mbv3")
    keys = _keys("ofa-mbv3", KeysPer.BLOCK)
    blocks = [k for k in keys if "block" in k]
    assert {k["block"] for k in blocks} == {"mbconv"}
    seen = {(tuple(k["input"][0]), tuple(k["output"]), k["e"], k["k"], k["s"], k["se"], k["nl"]) for k in blocks}
    assert len(seen) == len(blocks)  # one key per distinct block
    assert seen == _ofa_blocks(space.resolutions)
    layers = [k["op"] for k in keys if "block" not in k]  # stem, final expand, pool, feature mix, classifier
    assert sorted(set(layers)) == ["conv", "fc", "global_avgpool"]
    assert len(json.dumps(keys)) and len({k["key"] for k in keys}) == len(keys)


def test_block_keys_cover_every_block_of_sampled_networks() -> None:
    """The keys found piece by piece are those of whole networks: every block and top-level layer
    of random sub-networks (evaluated whole, bound spec) is one of them."""
    for name in ("ofa-mbv3", TINY):
        space = load_space(name)
        for per in KeysPer:
            keys = {json.dumps(k, sort_keys=True) for k in _keys(name, per)}
            rng = random.Random(4)
            for _ in range(4):
                config = space.sample(rng)
                graph = load(space.file.spec, variables={k: v for k, v in config.items() if k != "r"})
                for key in graph_keys(graph, Config(resolution=config["r"][0]), per)[0]:
                    assert json.dumps(key, sort_keys=True) in keys, (name, per, key)


def test_a_profile_holding_the_layer_keys_measures_every_layer(tmp_path: Path) -> None:
    """Per-layer keys are profile keys: a profile whose `lut:` holds every key of the space (each
    its own time) makes every layer measured, and `space.cost`'s latency the sum of those times."""
    keys = [str(k["key"]) for k in _keys("ofa-mbv3", KeysPer.LAYER)]
    lut = {key: (i + 1) / 1024 for i, key in enumerate(keys)}  # exact binary fractions: sums are exact
    base = profile_for("pixel1-mnasnet-readme-fp32")
    path = tmp_path / "measured.yaml"
    path.write_text(dump_profile(replace(base, name="measured", lut=lut)))
    measured = load_space("ofa-mbv3", Config(device=str(path)))
    rng = random.Random(9)
    for _ in range(3):
        config = measured.sample(rng)
        graph = load("ofa-mbv3", variables={k: v for k, v in config.items() if k != "r"})
        report = evaluate(graph, Config(resolution=config["r"][0], device=str(path)))
        expected = sum(lut[lut_key(f)] for f in report_features(graph, report))
        assert measured.cost(config).latency_ms == expected == report.totals.latency_ms


def test_lut_keys_command(runner: CliRunner) -> None:
    blocks = runner.invoke(main, ["space", "lut-keys", TINY], catch_exceptions=False)
    layers = runner.invoke(main, ["space", "lut-keys", TINY, "--per", "layer", "-f", "csv"], catch_exceptions=False)
    assert [json.loads(line) for line in blocks.stdout.splitlines()] == _keys(TINY, KeysPer.BLOCK)  # the default
    count = len(_keys(TINY, KeysPer.LAYER))
    assert layers.stdout.startswith("key,op,input,output,") and layers.stdout.count("\n") == count + 1
    assert layers.stderr == f"{count} distinct layer configurations\n"
    n_blocks = sum(1 for k in _keys(TINY, KeysPer.BLOCK) if "block" in k)
    assert 0 < n_blocks < len(_keys(TINY, KeysPer.BLOCK))
    assert blocks.stderr == (f"{n_blocks} distinct blocks and {len(_keys(TINY, KeysPer.BLOCK)) - n_blocks} distinct "
                             f"layers outside blocks\n")
