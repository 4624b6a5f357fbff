"""Timing an ONNX model with onnxruntime, and the measurements CSV that `mncost calibrate` reads.

onnxruntime is an optional extra (`pip install 'mncost[bench]'`), imported only here. The model
runs on one seeded random input: `warmup` runs first (not timed), then `runs` timed runs; the
result keeps every run so the median and the spread come from the same sample.
"""

from __future__ import annotations

import csv
import io
import os
import statistics
import time

from .errors import MncostError
from .record import record

MISSING = "mncost bench needs onnxruntime: pip install 'mncost[bench]'"
COLUMNS = ("spec", "alpha", "resolution", "classes", "dtype", "latency_ms")
"""The measurements CSV of `mncost calibrate`: one row per timed network."""
MAX_RUNS = 100_000


@record
class Timing:
    """Latencies of the timed runs, in milliseconds, and how they were taken."""

    runs_ms: tuple[float, ...]
    warmup: int
    threads: int
    runtime: str  # "onnxruntime 1.32.0"

    @property
    def median(self) -> float:
        return statistics.median(self.runs_ms)

    @property
    def quartiles(self) -> tuple[float, float]:
        """First and third quartile (the spread shown: the middle half of the runs)."""
        if len(self.runs_ms) < 2:
            return self.runs_ms[0], self.runs_ms[0]
        q = statistics.quantiles(self.runs_ms, n=4, method="inclusive")
        return q[0], q[2]


def time_model(model: bytes | str, threads: int = 1, warmup: int = 10, runs: int = 50, seed: int = 0) -> Timing:
    """Run the ONNX `model` (serialized, or a file path: its external weights are found beside it)
    on this machine's CPU and time it."""
    try:
        import numpy
        import onnxruntime
    except ImportError:
        raise MncostError(MISSING) from None
    if not (1 <= runs <= MAX_RUNS and 0 <= warmup <= MAX_RUNS and threads >= 1):
        raise MncostError(f"runs must be 1 to {MAX_RUNS:,}, warm-up runs 0 to {MAX_RUNS:,}, threads >= 1")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    try:
        session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise MncostError(f"onnxruntime cannot load the model: {' '.join(str(exc).split())[:300]}") from None
    (first,) = session.get_inputs()
    shape = [d if isinstance(d, int) and d > 0 else 1 for d in first.shape]
    feed = {first.name: numpy.random.default_rng(seed).standard_normal(shape).astype(numpy.float32)}
    for _ in range(warmup):
        session.run(None, feed)
    times = []
    for _ in range(runs):
        start = time.perf_counter_ns()
        session.run(None, feed)
        times.append((time.perf_counter_ns() - start) / 1e6)
    return Timing(tuple(times), warmup, threads, f"onnxruntime {onnxruntime.__version__}")


def measurement_rows(path: str, row: dict[str, object]) -> str:
    """The text of the measurements CSV at `path` with `row` appended (a new file gets the header).

    An existing file must have calibrate's header, so a row never lands in some other CSV."""
    line = io.StringIO()
    writer = csv.writer(line, lineterminator="\n")
    existing = ""
    if os.path.exists(path):
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                existing = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise MncostError(f"{path}: cannot read the measurements file ({exc})") from None
    if existing.strip():
        header = next(csv.reader(io.StringIO(existing)), [])
        if tuple(h.strip() for h in header) != COLUMNS:
            raise MncostError(f"{path}:1: not a measurements file: the header must be {','.join(COLUMNS)}, "
                              f"got {','.join(header)}")
        if not existing.endswith("\n"):
            existing += "\n"
    else:
        writer.writerow(COLUMNS)
    writer.writerow([row[c] for c in COLUMNS])
    return existing + line.getvalue()
