"""Edges of `evaluate`, `domain` and `ops` that no other fast test reached: each test here kills
mutants that survived `benchmarks/mutate.py` (docs/development.md, "Mutation testing"), and each
checks a figure or an error path against a rule (docs, PyTorch's documented formulas) or a
published figure quoted with its source, never against mncost's own output."""

from __future__ import annotations

import math
import re

import pytest

from mncost import Config, MncostError, build_graph, evaluate, load
from mncost.conventions import Dtype, Fusion, MemoryModel, OpsCounted, Rounding, make_divisible
from mncost.evaluate import products_note
from mncost.limits import MAX_CHANNELS, MAX_RESOLUTION
from mncost.spec import parse_spec


def graph_of(layers: str, resolution: int = 16, channels: int = 3):  # type: ignore[no-untyped-def]
    return build_graph(parse_spec(f"name: t\ndescription: d\nsource: tests/test_mutation_core.py\n"
                                  f"input: {{resolution: {resolution}, channels: {channels}}}\n"
                                  "defaults: {bn: false, act: none}\nlayers:\n" + layers, "t.yaml"))


PW8 = "  - {name: c, op: pwconv, out: 8}\n"

# TF-slim research/slim/nets/mobilenet_v1.py docstring (tests/test_reference_v1.py): 100 % MobileNet
# V1 base at 224x224 has 3,185,088 parameters; the 1000-class fc on its 1x1x1024 pooled map adds
# 1024 x 1000 weights + 1000 biases (torch nn.Linear(1024, 1000): weight (1000, 1024), bias (1000)).
V1_PARAMS = 3_185_088 + 1024 * 1000 + 1000


# -- evaluate: the config checks (docs/conventions.md, docs/limits.md) -----------------------------

@pytest.mark.parametrize("alpha", [0, -0.5, math.nan, math.inf, "1"])
def test_alpha_must_be_a_finite_number_above_zero(alpha: object) -> None:
    with pytest.raises(MncostError, match=r"^alpha must be a finite number > 0, got "):
        evaluate(graph_of(PW8), Config(alpha=alpha))  # type: ignore[arg-type]


@pytest.mark.parametrize("rho", [0.0, -1.0, math.nan, math.inf])
def test_rho_must_be_a_finite_number_above_zero(rho: float) -> None:
    with pytest.raises(MncostError, match=r"^rho must be a finite number > 0, got "):
        evaluate(graph_of(PW8), Config(rho=rho))


def test_rho_and_resolution_together_are_refused() -> None:
    with pytest.raises(MncostError, match=r"^give either rho or resolution, not both$"):
        evaluate(graph_of(PW8), Config(rho=0.5, resolution=8))


@pytest.mark.parametrize(("resolution", "rho"), [(224, 1.0), (192, 0.857), (160, 0.714), (128, 0.571)])
def test_rho_is_the_resolution_over_the_base(resolution: int, rho: float) -> None:
    # V1 paper (arXiv:1704.04861), section 3.3 and Table 7: ρ = 1, 0.857, 0.714, 0.571 for 224, 192,
    # 160, 128 pixels (ρ = resolution / 224, shown to 3 digits).
    graph = load("v1")
    given = evaluate(graph, Config(resolution=resolution)).config
    assert given.resolution == resolution and round(given.rho, 3) == rho
    # docs/conventions.md: ρ becomes a resolution by rounding base × ρ half up
    assert evaluate(graph, Config(rho=rho)).config.resolution == resolution


def test_rho_at_the_resolution_limits() -> None:
    # docs/limits.md: the input resolution (ρ × base) is 1 to 100,000 pixels; ρ × base rounds half up.
    tiny = graph_of(PW8, resolution=2)
    assert evaluate(tiny, Config(rho=MAX_RESOLUTION / 2)).config.resolution == MAX_RESOLUTION
    assert evaluate(tiny, Config(rho=(MAX_RESOLUTION - 0.5) / 2)).config.resolution == MAX_RESOLUTION
    assert evaluate(tiny, Config(rho=0.25)).config.resolution == 1  # 2 x 0.25 = 0.5 rounds up to 1
    with pytest.raises(MncostError, match=r"^rho=50000\.2 gives a resolution of 100000, beyond the limit 100,000$"):
        evaluate(tiny, Config(rho=(MAX_RESOLUTION + 0.5) / 2))  # 100,000.5 would round to 100,001
    with pytest.raises(MncostError, match=r"^rho=0\.2 gives a resolution of 0\.4, which rounds to 0 "):
        evaluate(tiny, Config(rho=0.2))


@pytest.mark.parametrize(("resolution", "ok"), [(1, True), (MAX_RESOLUTION, True), (0, False),
                                                (MAX_RESOLUTION + 1, False)])
def test_resolution_limits_are_inclusive(resolution: int, ok: bool) -> None:
    graph = graph_of(PW8)
    if ok:
        assert evaluate(graph, Config(resolution=resolution)).layers[0].output_shape.h == resolution
    else:
        with pytest.raises(MncostError, match=rf"^resolution must be between 1 and 100,000, got {resolution}$"):
            evaluate(graph, Config(resolution=resolution))


@pytest.mark.parametrize(("classes", "ok"), [(1, True), (MAX_CHANNELS, True), (0, False), (MAX_CHANNELS + 1, False)])
def test_classes_limits_are_inclusive(classes: int, ok: bool) -> None:
    graph = graph_of("  - {name: fc, op: fc, out: classes}\n", resolution=1, channels=2)
    if ok:
        layer = evaluate(graph, Config(classes=classes)).layers[0]
        assert (layer.output_shape.c, layer.params) == (classes, 2 * classes + classes)  # weights + biases
    else:
        with pytest.raises(MncostError, match=rf"^classes must be between 1 and 1,000,000, got {classes}$"):
            evaluate(graph, Config(classes=classes))


def test_a_graph_is_evaluated_only_under_its_own_depth_multiplier() -> None:
    with pytest.raises(MncostError, match=r"^the graph was built for depth multiplier 1, the config asks for 2 "):
        evaluate(load("v1"), Config(depth_multiplier=2.0))


def test_the_configs_rounding_wins_over_the_specs() -> None:
    # docs/conventions.md: V1 defaults to `none` (int(α·c)); `round8` is _make_divisible(α·c, 8).
    graph = load("v1")
    first = {r: evaluate(graph, Config(alpha=0.3, rounding=r)).layers[0] for r in (None, Rounding.ROUND8)}
    assert first[None].output_shape.c == int(0.3 * 32)
    assert first[Rounding.ROUND8].output_shape.c == make_divisible(0.3 * 32, 8) != int(0.3 * 32)


def test_model_size_at_the_weight_dtype() -> None:
    # docs/memory.md: V1's 4,210,088 parameters are 16,840,352 bytes as fp32 and 4,210,088 as int8.
    graph = load("v1")
    fp32 = evaluate(graph, Config()).totals
    int8 = evaluate(graph, Config(weight_dtype=Dtype.INT8))
    assert (fp32.params, fp32.param_bytes) == (V1_PARAMS, 4 * V1_PARAMS) == (4_210_088, 16_840_352)
    assert int8.totals.param_bytes == V1_PARAMS
    assert int8.conventions.weight_dtype is Dtype.INT8 and int8.conventions.dtype is Dtype.FP32


def test_first_layer_trick_needs_the_streamed_model() -> None:
    with pytest.raises(MncostError, match=r"^the first-layer trick applies to the streamed memory model"):
        evaluate(load("v1"), Config(first_layer_trick=True))
    assert evaluate(load("v2"), Config(first_layer_trick=True, memory_model=MemoryModel.STREAMED)).layers


def test_fusion_is_the_configs_else_the_devices_else_tflite() -> None:
    # docs/conventions.md, fusion: "the --device profile's, else tflite"; the bundled Pixel profiles
    # were fitted under conv-bn-act (devices/*.yaml, `fusion:`).
    graph = graph_of(PW8)
    assert evaluate(graph, Config()).conventions.fusion is Fusion.TFLITE
    assert evaluate(graph, Config(fusion=Fusion.NONE)).conventions.fusion is Fusion.NONE
    on_device = evaluate(graph, Config(device="pixel1-v2paper-fp32"))
    assert on_device.conventions.fusion is Fusion.CONV_BN_ACT
    assert on_device.conventions.device == "pixel1-v2paper-fp32"  # the profile's `name:`
    assert evaluate(graph, Config(device="pixel1-v2paper-fp32", fusion=Fusion.NONE)).conventions.fusion is Fusion.NONE


def test_total_latency_is_the_sum_of_the_layers() -> None:
    report = evaluate(load("v1"), Config(device="pixel1-v2paper-fp32"))
    per_layer = [layer.latency_ms for layer in report.layers]
    assert all(ms is not None and ms > 0 for ms in per_layer)
    assert report.totals.latency_ms == pytest.approx(math.fsum(ms or 0.0 for ms in per_layer), rel=1e-12)
    assert evaluate(load("v1"), Config()).totals.latency_ms is None


def test_the_conv_fc_note_names_the_matrix_products() -> None:
    # docs/conventions.md: under --ops conv-fc "a note on stderr says when attention products are left out"
    attention = graph_of("  - {name: q, op: pwconv, out: 8}\n"
                         "  - {name: qk, op: matmul, inputs: [q, q], transpose_b: true}\n")
    note = products_note(attention, OpsCounted.CONV_FC)
    assert note is not None and "its 1 matrix products" in note
    assert products_note(attention, OpsCounted.CONV_FC_MATMUL) is None
    assert products_note(load("v1"), OpsCounted.CONV_FC) is None


# -- domain: whole numbers, conditions, limits (docs/limits.md) ------------------------------------

@pytest.mark.parametrize(("attr", "message"), [
    ("out: 'int(alpha * 0)'", r"'out' = 0 at alpha=1; it must be >= 1"),
    ("out: 'int(alpha * 1000001)'", r"'out' = 1,000,001 is beyond the limit 1,000,000"),
    ("out: 'alpha * 2.5'", r"'out' = 2\.5 at alpha=1 is not a whole number \(round it with"),
    ("out: 'alpha > 0'", r"'out' must be a whole number of channels, got a boolean \(True\)"),
    ("out: 8, stride: 'alpha > 0'", r"'stride' must be a whole number, got a boolean \(True\)"),
])
def test_whole_number_attributes_are_checked(attr: str, message: str) -> None:
    with pytest.raises(MncostError, match=rf"^t\.yaml:7: layer 'c': {message}"):
        evaluate(graph_of(f"  - {{name: c, op: conv, kernel: 1, {attr}}}\n"), Config())


def test_whole_number_attributes_at_their_limits() -> None:
    # docs/limits.md: any whole-number attribute is 1 to 1,000,000; a whole float is that number.
    ok = graph_of("  - {name: a, op: conv, kernel: 1, stride: 'int(alpha)', out: 'int(alpha * 1000000)'}\n"
                  "  - {name: b, op: conv, kernel: 1, out: 'alpha * 4.0', groups: 'int(alpha)'}\n")
    a, b = evaluate(ok, Config()).layers
    assert a.output_shape.c == MAX_CHANNELS and a.output_shape.h == 16
    assert str(b.output_shape) == "16x16x4" and type(b.output_shape.c) is int


def test_a_condition_must_be_a_boolean() -> None:
    with pytest.raises(MncostError, match=r"^t\.yaml:7: layer 'c': condition 'alpha' must be true or false, got 1\.0$"):
        evaluate(graph_of("  - {name: c, op: pwconv, out: 8, when: 'alpha'}\n"), Config())
    layers = ("  - {name: c, op: pwconv, out: 8, when: 'alpha > 0'}\n"
              "  - {name: d, op: pwconv, out: 4, when: 'alpha > 1'}\n")
    assert [layer.name for layer in evaluate(graph_of(layers), Config()).layers] == ["c"]


def test_output_sides_and_channels_at_the_limits() -> None:
    # docs/limits.md: channels and output sides are limited to 1,000,000 and 100,000 (inclusive).
    # PyTorch ConvTranspose2d: H_out = (H_in − 1)·stride − 2·padding + dilation·(kernel − 1) + 1, so
    # kernel 2, stride 2 doubles a side: 50,000 -> 100,000 (at the limit), 50,001 -> 100,002.
    up = "  - {name: c, op: conv_transpose, kernel: 2, stride: 2, padding: 0, out: 3}\n"
    assert evaluate(graph_of(up, resolution=50_000), Config()).layers[0].output_shape.h == MAX_RESOLUTION
    with pytest.raises(MncostError, match=r"output 100002x100002x3 is beyond the limits \(1,000,000 channels, "):
        evaluate(graph_of(up, resolution=50_001), Config())
    # torch.cat along channels: the channels add up; 500,000 + 500,000 is at the limit
    two = ("  - {{name: a, op: pwconv, out: {0}}}\n  - {{name: b, op: pwconv, out: {0}}}\n"
           "  - {{name: c, op: concat, inputs: [a, b]}}\n")
    assert evaluate(graph_of(two.format(500_000), resolution=1), Config()).layers[-1].output_shape.c == MAX_CHANNELS
    with pytest.raises(MncostError, match=r"layer 'c': output 1x1x1200000 is beyond the limits"):
        evaluate(graph_of(two.format(600_000), resolution=1), Config())


@pytest.mark.parametrize("order", ["x, g", "g, x"])
def test_a_1x1_gate_broadcasts_whichever_input_it_is(order: str) -> None:
    # PyTorch broadcasting (squeeze-and-excite: x * gate with gate of shape N×C×1×1): the product
    # has x's shape, whichever operand comes first.
    layers = ("  - {name: x, op: pwconv, out: 8}\n  - {name: p, op: global_avgpool}\n"
              f"  - {{name: g, op: pwconv, out: 8}}\n  - {{name: m, op: mul, inputs: [{order}]}}\n")
    assert str(evaluate(graph_of(layers), Config()).layers[-1].output_shape) == "16x16x8"


# -- ops: which ops write a tensor of their own, per-op conventions, biases ------------------------

NEW_TENSOR = ["{op: conv, kernel: 3, out: 4}", "{op: dwconv, kernel: 3}", "{op: fc, out: 10}",
              "{op: conv_transpose, kernel: 2, stride: 2, padding: 0, out: 4}", "{op: resize, factor: 2}",
              "{op: layer_norm}", "{op: layer_scale}", "{op: softmax}", "{op: avgpool, kernel: 2, stride: 2}",
              "{op: global_avgpool}", "{op: channel_shuffle, groups: 2}", "{op: adaptive_avgpool, size: 2}"]
IN_PLACE = ["{op: bn}", "{op: relu}", "{op: hswish}", "{op: dropout}", "{op: flatten}", "{op: split, part: 1}",
            "{op: slice, stop: 4}"]


@pytest.mark.parametrize("row", NEW_TENSOR + IN_PLACE)
def test_which_ops_write_a_tensor_of_their_own(row: str) -> None:
    # docs/memory.md, rules 1 and 2: a layer's input and output are alive together; batch norm,
    # activations, dropout, flatten, split and slice run in place on their input's buffer.
    layers = "  - {name: c, op: pwconv, out: 8}\n  - {name: x, " + row[1:] + "\n"
    c, x = evaluate(graph_of(layers), Config()).layers
    if row in NEW_TENSOR:
        assert x.live_bytes == c.activation_bytes + x.activation_bytes
    else:
        assert x.live_bytes == c.activation_bytes


def test_the_papers_counts_leave_out_no_conv_or_fc() -> None:
    # V1 without matmul or layer norm: --ops conv-fc (the papers' count) and --ln-params none leave
    # the TF-slim figures (tests/test_reference_v1.py) and the fc (1024 x 1000 MACs) as they are.
    conv_fc = evaluate(load("v1"), Config(ops=OpsCounted.CONV_FC, ln_params="none")).totals  # type: ignore[arg-type]
    assert (conv_fc.params, conv_fc.macs) == (V1_PARAMS, 567_716_352 + 1024 * 1000)


@pytest.mark.parametrize(("row", "params"), [
    # torch nn.Conv2d / nn.ConvTranspose2d with bias=True: weight (out, in/groups, kh, kw) resp.
    # (in, out/groups, kh, kw), bias (out,); on a 16x16x8 input:
    ("{op: conv, kernel: 3, out: 4, groups: 2, bias: true}", 4 * 4 * 3 * 3 + 4),
    ("{op: dwconv, kernel: [3, 5], bias: true}", 8 * 1 * 3 * 5 + 8),  # Conv2d(8, 8, (3, 5), groups=8)
    ("{op: dwconv, kernel: 3, multiplier: 2}", 16 * 1 * 3 * 3),
    ("{op: conv_transpose, kernel: 2, stride: 2, padding: 0, out: 4, bias: true}", 8 * 4 * 2 * 2 + 4),
    ("{op: fc, out: 10}", 16 * 16 * 8 * 10 + 10),  # nn.Linear(2048, 10): bias on by default
    ("{op: fc, out: 10, bias: false}", 16 * 16 * 8 * 10),
])
def test_parameters_with_and_without_a_bias(row: str, params: int) -> None:
    layers = "  - {name: c, op: pwconv, out: 8}\n  - {name: x, " + row[1:] + "\n"
    assert evaluate(graph_of(layers), Config()).layers[1].params == params


def test_ops_all_counts_one_multiply_per_extra_input_element() -> None:
    # docs/conventions.md, --ops all: multiplies cost one per output element; a product of n inputs
    # is n - 1 multiplies per element.
    layers = ("  - {name: a, op: pwconv, out: 8}\n  - {name: b, op: pwconv, out: 8}\n"
              "  - {name: m2, op: mul, inputs: [a, b]}\n  - {name: m3, op: mul, inputs: [a, b, m2]}\n")
    rows = {x.name: x for x in evaluate(graph_of(layers), Config(ops=OpsCounted.ALL)).layers}
    assert rows["m2"].macs == 16 * 16 * 8 and rows["m3"].macs == 2 * 16 * 16 * 8


def test_split_by_sizes_and_add_to_the_first_channels() -> None:
    # torch.split(x, [3, 5], dim=1)[1] has 5 channels (MixNet); ReXNet's x[:, 0:C] += shortcut keeps
    # x's shape and adds the shortcut's elements once each (--ops all).
    layers = ("  - {name: c, op: pwconv, out: 8}\n"
              "  - {name: s, op: split, sizes: [3, 5], part: 2, inputs: [c]}\n"
              "  - {name: n, op: pwconv, out: 2, inputs: [c]}\n"
              "  - {name: a, op: add, channels: first, inputs: [c, n]}\n")
    rows = {x.name: x for x in evaluate(graph_of(layers), Config(ops=OpsCounted.ALL)).layers}
    assert str(rows["s"].output_shape) == "16x16x5"
    assert str(rows["a"].output_shape) == "16x16x8" and rows["a"].macs == 16 * 16 * 2


@pytest.mark.parametrize(("rows", "shape", "macs", "label"), [
    # docs/attention.md: q kᵀ is H×W×(heads·keys) with H·W·heads·keys·d MACs; attn v H×W×(heads·d_v)
    # with H·W·heads·keys·d_v; keys = H'·W', or (H/p)·(W/p) with patch p; multi_query: one k/v head;
    # heads default to 1. On a 6x6 map: 36 tokens, 9 per patch offset with p = 2; d = 8 / heads.
    ("  - {name: qk, op: matmul, inputs: [q, k], transpose_b: true}\n",
     (6, 6, 36), 36 * 1 * 36 * 8, "matmul q k^T 1h"),
    ("  - {name: qk, op: matmul, inputs: [q, k], heads: 2, transpose_b: true}\n",
     (6, 6, 2 * 36), 36 * 2 * 36 * 4, "matmul q k^T 2h"),
    ("  - {name: qk, op: matmul, inputs: [q, k], heads: 2, transpose_b: true, patch: 2}\n",
     (6, 6, 2 * 9), 36 * 2 * 9 * 4, "matmul q k^T 2h p2"),
    ("  - {name: qk, op: matmul, inputs: [q, k1], heads: 2, transpose_b: true, multi_query: true}\n",
     (6, 6, 2 * 36), 36 * 2 * 36 * 4, "matmul q k^T 2h mq"),
    ("  - {name: qk, op: matmul, inputs: [q, k], heads: 2, transpose_b: true}\n"
     "  - {name: av, op: matmul, inputs: [qk, k], heads: 2}\n",
     (6, 6, 2 * 4), 36 * 2 * 36 * 4, "matmul attn v 2h"),
    ("  - {name: qk, op: matmul, inputs: [q, k1], heads: 2, transpose_b: true, multi_query: true}\n"
     "  - {name: av, op: matmul, inputs: [qk, k1], heads: 2, multi_query: true}\n",
     (6, 6, 2 * 4), 36 * 2 * 36 * 4, "matmul attn v 2h mq"),
])
def test_attention_products(rows: str, shape: tuple[int, int, int], macs: int, label: str) -> None:
    layers = ("  - {name: q, op: pwconv, out: 8}\n  - {name: k, op: pwconv, out: 8, inputs: [q]}\n"
              "  - {name: k1, op: pwconv, out: 4, inputs: [q]}\n" + rows)
    last = evaluate(graph_of(layers, resolution=6), Config()).layers[-1]
    assert (last.output_shape.h, last.output_shape.w, last.output_shape.c) == shape
    assert (last.macs, last.type) == (macs, label)


def test_attention_weights_must_be_heads_times_keys() -> None:
    # docs/attention.md: "the weights of attn v have heads × keys channels for the keys of its second input"
    layers = ("  - {name: q, op: pwconv, out: 8}\n"
              "  - {name: av, op: matmul, inputs: [q, q], heads: 2, patch: 2}\n")
    with pytest.raises(MncostError, match=re.escape("the first input's 8 channels must be 2 heads x 9 keys (the "
                                                    "second input's tokens per patch offset)")):
        evaluate(graph_of(layers, resolution=6), Config())


def test_layer_norm_parameters_follow_ln_params() -> None:
    # docs/conventions.md, --ln-params: affine counts γ and β, 2 per layer_norm channel; none leaves
    # them out. Layer scale factors are weights and always count (docs/attention.md).
    layers = "  - {name: c, op: pwconv, out: 8}\n  - {name: n, op: layer_norm}\n  - {name: s, op: layer_scale}\n"
    for ln_params, norm in (("affine", 2 * 8), ("none", 0)):
        _, n, s = evaluate(graph_of(layers), Config(ln_params=ln_params)).layers  # type: ignore[arg-type]
        assert (n.params, s.params) == (norm, 8)


@pytest.mark.parametrize(("row", "most"), [
    # docs/spec-language.md, the op table: conv-like ops, fc, norms and activations take one input,
    # resize one (or two with `like`), add, mul and concat 2–8.
    ("op: conv, kernel: 1, out: 8", 1), ("op: dwconv, kernel: 3", 1), ("op: fc, out: 8", 1),
    ("op: conv_transpose, kernel: 2, out: 8", 1), ("op: layer_norm", 1), ("op: layer_scale", 1),
    ("op: relu", 1), ("op: resize, factor: 2", 2), ("op: add", 8), ("op: mul", 8), ("op: concat", 8),
])
def test_input_counts(row: str, most: int) -> None:
    names = [f"a{i}" for i in range(most + 1)]
    layers = "".join(f"  - {{name: {n}, op: pwconv, out: 8}}\n" for n in names)
    want = "1" if most == 1 else f"1 to {most}" if row.startswith("op: resize") else f"2 to {most}"
    with pytest.raises(MncostError, match=rf"'{row.split(',')[0][4:]}' takes {want} inputs, got {most + 1}"):
        graph_of(layers + f"  - {{name: x, {row}, inputs: [{', '.join(names)}]}}\n")


@pytest.mark.parametrize(("row", "side"), [
    # ONNX ConvTranspose: with auto_pad SAME_UPPER, output_shape[i] = input_shape[i] * strides[i]
    # (TensorFlow's Conv2DTranspose 'same' likewise); PyTorch ConvTranspose2d otherwise:
    # (in − 1)·s − 2p + d·(k − 1) + output_padding + 1, with `half` p = d·(k − 1) // 2.
    ("kernel: 3, stride: 2, padding: same", 7 * 2),
    ("kernel: 3, stride: 2, padding: half", (7 - 1) * 2 - 2 * 1 + 1 * 2 + 1),
    ("kernel: 3, stride: 2, padding: half, output_padding: 1", (7 - 1) * 2 - 2 * 1 + 1 * 2 + 1 + 1),
    ("kernel: 3, stride: 1, dilation: 2, padding: 0, output_padding: 1", (7 - 1) * 1 + 2 * 2 + 1 + 1),
    # docs/conventions.md: `half` is PyTorch style p = k // 2
    ("kernel: 4, stride: 2, padding: half", (7 - 1) * 2 - 2 * 2 + 1 * 3 + 1),
])
def test_transposed_conv_sides(row: str, side: int) -> None:
    layers = f"  - {{name: t, op: conv_transpose, out: 4, {row}}}\n"
    assert evaluate(graph_of(layers, resolution=7), Config()).layers[0].output_shape.h == side


@pytest.mark.parametrize(("row", "message"), [
    # PyTorch: "output padding must be smaller than either stride or dilation"
    ("stride: 1, dilation: 2, padding: 0, output_padding: 2",
     "output_padding 2 must be smaller than the stride (1) or the dilation (2)"),
    ("stride: 2, padding: same, output_padding: 1", "output_padding 1 needs explicit padding"),
])
def test_transposed_conv_output_padding_errors(row: str, message: str) -> None:
    with pytest.raises(MncostError, match=rf"^t\.yaml:7: layer 't': {re.escape(message)}"):
        evaluate(graph_of(f"  - {{name: t, op: conv_transpose, kernel: 3, out: 4, {row}}}\n", resolution=7), Config())


@pytest.mark.parametrize(("rows", "message"), [
    # PyTorch broadcasting: a 1x1xC gate multiplies an HxWxC map; a map of another size (16x8 by a
    # [1, 9] kernel without padding) or a gate of other channels is an error.
    ("  - {name: b, op: conv, kernel: [1, 9], padding: 0, out: 8}\n  - {name: m, op: mul, inputs: [a, b]}\n",
     "layer 'm': inputs must have the same shape or broadcast from 1x1xC, got 16x16x8, 16x8x8"),
    ("  - {name: p, op: global_avgpool}\n  - {name: b, op: pwconv, out: 4}\n  - {name: m, op: mul, inputs: [a, b]}\n",
     "layer 'm': inputs must have the same shape or broadcast from 1x1xC, got 16x16x8, 1x1x4"),
    # docs/attention.md: with patch p both inputs are the same map, whose sides are multiples of p
    ("  - {name: b, op: conv, kernel: [1, 2], padding: 0, out: 8}\n"
     "  - {name: m, op: matmul, inputs: [a, b], transpose_b: true, patch: 2}\n",
     "layer 'm': with patch: 2 both inputs must be the same map, got 16x15x8, 16x16x8"),
    ("  - {name: b, op: conv, kernel: [1, 2], padding: 0, out: 8}\n"
     "  - {name: m, op: matmul, inputs: [b, b], transpose_b: true, patch: 2}\n",
     "layer 'm': the 16x15 map does not cut into 2x2 patches"),
    ("  - {name: b, op: conv, kernel: [16, 1], padding: 0, out: 8}\n  - {name: m, op: mul, inputs: [a, b]}\n",
     "layer 'm': inputs must have the same shape or broadcast from 1x1xC, got 16x16x8, 1x16x8"),
    # docs/spec-language.md: concat needs equal H and W; add with channels: first the first input's
    # height and width and at most its channels
    ("  - {name: b, op: conv, kernel: [1, 2], padding: 0, out: 8}\n  - {name: m, op: concat, inputs: [a, b]}\n",
     "layer 'm': concat inputs must have the same height and width, got 16x16x8, 16x15x8"),
    ("  - {name: b, op: conv, kernel: [1, 2], padding: 0, out: 4}\n"
     "  - {name: m, op: add, channels: first, inputs: [a, b]}\n",
     "layer 'm': with channels: first, every input must have the first one's height and width and at most its "
     "channels, got 16x16x8, 16x15x4"),
    ("  - {name: b, op: pwconv, out: 16}\n  - {name: m, op: add, channels: first, inputs: [a, b]}\n",
     "with channels: first, every input must have the first one's height and width and at most its channels"),
    # PyTorch refuses a kernel larger than the padded input ("Kernel size can't be greater than actual
    # input size"): 3 + 2·2 < 8; 3 + 0 < 5 on the height
    ("  - {name: p, op: maxpool, kernel: 6, stride: 5, padding: 0}\n"
     "  - {name: m, op: conv, kernel: 8, padding: 2, out: 4}\n",
     "layer 'm': kernel 8x8 is larger than its 3x3 input (padding 2)"),
    ("  - {name: p, op: maxpool, kernel: 6, stride: 5, padding: 0}\n"
     "  - {name: m, op: conv, kernel: [5, 1], padding: [0, 2], out: 4}\n",
     "layer 'm': kernel 5x1 is larger than its 3x3 input (padding 0)"),
    ("  - {name: p, op: maxpool, kernel: 6, stride: 5, padding: 0}\n"
     "  - {name: m, op: conv, kernel: [6, 1], padding: 1, out: 4}\n",  # 3 + 2·1 < 6
     "layer 'm': kernel 6x1 is larger than its 3x3 input (padding 1)"),
])
def test_shape_errors(rows: str, message: str) -> None:
    with pytest.raises(MncostError, match=re.escape(message)):
        evaluate(graph_of("  - {name: a, op: pwconv, out: 8}\n" + rows), Config())


def test_slices_and_layer_types() -> None:
    # torch x[:, :4] and x[:, 2:6] have 4 channels; V1 paper Table 1 names the layer types
    # ("Conv dw", filter 3x3; "Conv", 1x1), dilation and groups are shown as d2 and g2.
    layers = ("  - {name: a, op: pwconv, out: 8}\n  - {name: s, op: slice, stop: 4}\n"
              "  - {name: t, op: slice, start: 2, stop: 6, inputs: [a]}\n"
              "  - {name: d, op: dwconv, kernel: 3, dilation: 2, inputs: [a]}\n"
              "  - {name: c, op: conv, kernel: [1, 5], out: 8, groups: 2}\n")
    rows = evaluate(graph_of(layers), Config()).layers
    assert [x.output_shape.c for x in rows[1:3]] == [4, 4]
    assert [x.type for x in rows] == ["conv 1x1", "slice", "slice", "conv dw 3x3 d2", "conv 1x5 g2"]


def test_transposed_conv_padding_per_axis_and_label() -> None:
    # PyTorch ConvTranspose2d(8, 4, 3, stride=2, padding=(0, 1), groups=2): H = (7 − 1)·2 − 0 + 2 + 1,
    # W = (7 − 1)·2 − 2 + 2 + 1; MACs = H_in·W_in·k²·(C_in / groups)·C_out (docs/ops-spatial.md).
    layers = ("  - {name: c, op: pwconv, out: 8}\n"
              "  - {name: t, op: conv_transpose, kernel: 3, stride: 2, padding: [0, 1], out: 4, groups: 2}\n"
              "  - {name: u, op: conv_transpose, kernel: 2, stride: 2, padding: 0, out: 4}\n")
    _, t, u = evaluate(graph_of(layers, resolution=7), Config()).layers
    assert (t.output_shape.h, t.output_shape.w) == (15, 13)
    assert t.macs == 7 * 7 * 3 * 3 * (8 // 2) * 4
    assert (t.type, u.type) == ("conv_t 3x3 g2", "conv_t 2x2")


# -- evaluate: outputs, empty networks, the papers' input sizes ------------------------------------

BLOCK = ("blocks:\n  b:\n    params: {c: channels}\n    ops:\n      - {name: pw, op: pwconv, out: c}\n")


def test_the_output_layers_look_through_skipped_layers() -> None:
    # docs/outputs-and-depth.md: the report names the layers whose tensors are the outputs; a skipped
    # layer passes its first input through (docs/memory.md), so output x is a's tensor, named once.
    graph = graph_of("  - {name: a, op: pwconv, out: 4}\n  - {name: x, op: relu, when: 'False'}\n"
                     "  - {name: y, op: pwconv, out: 4, inputs: [a]}\noutputs: [x, a, y]\n")
    assert evaluate(graph, Config()).outputs == ("a", "y")


def test_a_network_whose_every_layer_is_skipped() -> None:
    # nothing runs: no layer, no live tensor, no output layer (the image passes through)
    graph = graph_of("  - {name: s, op: relu, when: 'False'}\n  - {name: x, op: pwconv, out: 4, when: 'False'}\n")
    report = evaluate(graph, Config())
    assert report.layers == () and report.outputs == ()
    assert (report.memory.peak_bytes, report.memory.peak_layer, report.memory.largest_tensor_bytes,
            report.memory.largest_tensor_layer) == (0, "", 0, "")


@pytest.mark.parametrize(("given", "ok"), [("16x16x3", True), ("16x16x4", False)])
def test_a_blocks_paper_input_size_through_a_skipped_layer(given: str, ok: bool) -> None:
    # docs/spec-language.md: an `input:` size is checked against the derived one at α = 1; the block's
    # input is the skipped relu's, i.e. the 16x16x3 image.
    from mncost.evaluate import check_paper_sizes

    text = (f"name: t\ndescription: d\nsource: s\ninput: {{resolution: 16, channels: 3}}\n{BLOCK}layers:\n"
            f"  - {{name: s, op: relu, when: 'False'}}\n  - {{name: b1, block: b, c: 8, input: {given}}}\n"
            "  - {name: b2, block: b, c: 4, input: 16x16x8}\n")
    graph = build_graph(parse_spec(text, "t.yaml"))
    if ok:
        check_paper_sizes(graph)
    else:
        with pytest.raises(MncostError, match=r"^t\.yaml:12: input size 16x16x4 of 'b1' does not match the derived "
                                              r"16x16x3 \(checked at alpha=1, resolution=16\)$"):
            check_paper_sizes(graph)
