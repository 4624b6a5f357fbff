"""Budget fitting: the largest width multiplier and/or resolution whose evaluated cost fits.

Exact under the spec's rounding rules: nothing is interpolated, every answer is an evaluation.
- α: a network's channels only change where some scaled width rounding(α·c) changes, so the
  α axis splits into finitely many intervals, each one network. All of them between 0 and
  `alpha_max` are evaluated from the top down and the first that fits is the answer; no
  smoothness or monotonicity in α is assumed (a `when` on channel counts can add layers at small α).
- resolution: an integer. For a fixed α every cost is nondecreasing in the resolution (every
  shape rule is nondecreasing in its input side, costs are products of sides and channel counts,
  and conditions never see spatial sizes), so a binary search over integers is exact.
- both: the Pareto frontier of (α, resolution) pairs that fit, neither of which can grow.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Iterator
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from .conventions import Rounding
from .errors import ConfigError, EvaluationError, Finding
from .evaluate import evaluate, rounding_of
from .expr import syntax_tree
from .graph import Graph
from .record import record, replace
from .report import Config, Report

_COUNT_UNITS = {"": 1, "k": 10**3, "M": 10**6, "G": 10**9}
_BYTE_UNITS = {"": 1, "b": 1, "kb": 10**3, "k": 10**3, "mb": 10**6, "m": 10**6, "gb": 10**9, "g": 10**9,
               "kib": 2**10, "mib": 2**20, "gib": 2**30}
_NUMBER = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*([A-Za-z]*)\s*$")


def parse_count(text: str) -> int:
    """'150M' → 150,000,000. Decimal suffixes k, M, G; a fraction is rounded down."""
    m = _NUMBER.match(text)
    if not m or m[2] not in _COUNT_UNITS:
        raise ConfigError(f"'{text}' is not a count (expected a number with an optional k, M or G, e.g. 150M)")
    return math.floor(_decimal(m[1]) * _COUNT_UNITS[m[2]])


def parse_ms(text: str) -> float:
    """'20ms' or '20' → 20.0 milliseconds; '0.02s' → 20.0."""
    body = text.strip().lower()
    factor = 1000.0 if body.endswith("s") and not body.endswith("ms") else 1.0
    number = body.removesuffix("ms").removesuffix("s").strip()
    try:
        value = float(number) * factor
    except ValueError:
        raise ConfigError(f"'{text}' is not a latency (write e.g. 20ms, 0.02s or 20)") from None
    if not value > 0 or value == float("inf"):
        raise ConfigError(f"'{text}' must be a latency > 0")
    return value


def parse_bytes(text: str) -> int:
    """'1MB' → 1,000,000; '1MiB' → 1,048,576; a bare number is bytes. kB/MB/GB (also k/M/G) are
    decimal, KiB/MiB/GiB binary; case does not matter."""
    m = _NUMBER.match(text)
    if not m or m[2].lower() not in _BYTE_UNITS:
        raise ConfigError(f"'{text}' is not a byte size (expected e.g. 512kB, 1MB, 1MiB or a number of bytes)")
    return math.floor(_decimal(m[1]) * _BYTE_UNITS[m[2].lower()])


def _decimal(digits: str) -> Fraction:
    try:
        return Fraction(Decimal(digits))
    except InvalidOperation:  # pragma: no cover - the pattern admits only plain decimals
        raise ConfigError(f"'{digits}' is not a number") from None


@record
class Budget:
    """Upper bounds (inclusive); None: no bound. Arithmetic in the config's unit (MACs or FLOPs)."""

    arithmetic: int | None = None
    params: int | None = None
    peak_bytes: int | None = None
    latency_ms: float | None = None  # needs a --device

    def excess(self, report: Report) -> list[str]:
        """What the report exceeds, e.g. ['MACs 152,000,000 > 150,000,000']; empty when it fits."""
        unit = "FLOPs" if report.conventions.counting.value == "flops" else "MACs"
        checks = ((unit, report.arithmetic, self.arithmetic), ("params", report.totals.params, self.params),
                  ("peak memory bytes", report.memory.peak_bytes, self.peak_bytes))
        over = [f"{name} {value:,} > {limit:,}" for name, value, limit in checks if limit is not None and value > limit]
        if self.latency_ms is not None:
            latency = report.totals.latency_ms
            if latency is None:
                raise ConfigError("--max-latency needs --device (a device profile to estimate latency on)")
            if latency > self.latency_ms:
                over.append(f"latency {latency:.4g} ms > {self.latency_ms:g} ms")
        return over

    def fits(self, report: Report) -> bool:
        return not self.excess(report)


@record
class FitPoint:
    """One fitting configuration. Every α in [alpha_low, alpha_high) gives the same network (the
    ends are exact in real arithmetic; the evaluator rounds α·c in floating point, which can move
    an end by one rounding step); `alpha` is the shortest decimal inside (alpha_high None: the
    search limit itself)."""

    alpha: float
    alpha_low: Fraction
    alpha_high: Fraction | None
    resolution: int
    rho: float
    arithmetic: int
    params: int
    peak_bytes: int


@record
class FitResult:
    vary: str  # alpha | rho | both
    budget: Budget
    unit: str
    points: tuple[FitPoint, ...]  # one point, or the Pareto frontier by decreasing α
    next_larger: str  # what the next larger α / resolution costs (why it does not fit), or a search-limit note
    notes: tuple[str, ...]


class NoFit(Finding):
    """No configuration in the searched range fits the budget (exit code 1, 'No fit: ...' on stderr)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"No fit: {message}")


@record
class _Network:
    """An α interval [low, high) over which every scaled width is the same."""

    low: Fraction
    high: Fraction | None
    alpha: float  # representative: the shortest decimal inside


def scaled_widths(graph: Graph) -> tuple[frozenset[int], bool]:
    """The paper widths c the spec scales with scale(c), and whether α also enters some other way
    (alpha used directly, or scale() of a non-literal) so that these do not give every breakpoint."""
    widths: set[int] = set()
    other = False
    exprs = [e for n in graph.nodes for _, e in n.attrs] + [e for n in graph.nodes for e, *_ in n.conditions]
    exprs += [e for s in graph.scopes for _, e in s.args + s.lets]
    for e in exprs:
        if "alpha" in e.names:
            other = True
        if "scale" not in e.names:
            continue
        tree = syntax_tree(e.text)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "scale":
                arg = node.args[0]
                if isinstance(arg, ast.Constant) and type(arg.value) is int:
                    widths.add(arg.value)
                else:
                    other = True
    return frozenset(widths), other


def _breakpoints(widths: frozenset[int], rounding: Rounding, alpha_max: Fraction) -> list[Fraction]:
    """Every α in (0, alpha_max] where some rounding(α·c) may change value."""
    points: set[Fraction] = set()
    for c in widths:
        top = math.ceil(alpha_max * c)
        if rounding is Rounding.NONE:
            points.update(Fraction(k, c) for k in range(1, top + 1))
        else:  # _make_divisible: steps at α·c = 8m + 4, and the 10% rule flips at α·c = 8m / 0.9
            points.update(Fraction(8 * m + 4, c) for m in range(1, top // 8 + 2))
            points.update(Fraction(80 * m, 9 * c) for m in range(1, top // 8 + 2))
    return sorted(p for p in points if 0 < p < alpha_max)


def _shortest_decimal(low: Fraction, high: Fraction, same: Callable[[float], bool]) -> float:
    """The decimal with fewest digits in [low, high) (largest such) for which `same` holds."""
    for digits in range(1, 12):
        scale = 10**digits
        value = Fraction(math.ceil(high * scale) - 1, scale)
        if value >= low and value > 0 and same(float(value)):
            return float(value)
    return float(low + (high - low) / 2)


def networks(graph: Graph, rounding: Rounding, alpha_max: Fraction) -> tuple[list[_Network], tuple[str, ...]]:
    """The distinct networks for α in (0, alpha_max], from the smallest α up."""
    widths, other = scaled_widths(graph)
    notes: tuple[str, ...] = ()
    cuts = _breakpoints(widths, rounding, alpha_max)
    if other:
        cuts = sorted(set(cuts) | {Fraction(k, 1000) for k in range(1, int(alpha_max * 1000))})
        notes = ("the spec uses alpha other than scale(<number>): alpha was also searched in steps of 0.001",)

    def signature(alpha: float) -> tuple[int, ...]:
        return tuple(rounding.apply(alpha, c) for c in sorted(widths))

    edges = [Fraction(0), *cuts, alpha_max]
    spans: list[tuple[Fraction, Fraction, tuple[int, ...]]] = []
    for low, high in zip(edges, edges[1:], strict=False):
        sig = signature(float((low + high) / 2))
        if spans and not other and spans[-1][2] == sig:
            spans[-1] = (spans[-1][0], high, sig)
        else:
            spans.append((low, high, sig))
    result = []
    for low, high, sig in spans:
        def same(alpha: float, sig: tuple[int, ...] = sig) -> bool:
            return signature(alpha) == sig

        result.append(_Network(low, high, _shortest_decimal(low, high, same)))
    result.append(_Network(alpha_max, None, float(alpha_max)))  # the search limit itself
    return result, notes


def _evaluate(graph: Graph, config: Config, alpha: float, resolution: int) -> Report:
    return evaluate(graph, replace(config, alpha=alpha, rho=None, resolution=resolution))


def _fits(budget: Budget, graph: Graph, config: Config, alpha: float, resolution: int) -> Report | None:
    """The report when it fits; None when it does not, or when the network is not valid at this
    α (e.g. int(α·c) = 0 channels: such a network cannot be built, so it fits no budget)."""
    try:
        report = _evaluate(graph, config, alpha, resolution)
    except EvaluationError:
        return None
    return report if budget.fits(report) else None


def _point(net: _Network, report: Report) -> FitPoint:
    c = report.config
    return FitPoint(net.alpha, net.low, net.high, c.resolution, c.rho, report.arithmetic, report.totals.params,
                    report.memory.peak_bytes)


def _largest_fitting(fits: Callable[[int], bool], candidates: list[int], low: int) -> int:
    """Index of the largest candidate with fits(), given fits(candidates[low]) and monotone fits."""
    high = len(candidates) - 1
    while low < high:
        mid = (low + high + 1) // 2
        if fits(candidates[mid]):
            low = mid
        else:
            high = mid - 1
    return low


def _describe(budget: Budget, unit: str) -> str:
    parts = [f"{name} ≤ {limit:,}" for name, limit in ((unit, budget.arithmetic), ("params", budget.params),
                                                       ("peak memory bytes", budget.peak_bytes)) if limit is not None]
    if budget.latency_ms is not None:
        parts.append(f"latency ≤ {budget.latency_ms:g} ms")
    return ", ".join(parts)


def fit(graph: Graph, config: Config, budget: Budget, vary: str = "alpha", alpha_max: float = 2.0,
        min_resolution: int = 32, max_resolution: int | None = None, resolution_step: int = 1) -> FitResult:
    """The largest α (vary='alpha', at the config's resolution), resolution (vary='rho', at the
    config's α) or the Pareto frontier of both that fits `budget`. Raises NoFit."""
    if budget == Budget():
        raise ConfigError("give at least one budget (--max-macs, --max-params or --max-peak-memory)")
    rounding = rounding_of(graph.spec, config)
    top = Fraction(str(alpha_max))
    max_res = max_resolution or 2 * graph.spec.resolution
    sizes = [r for r in range(min_resolution, max_res + 1) if r % resolution_step == 0]
    if min_resolution < 1 or not sizes:
        raise ConfigError(f"no resolution from {min_resolution} to {max_res} is a multiple of {resolution_step}")
    min_resolution, max_res = sizes[0], sizes[-1]
    unit = "FLOPs" if config.counting.value == "flops" else "MACs"
    wanted = _describe(budget, unit)
    if vary == "rho":
        net = _Network(Fraction(str(config.alpha)), None, config.alpha)
        first = _evaluate(graph, config, config.alpha, min_resolution)
        if _fits(budget, graph, config, config.alpha, min_resolution) is None:
            raise NoFit(f"no resolution from {min_resolution} fits {wanted} at alpha={config.alpha:g}: at "
                        f"{min_resolution} pixels {'; '.join(budget.excess(first))}")
        k = _largest_fitting(lambda r: _fits(budget, graph, config, config.alpha, r) is not None, sizes, 0)
        point = _point(net, _evaluate(graph, config, config.alpha, sizes[k]))
        if k == len(sizes) - 1:
            after = f"the search limit: resolution {max_res} fits (raise it with --max-resolution)"
        else:
            after = f"resolution {sizes[k + 1]}: " + "; ".join(
                budget.excess(_evaluate(graph, config, config.alpha, sizes[k + 1])))
        return FitResult(vary, budget, unit, (point,), after, ())
    nets, notes = networks(graph, rounding, top)
    if vary == "alpha":
        res = config.resolution if config.resolution is not None else _base_resolution(graph, config)
        above = ""  # why the network just above the current one does not fit
        smallest = "no valid network"
        for net in reversed(nets):
            try:
                report = _evaluate(graph, config, net.alpha, res)
            except EvaluationError as exc:
                above = f"not a valid network ({exc})"
                continue
            if budget.fits(report):
                if net.high is None:
                    after = f"the search limit: alpha={alpha_max:g} fits (raise it with --alpha-max)"
                else:
                    after = f"alpha ≥ {float(net.high):.6g}: {above}"
                return FitResult(vary, budget, unit, (_point(net, report),), after, notes)
            above = smallest = "; ".join(budget.excess(report))
        raise NoFit(f"no alpha in (0, {alpha_max:g}] fits {wanted} at resolution {res}: the smallest valid network "
                    f"has {smallest}")
    points: list[FitPoint] = []
    best = -1  # index into sizes of the largest resolution found so far
    for net in reversed(nets):
        if best == len(sizes) - 1:
            break

        def fits(r: int, alpha: float = net.alpha) -> bool:
            return _fits(budget, graph, config, alpha, r) is not None

        if not fits(sizes[best + 1]):
            continue
        best = _largest_fitting(fits, sizes, best + 1)
        points.append(_point(net, _evaluate(graph, config, net.alpha, sizes[best])))
    if not points:
        raise NoFit(f"no alpha in (0, {alpha_max:g}] and resolution in {min_resolution}..{max_res} fits {wanted}")
    after = (f"each row's next larger alpha fits only at a lower resolution; searched alpha ≤ {alpha_max:g}, "
             f"resolution {min_resolution}..{max_res}"
             + (f" in steps of {resolution_step}" if resolution_step > 1 else ""))
    return FitResult(vary, budget, unit, tuple(points), after, notes)


def _base_resolution(graph: Graph, config: Config) -> int:
    """The resolution the config asks for (its ρ, or the spec's own resolution)."""
    from .conventions import resolution_from_rho

    return resolution_from_rho(graph.spec.resolution, config.rho if config.rho is not None else 1.0)


def iter_rows(result: FitResult) -> Iterator[dict[str, object]]:
    """Plain rows (for tables, CSV, Markdown and JSON): exact integers, α interval as text."""
    key = result.unit.lower()
    for p in result.points:
        high = "limit" if p.alpha_high is None else f"{float(p.alpha_high):.6g}"
        span = "fixed" if result.vary == "rho" else f"[{float(p.alpha_low):.6g}, {high})"
        yield {"alpha": p.alpha, "alpha_range": span, "resolution": p.resolution,
               "rho": round(p.rho, 6), key: p.arithmetic, "params": p.params, "peak_bytes": p.peak_bytes}
