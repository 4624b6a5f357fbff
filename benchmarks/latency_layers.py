"""Per-layer check of the latency model against a measured TF-Lite profile.

    python benchmarks/latency_layers.py [PROFILE]

tests/data/proxylessnas_mobile_tflite_layers.csv holds the per-layer times of the released
ProxylessNAS (mobile) model from TF-Lite's benchmark tool (1 thread, float; mit-han-lab/proxylessnas
logs/proxyless_mobile_10_latency.txt @6f22edade82d). The model's per-layer milliseconds on a profile
(default pixel1-v3paper-fp32) are scaled to the measured total, so that what is compared is how the
time is spread over the layers, then printed layer by layer with the summary.
"""

from __future__ import annotations

import csv
import statistics
import sys
from pathlib import Path

from mncost import Config, load
from mncost.latency import LayerFeatures, OpClass, latency, layer_features
from mncost.profiles import load_profile

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "proxylessnas_mobile_tflite_layers.csv"


def measured_layers() -> list[tuple[str, float, str]]:
    """(TF-Lite node type, avg ms, node name) of every executed node except the final RESHAPE."""
    lines = [line for line in DATA.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    return [(r["node_type"], float(r["avg_ms"]), r["name"]) for r in rows if r["node_type"] != "RESHAPE"]


def compare(profile_name: str) -> tuple[list[LayerFeatures], list[float], list[float]]:
    """The spec's kernels, the model's ms scaled to the measured total, and the measured ms."""
    profile = load_profile(profile_name)
    features = [f for f in layer_features(load("proxylessnas-mobile"), Config(fusion=profile.fusion))
                if f.op_class is not OpClass.FREE]
    measured = [ms for _, ms, _ in measured_layers()]
    if len(features) != len(measured):
        raise SystemExit(f"{len(features)} kernels in the spec, {len(measured)} in the profile")
    model = [layer.ms for layer in latency(features, profile).layers]
    scale = sum(measured) / sum(model)
    return features, [m * scale for m in model], measured


def main() -> None:
    profile = sys.argv[1] if len(sys.argv) > 1 else "pixel1-v3paper-fp32"
    features, model, measured = compare(profile)
    for f, m, t in zip(features, model, measured, strict=True):
        print(f"{f.name:24} {f.op_class.value:11} k{f.kernel} {f.input_shape:>11}  measured {t:6.3f}  "
              f"model {m:6.3f}  {m / t - 1:+6.0%}")
    errors = [m / t - 1 for m, t in zip(model, measured, strict=True) if t > 0.1]
    dw_model = sum(m for f, m in zip(features, model, strict=True) if f.op_class is OpClass.DEPTHWISE)
    dw_measured = sum(t for f, t in zip(features, measured, strict=True) if f.op_class is OpClass.DEPTHWISE)
    print(f"{profile}: layers over 0.1 ms: {len(errors)}, mean |error| {statistics.mean(abs(e) for e in errors):.1%}, "
          f"{sum(abs(e) <= 0.2 for e in errors) / len(errors):.0%} within ±20 %; depthwise share "
          f"{dw_model / sum(model):.1%} (measured {dw_measured / sum(measured):.1%})")


if __name__ == "__main__":
    main()
