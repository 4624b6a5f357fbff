"""A 10^4-point sweep as a terminal table against the same sweep as CSV (issue 18, item 1: a
large table must render in about the time CSV takes).

The sweep is computed once; then each renderer formats and writes the same result to an
in-memory terminal of 80 and of natural width, a few times each (the best time counts), and the
ratios table / CSV are printed, together with rich's own table layout of the same sheet (what
`sweep` used before mncost laid tables out itself) for comparison; then the whole command
(`mncost sweep` over the same grid into a pipe) as CSV and as an 80-column table. Run on demand:
    python benchmarks/table_render.py           # 10,000 points (v1, 100 α × 100 resolutions)
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from mncost import Config, load
from mncost.render.csv import to_csv
from mncost.render.sheet import sweep_sheet
from mncost.render.table import sheet_table
from mncost.sweep_grid import run_sweep


def best(run: Callable[[], object], times: int = 3) -> float:
    seconds = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - start)
    return min(seconds)


def printed(renderable: object, width: int) -> str:
    from rich.console import Console  # noqa: TID251 - what the command line prints with

    console = Console(file=io.StringIO(), width=width, color_system=None, highlight=False, force_terminal=False)
    console.print(renderable, soft_wrap=True)
    return console.file.getvalue()  # type: ignore[attr-defined, no-any-return]


def rich_table(sheet: object) -> object:
    from rich import box  # noqa: TID251 - the layout mncost used before, for comparison
    from rich.table import Table  # noqa: TID251

    from mncost.render.sheet import people

    headers, body, _ = people(sheet, None, exact_counts=True)  # type: ignore[arg-type]
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
    for title, right in headers:
        table.add_column(title, justify="right" if right else "left", overflow="fold")
    for row in body:
        table.add_row(*row)
    return table


def command(*args: str) -> float:
    """Wall time of the whole command (the sweep computed and written to a pipe)."""
    import subprocess
    import sys

    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mncost", "sweep", "v1", "-a", "0.1:1.09:0.01", "--resolution", "96:195:1",
                    "--yes", *args], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    alphas = [0.1 + 0.01 * i for i in range(100)]
    resolutions = list(range(96, 96 + 100))
    result = run_sweep(load("v1"), alphas, resolutions, Config())
    rows = len(result.points)
    csv = best(lambda: to_csv(sweep_sheet(result, machine=True), None))
    print(f"{rows:,} points; CSV {csv * 1000:.0f} ms")
    for width in (80, 200):
        table = best(lambda w=width: printed(sheet_table(sweep_sheet(result), None, w), w))  # type: ignore[misc]
        print(f"table at {width} columns: {table * 1000:.0f} ms, {table / csv:.2f} × CSV")
    old = best(lambda: printed(rich_table(sweep_sheet(result)), 200), times=1)
    print(f"rich's table layout (before): {old * 1000:.0f} ms, {old / csv:.1f} × CSV")
    csv_command, table_command = command("-f", "csv"), command("--width", "80")
    print(f"whole command: CSV {csv_command:.1f} s, table at 80 columns {table_command:.1f} s, "
          f"{table_command / csv_command:.2f} × CSV")


if __name__ == "__main__":
    main()
