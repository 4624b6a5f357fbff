"""Extract tests/reference/ops/lraspp_cityscapes.json: torchvision's LR-ASPP over MobileNetV3-Large
in the V3 paper's Cityscapes configurations (Tables 7 and 8), counted on non-square inputs (needs
torch and torchvision; not run by the tests; nothing downloaded):

    /tmp/zoo-ref/bin/python benchmarks/lraspp_cityscapes_extract.py

Each model is torchvision's own pieces, built as `lraspp_mobilenet_v3_large` builds them but with
the paper's options: `mobilenet_v3_large(weights=None, dilated=D, reduced_tail=True)` (the
paper's "RF2": the last block's filters halved), `_lraspp_mobilenetv3`'s choice of the low (output
stride 8) and high features, and `LRASPP(backbone, low, high, 19, inter_channels=F)` (19
Cityscapes classes, F head filters). Counted at 1024 x 2048 (the paper's full resolution) and
512 x 1024 (half): params = sum of p.numel() and BN channels; conv MACs = output elements x
C_in/groups x kh x kw (forward hooks on nn.Conv2d).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
import torchvision
from torch import nn
from torchvision.models import mobilenet_v3_large
from torchvision.models._utils import IntermediateLayerGetter
from torchvision.models.segmentation.lraspp import LRASPP

OUT = Path(__file__).resolve().parent.parent / "tests" / "reference" / "ops" / "lraspp_cityscapes.json"


def build(dilated: bool, filters: int) -> nn.Module:
    backbone = mobilenet_v3_large(weights=None, dilated=dilated, reduced_tail=True).features
    stages = [0] + [i for i, b in enumerate(backbone) if getattr(b, "_is_cn", False)] + [len(backbone) - 1]
    low, high = stages[-4], stages[-1]   # as torchvision's _lraspp_mobilenetv3
    getter = IntermediateLayerGetter(backbone, return_layers={str(low): "low", str(high): "high"})
    return LRASPP(getter, backbone[low].out_channels, backbone[high].out_channels, 19, inter_channels=filters)


def counts(model: nn.Module, h: int, w: int) -> int:
    macs = 0

    def hook(module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor) -> None:
        nonlocal macs
        k = module.kernel_size[0] * module.kernel_size[1]
        macs += output.numel() * module.in_channels // module.groups * k

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    with torch.no_grad():
        model(torch.zeros(1, 3, h, w))
    for handle in handles:
        handle.remove()
    return macs


def main() -> None:
    rows = []
    for dilated in (True, False):
        for filters in (128, 256):
            model = build(dilated, filters).eval()
            bn = sum(m.num_features for m in model.modules() if isinstance(m, nn.BatchNorm2d))
            rows.append({
                "output_stride": 16 if dilated else 32, "filters": filters,
                "builder": f"LRASPP(mobilenet_v3_large(weights=None, dilated={dilated}, reduced_tail=True) features, "
                           f"low/high as _lraspp_mobilenetv3, 19 classes, inter_channels={filters})",
                "params": sum(p.numel() for p in model.parameters()), "bn_channels": bn,
                "conv_macs": {"1024x2048": counts(model, 1024, 2048), "512x1024": counts(model, 512, 1024)},
            })
    doc = {"framework": "torchvision", "version": torchvision.__version__, "torch": torch.__version__,
           "extractor": "benchmarks/lraspp_cityscapes_extract.py", "input": "torch.zeros(1, 3, H, W)", "models": rows}
    OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
