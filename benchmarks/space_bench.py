"""Search-space targets (issue 15), measured in one run; `benchmarks/bench.py` runs them too.

    python benchmarks/space_bench.py [--ofa-python PYTHON] [--ofa-path DIR]

Every rate is per second of CPU time (time.process_time, one core), so that a loaded machine
slows both sides of a ratio alike; wall times are given beside, with the load average. Each timed
loop starts after a full garbage collection (gc.collect(), on both sides), so that none pays for
the garbage of the one before; the collector stays on.

1. `space.cost` throughput in-process on ofa-mbv3: ≥ 100,000 configurations per second, and
   ≥ 10 × Once-for-All's own `MBv3LatencyTable.count_flops_given_config` timed beside it (in a
   subprocess of PYTHON, with the once-for-all source DIR on its path; skipped when not given).
   OFA's function is timed on net configs built beforehand by `get_active_net_config()`, so the
   ratio leaves out OFA's own set_active_subnet step (favouring OFA). Two rates: configurations
   not seen before (a search's new candidates; the cost tables are computed on the first call,
   whose time is given), and configurations asked again (`space.cost` remembers them); and
   `space.costs` (numpy, the fast extra) on the same new configurations 1,000 at a time. OFA's
   whole query (`Mbv3FLOPsModel.get_efficiency`: set_active_subnet, get_active_net_config,
   count) is timed too and reported beside it.
2. `mncost space eval ofa-mbv3 --configs FILE` over 100,000 configurations, end to end as a process
   (start-up, reading, writing JSONL to a file): ≤ 2 s wall; its CPU time and that of a run over
   3 configurations (start-up and the tables) beside it.
3. Peak memory of `mncost space eval` over 1,000,000 configurations: ≤ 200 MB, and flat (the
   1,000,000-line run's peak RSS ≤ 1.5 × the 100,000-line one's).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mncost.space import load_space

Record = Callable[[str, str, str, float, bool], None]

OFA_TIMER = """
import copy, gc, random, sys, time, types
sys.path.insert(0, sys.argv[1])
# OFA's package imports its ImageNet data loader (PIL, and torch._six, gone since torch 2.0); the
# timing uses none of it.
sys.modules["ofa.utils.my_dataloader"] = types.ModuleType("ofa.utils.my_dataloader")
from ofa.imagenet_classification.elastic_nn.networks import OFAMobileNetV3
from ofa.nas.efficiency_predictor.latency_lookup_table import MBv3LatencyTable
net = OFAMobileNetV3(width_mult=1.0, ks_list=[3, 5, 7], expand_ratio_list=[3, 4, 6], depth_list=[2, 3, 4])
random.seed(0)
configs = []
for _ in range(500):
    net.sample_active_subnet()
    configs.append((copy.deepcopy(net.get_active_net_config()), random.choice([160, 176, 192, 208, 224])))
for c, r in configs:
    MBv3LatencyTable.count_flops_given_config(c, r)
gc.collect()
n, start = 0, time.process_time()
while time.process_time() - start < 3:
    for c, r in configs:
        MBv3LatencyTable.count_flops_given_config(c, r)
    n += len(configs)
bare = n / (time.process_time() - start)
from ofa.nas.efficiency_predictor import Mbv3FLOPsModel
model, archs = Mbv3FLOPsModel(net), []
for _ in range(200):
    a = net.sample_active_subnet()
    archs.append({"ks": a["ks"], "e": a["e"], "d": a["d"], "image_size": random.choice([160, 176, 192, 208, 224])})
gc.collect()
n, start = 0, time.process_time()
while time.process_time() - start < 3:
    for a in archs:
        model.get_efficiency(a)
    n += len(archs)
print(bare, n / (time.process_time() - start))
"""


def _print(target: str, measured: str, limit: str, ratio: float, ok: bool) -> None:
    print(f"| {target} | {measured} | {limit} | {ratio:.2f} | {'PASS' if ok else 'FAIL'} |", flush=True)


def throughput(record: Record, ofa_python: str | None, ofa_path: str | None, count: int = 100_000) -> None:
    space = load_space("ofa-mbv3")
    rng = random.Random(0)
    configs = [space.sample(rng) for _ in range(count)]
    start = time.process_time()
    space.cost(space.sample(random.Random(1)))  # the first call computes the cost tables
    first = time.process_time() - start
    gc.collect()  # each timing starts without the garbage of the one before (a full collection is 0.1 s here)
    start, wall = time.process_time(), time.perf_counter()
    for config in configs:  # not seen before: each one is costed from the tables
        space.cost(config)
    unseen = count / (time.process_time() - start)
    unseen_wall = count / (time.perf_counter() - wall)
    gc.collect()
    start = time.process_time()
    for config in configs:  # asked again: remembered
        space.cost(config)
    warm = count / (time.process_time() - start)
    batched = _batched(configs)
    record("space.cost: ofa-mbv3 configs not seen before (what a search mostly asks)",
           f"{unseen:,.0f} /s of CPU ({unseen_wall:,.0f} /s wall; {count:,} configs; the first call, computing "
           f"the tables: {first:.2f} s CPU)", "≥ 100,000 /s", unseen / 100_000, unseen >= 100_000)
    record("space.cost: the same configs asked again (remembered)", f"{warm:,.0f} /s of CPU", "≥ 100,000 /s",
           warm / 100_000, warm >= 100_000)
    if ofa_python and ofa_path:
        out = subprocess.run([ofa_python, "-c", OFA_TIMER, ofa_path], capture_output=True, text=True, check=True)
        ofa, query = (float(x) for x in out.stdout.split()[-2:])
        record("space.cost on configs not seen before vs OFA count_flops_given_config (CPU time, same run)",
               f"{unseen:,.0f} /s vs {ofa:,.0f} /s (OFA's whole query, Mbv3FLOPsModel.get_efficiency: "
               f"{query:,.0f} /s, {unseen / query:,.0f} ×)", "≥ 10 ×", unseen / ofa, unseen / ofa >= 10)
        if batched is not None:
            record(f"space.costs (numpy) on configs not seen before, {BATCH:,} at a time, vs OFA "
                   "count_flops_given_config (same run)",
                   f"{batched:,.0f} /s vs {ofa:,.0f} /s ({batched / query:,.0f} × OFA's whole query)", "≥ 10 ×",
                   batched / ofa, batched / ofa >= 10)
        record("space.cost on configs asked again vs OFA count_flops_given_config (same run)",
               f"{warm:,.0f} /s vs {ofa:,.0f} /s ({warm / query:,.0f} × OFA's whole query)", "≥ 10 ×",
               warm / ofa, warm / ofa >= 10)


BATCH = 1_000
"""Configurations per `space.costs` call: a generation of an evolutionary search."""


def _batched(configs: list[dict[str, object]]) -> float | None:
    """`space.costs` throughput (per second of CPU) over the configurations, BATCH at a time, on a
    space that has costed none of them; None without numpy (the fast extra)."""
    space = load_space("ofa-mbv3")
    space.costs(configs[:1])  # the tables and their arrays
    if space._arrays is None:
        print("space.costs: numpy is not installed (pip install 'mncost[fast]'): one at a time, not timed")
        return None
    gc.collect()
    start = time.process_time()
    for k in range(0, len(configs), BATCH):
        space.costs(configs[k:k + BATCH])
    return len(configs) / (time.process_time() - start)


def _cli() -> list[str]:
    script = shutil.which("mncost", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "mncost"]


def _configs_file(folder: Path, count: int) -> Path:
    space = load_space("ofa-mbv3")
    rng = random.Random(1)
    path = folder / f"configs-{count}.jsonl"
    with path.open("w") as handle:
        for _ in range(count):
            handle.write(json.dumps(space.sample(rng)) + "\n")
    return path


_PROBE = ("import resource, subprocess, sys, time; start = time.perf_counter(); subprocess.run(sys.argv[1:], "
          "check=True, stdout=subprocess.DEVNULL); usage = resource.getrusage(resource.RUSAGE_CHILDREN); "
          "print(time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)")


def _run(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak RSS (MB) of a command, run under a fresh process (whose
    children's figures are the command's own)."""
    out = subprocess.run([sys.executable, "-c", _PROBE, *command], capture_output=True, text=True, check=True)
    seconds, cpu, rss = out.stdout.split()
    return float(seconds), float(cpu), int(rss) / 1024


def end_to_end(record: Record) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        tiny, small, big = _configs_file(folder, 3), _configs_file(folder, 100_000), _configs_file(folder, 1_000_000)
        command = [*_cli(), "space", "eval", "ofa-mbv3", "-o", str(folder / "out.jsonl"), "--configs"]
        _, tiny_cpu, _ = _run([*command, str(tiny)])
        seconds, cpu, small_rss = _run([*command, str(small)])
        record("`mncost space eval` 100,000 ofa-mbv3 configs, end to end", f"{seconds:.2f} s wall, {cpu:.2f} s CPU "
               f"(of which start-up and the tables, a 3-config run: {tiny_cpu:.2f} s CPU; peak RSS "
               f"{small_rss:.0f} MB; load average {os.getloadavg()[0]:.1f})", "≤ 2 s", seconds / 2, seconds <= 2)
        big_seconds, big_cpu, big_rss = _run([*command, str(big)])
        record("`mncost space eval` 1,000,000 configs: peak RSS", f"{big_rss:.0f} MB ({big_seconds:.1f} s wall, "
               f"{big_cpu:.1f} s CPU) vs {small_rss:.0f} MB for 100,000", "≤ 200 MB, ≤ 1.5 × the 100,000 run",
               big_rss / 200, big_rss <= 200 and big_rss <= 1.5 * small_rss)


def run(record: Record, ofa_python: str | None = None, ofa_path: str | None = None) -> None:
    throughput(record, ofa_python, ofa_path)
    end_to_end(record)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ofa-python", help="a Python with torch to time OFA's function with")
    parser.add_argument("--ofa-path", help="a once-for-all source checkout (the folder holding ofa/)")
    args = parser.parse_args()
    rows: list[bool] = []

    def record(*row: object) -> None:
        _print(*row)  # type: ignore[arg-type]
        rows.append(bool(row[4]))

    print(f"load average {_load()} on {os.cpu_count()} CPUs\n")
    print("| Target | Measured | Limit | Ratio | Result |")
    print("|---|---|---|---|---|")
    run(record, args.ofa_python, args.ofa_path)
    print(f"\nload average {_load()} at the end")
    return 0 if all(rows) else 1


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main())
