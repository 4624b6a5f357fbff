"""Leave-one-family-out error of the latency model, per bundled measurement table.

    python benchmarks/latency_lofo.py [--markdown]
    python benchmarks/latency_lofo.py --rules      # the two rules for fits on fewer than 4 networks

For every table in devices/measurements/ with at least two families: fit the profile on the
other families of the same table, predict each network of the held-out family, and compare with
the MACs-only baseline fitted the same way. Targets (issue 16): mean |error| <= 10 % and >= 80 %
of networks within +-10 %, never worse than MACs-only. Tables with one family are listed with
their leave-one-out error only.

The second table is the estimator selection (mncost.latency.FIT_LOSS): each table's error under
both FitLoss members, and the member that a selection on the *other sources'* tables picks for it
(a source is a publication: the V2 paper's Table 4, the V3 paper's Table 3, its Table 4, the
TensorFlow Lite hosted-models table; the profile's `source:`), and the member chosen on all the
other tables. Selection rule, fixed before it was run: the most tables meeting the targets, then
the lowest mean of their LOFO mean |error|.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mncost.calibrate import (
    Errors,
    Fit,
    Network,
    fit_coefficients,
    leave_one_family_out,
    leave_one_out,
    macs_only_fit,
    networks,
    parse_measurements,
    predict,
    prior_profile,
    solve_relative,
    summarize,
)
from mncost.latency import FIT_LOSS, PRIOR_PROFILE, FitLoss
from mncost.profiles import load_profile

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Table:
    name: str
    source: str
    nets: tuple[Network, ...]
    families: int


def tables() -> list[Table]:
    out = []
    for path in sorted((ROOT / "devices" / "measurements").glob("*.csv")):
        nets = networks(parse_measurements(path.read_text(encoding="utf-8"), str(path)))
        out.append(Table(path.stem, load_profile(path.stem).source, nets, len({n.family for n in nets})))
    return out


def fit_with(prior: tuple[float, ...], loss: FitLoss) -> Fit:
    """The model fitted under `loss`, with a prior profile fitted under the same loss."""
    def fit(train: Sequence[Network]) -> Callable[[Network], float]:
        coefficients = fit_coefficients(train, prior, loss)
        return lambda n: predict(coefficients, n)
    return fit


def lofo(table: Table, loss: FitLoss, prior: tuple[float, ...]) -> tuple[Errors, Errors]:
    """The model's and the MACs-only baseline's leave-one-family-out errors under `loss`."""
    model = summarize(table.nets, leave_one_family_out(table.nets, fit_with(prior, loss)))
    base = summarize(table.nets, leave_one_family_out(table.nets, lambda train: macs_only_fit(train, loss)))
    return model, base


def met(model: Errors, base: Errors) -> bool:
    return model.mean_abs <= 0.10 and model.within_10 >= 0.80 and model.mean_abs <= base.mean_abs


def selection(multi: list[Table], results: dict[tuple[str, FitLoss], tuple[Errors, Errors]],
              by_source: bool = True) -> dict[str, FitLoss]:
    """For each table, the loss chosen on the tables of the other sources (or the other tables)."""
    chosen = {}
    for table in multi:
        others = [t for t in multi if (t.source != table.source if by_source else t.name != table.name)]

        def score(loss: FitLoss, others: list[Table] = others) -> tuple[int, float]:
            got = [results[(t.name, loss)] for t in others]
            return sum(met(*r) for r in got), -sum(r[0].mean_abs for r in got) / len(got)

        chosen[table.name] = max(FitLoss, key=score)
    return chosen


def scaled_prior_fit(prior: tuple[float, ...], loss: FitLoss) -> Fit:
    """The other rule for fewer networks than terms: scale the whole prior by one constant (the
    shipped rule frees the leading terms and scales the rest)."""
    def fit(train: Sequence[Network]) -> Callable[[Network], float]:
        if len(train) >= len(prior):
            coefficients = fit_coefficients(train, prior, loss)
        else:
            scale = solve_relative([[predict(prior, n) / n.measurement.latency_ms] for n in train], loss)[0]
            coefficients = tuple(scale * p for p in prior)
        return lambda n: predict(coefficients, n)
    return fit


def priors_by_table(every: list[Table], loss: FitLoss) -> dict[str, tuple[float, ...]]:
    """Each table's prior (`mncost.calibrate.prior_profile`: by precision, never of its own
    source), fitted under `loss` on the prior profile's own table (at least four networks: no
    prior of its own needed)."""
    by_name = {t.name: t for t in every}
    fitted: dict[str, tuple[float, ...]] = {}
    out = {}
    for t in every:
        name = prior_profile(t.nets)
        if name not in fitted:
            fitted[name] = fit_coefficients(by_name[name].nets, loss=loss)
        out[t.name] = fitted[name]
    return out


def rules(multi: list[Table], every: list[Table]) -> None:
    """Each table's LOFO error under the shipped few-network rule and under scaling the prior
    alone, with its shipped prior and, for an int8 table, with the fp32 PRIOR_PROFILE too (what
    the int8 tables took before INT8_PRIOR_PROFILES)."""
    print("table  shipped rule (leading terms + scaled prior)  prior scaled alone   [fit: FIT_LOSS]")
    shipped = priors_by_table(every, FIT_LOSS)
    fp32 = fit_coefficients(next(t.nets for t in every if t.name == PRIOR_PROFILE), loss=FIT_LOSS)
    for t in multi:
        cells = []
        candidates = [(f"prior {prior_profile(t.nets)}: ", shipped[t.name])]
        if prior_profile(t.nets) != PRIOR_PROFILE:
            candidates.append((f"prior {PRIOR_PROFILE}: ", fp32))
        base = summarize(t.nets, leave_one_family_out(t.nets, lambda train: macs_only_fit(train, FIT_LOSS)))
        for label, prior in candidates:
            for fit in (fit_with(prior, FIT_LOSS), scaled_prior_fit(prior, FIT_LOSS)):
                model = summarize(t.nets, leave_one_family_out(t.nets, fit))
                mark = " (met)" if met(model, base) else ""
                cells.append(f"{label}{model.mean_abs:.1%}, {model.within_10:.0%}{mark}")
        print(f"{t.name}  " + "  ".join(cells))


def main() -> None:
    markdown = "--markdown" in sys.argv
    all_tables = tables()
    multi = [t for t in all_tables if t.families >= 2]
    if "--rules" in sys.argv:
        rules(multi, all_tables)
        return
    priors = {loss: priors_by_table(all_tables, loss) for loss in FitLoss}
    results = {(t.name, loss): lofo(t, loss, priors[loss][t.name]) for t in multi for loss in FitLoss}
    head = ("table", "networks", "families", "LOO", "LOFO mean", "LOFO ±10 %", "MACs-only mean", "MACs-only ±10 %",
            "targets")
    lines = []
    for t in all_tables:
        loo = summarize(t.nets, leave_one_out(t.nets))
        if t.families < 2:
            lines.append((t.name, str(len(t.nets)), str(t.families), f"{loo.mean_abs:.1%}", "-", "-", "-", "-",
                          "one family"))
            continue
        model, base = results[(t.name, FIT_LOSS)]
        lines.append((t.name, str(len(t.nets)), str(t.families), f"{loo.mean_abs:.1%}", f"{model.mean_abs:.1%}",
                      f"{model.within_10:.0%}", f"{base.mean_abs:.1%}", f"{base.within_10:.0%}",
                      "met" if met(model, base) else "NOT met"))
    chosen, chosen_by_table = selection(multi, results), selection(multi, results, by_source=False)
    head2 = ("table", f"fit {FitLoss.SQUARED}: mean, ±10 %", f"fit {FitLoss.ABSOLUTE}: mean, ±10 %",
             "chosen on the other sources", "targets", "chosen on the other tables")
    lines2 = []
    for t in multi:
        cells = [t.name]
        for loss in (FitLoss.SQUARED, FitLoss.ABSOLUTE):
            model, base = results[(t.name, loss)]
            cells.append(f"{model.mean_abs:.1%}, {model.within_10:.0%}" + (" (met)" if met(model, base) else ""))
        pick = chosen[t.name]
        cells += [str(pick), "met" if met(*results[(t.name, pick)]) else "NOT met", str(chosen_by_table[t.name])]
        lines2.append(tuple(cells))
    for number, (header, rows) in enumerate(((head, lines), (head2, lines2))):
        if number:
            print()
        if markdown:
            print("| " + " | ".join(header) + " |")
            print("|" + "---|" * len(header))
            for cells in rows:
                print("| " + " | ".join(cells) + " |")
            continue
        widths = [max(len(c[i]) for c in [header, *rows]) for i in range(len(header))]
        for cells in [header, *rows]:
            print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()
