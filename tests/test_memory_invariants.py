"""Laws of the memory model, over the bundled specs, the branchy test spec and many configs.

docs/memory.md: peak ≥ every layer's live bytes ≥ its output bytes (materialized
outputs); a layer's inputs and output are alive while it runs (naive model); parameter bytes =
params × weight dtype bytes; traffic adds up; streaming never raises the peak of these networks.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mncost import Config, Graph, build_graph, evaluate, load
from mncost.bundled import bundled_names
from mncost.conventions import Dtype, MemoryModel
from mncost.memory import memory_table
from mncost.ops import OPS
from mncost.spec import parse_spec

SPECS = [*bundled_names(), str(Path(__file__).parent / "specs" / "branchy.yaml")]


@cache
def graph(spec: str) -> Graph:
    return load(spec)


configs: st.SearchStrategy[dict[str, object]] = st.builds(
    dict,
    alpha=st.sampled_from([0.25, 0.35, 0.5, 0.75, 1.0, 1.3, 1.4]),
    resolution=st.integers(min_value=32, max_value=320),
    dtype=st.sampled_from(list(Dtype)),
    weight_dtype=st.one_of(st.none(), st.sampled_from(list(Dtype))),
)


@given(spec=st.sampled_from(SPECS), options=configs)
def test_memory_laws(spec: str, options: dict[str, object]) -> None:
    naive = evaluate(graph(spec), Config(memory_model=MemoryModel.NAIVE, **options))  # type: ignore[arg-type]
    streamed = evaluate(graph(spec), Config(memory_model=MemoryModel.STREAMED, **options))  # type: ignore[arg-type]
    dtype = naive.conventions.dtype
    weight = naive.conventions.weight_dtype
    assert weight == (options["weight_dtype"] or dtype)
    for r in (naive, streamed):
        assert r.memory.peak_bytes == max(x.live_bytes for x in r.layers)
        assert r.layers[[x.name for x in r.layers].index(r.memory.peak_layer)].live_bytes == r.memory.peak_bytes
        assert r.totals.param_bytes == r.totals.params * weight.bytes
        assert r.memory.largest_tensor_bytes <= r.memory.peak_bytes
        for x in r.layers:
            assert r.memory.peak_bytes >= x.live_bytes
            if not x.streamed:
                assert x.live_bytes >= x.activation_bytes
            assert x.activation_bytes == x.output_shape.elements * dtype.bytes == x.bytes_written
            assert x.param_bytes == x.params * weight.bytes
            assert x.bytes_read >= x.param_bytes + x.input_shape.elements * dtype.bytes
            assert math.isclose(x.arithmetic_intensity * x.bytes_moved, x.macs, rel_tol=1e-12)
    assert not any(x.streamed for x in naive.layers)
    for x in naive.layers:
        if not OPS[x.op].inplace:  # its input and its own output are both alive while it runs
            assert x.live_bytes >= x.activation_bytes + x.input_shape.elements * dtype.bytes
    # Streaming only removes tensors and extends block inputs/outputs over their block; for these
    # networks (no block writes more than it expands) the peak never rises. Not a theorem: see docs/memory.md.
    assert streamed.memory.peak_bytes <= naive.memory.peak_bytes
    # Traffic and model size do not depend on the memory model.
    assert [(x.bytes_read, x.bytes_written) for x in naive.layers] == \
        [(x.bytes_read, x.bytes_written) for x in streamed.layers]
    # The memory table's max is the largest materialized tensor (or the input image).
    table = memory_table(graph(spec), Config(memory_model=MemoryModel.STREAMED, **options))  # type: ignore[arg-type]
    image = table.report.layers[0].input_shape.elements * dtype.bytes
    assert table.max.bytes == max(streamed.memory.largest_tensor_bytes, image)


@given(spec=st.sampled_from(SPECS), options=configs)
def test_dtype_scales_every_byte_figure(spec: str, options: dict[str, object]) -> None:
    # Every activation byte figure is elements × dtype bytes: int8 figures × k are the k-byte ones.
    base = {**options, "dtype": Dtype.INT8, "weight_dtype": Dtype.INT8}
    one = evaluate(graph(spec), Config(**base))  # type: ignore[arg-type]
    for dtype in (Dtype.FP16, Dtype.FP32):
        other = evaluate(graph(spec), Config(**{**base, "dtype": dtype, "weight_dtype": dtype}))  # type: ignore[arg-type]
        k = dtype.bytes
        assert other.memory.peak_bytes == k * one.memory.peak_bytes
        assert other.memory.peak_layer == one.memory.peak_layer
        assert other.totals.param_bytes == k * one.totals.param_bytes
        assert [x.live_bytes for x in other.layers] == [k * x.live_bytes for x in one.layers]


UNUSUAL = """
name: unusual
description: a streamable block whose output is larger than anything inside it
source: test
input: {resolution: 8, channels: 4}
defaults: {rounding: none, padding: same, bn: false, act: none}
blocks:
  widen:
    streamable: true
    ops:
      - {name: dw,      op: dwconv, kernel: 3, stride: 2}
      - {name: project, op: conv,   kernel: 1, out: 64}
layers:
  - {name: b, block: widen}
"""


def test_streaming_can_raise_the_peak_of_an_unusual_block() -> None:
    # Why "streamed peak <= naive peak" is checked on real networks only. A block that reads
    # 8x8x4 (256 elements), filters it down to 4x4x4 (64) and projects to 4x4x64 (1,024):
    #   naive: dw holds 256 + 64 = 320, project holds 64 + 1,024 = 1,088 -> peak 1,088
    #   streamed: the block is one op holding its input and output: 256 + 1,024 = 1,280.
    g = build_graph(parse_spec(UNUSUAL, "unusual.yaml"))
    naive = evaluate(g, Config(dtype=Dtype.INT8))
    streamed = evaluate(g, Config(dtype=Dtype.INT8, memory_model=MemoryModel.STREAMED))
    assert naive.memory.peak_bytes == 1_088
    assert streamed.memory.peak_bytes == 1_280
