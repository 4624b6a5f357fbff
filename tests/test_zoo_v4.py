"""MobileNetV4, EfficientNetV2 and GhostNet specs against the frameworks, layer by layer.

The reference figures are tests/reference/*.json, extracted once by benchmarks/reference_extract.py
from timm 1.0.29 and torchvision 0.28.0 on torch 2.13.0 (CPU, random weights, nothing downloaded;
each file names its builder call, e.g. `timm.create_model('mobilenetv4_conv_small',
pretrained=False)`). Per layer they hold each Conv2d's and Linear's output shape, own parameters
and MACs (output elements x C_in/groups x kh x kw; Linear: output elements x in_features), in
execution order. Totals: `params` = sum of p.numel() (BN gamma/beta included: --bn-params affine),
conv + linear MACs (the papers' conv + FC count). mncost computes every figure from the spec.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import pytest

from mncost import Config, evaluate, load
from mncost.conventions import BnParams
from mncost.report import Report

REFERENCE = Path(__file__).parent / "reference"
LEARNED = ("Conv2d", "Conv2dSame", "Linear")   # timm Conv2dSame: TF "SAME" padding
COMPUTING = ("conv", "pwconv", "dwconv", "fc")

# (bundled spec, fixture, alpha) for every (network, width) the frameworks offer.
CASES = [
    ("ghostnet", "ghostnet_100", 1.0),
    ("ghostnet", "ghostnet_050", 0.5),     # timm ghostnet_050: width=0.5
    ("ghostnet", "ghostnet_130", 1.3),     # timm ghostnet_130: width=1.3
    ("efficientnet-v2-s", "efficientnet_v2_s", 1.0),
    ("efficientnet-v2-b0", "tf_efficientnetv2_b0", 1.0),
    ("mobilenet-v4-conv-small", "mobilenetv4_conv_small", 1.0),
    ("mobilenet-v4-conv-small", "mobilenetv4_conv_small_050", 0.5),   # timm channel_multiplier=0.5
    ("mobilenet-v4-conv-medium", "mobilenetv4_conv_medium", 1.0),
    ("mobilenet-v4-conv-large", "mobilenetv4_conv_large", 1.0),
]
RUNS = [(spec, ref, alpha, i) for spec, ref, alpha in CASES
        for i in range(len(json.loads((REFERENCE / f"{ref}.json").read_text(encoding="utf-8"))["runs"]))]


@functools.cache
def fixture(name: str) -> dict[str, Any]:
    return json.loads((REFERENCE / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@functools.cache
def mncost(spec: str, alpha: float, resolution: int, bn_params: BnParams) -> Report:
    return evaluate(load(spec), Config(alpha=alpha, resolution=resolution, bn_params=bn_params))


def hwc(shape: list[int]) -> tuple[int, int, int]:
    """A PyTorch C,H,W shape (or a Linear's [features]) as mncost's H, W, C."""
    return (shape[1], shape[2], shape[0]) if len(shape) == 3 else (1, 1, shape[0])


def framework_rows(doc: dict[str, Any], run: dict[str, Any]) -> list[tuple[str, tuple[int, int, int], int, int]]:
    """(module name, output H,W,C, own params, MACs) of every Conv2d and Linear, in execution order."""
    return [(name, hwc(out), params, macs)
            for (name, kind, params), (_, out, macs) in zip(doc["layers"], run["rows"], strict=True)
            if kind in LEARNED]


@pytest.mark.parametrize(("spec", "ref", "alpha", "i"), RUNS,
                         ids=[f"{ref}-{fixture(ref)['runs'][i]['resolution']}" for _, ref, _, i in RUNS])
def test_totals_match_the_framework(spec: str, ref: str, alpha: float, i: int) -> None:
    doc = fixture(ref)
    run = doc["runs"][i]
    t = run["totals"]
    r = mncost(spec, alpha, run["resolution"], BnParams.AFFINE)
    assert r.totals.params == t["params"], doc["builder"]           # sum(p.numel()), BN gamma/beta included
    assert r.totals.macs == t["conv_macs"] + t["linear_macs"], doc["builder"]
    assert t["matmul_macs"] == 0                                      # no attention in these networks
    plain = mncost(spec, alpha, run["resolution"], BnParams.NONE)
    assert plain.totals.params == t["params"] - 2 * t["bn_channels"]


@pytest.mark.parametrize(("spec", "ref", "alpha", "i"), RUNS,
                         ids=[f"{ref}-{fixture(ref)['runs'][i]['resolution']}" for _, ref, _, i in RUNS])
def test_layer_by_layer(spec: str, ref: str, alpha: float, i: int) -> None:
    doc = fixture(ref)
    run = doc["runs"][i]
    theirs = framework_rows(doc, run)
    ours = [(row.name, (row.output_shape.h, row.output_shape.w, row.output_shape.c), row.params, row.macs)
            for row in mncost(spec, alpha, run["resolution"], BnParams.NONE).layers if row.op in COMPUTING]
    assert len(ours) == len(theirs)
    for (name, shape, params, macs), (module, their_shape, their_params, their_macs) in zip(ours, theirs, strict=True):
        assert (shape, params, macs) == (their_shape, their_params, their_macs), f"{name} vs {module}"
