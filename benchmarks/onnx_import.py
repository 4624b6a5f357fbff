"""The ONNX importer's targets, measured on this machine as ratios taken in the same run (needs the
`onnx` extra):

    python benchmarks/onnx_import.py            # about half a minute
    python benchmarks/onnx_import.py --runs 11  # more repetitions against a noisy machine

The weights are never used, but the file is read twice: for its SHA-256 (the spec's header) and
by onnx's protobuf parser. Past that, its size must cost nothing:
1. Importing ResNet-50 as `mncost export` writes it (random weights, about 100 MB) takes
   ≤ 1.5 × (hashing the file + `onnx.load` of it + importing the same graph without its weights,
   external data left out).
2. The process that imports the 100 MB file peaks at ≤ 2.5 × the file size above a process that
   only imports onnx (`onnx.load` holds the file's bytes and the parsed model at once: 2 ×).

Prints one Markdown table row per target; exits 1 if any fails.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import onnx

from mncost import Config, load
from mncost.onnx_export import Weights, export_onnx
from mncost.onnx_import import import_onnx


def median_seconds(path: Path, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        import_onnx(str(path))
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def read_seconds(path: Path) -> float:
    start = time.perf_counter()
    hashlib.sha256(path.read_bytes()).hexdigest()
    onnx.load(str(path), load_external_data=False)
    return time.perf_counter() - start


def peak_kb(code: str) -> int:
    """Peak resident memory of a fresh process running `code` (VmHWM: ru_maxrss would keep the
    parent's peak across fork and exec)."""
    script = f"{code}\nprint([l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1])"
    return int(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True,
                              text=True).stdout.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    rows, failed = [], False
    with tempfile.TemporaryDirectory() as folder:
        full, graph_only = Path(folder) / "resnet50.onnx", Path(folder) / "resnet50-graph.onnx"
        full.write_bytes(export_onnx(load("resnet50"), Config(), Weights.RANDOM))
        model = onnx.load(str(full))
        onnx.save_model(model, str(graph_only), save_as_external_data=True, location="absent.weights",
                        size_threshold=64)
        (Path(folder) / "absent.weights").unlink()
        with_weights, without = median_seconds(full, runs), median_seconds(graph_only, runs)
        reads = statistics.median(read_seconds(full) for _ in range(runs))
        ratio = with_weights / (reads + without)
        rows.append(("import of ResNet-50 with weights / (hash + onnx.load + import without)", "≤ 1.5", ratio,
                     ratio <= 1.5))
        size_kb = full.stat().st_size / 1024
        base = peak_kb("import onnx")
        used = peak_kb(f"import onnx\nfrom mncost.onnx_import import import_onnx\nimport_onnx({str(full)!r})")
        growth = (used - base) / size_kb
        rows.append((f"peak memory above `import onnx` / file size ({size_kb / 1024:.0f} MB)", "≤ 2.5", growth,
                     growth <= 2.5))
    print("| target | limit | measured | |\n|---|---|---|---|")
    for what, limit, value, ok in rows:
        print(f"| {what} | {limit} | {value:.2f} | {'PASS' if ok else 'FAIL'} |")
        failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
