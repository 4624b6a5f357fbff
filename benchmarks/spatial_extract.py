"""Extract tests/reference/ops/spatial.json: PyTorch's output sizes and counts for the spatial ops
(needs torch; not run by the tests). Run it in a throw-away environment with torch, e.g.

    /tmp/zoo-ref/bin/python benchmarks/spatial_extract.py

Each case is one op on one input (batch 1, random values), with the mncost attributes it stands
for and what torch gives: the output size (H, W, C), the module's parameter count, and its MACs
= FLOPs / 2 of torch.utils.flop_counter.FlopCounterMode (convolutions and transposed
convolutions). For adaptive average pooling, `window_elements` is the sum over the output's
positions of the number of input elements each averages, obtained from torch itself: pooling a
one-hot input marks the windows that contain that element.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F  # noqa: N812 - torch's own spelling
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

OUT = Path(__file__).resolve().parent.parent / "tests" / "reference" / "ops" / "spatial.json"
C_IN, C_OUT = 4, 6


def macs_of(module: nn.Module, x: torch.Tensor) -> tuple[list[int], int]:
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        y = module(x)
    return [y.shape[2], y.shape[3], y.shape[1]], counter.get_total_flops() // 2


def conv_cases() -> list[dict[str, Any]]:
    cases = []
    for size, (kh, kw), stride, dilation, pad in itertools.product(
            (7, 16), ((3, 3), (1, 5), (5, 1), (2, 2)), (1, 2), (1, 2, 3), ("half", 0, 2, (0, 2))):
        groups = 1 + (size + stride + dilation) % 2
        ph, pw = ((dilation * (kh - 1) + 1) // 2, (dilation * (kw - 1) + 1) // 2) if pad == "half" else (
            pad if isinstance(pad, tuple) else (pad, pad))
        if size + 2 * ph < dilation * (kh - 1) + 1 or size + 2 * pw < dilation * (kw - 1) + 1:
            continue
        conv = nn.Conv2d(C_IN, C_OUT, (kh, kw), stride, (ph, pw), dilation, groups, bias=False)
        out, macs = macs_of(conv, torch.randn(1, C_IN, size, size))
        attrs = {"kernel": [kh, kw], "stride": stride, "dilation": dilation, "groups": groups,
                 "padding": list(pad) if isinstance(pad, tuple) else pad, "out": C_OUT}
        cases.append({"op": "conv", "input": [size, size, C_IN], "attrs": attrs, "output": out,
                      "params": sum(p.numel() for p in conv.parameters()), "macs": macs,
                      "torch": f"nn.Conv2d({C_IN}, {C_OUT}, {(kh, kw)}, {stride}, {(ph, pw)}, {dilation}, {groups}, "
                               "bias=False)"})
    return cases


def transpose_cases() -> list[dict[str, Any]]:
    cases = []
    for size, (kh, kw), stride, dilation, pad, extra in itertools.product(
            (1, 5), ((3, 3), (4, 4), (1, 5)), (1, 2, 3), (1, 2), (0, 1, 2), (0, 1, 2)):
        groups = 1 + (size + stride + pad) % 2
        if not (extra < stride or extra < dilation):
            continue
        conv = nn.ConvTranspose2d(C_IN, C_OUT, (kh, kw), stride, pad, extra, groups, bias=True, dilation=dilation)
        side = [(size - 1) * stride - 2 * pad + dilation * (k - 1) + extra + 1 for k in (kh, kw)]
        if min(side) < 1:
            continue
        out, macs = macs_of(conv, torch.randn(1, C_IN, size, size))
        attrs = {"kernel": [kh, kw], "stride": stride, "dilation": dilation, "padding": pad,
                 "output_padding": extra, "groups": groups, "out": C_OUT, "bias": True}
        cases.append({"op": "conv_transpose", "input": [size, size, C_IN], "attrs": attrs, "output": out,
                      "params": sum(p.numel() for p in conv.parameters()), "macs": macs,
                      "torch": f"nn.ConvTranspose2d({C_IN}, {C_OUT}, {(kh, kw)}, {stride}, {pad}, {extra}, "
                               f"{groups}, bias=True, dilation={dilation})"})
    return cases


def pool_cases() -> list[dict[str, Any]]:
    cases = []
    for op, size, k, stride, pad, ceil in itertools.product(
            ("maxpool", "avgpool"), (5, 8, 13, 14, 17), (2, 3, 5), (1, 2, 3), (0, 1, 2),
            (False, True)):
        if pad > k // 2 or size + 2 * pad < k:  # torch: "pad should be at most half of effective kernel size"
            continue
        pool = (nn.MaxPool2d(k, stride, pad, ceil_mode=ceil) if op == "maxpool"
                else nn.AvgPool2d(k, stride, pad, ceil_mode=ceil))
        y = pool(torch.randn(1, C_IN, size, size))
        cases.append({"op": op, "input": [size, size, C_IN],
                      "attrs": {"kernel": k, "stride": stride, "padding": pad, "ceil_mode": ceil},
                      "output": [y.shape[2], y.shape[3], y.shape[1]], "params": 0, "macs": 0,
                      "torch": f"nn.{type(pool).__name__}({k}, {stride}, {pad}, ceil_mode={ceil})"})
    return cases


def window_elements(size: int, out: int) -> int:
    """Σ over the `out` windows of one axis of their lengths, read from torch: element p of a one-hot
    column lies in window i when the pooled value i is non-zero."""
    total = 0
    for p in range(size):
        x = torch.zeros(1, 1, size, 1)
        x[0, 0, p, 0] = 1.0
        total += int((F.adaptive_avg_pool2d(x, (out, 1)) > 0).sum())
    return total


def adaptive_cases() -> list[dict[str, Any]]:
    cases = []
    for size, (oh, ow) in itertools.product((1, 5, 7, 13, 14, 25), ((1, 1), (2, 3), (6, 6), (7, 7), (5, 9))):
        y = F.adaptive_avg_pool2d(torch.randn(1, C_IN, size, size), (oh, ow))
        cases.append({"op": "adaptive_avgpool", "input": [size, size, C_IN], "attrs": {"size": [oh, ow]},
                      "output": [y.shape[2], y.shape[3], y.shape[1]], "params": 0, "macs": 0,
                      "window_elements": window_elements(size, oh) * window_elements(size, ow) * C_IN,
                      "torch": f"F.adaptive_avg_pool2d(x, {(oh, ow)})"})
    return cases


def resize_cases() -> list[dict[str, Any]]:
    cases = []
    for size, mode, factor in itertools.product((1, 7, 16), ("nearest", "bilinear"), (1, 2, 4)):
        kwargs = {"align_corners": False} if mode == "bilinear" else {}
        y = F.interpolate(torch.randn(1, C_IN, size, size), scale_factor=factor, mode=mode, **kwargs)
        cases.append({"op": "resize", "input": [size, size, C_IN], "attrs": {"mode": mode, "factor": factor},
                      "output": [y.shape[2], y.shape[3], y.shape[1]], "params": 0, "macs": 0,
                      "torch": f"F.interpolate(x, scale_factor={factor}, mode={mode!r})"})
    for size, mode, multiple in itertools.product((7, 13, 16, 25), ("nearest", "bilinear"), (2, 4)):
        # timm MobileViT: F.interpolate(x, size=(ceil(H / p) * p, ceil(W / p) * p), mode="bilinear")
        side = -(-size // multiple) * multiple
        kwargs = {"align_corners": False} if mode == "bilinear" else {}
        y = F.interpolate(torch.randn(1, C_IN, size, size), size=(side, side), mode=mode, **kwargs)
        cases.append({"op": "resize", "input": [size, size, C_IN], "attrs": {"mode": mode, "multiple": multiple},
                      "output": [y.shape[2], y.shape[3], y.shape[1]], "params": 0, "macs": 0,
                      "torch": f"F.interpolate(x, size=({side}, {side}), mode={mode!r})"})
    return cases


def main() -> None:
    cases = conv_cases() + transpose_cases() + pool_cases() + adaptive_cases() + resize_cases()
    doc = {"framework": "torch", "version": torch.__version__, "extractor": "benchmarks/spatial_extract.py",
           "input": "torch.randn(1, C, H, W)", "cases": cases}
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{len(cases)} cases -> {OUT}")


if __name__ == "__main__":
    main()
