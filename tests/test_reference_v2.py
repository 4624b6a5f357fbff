"""MobileNet V2 figures against their published sources (shared/references/published.md)."""

from __future__ import annotations

import pytest

from mncost.conventions import BnParams

from .conftest import report

# TF-slim research/slim/nets/mobilenet/README.md @ 60c28f91c1a69098fa8d69e4430705981fc4e132:
# (depth multiplier, resolution, MACs (M), Params (M)). published.md §4: reproduced with
# _make_divisible(., 8), 1001 classes, the last 1280 conv kept for alpha < 1, MACs floored to
# whole millions and params (no BN) rounded to 2 decimals.
SLIM_V2 = [
    (1.4, 224, 582, 6.06), (1.3, 224, 509, 5.34),
    (1.0, 224, 300, 3.47), (1.0, 192, 221, 3.47), (1.0, 160, 154, 3.47), (1.0, 128, 99, 3.47), (1.0, 96, 56, 3.47),
    (0.75, 224, 209, 2.61), (0.75, 192, 153, 2.61), (0.75, 160, 107, 2.61), (0.75, 128, 69, 2.61),
    (0.75, 96, 39, 2.61),
    (0.5, 224, 97, 1.95), (0.5, 192, 71, 1.95), (0.5, 160, 50, 1.95), (0.5, 128, 32, 1.95), (0.5, 96, 18, 1.95),
    (0.35, 224, 59, 1.66), (0.35, 192, 43, 1.66), (0.35, 160, 30, 1.66), (0.35, 128, 20, 1.66),
    (0.35, 96, 11, 1.66),
]


@pytest.mark.parametrize(("alpha", "resolution", "macs_m", "params_m"), SLIM_V2)
def test_tf_slim_v2_table(alpha: float, resolution: int, macs_m: int, params_m: float) -> None:
    t = report("v2", alpha=alpha, resolution=resolution, classes=1001).totals
    assert t.macs // 10**6 == macs_m
    assert round(t.params / 1e6, 2) == params_m


def test_v2_exact_counts() -> None:
    # published.md §4 [C] 300.776 M MACs for 1.0/224 (1001 classes); torchvision _ops 0.301
    # (= MACs, §6) and the V2 paper's "300 million multiply-adds" with 1000 classes.
    t = report("v2").totals
    assert t.macs == 300_774_272
    assert round(t.macs / 1e6, 1) == 300.8
    assert t.params == 3_470_760  # published.md §7.1 cross-check: conv + FC = 3,470,760


@pytest.mark.parametrize(("bn", "expected"), [
    (BnParams.AFFINE, 3_504_872),  # torchvision 0.29.2 mobilenet_v2 IMAGENET1K_V1 meta num_params
    (BnParams.ALL, 3_538_984),  # keras.io applications table, MobileNetV2
])
def test_v2_framework_params(bn: BnParams, expected: int) -> None:
    assert report("v2", bn_params=bn).totals.params == expected


def test_v2_structure_follows_paper_table_2() -> None:
    # V2 paper, Table 2: 17 bottlenecks (n sums to 17); the t = 1 block has no expansion conv;
    # residual adds exist exactly where the stride is 1 and channels match (10 of them).
    r = report("v2")
    names = [x.name for x in r.layers]
    blocks = {n.rsplit(".", 1)[0] for n in names if n.startswith("stage")}
    assert len(blocks) == 17
    assert "stage1.block1.expand" not in names and "stage2.block1.expand" in names
    adds = [n for n in names if n.endswith(".add")]
    assert len(adds) == 10
    assert "stage2.block1.add" not in adds and "stage2.block2.add" in adds
    last = {x.name: x for x in r.layers}
    assert last["conv_last"].output_shape.as_list() == [7, 7, 1280]


@pytest.mark.parametrize(("alpha", "channels"), [(0.5, 1280), (1.0, 1280), (1.4, 1792)])
def test_v2_last_conv_kept_below_one(alpha: float, channels: int) -> None:
    # V2 paper §6.1: "we apply width multiplier to all layers except the very last convolutional
    # layer" for alpha < 1; above 1 it is scaled (TF-slim/torchvision/Keras: _make_divisible(1280·α)).
    rows = {x.name: x for x in report("v2", alpha=alpha).layers}
    assert rows["conv_last"].output_shape.c == channels
