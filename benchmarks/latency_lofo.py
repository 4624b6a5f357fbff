"""Leave-one-family-out error of the latency model, per bundled measurement table.

    python benchmarks/latency_lofo.py [--markdown]

For every table in devices/measurements/ with at least two families: fit the profile on the
other families of the same table, predict each network of the held-out family, and compare with
the MACs-only baseline fitted the same way. Targets (issue 16): mean |error| <= 10 % and >= 80 %
of networks within +-10 %, never worse than MACs-only. Tables with one family are listed with
their leave-one-out error only.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mncost.calibrate import (
    leave_one_family_out,
    leave_one_out,
    macs_only_fit,
    networks,
    parse_measurements,
    summarize,
)

ROOT = Path(__file__).resolve().parent.parent


def rows() -> list[tuple[str, int, int, object, object, object]]:
    out = []
    for path in sorted((ROOT / "devices" / "measurements").glob("*.csv")):
        nets = networks(parse_measurements(path.read_text(encoding="utf-8"), str(path)))
        families = len({n.family for n in nets})
        loo = summarize(nets, leave_one_out(nets))
        if families < 2:
            out.append((path.stem, len(nets), families, loo, None, None))
            continue
        model = summarize(nets, leave_one_family_out(nets))
        base = summarize(nets, leave_one_family_out(nets, macs_only_fit))
        out.append((path.stem, len(nets), families, loo, model, base))
    return out


def main() -> None:
    markdown = "--markdown" in sys.argv
    head = ("table", "networks", "families", "LOO", "LOFO mean", "LOFO ±10 %", "MACs-only mean", "MACs-only ±10 %",
            "targets")
    lines = []
    for name, count, families, loo, model, base in rows():
        if model is None:
            cells = (name, str(count), str(families), f"{loo.mean_abs:.1%}", "-", "-", "-", "-", "one family")
        else:
            met = model.mean_abs <= 0.10 and model.within_10 >= 0.80 and model.mean_abs <= base.mean_abs
            cells = (name, str(count), str(families), f"{loo.mean_abs:.1%}", f"{model.mean_abs:.1%}",
                     f"{model.within_10:.0%}", f"{base.mean_abs:.1%}", f"{base.within_10:.0%}",
                     "met" if met else "NOT met")
        lines.append(cells)
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for cells in lines:
            print("| " + " | ".join(cells) + " |")
        return
    widths = [max(len(c[i]) for c in [head, *lines]) for i in range(len(head))]
    for cells in [head, *lines]:
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))


if __name__ == "__main__":
    main()
