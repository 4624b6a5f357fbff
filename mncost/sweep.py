"""Totals over a grid of width multipliers α and input resolutions, evaluated fast.

Under one α, everything the spec's expressions decide (which layers run, channel counts, kernels,
strides) is fixed: expressions never see feature-map sides. So the graph is walked once per α by
the one walk (`mncost.walk`) with the op rules of `mncost.ops`, in `SideDomain`: channel counts
are exact integers and each feature-map side is a *symbol* derived from the resolution (the image
side, or floor/ceil of an earlier side expression over a stride, exactly as the op's shape rule
says). Every total is then a polynomial over those symbols (`SidePoly`), and each resolution of
the sweep costs the symbols' values and a few dot products; peak memory is the largest of the
per-layer live polynomials, of which only those not outdone term by term by another are kept.

Whatever a rule decides about sides (a kernel fitting its input, equal shapes for an `add`, the
larger of two maps for a broadcast, the size limits) is recorded at a probe resolution as a
guard. A resolution at which a guard would decide differently, and every grid point of an α
that is invalid at the probe, is evaluated on its own with `evaluate`: every row is exactly what
`evaluate` gives, errors included (the tests check this point by point and count the points that
left the fast path).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .domain import EXACT, Domain
from .errors import MncostError
from .evaluate import classes_of, conventions_of, resolve, rounding_of
from .evaluate import evaluate as evaluate_one
from .gcpause import collector_paused
from .graph import Graph
from .limits import MAX_CHANNELS, MAX_RESOLUTION
from .liveness import executed_output
from .liveness import plan as live_plan
from .ops import Shape
from .record import record, replace
from .report import Config, Report
from .walk import exact_walk, layer_cost

Monomial = tuple[int, ...]  # sorted atom ids; () is the constant term


@record
class SweepRow:
    """Totals of one grid point. Arithmetic in MACs; bytes at the config's dtype."""

    alpha: float
    resolution: int
    rho: float
    params: int
    macs: int
    activation_bytes: int
    peak_bytes: int
    latency_ms: float | None = None  # with a --device only (each point is then evaluated on its own)


@record
class Sweep:
    rows: tuple[SweepRow, ...]
    evaluated_alone: int  # grid points that left the fast path (invalid at the probe, or a guard differed)
    outputs: tuple[Shape, ...] = ()  # per row, the shape of the network's (last) output tensor


class SidePoly:
    """Σ coefficient · Π atoms, with integer coefficients; atoms are side symbols of an `Atoms` table."""

    __slots__ = ("terms",)

    def __init__(self, terms: dict[Monomial, int]) -> None:
        self.terms = terms

    @staticmethod
    def lift(v: Any) -> SidePoly:
        return v if isinstance(v, SidePoly) else SidePoly({(): v} if v else {})

    def __add__(self, other: Any) -> SidePoly:
        o = SidePoly.lift(other)
        out = dict(self.terms)
        for m, c in o.terms.items():
            v = out.get(m, 0) + c
            if v:
                out[m] = v
            else:
                out.pop(m, None)
        return SidePoly(out)

    __radd__ = __add__

    def __neg__(self) -> SidePoly:
        return SidePoly({m: -c for m, c in self.terms.items()})

    def __sub__(self, other: Any) -> SidePoly:
        return self + (-SidePoly.lift(other))

    def __rsub__(self, other: Any) -> SidePoly:
        return SidePoly.lift(other) + (-self)

    def __mul__(self, other: Any) -> SidePoly:
        if not isinstance(other, SidePoly):
            return SidePoly({m: c * other for m, c in self.terms.items()} if other else {})
        out: dict[Monomial, int] = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in other.terms.items():
                m = tuple(sorted(m1 + m2))
                out[m] = out.get(m, 0) + c1 * c2
        return SidePoly({m: c for m, c in out.items() if c})

    __rmul__ = __mul__

    def key(self) -> tuple[tuple[Monomial, int], ...]:
        return tuple(sorted(self.terms.items()))

    def constant(self) -> int | None:
        if not self.terms:
            return 0
        if len(self.terms) == 1 and () in self.terms:
            return self.terms[()]
        return None

    def __str__(self) -> str:
        return " + ".join(f"{c}·" + "·".join(f"s{a}" for a in m) if m else str(c) for m, c in self.terms.items())


def value_at(p: Any, atom_values: Sequence[int]) -> int:
    """The value of a SidePoly (or int) given every atom's value."""
    if not isinstance(p, SidePoly):
        return int(p)
    total = 0
    for m, c in p.terms.items():
        for a in m:
            c *= atom_values[a]
        total += c
    return total


class Atoms:
    """The side symbols of one sweep, shared by every α: atom 0 is the image side; each other atom is
    floor or ceiling of an earlier polynomial over a stride. Values are computed once per resolution."""

    def __init__(self) -> None:
        self.derivations: list[tuple[str, SidePoly | None, int]] = [("image", None, 1)]
        self.index: dict[tuple[Any, ...], int] = {}
        self.values: dict[int, list[int]] = {}
        self.verdicts: dict[tuple[frozenset[Any], int], bool] = {}  # (an α's guards, resolution) -> all hold

    def atom(self, kind: str, p: SidePoly, divisor: int) -> int:
        key = (kind, p.key(), divisor)
        found = self.index.get(key)
        if found is None:
            found = self.index[key] = len(self.derivations)
            self.derivations.append((kind, p, divisor))
        return found

    def at(self, resolution: int) -> list[int]:
        values = self.values.setdefault(resolution, [resolution])
        for kind, p, divisor in self.derivations[len(values):]:
            v = value_at(p, values)
            values.append(v // divisor if kind == "floor" else -(-v // divisor))
        return values


class SideDomain(Domain):
    """Exact channels under one α; sides as symbols of `atoms`; decisions on sides are guards
    recorded with their outcome at the probe resolution."""

    name = "sides"

    def __init__(self, atoms: Atoms, probe: int) -> None:
        self.atoms = atoms
        self.probe = probe
        self.guards: dict[tuple[Any, ...], tuple[str, Any, Any, bool]] = {}
        self._signature: frozenset[Any] | None = None

    def _guard(self, kind: str, a: Any, b: Any, outcome: bool) -> bool:
        key = (kind, SidePoly.lift(a).key(), SidePoly.lift(b).key() if kind != "divides" else b, outcome)
        self.guards.setdefault(key, (kind, a, b, outcome))
        self._signature = None
        return outcome

    def image_side(self, resolution: int) -> Any:
        return SidePoly({(0,): 1})

    def _at(self, p: Any) -> int:
        return value_at(p, self.atoms.at(self.probe))

    def _divide(self, kind: str, a: Any, b: int) -> Any:
        c = a.constant() if isinstance(a, SidePoly) else a
        if c is not None:  # a concrete number: the exact domain's division
            return EXACT.floor_div(c, b) if kind == "floor" else EXACT.ceil_div(c, b)
        if b == 1:
            return a
        return SidePoly({(self.atoms.atom(kind, a, b),): 1})

    def floor_div(self, a: Any, b: int) -> Any:
        return self._divide("floor", a, b)

    def ceil_div(self, a: Any, b: int) -> Any:
        return self._divide("ceil", a, b)

    def less(self, a: Any, b: Any) -> bool:
        if not isinstance(a, SidePoly) and not isinstance(b, SidePoly):
            return bool(a < b)
        return self._guard("less", a, b, self._at(a) < self._at(b))

    def equal(self, a: Any, b: Any) -> bool:
        if not isinstance(a, SidePoly) and not isinstance(b, SidePoly):
            return bool(a == b)
        if isinstance(a, SidePoly) and isinstance(b, SidePoly) and a.terms == b.terms:
            return True
        return self._guard("equal", a, b, self._at(a) == self._at(b))

    def divides(self, divisor: int, value: Any) -> bool:
        if not isinstance(value, SidePoly):
            return bool(value % divisor == 0)
        return self._guard("divides", value, divisor, self._at(value) % divisor == 0)

    def within_limits(self, shape: Shape) -> bool:
        return not any(self.less(limit, side) for side, limit in
                       ((shape.h, MAX_RESOLUTION), (shape.w, MAX_RESOLUTION), (shape.c, MAX_CHANNELS)))

    def guards_hold(self, resolution: int) -> bool:
        """Whether every decision taken at the probe is taken alike at `resolution` (memoized per
        set of guards, which the α values of a sweep mostly share)."""
        if self._signature is None:
            self._signature = frozenset(self.guards)
        key = (self._signature, resolution)
        verdict = self.atoms.verdicts.get(key)
        if verdict is None:
            verdict = self.atoms.verdicts[key] = self._check(resolution)
        return verdict

    def _check(self, resolution: int) -> bool:
        values = self.atoms.at(resolution)
        for kind, a, b, outcome in self.guards.values():
            if kind == "less":
                got = value_at(a, values) < value_at(b, values)
            elif kind == "equal":
                got = value_at(a, values) == value_at(b, values)
            else:
                got = value_at(a, values) % b == 0
            if got != outcome:
                return False
        return True


@record
class _Plan:
    """One α's totals as polynomials over side symbols (elements, not bytes), and its guards."""

    domain: SideDomain
    params: Any
    macs: Any
    elements: Any
    live: tuple[Any, ...]  # per layer, live elements; dominated ones dropped
    output: Shape | None  # the (last) output tensor's shape over side symbols; None: the image passed through


@collector_paused()
def sweep(graph: Graph, alphas: Sequence[float], resolutions: Sequence[int], config: Config) -> list[SweepRow]:
    """One row per (α, resolution), α-major in the order given. `config` supplies the conventions.

    Every row equals the totals of `evaluate(graph, config with that α and resolution)`."""
    return list(sweep_rows(graph, alphas, resolutions, config).rows)


def sweep_rows(graph: Graph, alphas: Sequence[float], resolutions: Sequence[int], config: Config) -> Sweep:
    """`sweep`, with the number of grid points that were evaluated on their own."""
    spec = graph.spec
    width = config.dtype.bytes
    # A point is valid when its α and its resolution are (resolve checks each on its own).
    res_ok = {r: type(r) is int and _valid(graph, replace(config, alpha=1.0, rho=None, resolution=r))
              for r in resolutions}
    good = [r for r in resolutions if res_ok[r]]
    probe = max(good) if good else None
    atoms = Atoms()
    rows: list[SweepRow] = []
    alone = 0

    outputs: list[Shape] = []

    def one(alpha: float, resolution: int) -> SweepRow:
        point = replace(config, alpha=alpha, rho=None, resolution=resolution)
        report = evaluate_one(graph, point)
        named = {layer.name: layer.output_shape for layer in report.layers}
        last = report.outputs[-1] if report.outputs else None
        outputs.append(named[last] if last in named else Shape(resolution, resolution, spec.channels))
        return _row(alpha, resolution, report)

    for alpha in alphas:
        plan = None
        # With a --device (latency), each point is evaluated on its own.
        if probe is not None and config.device is None \
                and _valid(graph, replace(config, alpha=alpha, rho=None, resolution=probe)):
            plan = _plan(graph, config, alpha, probe, atoms)
        for r in resolutions:
            if plan is None or not res_ok[r] or not plan.domain.guards_hold(r):
                alone += 1
                rows.append(one(alpha, r))
                continue
            values = atoms.at(r)
            peak = max((value_at(p, values) for p in plan.live), default=0)
            rows.append(SweepRow(alpha, r, r / spec.resolution, value_at(plan.params, values),
                                 value_at(plan.macs, values), width * value_at(plan.elements, values), width * peak))
            out = plan.output
            outputs.append(Shape(value_at(out.h, values), value_at(out.w, values), out.c) if out is not None
                           else Shape(r, r, spec.channels))
    return Sweep(tuple(rows), alone, tuple(outputs))


def validate(graph: Graph, alphas: Sequence[float], resolutions: Sequence[int], config: Config) -> None:
    """Raise, before any point is evaluated, the errors a sweep would meet that are cheap to find:
    an α or a resolution that no point can have (the first in grid order), then whatever the first
    point's walk raises (one exact walk, a fraction of a symbolic one). A sweep of a huge network
    whose first point is invalid then says so at once instead of after planning it."""
    bad_alpha = next((a for a in alphas if not _valid(graph, replace(config, alpha=a, rho=None,
                                                                      resolution=resolutions[0]))), None)
    bad_resolution = next((r for r in resolutions if not _valid(graph, replace(config, alpha=alphas[0], rho=None,
                                                                               resolution=r))), None)
    if bad_resolution is not None:  # (α0, r) comes before (α, r0) for every α after α0
        resolve(graph, replace(config, alpha=alphas[0], rho=None, resolution=bad_resolution))
    if bad_alpha is not None:
        resolve(graph, replace(config, alpha=bad_alpha, rho=None, resolution=resolutions[0]))
    first = replace(config, alpha=alphas[0], rho=None, resolution=resolutions[0])
    resolved = resolve(graph, first)
    conventions_of(graph.spec, first)
    exact_walk(graph, resolved.alpha, resolved.resolution, resolved.classes, rounding_of(graph.spec, first))


def _plan(graph: Graph, config: Config, alpha: float, probe: int, atoms: Atoms) -> _Plan | None:
    """Walk the graph at α with symbolic sides; None when the walk fails at the probe resolution."""
    domain = SideDomain(atoms, probe)
    spec = graph.spec
    try:
        evaluated = exact_walk(graph, alpha, probe, classes_of(spec, config), rounding_of(spec, config), domain)
    except MncostError:
        return None
    per_bn, ops = config.bn_params.per_channel, config.ops
    params: Any = 0
    macs: Any = 0
    elements: Any = 0
    for ev in evaluated:
        p, m = layer_cost(domain, ev, per_bn, ops, config.ln_params)
        params, macs, elements = params + p, macs + m, elements + ev.output.elements
    live = live_plan(graph, evaluated, 1, config.memory_model, config.first_layer_trick).live_bytes
    final = executed_output(graph, {ev.node.index for ev in evaluated})
    output = next((ev.output for ev in evaluated if ev.node.index == final), None)
    return _Plan(domain, params, macs, elements, _undominated(live), output)


def _row(alpha: float, resolution: int, report: Report) -> SweepRow:
    t = report.totals
    return SweepRow(alpha, resolution, report.config.rho, t.params, t.macs, t.activation_bytes,
                    report.memory.peak_bytes, t.latency_ms)


def _valid(graph: Graph, config: Config) -> bool:
    try:
        resolve(graph, config)
    except MncostError:
        return False
    return True


def _undominated(polys: Sequence[Any]) -> tuple[Any, ...]:
    """The live polynomials not outdone term by term by another (sides are positive, so only they
    can be the largest at some resolution); constants and polynomials alike."""
    vectors: dict[tuple[tuple[Monomial, int], ...], Any] = {}
    for p in polys:
        q = SidePoly.lift(p)
        vectors.setdefault(q.key(), q)
    items = sorted(vectors.values(), key=lambda q: sum(q.terms.values()), reverse=True)
    kept: list[SidePoly] = []
    for q in items:
        if any(all(u.terms.get(m, 0) >= c for m, c in q.terms.items()) and all(c >= 0 for c in u.terms.values())
               and all(c >= 0 for c in q.terms.values()) for u in kept):
            continue
        kept.append(q)
    return tuple(kept)
