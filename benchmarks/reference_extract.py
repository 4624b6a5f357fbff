"""Extract the framework reference figures under tests/reference/ (needs torch, torchvision, timm).

Not run by the tests. Run it in a throw-away virtual environment, never with weights:

    python3 -m venv /tmp/ref && . /tmp/ref/bin/activate
    pip install torch torchvision && pip install timm --no-deps && pip install pyyaml huggingface_hub safetensors
    TIMM_FUSED_ATTN=0 python benchmarks/reference_extract.py [NAME ...]

Every network is built with random weights (timm `pretrained=False`, torchvision `weights=None,
weights_backbone=None`); nothing is downloaded. One JSON file per network records:

- `framework`, `version`, `torch`, `builder` (the exact call) and `env`;
- `layers`: one row per module that owns parameters or pools, in execution order:
  `[module name, module type, params]` (params = the module's own `parameters(recurse=False)`);
- `runs`: per input resolution, the rows' `[input shape, output shape, MACs]` aligned with
  `layers` (shapes in PyTorch's layout, C,H,W or tokens,C, without the batch dimension of 1;
  MobileViT's (B*P, N, C) patch batches keep their first dimension P), the
  attention matrix products per module (`matmul`: MACs of QK^T and AV) and the totals.

MACs of a Conv2d = output elements x (C_in / groups) x kh x kw; of a Linear = output elements
x in_features (a Linear over tokens counts every token); biases add no MACs. Matrix products
between activations (torch.matmul / @ / bmm, i.e. attention) are counted apart by
torch.utils.flop_counter.FlopCounterMode as aten.bmm FLOPs, MACs = FLOPs / 2. Totals:
`params` = sum of p.numel() over model.parameters() (BN gamma/beta included: mncost
`--bn-params affine`), `bn_channels` (sum of BatchNorm num_features: subtract 2 per channel for
`--bn-params none`), `conv_macs`, `linear_macs`, `matmul_macs`, and `counter_macs` (all of
FlopCounterMode's FLOPs / 2, which must equal the sum of the three).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TIMM_FUSED_ATTN", "0")  # explicit q @ k^T and attn @ v, so they are counted

import timm  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.flop_counter import FlopCounterMode  # noqa: E402

OUT = Path(__file__).resolve().parent.parent / "tests" / "reference"
POOLS = (nn.AvgPool2d, nn.MaxPool2d, nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)
NORMS = (nn.modules.batchnorm._BatchNorm,)


def timm_net(name: str, resolutions: list[int], **kwargs: Any) -> dict[str, Any]:
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    return {"framework": "timm", "version": timm.__version__, "resolutions": resolutions,
            "builder": f"timm.create_model({name!r}, pretrained=False{args})",
            "build": lambda: timm.create_model(name, pretrained=False, **kwargs)}


def tv_net(module: str, name: str, resolutions: list[int], weights: str | None = None,
           call: Callable[[nn.Module, torch.Tensor], Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    mod = getattr(torchvision.models, module) if module else torchvision.models
    args = "".join(f", {k}={v!r}" for k, v in kwargs.items())
    where = f"torchvision.models.{module + '.' if module else ''}{name}"
    net: dict[str, Any] = {"framework": "torchvision", "version": torchvision.__version__,
                           "resolutions": resolutions,
                           "builder": f"{where}(weights=None{', weights_backbone=None' if module else ''}{args})",
                           "build": lambda: getattr(mod, name)(weights=None, **({"weights_backbone": None}
                                                                                if module else {}), **kwargs)}
    if weights:
        enum = getattr(mod, weights)
        net["weights_meta"] = {w.name: {k: w.meta.get(k) for k in ("num_params", "_ops", "_file_size")}
                               | {k: v for k, v in getattr(w.transforms, "keywords", {}).items()
                                  if k in ("crop_size", "resize_size")}
                               for w in enum}
        net["weights_enum"] = f"{where.rsplit('.', 1)[0]}.{weights}"
    if call:
        net["call"] = call
    return net


def detection_call(model: nn.Module, x: torch.Tensor) -> Any:
    # SSD.forward resizes to 320 and runs NMS; the cost is backbone + head on the given tensor.
    feats = model.backbone(x)
    return model.head(list(feats.values()))


NETWORKS: dict[str, dict[str, Any]] = {
    "mobilenetv4_conv_small": timm_net("mobilenetv4_conv_small", [224, 193]),
    "mobilenetv4_conv_small_050": timm_net("mobilenetv4_conv_small_050", [224, 193]),
    "mobilenetv4_conv_small_035": timm_net("mobilenetv4_conv_small_035", [224]),
    "mobilenetv4_conv_medium": timm_net("mobilenetv4_conv_medium", [256, 193]),
    "mobilenetv4_conv_large": timm_net("mobilenetv4_conv_large", [384, 193]),
    "mobilenetv4_hybrid_medium": timm_net("mobilenetv4_hybrid_medium", [256, 192, 193]),
    "mobilenetv4_hybrid_medium_075": timm_net("mobilenetv4_hybrid_medium_075", [256]),
    "mobilenetv4_hybrid_large": timm_net("mobilenetv4_hybrid_large", [384, 192, 193]),
    "mobilevit_xxs": timm_net("mobilevit_xxs", [256, 192, 193]),
    "mobilevit_xs": timm_net("mobilevit_xs", [256, 192, 193]),
    "mobilevit_s": timm_net("mobilevit_s", [256, 192, 193]),
    "ghostnet_100": timm_net("ghostnet_100", [224, 193]),
    "ghostnet_050": timm_net("ghostnet_050", [224]),
    "ghostnet_130": timm_net("ghostnet_130", [224]),
    "tf_efficientnetv2_b0": timm_net("tf_efficientnetv2_b0", [224, 192]),
    "tf_efficientnetv2_b1": timm_net("tf_efficientnetv2_b1", [240]),
    "tf_efficientnetv2_b2": timm_net("tf_efficientnetv2_b2", [260]),
    "tf_efficientnetv2_b3": timm_net("tf_efficientnetv2_b3", [300]),
    "efficientnet_v2_s": tv_net("", "efficientnet_v2_s", [384, 193], weights="EfficientNet_V2_S_Weights"),
    "ssdlite320_mobilenet_v3_large": tv_net("detection", "ssdlite320_mobilenet_v3_large", [320, 256],
                                            weights="SSDLite320_MobileNet_V3_Large_Weights",
                                            call=detection_call),
    "lraspp_mobilenet_v3_large": tv_net("segmentation", "lraspp_mobilenet_v3_large", [520, 320, 193],
                                        weights="LRASPP_MobileNet_V3_Large_Weights"),
    "deeplabv3_mobilenet_v3_large": tv_net("segmentation", "deeplabv3_mobilenet_v3_large", [520, 320, 193],
                                           weights="DeepLabV3_MobileNet_V3_Large_Weights"),
    "deeplabv3_mobilenet_v3_large_aux": tv_net("segmentation", "deeplabv3_mobilenet_v3_large", [520],
                                               aux_loss=True),
}


def shape(t: Any) -> list[int] | None:
    if isinstance(t, (list, tuple)) and t and isinstance(t[0], torch.Tensor):
        t = t[0]
    if isinstance(t, torch.Tensor):
        # the batch is 1: drop it; MobileViT's (B*P, N, C) patch batches keep their first dimension
        return list(t.shape[1:] if t.shape[0] == 1 else t.shape)
    return None


def module_macs(m: nn.Module, out: torch.Tensor) -> tuple[str, int]:
    if isinstance(m, nn.Conv2d):
        k = m.kernel_size[0] * m.kernel_size[1]
        return "conv", out.numel() * (m.in_channels // m.groups) * k   # batch 1
    if isinstance(m, nn.Linear):
        return "linear", out.numel() * m.in_features
    return "", 0


def run(model: nn.Module, call: Callable[[nn.Module, torch.Tensor], Any], res: int) -> dict[str, Any]:
    rows: list[tuple[str, str, int, list[int] | None, list[int] | None, int]] = []
    sums = {"conv": 0, "linear": 0}
    hooks = []
    for name, m in model.named_modules():
        own = sum(p.numel() for p in m.parameters(recurse=False))
        if not (own or isinstance(m, POOLS)):
            continue

        def hook(mod: nn.Module, args: Any, out: Any, name: str = name, own: int = own) -> None:
            kind, macs = module_macs(mod, out) if isinstance(out, torch.Tensor) else ("", 0)
            if kind:
                sums[kind] += macs
            rows.append((name, type(mod).__name__, own, shape(args), shape(out), macs))

        hooks.append(m.register_forward_hook(hook))
    counter = FlopCounterMode(display=False)
    with torch.no_grad(), counter:
        call(model, torch.zeros(1, 3, res, res))
    for h in hooks:
        h.remove()
    flops = counter.get_flop_counts()
    bmm = {str(k): v for k, v in flops.get("Global", {}).items()}
    matmul_total = sum(v for k, v in bmm.items() if "bmm" in k) // 2
    per_module: dict[str, int] = {}
    for fqn, ops in flops.items():
        b = sum(v for k, v in ops.items() if "bmm" in str(k))
        if b and fqn != "Global":
            per_module[fqn] = b // 2
    # keep the deepest modules only (each product is attributed to every enclosing module)
    deepest = {k: v for k, v in per_module.items() if not any(o.startswith(k + ".") for o in per_module)}
    total = counter.get_total_flops() // 2
    assert total == sums["conv"] + sums["linear"] + matmul_total, (total, sums, matmul_total)
    return {"rows": rows, "matmul": {k.split(".", 1)[1] if "." in k else k: v for k, v in deepest.items()},
            "totals": {"conv_macs": sums["conv"], "linear_macs": sums["linear"], "matmul_macs": matmul_total,
                       "counter_macs": total}}


def extract(key: str, net: dict[str, Any]) -> dict[str, Any]:
    torch.manual_seed(0)
    model = net["build"]().eval()
    call = net.get("call", lambda m, x: m(x))
    params = sum(p.numel() for p in model.parameters())
    bn = sum(m.num_features for m in model.modules() if isinstance(m, NORMS) and m.affine)
    runs = []
    layers: list[list[Any]] | None = None
    for res in net["resolutions"]:
        r = run(model, call, res)
        these = [[n, t, p] for n, t, p, *_ in r["rows"]]
        if layers is None:
            layers = these
        assert these == layers, f"{key}: module order differs at {res}"
        runs.append({"resolution": res, "totals": {"params": params, "bn_channels": bn} | r["totals"],
                     "matmul": r["matmul"], "rows": [[i, o, m] for *_, i, o, m in r["rows"]]})
    doc: dict[str, Any] = {
        "network": key, "framework": net["framework"], "version": net["version"], "torch": torch.__version__,
        "builder": net["builder"], "env": {"TIMM_FUSED_ATTN": os.environ["TIMM_FUSED_ATTN"]},
        "call": "model.head(list(model.backbone(x).values()))" if "call" in net else "model(x)",
        "input": "torch.zeros(1, 3, R, R) for each run's resolution R",
        "layers": layers, "runs": runs,
    }
    if "weights_meta" in net:
        doc["weights_enum"] = net["weights_enum"]
        doc["weights_meta"] = net["weights_meta"]
    return doc


def dump(doc: dict[str, Any]) -> str:
    """JSON with one line per layer row (small files, readable diffs)."""
    head = {k: v for k, v in doc.items() if k not in ("layers", "runs")}
    lines = ["{", *(f"  {json.dumps(k)}: {json.dumps(v)}," for k, v in head.items()), '  "layers": [']
    lines += [f"    {json.dumps(r, separators=(',', ':'))}," for r in doc["layers"]]
    lines[-1] = lines[-1].rstrip(",")
    lines += ["  ],", '  "runs": [']
    for i, run_ in enumerate(doc["runs"]):
        lines.append("    {" + ", ".join(f"{json.dumps(k)}: {json.dumps(run_[k], separators=(',', ':'))}"
                                       for k in ("resolution", "totals", "matmul")) + ', "rows": [')
        lines += [f"      {json.dumps(r, separators=(',', ':'))}," for r in run_["rows"]]
        lines[-1] = lines[-1].rstrip(",")
        lines.append("    ]}" + ("," if i < len(doc["runs"]) - 1 else ""))
    lines += ["  ]", "}", ""]
    text = "\n".join(lines)
    assert json.loads(text) == json.loads(json.dumps(doc))
    return text


def main(names: list[str]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for key in names or list(NETWORKS):
        doc = extract(key, NETWORKS[key])
        (OUT / f"{key}.json").write_text(dump(doc), encoding="utf-8")
        t = doc["runs"][0]["totals"]
        print(f"{key}: {t['params']:,} params, {t['conv_macs'] + t['linear_macs']:,} conv+fc MACs, "
              f"{t['matmul_macs']:,} matmul MACs at {doc['runs'][0]['resolution']}")


if __name__ == "__main__":
    main(sys.argv[1:])
