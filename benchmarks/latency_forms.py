"""How far a family of latency-model forms can go on each published table: the evidence behind
"blocked" in docs/latency.md.

    python benchmarks/latency_forms.py        # about 12 minutes on one core

The family (3,056 forms): a fusion convention (4) x an estimator (mncost.latency.FitLoss, 2) x
terms: the dense and depthwise GMAC rates, plus any of: per-kernel overhead, one memory term (18:
every byte moved, only the bytes of layers moving more than c MB, or the bytes beyond c MB per
layer, or activation bytes only above c, for c in 0, 0.125, 0.25, 0.5, 1, 2 MB), weight bytes
(with an activation-byte term), one element term (every output element, depthwise outputs,
element-wise and pooling bytes), and a per-network constant; at most six terms. Fits are mncost's
own (mncost.calibrate.solve_relative on relative errors, the prior-profile rule for fewer networks
than terms, the prior refitted in each form).

It prints, per table with two families or more:
- the **upper bound**: the best leave-one-family-out result of any form chosen on that table itself
  (most-targets-met, then most within +-10 %, then lowest mean); a table that misses the targets
  even so cannot meet them with a form of this family fixed in advance;
- the result of **nested selection** over the whole family: the form chosen on the tables of the
  other sources (leave one source out) and on the other tables (leave one table out), by the rule
  of benchmarks/latency_lofo.py (most tables meeting the targets, then lowest mean LOFO error).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from mncost import load
from mncost.calibrate import parse_measurements, solve_relative
from mncost.conventions import Fusion
from mncost.latency import PRIOR_PROFILE, FitLoss, LayerFeatures, OpClass, layer_features
from mncost.profiles import load_profile
from mncost.report import Config

ROOT = Path(__file__).resolve().parent.parent
CACHES = (0.0, 0.125, 0.25, 0.5, 1.0, 2.0)
Term = Callable[[Sequence[LayerFeatures], int], float]
COMPUTE = (OpClass.DENSE, OpClass.GROUPED, OpClass.DEPTHWISE)


def _activation_bytes(f: LayerFeatures, width: int) -> int:
    if f.op_class is OpClass.FREE:
        return 0
    return (f.read_elements + f.written_elements * (1 + 2 * f.separate_passes)) * width


def _terms() -> dict[str, Term]:
    terms: dict[str, Term] = {
        "dense": lambda ls, b: sum(f.macs for f in ls if f.op_class in (OpClass.DENSE, OpClass.GROUPED)) / 1e9,
        "dw": lambda ls, b: sum(f.macs for f in ls if f.op_class is OpClass.DEPTHWISE) / 1e9,
        "launch": lambda ls, b: float(sum(f.launches for f in ls)),
        "const": lambda ls, b: 1.0,
        "wmem": lambda ls, b: sum(f.params * b for f in ls if f.op_class is not OpClass.FREE) / 1e6,
        "elem": lambda ls, b: sum(f.written_elements for f in ls if f.op_class is not OpClass.FREE) / 1e6,
        "dwelem": lambda ls, b: sum(f.written_elements for f in ls if f.op_class is OpClass.DEPTHWISE) / 1e6,
        "ew": lambda ls, b: sum(f.read_elements + f.written_elements for f in ls
                                if f.op_class in (OpClass.ELEMENTWISE, OpClass.POOLING)) / 1e6,
    }
    for c in CACHES:
        terms[f"mem>{c:g}"] = lambda ls, b, c=c: sum(m for m in (f.moved_bytes(b, b) for f in ls) if m > c * 1e6) / 1e6
        terms[f"mem-{c:g}"] = lambda ls, b, c=c: sum(max(0.0, f.moved_bytes(b, b) - c * 1e6) for f in ls) / 1e6
        terms[f"act>{c:g}"] = lambda ls, b, c=c: sum(m for m in (_activation_bytes(f, b) for f in ls)
                                                     if m > c * 1e6) / 1e6
    return terms


TERMS = _terms()


def forms() -> list[tuple[Fusion, FitLoss, tuple[str, ...]]]:
    memories = [f"{kind}{c:g}" for kind in ("mem>", "mem-", "act>") for c in CACHES]
    out = []
    for fusion in Fusion:
        for loss in FitLoss:
            for launch in (False, True):
                for const in (False, True):
                    for memory in (None, *memories):
                        for weights in (False, True):
                            if weights and (memory is None or not memory.startswith("act>")):
                                continue
                            for element in (None, "elem", "dwelem", "ew"):
                                terms = ("dense", "dw", *(["launch"] if launch else []), *([memory] if memory else []),
                                         *(["wmem"] if weights else []), *([element] if element else []),
                                         *(["const"] if const else []))
                                if len(terms) <= 6:
                                    out.append((fusion, loss, terms))
    return out


Net = tuple[str, float, dict[tuple[Fusion, str], float], int]  # family, ms, term totals, MACs


def load_tables() -> dict[str, list[Net]]:
    graphs, features = {}, {}
    tables = {}
    for path in sorted((ROOT / "devices" / "measurements").glob("*.csv")):
        rows = []
        for m in parse_measurements(path.read_text(encoding="utf-8"), str(path)):
            graph = graphs.setdefault(m.spec, load(m.spec))
            totals: dict[tuple[Fusion, str], float] = {}
            for fusion in Fusion:
                key = (m.spec, m.alpha, m.resolution, m.classes, fusion)
                if key not in features:
                    features[key] = layer_features(graph, Config(alpha=m.alpha, resolution=m.resolution,
                                                                 classes=m.classes, fusion=fusion))
                for name, term in TERMS.items():
                    totals[(fusion, name)] = term(features[key], m.dtype.bytes)
            macs = sum(f.macs for f in features[(m.spec, m.alpha, m.resolution, m.classes, Fusion.NONE)])
            rows.append((graph.spec.family, m.latency_ms, totals, macs))
        tables[path.stem] = rows
    return tables


def fit(rows: list[list[float]], ys: list[float], loss: FitLoss, prior: list[float] | None) -> list[float]:
    k = len(rows[0])
    if len(rows) >= k or prior is None:
        return solve_relative([[x / y for x in r] for r, y in zip(rows, ys, strict=True)], loss)
    free = len(rows) - 1
    scaled = [[*(x / y for x in r[:free]), sum(p * x for p, x in zip(prior[free:], r[free:], strict=True)) / y]
              for r, y in zip(rows, ys, strict=True)]
    s = solve_relative(scaled, loss)
    return list(s[:free]) + [s[free] * p for p in prior[free:]]


def lofo(nets: list[Net], form: tuple[Fusion, FitLoss, tuple[str, ...]], prior: list[float] | None
         ) -> list[float]:
    fusion, loss, terms = form
    x = [[n[2][(fusion, t)] for t in terms] for n in nets]
    errors = [0.0] * len(nets)
    for family in sorted({n[0] for n in nets}):
        train = [i for i, n in enumerate(nets) if n[0] != family]
        c = fit([x[i] for i in train], [nets[i][1] for i in train], loss, prior)
        for i, n in enumerate(nets):
            if n[0] == family:
                errors[i] = sum(a * b for a, b in zip(c, x[i], strict=True)) / n[1] - 1
    return errors


def macs_lofo(nets: list[Net], loss: FitLoss) -> list[float]:
    errors = [0.0] * len(nets)
    for family in sorted({n[0] for n in nets}):
        train = [n for n in nets if n[0] != family]
        rate = solve_relative([[n[3] / n[1]] for n in train], loss)[0]
        for i, n in enumerate(nets):
            if n[0] == family:
                errors[i] = rate * n[3] / n[1] - 1
    return errors


def summary(errors: list[float]) -> tuple[float, float]:
    return sum(abs(e) for e in errors) / len(errors), sum(abs(e) <= 0.1 + 1e-12 for e in errors) / len(errors)


def main() -> None:
    tables = load_tables()
    multi = [t for t, nets in tables.items() if len({n[0] for n in nets}) >= 2]
    source = {t: load_profile(t).source for t in multi}
    base = {(t, loss): summary(macs_lofo(tables[t], loss)) for t in multi for loss in FitLoss}
    results: dict[tuple[Fusion, FitLoss, tuple[str, ...]], dict[str, tuple[float, float]]] = {}
    for form in forms():
        fusion, loss, terms = form
        prior_nets = tables[PRIOR_PROFILE]
        prior = fit([[n[2][(fusion, t)] for t in terms] for n in prior_nets], [n[1] for n in prior_nets], loss, None)
        results[form] = {t: summary(lofo(tables[t], form, prior)) for t in multi}

    def met(form: tuple[Fusion, FitLoss, tuple[str, ...]], t: str) -> bool:
        mean, within = results[form][t]
        return mean <= 0.10 and within >= 0.80 - 1e-9 and mean <= base[(t, form[1])][0]

    def choose(on: list[str]) -> tuple[Fusion, FitLoss, tuple[str, ...]]:
        return max(results, key=lambda f: (sum(met(f, t) for t in on), -sum(results[f][t][0] for t in on) / len(on)))

    def show(form: tuple[Fusion, FitLoss, tuple[str, ...]]) -> str:
        return f"{form[0]}, {form[1]}, {' + '.join(form[2])}"

    print(f"{len(results)} forms")
    counts = {"source": 0, "table": 0}
    for t in multi:
        best = max(results, key=lambda f: (met(f, t), results[f][t][1], -results[f][t][0]))
        mean, within = results[best][t]
        print(f"{t}: upper bound {mean:.1%}, {within:.0%} within ±10 % ({show(best)})")
        for mode in counts:
            on = [u for u in multi if (source[u] != source[t] if mode == "source" else u != t)]
            form = choose(on)
            counts[mode] += met(form, t)
            mean, within = results[form][t]
            print(f"    leave one {mode} out: {mean:.1%}, {within:.0%} ({show(form)})")
    best_all = choose(multi)
    print(f"tables meeting the targets under nested selection: leave one source out {counts['source']}, "
          f"leave one table out {counts['table']}")
    print(f"chosen on all tables at once: {show(best_all)}, meeting the targets on "
          f"{sum(met(best_all, t) for t in multi)}")


if __name__ == "__main__":
    main()
