"""mncost's speed and memory targets, measured on this machine as ratios taken in the same run.

    python benchmarks/bench.py            # all targets (about a minute)
    python benchmarks/bench.py --runs 31  # more repetitions against a noisy machine

Prints one Markdown table row per target: what was measured, the limit, the ratio and PASS or
FAIL; exits 1 if any target fails. Timings are medians over repeated runs. Run it with the
interpreter of the environment mncost is installed in (`mncost` is looked up next to it).

Targets (issue 8):
1. Start-up: `mncost show v2 --format json` ≤ 1.3 × `python -c "import click, yaml"`, and
   `mncost show v2` ≤ 1.3 × `python -c "import click, yaml, rich.console, rich.table"`
   (whole-process wall time, same interpreter).
2. Sweep: V2 over a 100 × 100 grid of α and resolution in ≤ 1.0 s, in-process, with totals
   identical to `evaluate` at sampled grid points.
3. Scaling: generated 10,000-layer specs load and evaluate in ≤ 2 s, in ≤ 12 × the time of
   1,000-layer ones, with peak RSS ≤ 100 MB and traced memory ≤ 12 × the 1,000-layer one.
4. Search spaces (issue 15): benchmarks/space_bench.py (`space.cost` throughput and against
   Once-for-All's function with --ofa-python/--ofa-path, `mncost space eval` end to end and its memory).
5. Commands linear in the layers (issue 12, `--huge`, about 40 minutes on a loaded 2-core
   machine): on a generated stage table of 99,001 layers (inside every limit of the README's
   "Limits"), `show`, `fit`, `formula`, `diff` and a sweep whose first point is invalid each
   take ≤ 12 × their time on the same table at 9,901 layers (whole-process wall time).
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import mncost
from mncost import Config, evaluate, load
from mncost.record import replace
from mncost.sweep import SweepRow, sweep

ROWS: list[tuple[str, str, str, float, bool]] = []


def record(target: str, measured: str, limit: str, ratio: float, ok: bool) -> None:
    ROWS.append((target, measured, limit, ratio, ok))
    print(f"| {target} | {measured} | {limit} | {ratio:.2f} | {'PASS' if ok else 'FAIL'} |", flush=True)


def median_wall(commands: dict[str, list[str]], runs: int) -> dict[str, float]:
    """Median wall time of each command in seconds, the commands interleaved run by run."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    env = dict(os.environ, COLUMNS="120")
    for _ in range(runs):
        for name, command in commands.items():
            start = time.perf_counter()
            subprocess.run(command, stdout=subprocess.DEVNULL, check=True, env=env)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}


def startup(runs: int) -> None:
    # pip compiles an installed package's bytecode; compile it here too, so that an editable
    # install under PYTHONDONTWRITEBYTECODE is not timed recompiling its sources on every run.
    compileall.compile_dir(str(Path(mncost.__file__).parent), quiet=1)
    script = shutil.which("mncost", path=str(Path(sys.executable).parent))
    cli = [script] if script else [sys.executable, "-m", "mncost"]
    py = sys.executable
    t = median_wall({
        "click_yaml": [py, "-c", "import click, yaml"],
        "json": [*cli, "show", "v2", "--format", "json"],
        "click_yaml_rich": [py, "-c", "import click, yaml, rich.console, rich.table"],
        "table": [*cli, "show", "v2"],
    }, runs)
    for name, base, what, base_what in (
        ("json", "click_yaml", "start-up: `mncost show v2 --format json`", "`import click, yaml`"),
        ("table", "click_yaml_rich", "start-up: `mncost show v2` (terminal table)",
         "`import click, yaml, rich.console, rich.table`"),
    ):
        ratio = t[name] / t[base]
        measured = f"{t[name] * 1e3:.0f} ms vs {t[base] * 1e3:.0f} ms for {base_what}"
        record(what, measured, "≤ 1.3 ×", ratio, ratio <= 1.3)


def sweep_throughput(runs: int) -> None:
    graph = load("v2")
    alphas = [round(0.25 + 0.0125 * i, 4) for i in range(100)]  # 0.25 … 1.4875
    resolutions = [96 + 2 * i for i in range(100)]  # 96 … 294
    config = Config()
    times, rows = [], []
    for _ in range(max(3, runs // 4)):
        start = time.perf_counter()
        rows = sweep(graph, alphas, resolutions, config)
        times.append(time.perf_counter() - start)
    seconds = statistics.median(times)
    for i in range(0, len(rows), 997):  # every 997th grid point, evaluated on its own
        a, r = alphas[i // 100], resolutions[i % 100]
        report = evaluate(graph, replace(config, alpha=a, resolution=r))
        expected = SweepRow(a, r, report.config.rho, report.totals.params, report.totals.macs,
                            report.totals.activation_bytes, report.memory.peak_bytes)
        if rows[i] != expected:
            raise SystemExit(f"sweep differs from evaluate at alpha={a}, resolution={r}: {rows[i]} != {expected}")
    layers = len(evaluate(graph, config).layers)
    start = time.perf_counter()
    for a in alphas[::10]:
        for r in resolutions[::10]:
            evaluate(graph, replace(config, alpha=a, resolution=r))
    one_by_one = (time.perf_counter() - start) / 100
    per_config = seconds / len(rows)
    record("sweep: V2, 100 α × 100 resolutions, in-process",
           f"{seconds:.2f} s = {per_config * 1e6:.1f} µs per config = {per_config / layers * 1e6:.2f} µs per "
           f"layer ({layers} layers); `evaluate` one by one: {one_by_one * 1e6:.0f} µs per config",
           "≤ 1.0 s", seconds / 1.0, seconds <= 1.0)


FLAT_ROW = ("  - {{name: c{i}, op: conv, kernel: 3, out: 32}}", "  - {{name: p{i}, op: pwconv, out: 16}}")


def flat_spec(layers: int) -> str:
    """A flat list of alternating 3x3 and 1x1 convolutions (each with fused BN and ReLU)."""
    head = ["name: flat", "description: generated flat layer list", "source: benchmarks/bench.py",
            "input: {resolution: 32, channels: 16}", "defaults: {bn: true, act: relu}", "layers:"]
    return "\n".join(head + [FLAT_ROW[i % 2].format(i=i) for i in range(layers)]) + "\n"


def _bottleneck_rows(blocks: int) -> list[str]:
    """Stage-table rows of `blocks` t = 6 bottlenecks, n ≤ 1,000 a row."""
    rows = []
    while blocks > 0:
        rows.append(f"      - [6, 24, {min(blocks, 1000)}, 1]")
        blocks -= min(blocks, 1000)
    return rows


def _stage_table(name: str, channels: int, rows: list[str], first: str = "", last: str = "") -> str:
    """A spec of the V2 bottleneck template over `rows`, with optional layers before and after the table."""
    return f"""name: {name}
description: generated stage table
source: benchmarks/bench.py
input: {{resolution: 32, channels: {channels}}}
defaults: {{rounding: round8, bn: true, act: relu6}}
blocks:
  bottleneck:
    params: {{t: int, c: channels, s: int}}
    ops:
      - {{name: expand, op: conv, kernel: 1, out: "in * t", when: "t != 1"}}
      - {{name: dw, op: dwconv, kernel: 3, stride: s}}
      - {{name: project, op: conv, kernel: 1, out: c, act: none}}
      - {{name: add, op: add, inputs: [project, in], when: "s == 1 and in == c"}}
layers:
{first}  - table: bottleneck
    columns: [t, c, n, s]
    rows:
""" + "\n".join(rows) + "\n" + last


def table_spec(layers: int) -> str:
    """A V2-style stage table of bottleneck blocks (4 layers each, n up to 1,000 per row)."""
    return _stage_table("table", 24, _bottleneck_rows(layers // 4))


MEASURE = """
import json, resource, sys, time, tracemalloc
from mncost import Config, evaluate, load
path = sys.argv[1]
start = time.perf_counter()
report = evaluate(load(path), Config())
seconds = time.perf_counter() - start
try:  # peak RSS of this program; ru_maxrss would include the parent's size at fork time on Linux
    with open("/proc/self/status") as status:
        rss = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmHWM:"))
except OSError:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * (1 if sys.platform == "darwin" else 1024)
del report
tracemalloc.start()
report = evaluate(load(path), Config())
traced = tracemalloc.get_traced_memory()[1]
print(json.dumps({"seconds": seconds, "rss": rss, "traced": traced, "layers": len(report.layers)}))
"""


def measure(path: Path, runs: int) -> dict[str, float]:
    """Load + evaluate in fresh processes: median time, largest peak RSS and traced memory."""
    results = [json.loads(subprocess.run([sys.executable, "-c", MEASURE, str(path)], capture_output=True,
                                         text=True, check=True).stdout) for _ in range(runs)]
    return {"seconds": statistics.median(r["seconds"] for r in results), "rss": max(r["rss"] for r in results),
            "traced": max(r["traced"] for r in results), "layers": results[0]["layers"]}


def scaling(runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for kind, make in (("flat layer list", flat_spec), ("stage table", table_spec)):
            got = {}
            for layers in (1_000, 10_000):
                path = Path(tmp) / f"{kind.split()[0]}{layers}.yaml"
                path.write_text(make(layers), encoding="utf-8")
                got[layers] = measure(path, runs)
            small, big = got[1_000], got[10_000]
            assert big["layers"] == 10_000, big
            record(f"scaling ({kind}): 10,000 layers load + evaluate", f"{big['seconds']:.2f} s", "≤ 2 s",
                   big["seconds"] / 2, big["seconds"] <= 2)
            ratio = big["seconds"] / small["seconds"]
            record(f"scaling ({kind}): time, 10,000 vs 1,000 layers",
                   f"{big['seconds'] * 1e3:.0f} ms vs {small['seconds'] * 1e3:.0f} ms", "≤ 12 ×", ratio, ratio <= 12)
            mb = big["rss"] / 1e6
            measured = f"{mb:.0f} MB (1,000 layers: {small['rss'] / 1e6:.0f} MB)"
            record(f"scaling ({kind}): peak RSS, 10,000 layers", measured, "≤ 100 MB", mb / 100, mb <= 100)
            ratio = big["traced"] / small["traced"]
            record(f"scaling ({kind}): traced memory, 10,000 vs 1,000 layers",
                   f"{big['traced'] / 1e6:.1f} MB vs {small['traced'] / 1e6:.2f} MB", "≤ 12 ×", ratio, ratio <= 12)


def huge_spec(layers: int, invalid_below: int = 0) -> str:
    """A V2-style stage table of exactly `layers` layers: a stem conv, one 3-layer block (t = 1, so
    no expansion), 4-layer bottleneck blocks with residual adds (n ≤ 1,000 a row) and a pooling
    layer. `invalid_below`: the pooling layer is a 7x7 'valid' window, so every resolution below
    that fails at the last layer (a sweep's invalid point that only a walk can find)."""
    blocks = (layers - 5) // 4
    assert 4 * blocks + 5 == layers, "layers must be 4k + 5"
    pool = ("{name: pool, op: avgpool, kernel: 7, padding: valid}" if invalid_below
            else "{name: pool, op: global_avgpool}")
    return _stage_table("huge", 3, ["      - [1, 24, 1, 1]", *_bottleneck_rows(blocks)],
                        first="  - {name: stem, op: conv, kernel: 3, stride: 2, out: 24}\n", last=f"  - {pool}\n")


def huge(runs: int) -> None:
    """Target 5: each command's time at 99,001 layers over its time at 9,901 (≤ 12: linear)."""
    script = shutil.which("mncost", path=str(Path(sys.executable).parent))
    cli = [script] if script else [sys.executable, "-m", "mncost"]
    env = dict(os.environ, COLUMNS="80")
    with tempfile.TemporaryDirectory() as tmp:
        seconds: dict[str, dict[int, float]] = {}
        for layers in (9_901, 99_001):
            spec, bad = Path(tmp) / f"h{layers}.yaml", Path(tmp) / f"bad{layers}.yaml"
            spec.write_text(huge_spec(layers), encoding="utf-8")
            bad.write_text(huge_spec(layers, invalid_below=16), encoding="utf-8")
            budget = evaluate(load(str(spec)), Config()).totals.macs // 4
            commands = {
                "show": ([*cli, "show", str(spec)], 0),
                "fit --max-macs (a quarter of α = 1)": ([*cli, "fit", str(spec), "--max-macs", str(budget)], 0),
                "formula": ([*cli, "formula", str(spec)], 0),
                "diff (α = 1 vs α = 0.5, every layer changed)": ([*cli, "diff", str(spec), f"{spec}@alpha=0.5"], 0),
                "sweep, first point invalid (at its last layer)": (
                    [*cli, "sweep", str(bad), "--resolution", "8,32,64", "-f", "csv"], 2),
            }
            for name, (command, code) in commands.items():
                times = []
                for _ in range(runs):
                    start = time.perf_counter()
                    done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
                    times.append(time.perf_counter() - start)
                    if done.returncode != code:
                        raise SystemExit(f"{' '.join(command)}: exit code {done.returncode}: {done.stderr[-300:]!r}")
                seconds.setdefault(name, {})[layers] = statistics.median(times)
        for name, t in seconds.items():
            ratio = t[99_001] / t[9_901]
            record(f"linear in the layers: `{name}`, 99,001 vs 9,901 layers",
                   f"{t[99_001]:.1f} s vs {t[9_901]:.1f} s", "≤ 12 ×", ratio, ratio <= 12)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="repetitions of each start-up command (default 21)")
    parser.add_argument("--ofa-python", help="a Python with torch, to time Once-for-All's FLOPs function with")
    parser.add_argument("--ofa-path", help="a once-for-all source checkout (the folder holding ofa/)")
    parser.add_argument("--huge", action="store_true", help="also target 5 (99,001 layers; slow)")
    parser.add_argument("--only-huge", action="store_true", help="only target 5")
    args = parser.parse_args()
    print(f"mncost {mncost.__version__}, Python {sys.version.split()[0]} ({sys.executable}), "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}\n")
    print("| Target | Measured | Limit | Ratio | Result |")
    print("|---|---|---|---|---|")
    if not args.only_huge:
        startup(args.runs)
        sweep_throughput(args.runs)
        scaling(max(3, args.runs // 4))
        from space_bench import run as space_targets  # benchmarks/space_bench.py (issue 15)

        space_targets(record, args.ofa_python, args.ofa_path)
    if args.huge or args.only_huge:
        huge(1)
    failed = [r for r in ROWS if not r[4]]
    print("\nRatio: to the reference command (start-up), to the 1,000-layer figure (growth), or to the limit.")
    print(f"{len(ROWS) - len(failed)} of {len(ROWS)} targets met.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
