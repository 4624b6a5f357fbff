"""Model size as deployed (BN folded) against the TensorFlow Lite hosted-models table, and the
MnasNet-A1 spec against the tensorflow/tpu MnasNet README.

TensorFlow Lite hosted models: tensorflow/tensorflow tensorflow/lite/g3doc/guide/hosted_models.md
@0406598a, column "Model size", printed as "Mb". The table mixes units: the MobileNet V1 rows and the
float V2 row are MB (10^6 bytes: V1 1.0 fp32 = 4.22 M params x 4 B = 16.9 MB, 16.1 MiB), the MnasNet
rows and the quantized V2 row are MiB (2^20 bytes: MnasNet 1.3 = 25.0 MB, 23.9 MiB, printed 24).
TF-slim and the hosted models classify 1001 classes.
"""

from __future__ import annotations

import pytest

from mncost import Config, evaluate, load
from mncost.cli import main
from mncost.size import MB, MIB, Storage, folded_params, model_size

from .conftest import cli_runner

# (spec, alpha, storage, published "Mb", unit it is in)
HOSTED = [
    ("v1", 0.25, Storage.FP32, "1.9", MB), ("v1", 0.5, Storage.FP32, "5.3", MB),
    ("v1", 0.75, Storage.FP32, "10.3", MB), ("v1", 1.0, Storage.FP32, "16.9", MB),
    ("v2", 1.0, Storage.FP32, "14.0", MB),
    ("v1", 0.25, Storage.TFLITE_INT8, "0.5", MB), ("v1", 0.5, Storage.TFLITE_INT8, "1.4", MB),
    ("v1", 0.75, Storage.TFLITE_INT8, "2.6", MB), ("v1", 1.0, Storage.TFLITE_INT8, "4.3", MB),
    ("v2", 1.0, Storage.TFLITE_INT8, "3.4", MIB),
    # MnasNet_0.50_224 is printed 8.5 and computes to 8.43 MiB / 8.84 MB: left out (docs/latency.md).
    ("mnasnet", 0.75, Storage.FP32, "12", MIB), ("mnasnet", 1.0, Storage.FP32, "17", MIB),
    ("mnasnet", 1.3, Storage.FP32, "24", MIB),
]


def shown(value: float, published: str) -> str:
    digits = len(published.split(".")[1]) if "." in published else 0
    return f"{value:.{digits}f}"


@pytest.mark.parametrize(("spec", "alpha", "storage", "published", "unit"), HOSTED)
def test_hosted_model_sizes(spec: str, alpha: float, storage: Storage, published: str, unit: int) -> None:
    size = model_size(folded_params(load(spec), Config(alpha=alpha, classes=1001)), storage)
    assert shown(size.total_bytes / unit, published) == published


def test_folding_adds_one_bias_per_channel() -> None:
    # V1 1.0, 1001 classes: 4,231,976 parameters with BN (TF-slim), i.e. conv/fc weights + the logits'
    # bias; folding gives every conv channel a bias instead of BN's four values.
    graph, config = load("v1"), Config(classes=1001)
    folded = folded_params(graph, config)
    plain = evaluate(graph, config).totals.params
    assert folded.weights + 1001 == plain
    assert folded.biases == folded.channels  # every conv and the fc have one bias per output channel
    assert model_size(folded, Storage.FP16).total_bytes * 2 == model_size(folded, Storage.FP32).total_bytes


def test_report_folded_is_folded_params() -> None:
    from mncost.size import report_folded

    graph, config = load("v3-small"), Config(alpha=0.75, classes=1001)
    assert report_folded(graph, evaluate(graph, config)) == folded_params(graph, config)


def test_size_cli() -> None:
    result = cli_runner().invoke(main, ["size", "v1", "--classes", "1001"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "16,888,228" in result.output and "16.888" in result.output and "16.106" in result.output
    assert all(len(line) <= 80 for line in result.output.splitlines())


# tensorflow/tpu models/official/mnasnet/README.md @009812fb: "mnasnet-a1 has ~75.2% top-1 ImageNet
# accuracy with 3.9M parameters and 312M Multiply-Adds"; its table: params 6.1/3.9/2.9/2.1/1.7 M at
# DM 1.4/1.0/0.75/0.5/0.35. The same table prints 315.2 M MACs at 1.0-224, 1.2 % above the exact
# conv + fc count and the text's 312 (its other cells are 0.7-2.4 % above too).
@pytest.mark.parametrize(("alpha", "params"), [(1.4, "6.1"), (1.0, "3.9"), (0.75, "2.9"), (0.5, "2.1"), (0.35, "1.7")])
def test_mnasnet_a1_params(alpha: float, params: str) -> None:
    assert f"{evaluate(load('mnasnet-a1'), Config(alpha=alpha)).totals.params / 1e6:.1f}" == params


def test_mnasnet_a1_macs() -> None:
    macs = evaluate(load("mnasnet-a1"), Config()).totals.macs
    assert round(macs / 1e6) == 312
    assert 0.005 < 315.2e6 / macs - 1 < 0.015


# timm 1.0.31 (weights none), params = sum(p.numel()) (BN affine) and conv + linear MACs from
# torch.utils.flop_counter (FLOPs / 2) at 224: semnasnet_100 3,887,038 / 311,579,072, semnasnet_075
# 2,912,278, semnasnet_140 6,105,992 / 586,317,952, mnasnet_small 2,030,264 / 68,339,184. timm builds
# these as the tensorflow/tpu models (its mnasnet_small adds a residual to the first 8 -> 8 block,
# which the tpu model's id_skip check on input_filters=16 leaves out: no params or MACs).
@pytest.mark.parametrize(("spec", "alpha", "params", "macs"), [
    ("mnasnet-a1", 1.0, 3_887_038, 311_579_072), ("mnasnet-a1", 0.75, 2_912_278, None),
    ("mnasnet-a1", 1.4, 6_105_992, 586_317_952), ("mnasnet-small", 1.0, 2_030_264, 68_339_184),
])
def test_mnasnet_variants_against_timm(spec: str, alpha: float, params: int, macs: int | None) -> None:
    from mncost.conventions import BnParams

    totals = evaluate(load(spec), Config(alpha=alpha, bn_params=BnParams.AFFINE)).totals
    assert totals.params == params
    if macs is not None:
        assert totals.macs == macs


def test_v3_paper_table3_sizes_of_the_added_specs() -> None:
    # V3 paper Table 3: Mnas-small 65.1 M MAdds / 1.9 M params (the tpu README: 68 M / 2.0 M);
    # Proxyless 320 M / 4.0 M. The exact conv + fc counts: Mnas-small 68.3 M / 2.01 M, ProxylessNAS
    # mobile 320.4 M / 4.05 M (the block sequence is the released model's TF-Lite profile, the widths
    # 32/16/32/40/80/96/192/320/1280 of osmr/imgclsmob pytorchcv proxylessnas.py, version "mobile").
    small = evaluate(load("mnasnet-small"), Config()).totals
    assert round(small.macs / 1e6) == 68 and f"{small.params / 1e6:.1f}" == "2.0"
    proxyless = evaluate(load("proxylessnas-mobile"), Config()).totals
    assert f"{proxyless.params / 1e6:.1f}" == "4.0"
    assert round(proxyless.macs / 1e6) == 320


# torchvision 0.29.1 (weights=None): bytes of the tensors of model.state_dict() (sum of numel x
# element_size) and the `_file_size` meta of the IMAGENET1K_V1 weights (MiB of the .pth file; the same
# values as torchvision 0.29.2, published.md section 6).
TORCHVISION_FILES = [
    ("v2", 14_156_352, 13.555), ("v3-large", 22_030_096, 21.114), ("v3-small", 10_220_144, 9.829),
    ("mnasnet", 17_685_344, 16.915), ("shufflenet-v2", 9_179_584, 8.791),
    ("efficientnet-b0", 21_322_648, 20.451), ("resnet50", 102_441_032, 97.781),
]


@pytest.mark.parametrize(("spec", "state_dict", "file_mib"), TORCHVISION_FILES)
def test_torchvision_state_dict_and_file_size(spec: str, state_dict: int, file_mib: float) -> None:
    from mncost.size import torch_state_dict_bytes

    ours = torch_state_dict_bytes(load(spec), Config())
    assert ours == state_dict
    assert 0.0005 < file_mib * MIB / ours - 1 < 0.009  # the .pth format's own bytes: 0.09 % (ResNet-50) to 0.85 %
