"""Streamed sweep: wall time and peak memory (RSS) of `mncost sweep ... -f csv -o FILE --yes` at
10^5, 10^6 and 10^7 points (issue 12, item 3: memory must stay flat, <= 200 MB at 10^7).

Run on demand, never in the test suite (10^7 points take minutes):
    python benchmarks/stream.py            # 10^5 and 10^6
    python benchmarks/stream.py 7          # up to 10^7
Each size runs in a fresh process; its peak RSS is the child's ru_maxrss.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time

GRIDS = {  # points: (alphas, resolutions) for spec v1 (every α >= 0.05 keeps every layer >= 1 channel)
    5: ("0.05:1.04:0.01", "32:1031:1"),  # 100 x 1,000
    6: ("0.05:10.04:0.01", "32:1031:1"),  # 1,000 x 1,000
    7: ("0.05:10.049:0.001", "32:1031:1"),  # 10,000 x 1,000
}


def measure(exponent: int, folder: str) -> tuple[float, float, int]:
    alphas, resolutions = GRIDS[exponent]
    target = os.path.join(folder, f"sweep-1e{exponent}.csv")
    args = [sys.executable, "-m", "mncost", "sweep", "v1", "-a", alphas, "--resolution", resolutions, "--yes",
            "-f", "csv", "-o", target]
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # max over children so far
    with open(target, "rb") as out:
        lines = sum(1 for _ in out)
    os.unlink(target)
    return seconds, peak_mb, lines - 1


def main() -> None:
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 6
    with tempfile.TemporaryDirectory() as folder:
        for exponent in range(5, top + 1):
            seconds, peak_mb, rows = measure(exponent, folder)
            print(f"10^{exponent}: {rows:,} rows in {seconds:.1f} s ({seconds / rows * 1e6:.1f} µs a row), "
                  f"peak RSS {peak_mb:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
