"""`mncost space --ops` (issue 15: the same conventions as `show`): over a space whose spec has
attention products (matmul rows, tests/spaces/tiny-attention.yaml), `--ops conv-fc` and the default
`conv-fc-matmul` give different MACs, and each equals `mncost show` of the spec bound to the
configuration under the same option; `load_space(..., Config(ops=...))` agrees."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from mncost import Config, evaluate, load
from mncost.cli import main
from mncost.conventions import OpsCounted
from mncost.space import load_space

ROOT = Path(__file__).resolve().parent.parent
TINY = str(ROOT / "tests" / "spaces" / "tiny-attention.yaml")
SPEC = str(ROOT / "tests" / "spaces" / "tiny-attention-spec.yaml")


def _show(runner: CliRunner, config: dict[str, object], ops: str | None) -> dict[str, int]:
    settings = []
    for name, value in config.items():
        if name != "r":
            settings += ["--set", f"{name}={','.join(map(str, value)) if isinstance(value, list) else value}"]
    args = ["show", SPEC, *settings, "--resolution", str(config["r"][0]), "-f", "json"]  # type: ignore[index]
    result = runner.invoke(main, [*args, *(["--ops", ops] if ops else [])], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    report = json.loads(result.stdout)
    return {"params": report["totals"]["params"], "macs": report["totals"]["macs"],
            "peak_bytes": report["totals"]["peak_bytes"]}


def test_ops_option_counts_the_products_as_show_does(runner: CliRunner, tmp_path: Path) -> None:
    space = load_space(TINY)
    rng = random.Random(5)
    configs = [space.sample(rng) for _ in range(4)]
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(c) + "\n" for c in configs))
    rows = {}
    for ops in (None, "conv-fc", "conv-fc-matmul"):
        result = runner.invoke(main, ["space", "eval", TINY, "--configs", str(path),
                                      *(["--ops", ops] if ops else [])], catch_exceptions=False)
        assert result.exit_code == 0, result.stderr
        rows[ops] = [json.loads(line) for line in result.stdout.splitlines()]
        for config, row in zip(configs, rows[ops], strict=True):
            assert {k: row[k] for k in ("params", "macs", "peak_bytes")} == _show(runner, config, ops)
    assert rows[None] == rows["conv-fc-matmul"]  # the default is show's
    for without, with_products in zip(rows["conv-fc"], rows["conv-fc-matmul"], strict=True):
        assert without["macs"] < with_products["macs"] and without["params"] == with_products["params"]


@pytest.mark.parametrize("ops", list(OpsCounted))
def test_load_space_takes_the_ops_convention(ops: OpsCounted) -> None:
    space = load_space(TINY, Config(ops=ops))
    config = space.sample(random.Random(2))
    bound = load(SPEC, variables={k: v for k, v in config.items() if k != "r"})
    totals = evaluate(bound, Config(ops=ops, resolution=config["r"][0])).totals
    assert (space.cost(config).macs, space.cost(config).params) == (totals.macs, totals.params)


def test_conv_fc_says_what_it_leaves_out_as_show_does(runner: CliRunner) -> None:
    # the note `show --ops conv-fc` writes for a spec with matmul rows (docs/attention.md), once,
    # for every configuration; a space without products (ofa-mbv3) and the default get none
    note = ("note: tiny-attention (every configuration): --ops conv-fc leaves out the MACs of the matrix "
            "products between activations (attention q k^T and attn v): the papers' conv + FC count; "
            "the default conv-fc-matmul counts them\n")
    for ops, expected in (("conv-fc", note), ("conv-fc-matmul", "")):
        result = runner.invoke(main, ["space", "sample", TINY, "-n", "2", "--ops", ops])
        assert result.exit_code == 0 and result.stderr == expected + "2 configurations in 2 draws\n", result.stderr
    result = runner.invoke(main, ["space", "sample", "ofa-mbv3", "-n", "1", "--ops", "conv-fc"])
    assert result.exit_code == 0 and result.stderr == "1 configuration in 1 draw\n"
    shown = runner.invoke(main, ["show", SPEC, "--ops", "conv-fc"])
    assert shown.stderr.startswith("note: ") and "--ops conv-fc leaves out the MACs of its " in shown.stderr
