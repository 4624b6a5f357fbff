"""Make the bundled device profiles from the published latency figures.

    python benchmarks/latency_tables.py PUBLISHED_LATENCY.csv

reads the published-latency table (columns network, "config (alpha/dm, resolution)", latency_ms,
device, cores_threads, precision, runtime, source, tag; 202 figures from the V2 paper Table 4,
the V3 paper Tables 3-5, the TF-slim V2 and MnasNet READMEs and the TensorFlow Lite hosted-models
table), writes one measurements file per table (devices/measurements/NAME.csv, in the format of
`mncost calibrate`) and fits devices/NAME.yaml from it with mncost's own calibration. Networks
without a bundled spec (NASNet-A, the V3 Table 5 h-swish variants) are
left out and listed.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

from mncost.calibrate import calibrate, parse_measurements
from mncost.output import write_atomic
from mncost.profiles import dump_profile

ROOT = Path(__file__).resolve().parent.parent

# (profile name, source prefix, device, cores_threads, precision) -> the rows of one table.
TABLES = [
    ("pixel1-v2paper-fp32", "MobileNetV2 paper arXiv:1801.04381 Table 4", "Pixel 1", "single large core", "fp32"),
    *((f"pixel{i}-v3paper-fp32", "MobileNetV3 paper arXiv:1905.02244 final version Table 3", f"Pixel {i}",
       "single large core, batch 1", "fp32") for i in (1, 2, 3)),
    *((f"pixel{i}-v3paper-int8", "MobileNetV3 paper final version Table 4", f"Pixel {i}", "single large core",
       "int8 (quantized)") for i in (1, 2, 3)),
    ("pixel1-mnasnet-readme-fp32", "tensorflow/tpu models/official/mnasnet/README.md", "Pixel 1", "not stated",
     "fp32"),
    ("pixel1-slim-v2-readme-fp32", "tensorflow/models research/slim/nets/mobilenet/README.md", "Pixel 1",
     "not stated (README: 'Pixel 1 CPU')", "fp32"),
    ("pixel3-tflite-cpu4-fp32", "tensorflow/tensorflow tensorflow/lite/g3doc/guide/hosted_models.md",
     "Pixel 3 (Android 10)", "CPU 4 threads", "fp32"),
    ("pixel3-tflite-gpu-fp32", "tensorflow/tensorflow tensorflow/lite/g3doc/guide/hosted_models.md",
     "Pixel 3 (Android 10)", "GPU delegate", "fp32"),
    ("pixel3-tflite-nnapi-fp32", "tensorflow/tensorflow tensorflow/lite/g3doc/guide/hosted_models.md",
     "Pixel 3 (Android 10)", "NNAPI", "fp32"),
    ("pixel3-tflite-cpu4-int8", "tensorflow/tensorflow tensorflow/lite/g3doc/guide/hosted_models.md",
     "Pixel 3 (Android 10)", "CPU 4 threads", "8-bit quantized"),
    ("pixel3-tflite-nnapi-int8", "tensorflow/tensorflow tensorflow/lite/g3doc/guide/hosted_models.md",
     "Pixel 3 (Android 10)", "NNAPI", "8-bit quantized"),
]
MIN_ROWS = 3

# Published network name -> bundled spec. TF-slim and the TF Lite hosted models classify 1001
# classes (background + 1000); the tensorflow/tpu MnasNet models 1000.
NETWORKS = [
    (r"MobileNetV1( quant)?$", "v1", 1001),
    (r"(MobileNetV2|V2)( quant)?( (?P<alpha>[\d.]+))?$", "v2", 1001),
    (r"V3-Large (?P<alpha>[\d.]+)( \(optimized h-swish\))?$", "v3-large", 1001),
    (r"V3-Small (?P<alpha>[\d.]+)$", "v3-small", 1001),
    (r"MnasNet-A1$", "mnasnet-a1", 1000),
    (r"Mnas-small$", "mnasnet-small", 1000),
    (r"ProxylessNAS$", "proxylessnas-mobile", 1000),
    # The hosted mnasnet_*_224_09_07_2018 models: 4.3 M params at 1.0 (17 MB fp32), the B1 network
    # of the first MnasNet paper version (no squeeze-and-excite), i.e. the bundled `mnasnet`.
    (r"MnasNet \(hosted AutoML 09_07_2018\)$", "mnasnet", 1001),
]


def spec_of(network: str) -> tuple[str, float | None, int] | None:
    for pattern, spec, classes in NETWORKS:
        match = re.match(pattern, network)
        if match:
            alpha = match.groupdict().get("alpha")
            return spec, float(alpha) if alpha else None, classes
    return None


def config_of(text: str) -> tuple[float | None, int]:
    numbers = re.findall(r"[\d.]+", text)
    if len(numbers) == 2:
        return float(numbers[0]), int(numbers[1])
    return None, int(numbers[0])


def main(path: str) -> None:
    rows = list(csv.DictReader(open(path, encoding="utf-8")))
    left_out = []
    # The prior profiles first: fits on fewer than four networks (leave-one-out and leave-one-family-out
    # included) take their proportions (mncost.latency.PRIOR_PROFILE, INT8_PRIOR_PROFILES; each fitted
    # on at least four networks, so their own constants need no prior).
    from mncost.latency import INT8_PRIOR_PROFILES, PRIOR_PROFILE

    priors = (PRIOR_PROFILE, *INT8_PRIOR_PROFILES)
    for name, source, device, threads, precision in sorted(TABLES, key=lambda t: t[0] not in priors):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["spec", "alpha", "resolution", "classes", "dtype", "latency_ms", "source"])
        count = 0
        for row in rows:
            if not (row["source"].startswith(source) and row["device"] == device
                    and row["cores_threads"] == threads and row["precision"] == precision):
                continue
            found = spec_of(row["network"])
            if found is None:
                left_out.append(f"{name}: {row['network']}")
                continue
            spec, alpha, classes = found
            config_alpha, resolution = config_of(row["config (alpha/dm, resolution)"])
            alpha = alpha or config_alpha or 1.0
            dtype = "int8" if "8" in precision else "fp32"
            writer.writerow([spec, f"{alpha:g}", resolution, classes, dtype, row["latency_ms"],
                             f"{row['source']}: {row['network']} {row['config (alpha/dm, resolution)']}"])
            count += 1
        if count < MIN_ROWS:
            continue
        measurements_path = ROOT / "devices" / "measurements" / f"{name}.csv"
        write_atomic(measurements_path, out.getvalue())
        shown = f"devices/measurements/{name}.csv"
        measurements = parse_measurements(out.getvalue(), shown)
        runtime = "TensorFlow Lite" + ("" if "hosted" not in source else f" ({threads})")
        result = calibrate(measurements, name=name, device=device, runtime=runtime, threads=threads,
                           source=source, description=f"fitted to {count} published latencies of {source}")
        info = {"measurements": f"measurements/{name}.csv", "networks": count,
                "loo_mean_abs_error": round(result.loo.mean_abs, 4)}
        write_atomic(ROOT / "devices" / f"{name}.yaml", dump_profile(result.profile, info))
        print(f"{name}: {count} networks, leave-one-out mean |error| {result.loo.mean_abs:.1%}")
    print("left out (no bundled spec):", "; ".join(left_out))


if __name__ == "__main__":
    main(sys.argv[1])
