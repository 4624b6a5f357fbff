"""Peak live memory, model size and memory traffic, hand-checked (docs/memory.md).

Every expected figure is worked out by hand in the comment or expression next to it, from the
layer shapes of the spec (V1 paper Table 1, V2 paper Table 2) and the rules of mncost.liveness.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mncost import Config, Report, evaluate, load
from mncost.conventions import Dtype, MemoryModel
from mncost.liveness import stream_groups
from mncost.report import LayerCost

from .conftest import report

BRANCHY = str(Path(__file__).parent / "specs" / "branchy.yaml")
NAIVE, STREAMED = MemoryModel.NAIVE, MemoryModel.STREAMED


def layers(r: Report) -> dict[str, LayerCost]:
    return {layer.name: layer for layer in r.layers}


# --- MobileNet V1 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("model", [NAIVE, STREAMED])
@pytest.mark.parametrize("dtype", [Dtype.FP32, Dtype.FP16, Dtype.INT8])
def test_v1_peak_is_the_first_pointwise_layer(model: MemoryModel, dtype: Dtype) -> None:
    # The reference: V1 1.0/224 peaks at Conv2d_1_pointwise with its 112x112x32 input
    # and 112x112x64 output live. Every other tensor is dead by then (Conv2d_1_depthwise's
    # input was last read one step earlier), and V1 has no streamable block, so the streamed
    # model gives the same figure:
    #   112·112·32 = 401,408 elements + 112·112·64 = 802,816 elements = 1,204,224 elements
    #   fp32: 1,204,224 × 4 = 4,816,896 bytes (fp16: × 2 = 2,408,448; int8: × 1 = 1,204,224).
    elements = 112 * 112 * 32 + 112 * 112 * 64
    assert elements == 1_204_224
    r = report("v1", dtype=dtype, memory_model=model)
    assert r.memory.peak_layer == "Conv2d_1_pointwise"
    assert r.memory.peak_bytes == elements * dtype.bytes
    if dtype is Dtype.FP32:
        assert r.memory.peak_bytes == 4_816_896
    # Its neighbours: Conv2d_1_depthwise holds 112x112x32 in and out (2 × 401,408 elements);
    # Conv2d_2_depthwise holds 112x112x64 in and 56x56x64 out (802,816 + 200,704).
    rows = layers(r)
    assert rows["Conv2d_1_depthwise"].live_bytes == 2 * 401_408 * dtype.bytes
    assert rows["Conv2d_2_depthwise"].live_bytes == (802_816 + 200_704) * dtype.bytes
    # Largest single tensor: Conv2d_1_pointwise's 112x112x64 output.
    assert (r.memory.largest_tensor_layer, r.memory.largest_tensor_bytes) == ("Conv2d_1_pointwise",
                                                                              802_816 * dtype.bytes)


def test_v1_sum_of_outputs_is_not_the_peak() -> None:
    # What per-layer summaries that add up every output report: tens of MB at fp32, ~4× the peak.
    r = report("v1")
    assert r.totals.activation_bytes == sum(x.activation_bytes for x in r.layers)
    assert r.totals.activation_bytes > 4 * r.memory.peak_bytes


# --- MobileNet V2 ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [Dtype.FP32, Dtype.INT8])
def test_v2_naive_peak(dtype: Dtype) -> None:
    # Naive: stage2.block1 (t=6, s=2) expands 112x112x16 to 112x112x96, then its depthwise conv
    # writes 56x56x96 while the expanded tensor is still being read. The block's input was last
    # read by the expansion and there is no residual (stride 2), so nothing else is alive:
    #   112·112·96 = 1,204,224 + 56·56·96 = 301,056 → 1,505,280 elements
    #   fp32: 6,021,120 bytes; int8: 1,505,280 bytes.
    elements = 112 * 112 * 96 + 56 * 56 * 96
    r = report("v2", dtype=dtype)
    assert (r.memory.peak_layer, r.memory.peak_bytes) == ("stage2.block1.dw", elements * dtype.bytes)
    assert elements * 4 == 6_021_120
    # The largest tensor is that expansion, 112x112x96.
    assert (r.memory.largest_tensor_layer, r.memory.largest_tensor_bytes) == ("stage2.block1.expand",
                                                                              1_204_224 * dtype.bytes)
    # stage2.block2 (s=1, 24 -> 24 channels) keeps its input for the add: at its depthwise conv
    # the input 56x56x24, the expansion 56x56x144 and the depthwise output 56x56x144 are live.
    rows = layers(r)
    assert rows["stage2.block2.dw"].live_bytes == (56 * 56 * 24 + 2 * 56 * 56 * 144) * dtype.bytes


@pytest.mark.parametrize("dtype", [Dtype.FP32, Dtype.FP16])
def test_v2_streamed_peak(dtype: Dtype) -> None:
    # Streamed (V2 paper 5.1): each bottleneck is one op holding only its input and output.
    #   conv1 (not streamable): 224·224·3 = 150,528 in + 112·112·32 = 401,408 out = 551,936
    #   stage1.block1 (t=1): 112·112·32 = 401,408 in + 112·112·16 = 200,704 out = 602,112  <- peak
    #   stage2.block1: 200,704 in + 56·56·24 = 75,264 out = 275,968
    #   fp32: 602,112 × 4 = 2,408,448 bytes; fp16: 1,204,224 bytes. The peak is reported at the
    #   block's first layer; all its layers hold the same bytes.
    r = report("v2", dtype=dtype, memory_model=STREAMED)
    assert (r.memory.peak_layer, r.memory.peak_bytes) == ("stage1.block1.dw", 602_112 * dtype.bytes)
    rows = layers(r)
    assert rows["conv1"].live_bytes == 551_936 * dtype.bytes
    for name in ("stage1.block1.dw", "stage1.block1.project"):
        assert rows[name].live_bytes == 602_112 * dtype.bytes
    for name in ("stage2.block1.expand", "stage2.block1.dw", "stage2.block1.project"):
        assert rows[name].live_bytes == 275_968 * dtype.bytes
    # stage2.block2 (residual): input 56x56x24 + output (the add's) 56x56x24 at each of its steps.
    for name in ("expand", "dw", "project", "add"):
        assert rows[f"stage2.block2.{name}"].live_bytes == 2 * 75_264 * dtype.bytes
    # The expanded tensors are never materialized: the largest tensor is conv1's 112x112x32.
    assert rows["stage2.block1.expand"].streamed and not rows["stage2.block1.project"].streamed
    assert rows["stage2.block2.project"].streamed and not rows["stage2.block2.add"].streamed
    assert (r.memory.largest_tensor_layer, r.memory.largest_tensor_bytes) == ("conv1", 401_408 * dtype.bytes)


def test_v2_streamed_first_layer_trick() -> None:
    # With the first-layer trick, conv1 joins stage1.block1's op: 224x224x3 in, 112x112x16 out,
    # 150,528 + 200,704 = 351,232 elements; at fp16, 702,464 bytes. Every later block holds less
    # (stage2.block1: 275,968 elements).
    r = report("v2", dtype=Dtype.FP16, memory_model=STREAMED, first_layer_trick=True)
    assert (r.memory.peak_layer, r.memory.peak_bytes) == ("conv1", 351_232 * 2)
    assert layers(r)["conv1"].streamed
    assert r.conventions.first_layer_trick


def test_first_layer_trick_needs_the_streamed_model() -> None:
    from mncost.errors import ConfigError

    with pytest.raises(ConfigError, match="streamed memory model"):
        report("v2", first_layer_trick=True)


def test_streamable_groups_are_the_bottleneck_instances() -> None:
    graph = load("v2")
    groups = stream_groups(graph, list(graph.nodes))
    names = {graph.scopes[g].name for g in groups.values()}
    assert len(names) == 17  # V2 paper Table 2: n sums to 17 bottlenecks
    assert not any(graph.nodes[i].name.startswith(("conv1", "conv_last")) for i in groups)


# --- A branchy network ----------------------------------------------------------------------------

def test_branchy_naive_peak_depends_on_liveness() -> None:
    # tests/specs/branchy.yaml, 8x8x4 input (elements per tensor; fp32 = × 4):
    #   image 8·8·4 = 256; stem 8x8x8 = 512; left 8x8x16 = 1,024; right 8x8x8 = 512;
    #   merge (concat) 8x8x24 = 1,536; res.expand 8x8x96 = 6,144; res.dw 6,144; res.project 1,536;
    #   res.add 1,536; pool 24; fc 10.
    # Live at each step: the stem stays alive until `right` has read it, `left` until the concat,
    # and `merge` (the block's input) until the residual add.
    expected = {
        "stem": 256 + 512,
        "left": 512 + 1_024,
        "right": 512 + 1_024 + 512,  # left is kept for the concat
        "merge": 1_024 + 512 + 1_536,
        "res.expand": 1_536 + 6_144,
        "res.dw": 1_536 + 6_144 + 6_144,  # merge is kept for the add: 13,824 <- peak
        "res.project": 1_536 + 6_144 + 1_536,
        "res.add": 1_536 + 1_536 + 1_536,
        "pool": 1_536 + 24,
        "fc": 24 + 10,
    }
    r = evaluate(load(BRANCHY), Config())
    assert {x.name: x.live_bytes for x in r.layers} == {k: 4 * v for k, v in expected.items()}
    assert (r.memory.peak_layer, r.memory.peak_bytes) == ("res.dw", 13_824 * 4)
    # Without liveness the answer would be different: the largest inputs + output of one layer
    # (res.dw: 6,144 + 6,144) misses the kept shortcut, and the sum of all outputs overcounts.
    per_layer = max(sum(s.elements for s in [x.input_shape, x.output_shape]) for x in r.layers)
    assert per_layer * 4 < r.memory.peak_bytes < r.totals.activation_bytes


def test_branchy_streamed_peak() -> None:
    # Streamed: the block is one op from res.expand to res.add holding merge (in) and res.add
    # (out): 1,536 + 1,536 = 3,072 elements at each of its steps. Its inner tensors (expand, dw,
    # project: read only inside the block) count 0. The concat step holds left + right + merge
    # = 3,072 too; the first layer with the peak is named.
    r = evaluate(load(BRANCHY), Config(memory_model=STREAMED, dtype=Dtype.INT8))
    rows = layers(r)
    for name in ("res.expand", "res.dw", "res.project", "res.add"):
        assert rows[name].live_bytes == 3_072
    assert (r.memory.peak_layer, r.memory.peak_bytes) == ("merge", 3_072)
    assert [x.name for x in r.layers if x.streamed] == ["res.expand", "res.dw", "res.project"]


# --- model size and traffic -----------------------------------------------------------------------

@pytest.mark.parametrize(("dtype", "weight_dtype", "expected"), [
    (Dtype.FP32, None, 4_210_088 * 4),  # weights follow --dtype by default: 16,840,352 bytes
    (Dtype.INT8, None, 4_210_088),
    (Dtype.FP32, Dtype.INT8, 4_210_088),  # TensorFlow Lite-style int8 weights: 1 byte per parameter
    (Dtype.FP32, Dtype.FP16, 4_210_088 * 2),
])
def test_v1_model_size(dtype: Dtype, weight_dtype: Dtype | None, expected: int) -> None:
    # 4,210,088 = V1 conv + FC parameters (TF-slim docstring base 3,185,088 + logits 1,025,000).
    r = report("v1", dtype=dtype, weight_dtype=weight_dtype)
    assert r.totals.params == 4_210_088
    assert r.totals.param_bytes == expected
    assert r.conventions.weight_dtype == (weight_dtype or dtype)
    # Activation figures do not depend on the weight dtype.
    assert r.memory.peak_bytes == 1_204_224 * dtype.bytes


def test_traffic_of_the_first_pointwise_layer() -> None:
    # Conv2d_1_pointwise, fp32 activations, int8 weights:
    #   read  = input 112·112·32 × 4 = 1,605,632 + weights 1·1·32·64 = 2,048 × 1 → 1,607,680
    #   written = output 112·112·64 × 4 = 3,211,264
    #   intensity = 25,690,112 MACs / (1,607,680 + 3,211,264) bytes = 5.3310...
    x = layers(report("v1", weight_dtype=Dtype.INT8))["Conv2d_1_pointwise"]
    assert (x.param_bytes, x.bytes_read, x.bytes_written) == (2_048, 1_607_680, 3_211_264)
    assert x.bytes_moved == 4_818_944
    assert x.arithmetic_intensity == 25_690_112 / 4_818_944


def test_traffic_of_an_add_reads_both_inputs() -> None:
    # stage2.block2.add at fp16: two 56x56x24 inputs read, one written, no weights, no MACs
    # (the papers' conv-fc convention), so its intensity is 0.
    x = layers(report("v2", dtype=Dtype.FP16))["stage2.block2.add"]
    assert (x.param_bytes, x.bytes_read, x.bytes_written) == (0, 2 * 75_264 * 2, 75_264 * 2)
    assert x.arithmetic_intensity == 0.0


def test_traffic_does_not_depend_on_the_memory_model() -> None:
    def traffic(model: MemoryModel) -> list[tuple[int, int, int]]:
        return [(x.param_bytes, x.bytes_read, x.bytes_written) for x in report("v2", memory_model=model).layers]

    assert traffic(NAIVE) == traffic(STREAMED)


# --- command line ---------------------------------------------------------------------------------

def test_json_has_the_memory_fields(runner) -> None:  # type: ignore[no-untyped-def]
    from mncost.cli import main

    result = runner.invoke(main, ["show", "v2", "-f", "json", "--dtype", "fp16", "--weight-dtype", "int8",
                                  "--memory-model", "streamed"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["conventions"]["weight_dtype"] == "int8"
    assert doc["conventions"]["memory_model"] == "streamed"
    assert doc["conventions"]["first_layer_trick"] is False
    assert doc["totals"]["param_bytes"] == 3_470_760  # V2 conv + FC params × 1 byte
    assert doc["totals"]["peak_bytes"] == 602_112 * 2
    expand = next(x for x in doc["layers"] if x["name"] == "stage2.block1.expand")
    assert expand["streamed"] is True
    assert expand["param_bytes"] == 16 * 96  # 1x1 conv 16 -> 96, int8
    assert expand["bytes_read"] == 112 * 112 * 16 * 2 + 16 * 96
    assert expand["bytes_written"] == 112 * 112 * 96 * 2
    assert expand["arithmetic_intensity"] == round(112 * 112 * 16 * 96 / (expand["bytes_read"]
                                                                           + expand["bytes_written"]), 6)


def test_show_detail_and_summary(runner) -> None:  # type: ignore[no-untyped-def]
    from mncost.cli import main

    result = runner.invoke(main, ["show", "v1", "--detail", "--weight-dtype", "int8"], catch_exceptions=False)
    assert result.exit_code == 0
    out = result.stdout
    for column in ("Weights", "Read", "Written", "MACs/B"):
        assert column in out
    assert "weight-dtype=int8" in out
    assert "4.21M params, model size 4.2 MB (int8 weights)" in out
    assert "peak live memory 4.8 MB at Conv2d_1_pointwise" in out
    plain = runner.invoke(main, ["show", "v1"], catch_exceptions=False).stdout
    assert "MACs/B" not in plain and "weight-dtype" not in plain and "model size 16.8 MB (fp32 weights)" in plain


def test_show_marks_streamed_outputs(runner) -> None:  # type: ignore[no-untyped-def]
    from mncost.cli import main

    out = runner.invoke(main, ["show", "v2", "--memory-model", "streamed"], catch_exceptions=False).stdout
    assert "memory-model=streamed" in out
    assert "* streamed inside a streamable block" in out
    assert "peak live memory 2.4 MB at stage1.block1.dw" in out


def test_first_layer_trick_without_streamed_is_an_error(runner) -> None:  # type: ignore[no-untyped-def]
    from mncost.cli import main

    result = runner.invoke(main, ["memory", "v2", "--first-layer-trick"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == ("Error: the first-layer trick applies to the streamed memory model "
                             "(--memory-model streamed)\n")
