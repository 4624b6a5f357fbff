"""The attention ops as a user meets them: docs/attention.md's YAML is the bundled specs' text, the
--ops conv-fc note, the conventions' effect on every attention network, and the ops' laws."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from mncost import Config, evaluate, load
from mncost.cli import main
from mncost.conventions import LnParams, OpsCounted

ROOT = Path(__file__).resolve().parent.parent
PAGE = (ROOT / "docs" / "attention.md").read_text(encoding="utf-8")
ATTENTION_SPECS = ["mobilevit-xxs", "mobilevit-xs", "mobilevit-s", "mobilenet-v4-hybrid-medium",
                   "mobilenet-v4-hybrid-large"]


def test_the_pages_blocks_are_the_bundled_specs_text() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", PAGE, flags=re.S)
    sources = {"  attention:": "mobilenet-v4-hybrid-medium", "  transformer:": "mobilevit-xxs"}
    assert len(blocks) == len(sources)
    for block in blocks:
        spec = sources[block.splitlines()[0]]
        assert block in (ROOT / "specs" / f"{spec}.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("spec", ATTENTION_SPECS)
def test_the_products_are_what_conv_fc_leaves_out(spec: str) -> None:
    graph = load(spec)
    counted = evaluate(graph, Config())
    papers = evaluate(graph, Config(ops=OpsCounted.CONV_FC))
    products = sum(row.macs for row in counted.layers if row.op == "matmul")
    assert products > 0
    assert counted.totals.macs - papers.totals.macs == products
    assert all(row.macs == 0 for row in papers.layers if row.op == "matmul")
    everything = evaluate(graph, Config(ops=OpsCounted.ALL))
    assert sum(row.macs for row in everything.layers if row.op == "matmul") == products
    # layer norm's gamma and beta are what --ln-params none leaves out, 2 per channel
    norms = sum(2 * row.output_shape.c for row in counted.layers if row.op == "layer_norm")
    assert counted.totals.params - evaluate(graph, Config(ln_params=LnParams.NONE)).totals.params == norms


@pytest.mark.parametrize(("args", "noted"), [(["show", "mobilevit-xxs", "--ops", "conv-fc", "--summary"], True),
                                             (["show", "mobilevit-xxs", "--summary"], False),
                                             (["show", "v1", "--ops", "conv-fc", "--summary"], False),
                                             (["formula", "mobilenet-v4-hybrid-medium", "--ops", "conv-fc"], True)])
def test_conv_fc_says_it_leaves_the_products_out(runner: CliRunner, args: list[str], noted: bool) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.stderr
    assert ("--ops conv-fc leaves out the MACs of its" in result.stderr) is noted
    assert "conv-fc" in result.stdout


def test_multi_query_shares_one_key_head() -> None:
    # Hybrid-M's first MQA block (docs/new-ops-notes.md): 16x16 queries, 4 heads of width 64, keys
    # and values downsampled to 8x8 -> logits 16x16x(4*64), context 16x16x(4*64); each product
    # 256 x 4 x 64 x 64 MACs, timm's 8,388,608 for the module.
    rows = {row.name: row for row in evaluate(load("mobilenet-v4-hybrid-medium"), Config()).layers}
    logits, ctx = rows["s2_4.attention.logits"], rows["s2_4.attention.ctx"]
    assert (logits.input_shape.as_list(), logits.output_shape.as_list()) == ([16, 16, 256], [16, 16, 256])
    assert rows["s2_4.attention.k"].output_shape.as_list() == [8, 8, 64]
    assert ctx.output_shape.as_list() == [16, 16, 256]
    assert logits.macs + ctx.macs == 2 * 256 * 4 * 64 * 64


@pytest.mark.parametrize("args", [["show", "mobilevit-xxs", "-f", "json"],
                                  ["formula", "mobilenet-v4-hybrid-medium", "-f", "json"],
                                  ["sweep", "mobilevit-xxs", "--resolution", "128,256", "-f", "json"],
                                  ["memory", "mobilenet-v4-hybrid-large", "-f", "json"],
                                  ["diff", "mobilevit-xxs", "mobilevit-xs", "-f", "json"]])
def test_every_command_takes_the_attention_networks(runner: CliRunner, args: list[str]) -> None:
    # each JSON document is checked against schemas/ by conftest
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("{")
