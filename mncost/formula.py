"""Closed-form cost formulas: MACs and parameters as exact polynomials in α and ρ.

The graph is walked by the one walk (`mncost.walk`) with the op rules of `mncost.ops`, in the
polynomial domain `PolyDomain`: a channel count is a polynomial in α, a feature-map side a
polynomial in ρ (resolution = base · ρ), and every layer's cost is what the op's cost rules give,
summed. Coefficients are exact fractions derived from the graph, never fitted.

Every decision a rule or an expression takes is taken at a reference α (1, or near it) and the
base resolution, and what keeps it the same is recorded:
- a comparison, `max`, `min` or condition on α splits α into pieces (V2: the last conv keeps 1280
  channels for α ≤ 1 and scales above);
- a rounding step (`scale(c)` under the rounding, `round8`, `make_divisible`, `int`, `//`, ...)
  whose argument is already whole (a multiple of 8 for round8) at the reference is *smoothed*:
  taken as its argument, exact wherever the argument stays whole (a multiple of 8, at least 8);
  one that is not is held at its value on the α interval where that value does not change;
- a side's floor or ceiling division by a stride is exact where the resolution is a multiple of
  the strides so far (`resolution_multiple`, 32 for the MobileNets); a comparison of sides (a
  kernel larger than its input) is a guard checked at each resolution.
`Formula.exact_at(α, resolution)` says whether all of this holds at a point: there the formula
equals `evaluate` exactly (a law the tests check on every bundled spec). A rule that has no
polynomial form (an α-dependent stride, a division by an α-dependent value) is refused by name.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from .conventions import Counting, OpsCounted, Rounding
from .domain import Domain, Unsupported
from .errors import EvaluationError, MncostError
from .evaluate import resolve, rounding_of
from .expr import Expr, ExprError, Operations, compile_in
from .graph import Graph, Node
from .ops import Shape
from .poly import Poly, to_fraction
from .record import record, replace
from .report import Config
from .walk import layer_cost, walk

_SHAPE: Any = Shape  # sides and channels are polynomials here; the op rules only need +, *, and the domain

MAX_PIECES = 32
"""Most α intervals a formula lists; beyond them the formula covers a narrower α range."""
ERROR_ALPHAS = tuple(Fraction(k, 20) for k in range(5, 29))
"""α grid on which the largest error of a smoothed formula is measured: 0.25, 0.30, ..., 1.40."""


SCALE_SITE = "scale(c)"
REFERENCE_ALPHA = Fraction(1)
"""A rounding step whose argument is whole at this α (the paper's network) is smoothed; one that is not
is held at its value over an α interval."""


class FormulaError(Unsupported):
    """The spec uses a construct that has no polynomial form (e.g. an α-dependent stride)."""


@record
class Bound:
    """One end of an α interval. value None: 0 (lower end) or ∞ (upper end)."""

    value: Fraction | None
    closed: bool


@record
class Smoothing:
    """A rounding step taken as its argument: exact where `value(α)` is a multiple of `multiple`
    and at least `minimum`."""

    site: str  # the rounding step: 'scale(c)' or the expression and its location
    value: Poly  # its argument, a polynomial in α
    multiple: Fraction
    minimum: Fraction | None

    def holds(self, alpha: Fraction) -> bool:
        v = self.value.at(alpha, 0)
        return (v / self.multiple).denominator == 1 and (self.minimum is None or v >= self.minimum)

    def need(self) -> str:
        need = "a whole number" if self.multiple == 1 else f"a multiple of {_num(self.multiple)}"
        return need + (f" and at least {_num(self.minimum)}" if self.minimum is not None else "")


def describe_smoothings(smoothings: Sequence[Smoothing]) -> list[str]:
    """One line per rounding step (site) and condition, listing the arguments it is smoothed at."""
    groups: dict[tuple[str, str], list[Poly]] = {}
    for s in smoothings:
        values = groups.setdefault((s.site, s.need()), [])
        if s.value not in values:
            values.append(s.value)
    lines = []
    for (site, need), values in sorted(groups.items()):
        texts = sorted((_text(v) for v in values), key=lambda t: (len(t), t))
        if site == SCALE_SITE:
            widths = ", ".join(t.removesuffix("·α") for t in texts)
            lines.append(f"every scaled width α·c is {need} (scale(c) taken as α·c; c = {widths})")
        else:
            lines.append(f"{site} ({', '.join(texts)}) is {need}")
    return lines


@record
class Guard:
    """A comparison of feature-map sides (polynomial in ρ): its sign at the base resolution must hold."""

    difference: Poly
    sign: int
    text: str

    def holds(self, rho: Fraction) -> bool:
        v = self.difference.at(0, rho)
        return ((v > 0) - (v < 0)) == self.sign


@record
class Piece:
    """On `low < α < high` (ends included where closed) the costs are these polynomials."""

    low: Bound
    high: Bound
    arithmetic: Poly  # MACs, or FLOPs under --count flops
    params: Poly
    smoothings: tuple[Smoothing, ...] = ()
    guards: tuple[Guard, ...] = ()
    resolution_multiple: int = 1

    def contains(self, alpha: Fraction) -> bool:
        lo, hi = self.low, self.high
        above = lo.value is None or alpha > lo.value or (lo.closed and alpha == lo.value)
        below = hi.value is None or alpha < hi.value or (hi.closed and alpha == hi.value)
        return above and below


@record
class LargestError:
    """Largest relative deviation |formula − evaluated| / evaluated over the error grid."""

    quantity: str  # "arithmetic" | "params"
    relative: float
    alpha: float
    resolution: int
    formula: int
    evaluated: int


@record
class Formula:
    spec_name: str
    spec_description: str
    base_resolution: int
    unit: str  # "MACs" or "FLOPs"
    rounding: Rounding
    ops: OpsCounted
    bn_params: str
    classes: int
    depth_multiplier: float
    pieces: tuple[Piece, ...]
    smoothed: tuple[str, ...]  # every smoothed rounding step's condition, for people
    stride_multiple: int  # resolutions that are multiples of this make the spatial part exact
    notes: tuple[str, ...]  # the comparisons of feature-map sides that must keep their outcome
    grid_alphas: tuple[float, ...]
    grid_resolutions: tuple[int, ...]
    errors: tuple[LargestError, ...]
    min_resolution: int = 1  # below it, some comparison of sides changes its outcome
    ln_params: str = "affine"

    @property
    def covers_all_alphas(self) -> bool:
        return self.pieces[0].low.value is None and self.pieces[-1].high.value is None

    def piece_at(self, alpha: Fraction) -> Piece | None:
        for piece in self.pieces:
            if piece.contains(alpha):
                return piece
        return None

    def value(self, quantity: str, alpha: float | Fraction, resolution: int) -> Fraction:
        """The formula's value at α and ρ = resolution / base resolution."""
        a = to_fraction(alpha) if isinstance(alpha, float) else Fraction(alpha)
        piece = self.piece_at(a)
        if piece is None:
            raise FormulaError(f"alpha={a} is outside the α range the formula covers")
        poly = piece.arithmetic if quantity == "arithmetic" else piece.params
        return poly.at(a, Fraction(resolution, self.base_resolution))

    def exact_at(self, alpha: float | Fraction, resolution: int) -> bool:
        """Whether every stated condition holds at this point (then the formula equals `evaluate`)."""
        a = to_fraction(alpha) if isinstance(alpha, float) else Fraction(alpha)
        piece = self.piece_at(a)
        if piece is None or resolution % piece.resolution_multiple:
            return False
        rho = Fraction(resolution, self.base_resolution)
        return all(s.holds(a) for s in piece.smoothings) and all(g.holds(rho) for g in piece.guards)


def formula(graph: Graph, config: Config) -> Formula:
    """The closed-form MACs(α, ρ) and params(α, ρ) of `graph` under the conventions of `config`
    (its α and ρ are ignored), with the largest error of the smooth form on a grid."""
    resolved = resolve(graph, replace(config, alpha=1.0, rho=None, resolution=None))
    rounding = rounding_of(graph.spec, config)
    domain = PolyDomain(graph, config, rounding, resolved.classes)
    pieces = _pieces(domain)
    base = graph.spec.resolution
    stride = max(p.resolution_multiple for p in pieces)
    near = max(stride, round(base / stride) * stride)
    resolutions = tuple(r for r in (near + k * stride for k in range(-3, 2)) if r >= stride)
    smoothed = describe_smoothings([s for p in pieces for s in p.smoothings])
    guards = sorted({g.text for p in pieces for g in p.guards})
    result = Formula(
        spec_name=graph.spec.name, spec_description=graph.spec.description, base_resolution=base,
        unit="FLOPs" if config.counting is Counting.FLOPS else "MACs", rounding=rounding, ops=config.ops,
        bn_params=str(config.bn_params),
        ln_params=str(config.ln_params), classes=resolved.classes, depth_multiplier=graph.depth_multiplier,
        pieces=pieces, smoothed=tuple(smoothed), stride_multiple=stride, notes=tuple(guards),
        grid_alphas=tuple(float(a) for a in ERROR_ALPHAS), grid_resolutions=resolutions, errors=(),
    )
    result = replace(result, min_resolution=_min_resolution(pieces, base, stride))
    return replace(result, errors=_largest_errors(result, graph, config))


def _min_resolution(pieces: Sequence[Piece], base: int, stride: int) -> int:
    """The smallest multiple of `stride` from which every guard holds up to 8 × base."""
    guards = {g for p in pieces for g in p.guards}
    lowest = 8 * base // stride * stride
    r = lowest
    while r >= stride and all(g.holds(Fraction(r, base)) for g in guards):
        lowest = r
        r -= stride
    return lowest


def _pieces(domain: PolyDomain) -> tuple[Piece, ...]:
    """Walk at α = 1 (nudged off a boundary), then step down towards 0 and up towards ∞ piece by
    piece, at most MAX_PIECES in all (then the formula covers the α range of those pieces)."""
    pieces = [domain.piece_near(REFERENCE_ALPHA)]
    while pieces[0].low.value is not None and len(pieces) < MAX_PIECES // 2:
        low = pieces[0].low.value
        step = low / 4096
        while True:
            piece = domain.piece_near(low - step)
            if piece.high.value is not None and piece.high.value < low:
                step = (low - piece.high.value) / 2  # a piece in between: look closer
                continue
            break
        pieces.insert(0, piece)
    while pieces[-1].high.value is not None and len(pieces) < MAX_PIECES:
        high = pieces[-1].high.value
        step = high / 4096
        while True:
            piece = domain.piece_near(high + step)
            if piece.low.value is not None and piece.low.value > high:
                step = (piece.low.value - high) / 2
                continue
            break
        pieces.append(piece)
    if not any(p.contains(REFERENCE_ALPHA) for p in pieces):  # conditions change exactly at α = 1
        point = domain.piece_at(REFERENCE_ALPHA, point=True)
        at = next(k for k, p in enumerate(pieces) if p.low.value is not None and p.low.value >= REFERENCE_ALPHA)
        pieces.insert(at, point)
    return tuple(pieces)


def _largest_errors(result: Formula, graph: Graph, config: Config) -> tuple[LargestError, ...]:
    """The largest relative error of the formula against the evaluated counts on the error grid
    (evaluated by the sweep engine, which equals `evaluate` point by point)."""
    from .sweep import sweep_rows

    alphas = [a for a in ERROR_ALPHAS if result.piece_at(a) is not None]
    worst: dict[str, LargestError] = {}
    for alpha in alphas:
        try:
            rows = sweep_rows(graph, [float(alpha)], list(result.grid_resolutions), config).rows
        except MncostError:
            continue  # not a network at some grid point (e.g. a kernel larger than its input)
        for row in rows:
            arithmetic = row.macs * (2 if config.counting is Counting.FLOPS else 1)
            for quantity, actual in (("arithmetic", arithmetic), ("params", row.params)):
                value = result.value(quantity, alpha, row.resolution)
                relative = float(abs(value - actual) / actual) if actual else float(value != 0)
                if quantity not in worst or relative > worst[quantity].relative:
                    worst[quantity] = LargestError(quantity, relative, float(alpha), row.resolution,
                                                   round(value), actual)
    return tuple(worst[q] for q in ("arithmetic", "params") if q in worst)


class _AtBoundary(Exception):
    """The reference α sits exactly on an interval end; walk again slightly off it."""


def _num(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


class _State:
    """What one walk at a reference α has decided and under which conditions (mutable: one walk's
    scratch state, never a result)."""

    __slots__ = ("alpha0", "point", "low", "high", "smoothings", "guards", "modulus", "where", "layer", "row")

    def __init__(self, alpha0: Fraction, point: bool = False) -> None:
        self.alpha0 = alpha0
        self.point = point  # a root at alpha0 narrows the piece to the point instead of raising
        self.low = Bound(None, False)
        self.high = Bound(None, False)
        self.smoothings: dict[tuple[Any, ...], Smoothing] = {}
        self.guards: dict[tuple[Any, ...], Guard] = {}
        self.modulus = 1
        self.where = ""  # the expression or layer being walked, for messages
        self.layer = ""  # the layer being walked
        self.row = ""  # the spec row it comes from


class PolyDomain(Domain):
    """Polynomials in α (channels) and ρ (sides), decisions taken at a reference α (see module doc)."""

    name = "polynomial"

    def __init__(self, graph: Graph, config: Config, rounding: Rounding, classes: int) -> None:
        self.graph = graph
        self.config = config
        self.rounding = rounding
        self.classes = classes
        self.base = graph.spec.resolution
        self.state = _State(Fraction(1))
        self.operations = Operations(self._number, _BINOPS_OF(self), self._power, _COMPARE_OF(self), self._truth)

    # -- pieces -----------------------------------------------------------------------------------

    def piece_near(self, alpha: Fraction) -> Piece:
        nudge = Fraction(1, 7919)
        for _ in range(8):
            try:
                return self.piece_at(alpha)
            except _AtBoundary:
                alpha = alpha * (1 - nudge)
                nudge /= 2
        raise FormulaError(f"cannot place alpha near {alpha} inside an interval")  # pragma: no cover

    def piece_at(self, alpha0: Fraction, point: bool = False) -> Piece:
        """The piece around `alpha0`; with `point`, a comparison that changes exactly at alpha0 makes
        the piece the single point alpha0 (instead of raising _AtBoundary)."""
        self.state = state = _State(alpha0, point=point)
        side = Poly.rho(self.base)
        image = _SHAPE(side, side, Poly.const(self.graph.spec.channels))
        base: dict[str, Any] = dict(self._functions())
        base.update(alpha=Poly.alpha(), classes=Poly.const(self.classes))
        try:
            evaluated = walk(self.graph, self, image, base, alpha0)
        except EvaluationError as exc:
            if not exc.message.startswith("layer ") or " is larger than its " not in exc.message:
                raise
            # The smooth side ρ·base/stride is the real side only where the resolution is a multiple
            # of the strides so far; a detector's last maps (1x1 at a stride above the base
            # resolution) make it smaller than a kernel at the base: no polynomial describes them.
            layer = exc.message.split(":", 1)[0]
            raise FormulaError(f"{exc.location}: {layer}: its input side has no polynomial form: the formula "
                               f"takes a side as rho x {self.base} / (the strides so far), which at {self.base} px "
                               f"is below the kernel (the strides so far do not divide {self.base}); show and "
                               "sweep count it exactly") from None
        per_bn, ops = self.config.bn_params.per_channel, self.config.ops
        arithmetic, params = Poly(), Poly()
        for ev in evaluated:
            state.where = f"layer '{ev.node.name}' at {ev.node.location}"
            p, m = layer_cost(self, ev, per_bn, ops, self.config.ln_params)
            params, arithmetic = params + p, arithmetic + m
        if self.config.counting is Counting.FLOPS:
            arithmetic = arithmetic * 2
        return Piece(state.low, state.high, arithmetic, params, tuple(state.smoothings.values()),
                     tuple(state.guards.values()), state.modulus)

    # -- the walk's questions -----------------------------------------------------------------------

    def value(self, expr: Expr, env: dict[str, Any]) -> Any:
        if expr.is_constant:  # a literal: a number, or a name such as an activation, fixed at load time
            v = expr(env)
            return v if isinstance(v, bool | str) else Poly.const(v)
        self.state.where = f"'{expr.text}' at {expr.location}"
        try:
            return compile_in(expr.text, self.operations)(env)
        except ExprError as exc:
            raise FormulaError(f"{expr.location}: expression '{expr.text}': {exc}") from None
        except ZeroDivisionError:
            raise FormulaError(f"{expr.location}: expression '{expr.text}': division by zero") from None

    def within_limits(self, shape: Any) -> bool:
        return True  # the formula states no limits; `evaluate` checks them at each point

    def enter(self, node: Node) -> None:
        self.state.where = self.state.layer = f"layer '{node.name}' at {node.location}"
        self.state.row = f"the layer row at {node.location}"

    def condition(self, value: Any, expr: Expr, node: Node) -> bool:
        if not isinstance(value, bool):
            raise FormulaError(f"{expr.location}: condition '{expr.text}' is not true or false")
        return value

    def whole(self, key: str, channels: bool, value: Any, node: Node, location: Any, alpha: Any) -> Any:
        if not isinstance(value, Poly):
            raise FormulaError(f"{location}: layer '{node.name}': '{key}' is not a number")
        if channels:
            return value
        if not value.is_constant or value.constant.denominator != 1:
            raise FormulaError(f"{location}: layer '{node.name}': '{key}' depends on alpha or is not a whole "
                               "number; it has no polynomial form")
        return int(value.constant)

    # -- numbers ------------------------------------------------------------------------------------

    def floor_div(self, a: Any, b: int) -> Any:
        return self._divide(a, b, math.floor)

    def ceil_div(self, a: Any, b: int) -> Any:
        return self._divide(a, b, math.ceil)

    def _divide(self, a: Any, b: int, rounding: Callable[[Fraction], int]) -> Any:
        a = _poly(a)
        if b == 1:
            return a
        if a.is_constant:
            return Poly.const(rounding(a.constant / b))
        kind = _variables(a)
        if kind == "alpha":
            return self._rounded(a.scaled(Fraction(1, b)), Fraction(1), None, rounding,
                                 f"the channel count that {self.state.row} divides by {b}")
        if kind == "rho":
            terms = a.as_dict()
            if any(m not in ((0, 0), (0, 1)) for m in terms):
                raise FormulaError(f"{self.state.where}: a feature-map side that is not linear in rho")
            slope, offset = terms.get((0, 1), Fraction(0)), terms.get((0, 0), Fraction(0))
            # side = q·resolution + offset with q = slope/base; exact where q·resolution/b is whole.
            self.state.modulus = math.lcm(self.state.modulus, (slope / self.base / b).denominator)
            return Poly.of({(0, 1): slope / b, (0, 0): Fraction(rounding(offset / b))})
        raise FormulaError(f"{self.state.where}: a division of a value that depends on both alpha and rho")

    def less(self, a: Any, b: Any) -> bool:
        return self._sign(_poly(b) - _poly(a), tie_safe=False) > 0

    def equal(self, a: Any, b: Any) -> bool:
        return self._sign(_poly(a) - _poly(b), tie_safe=False) == 0

    def divides(self, divisor: int, value: Any) -> bool:
        v = _poly(value)
        if divisor == 1:
            return True
        if v.is_constant:
            return (v.constant / divisor).denominator == 1
        if _variables(v) != "alpha":
            raise FormulaError(f"{self.state.where}: divisibility of a value that depends on rho")
        if all((v.at(a, 0) / divisor).denominator != 1 for a in (self.state.alpha0, REFERENCE_ALPHA)):
            return False
        self._smooth(v, Fraction(divisor), None, f"the channel count of {self.state.row}")
        return True

    # -- decisions ------------------------------------------------------------------------------------

    def _sign(self, d: Poly, tie_safe: bool) -> int:
        """Sign of d at the reference point; records what keeps it (α interval, ρ guard)."""
        if d.is_constant:
            return (d.constant > 0) - (d.constant < 0)
        kind = _variables(d)
        state = self.state
        if kind == "rho":
            v = d.at(0, 1)
            sign = (v > 0) - (v < 0)
            state.guards.setdefault((d, sign), Guard(d, sign, f"{state.layer}: {_text(d)} "
                                                     f"{'>' if sign > 0 else '<' if sign < 0 else '='} 0"))
            return sign
        if kind != "alpha":
            raise FormulaError(f"{state.where}: a comparison of a value that depends on both alpha and rho")
        terms = d.as_dict()
        if any(i > 1 for i, _ in terms):
            raise FormulaError(f"{state.where}: a comparison that is not linear in alpha")
        slope, offset = terms.get((1, 0), Fraction(0)), terms.get((0, 0), Fraction(0))
        root = -offset / slope
        at = slope * state.alpha0 + offset
        if root > 0:
            if root == state.alpha0:
                if not state.point:
                    raise _AtBoundary
                state.low = state.high = Bound(root, True)
                return 0
            if root > state.alpha0 and (state.high.value is None or root < state.high.value
                                        or (root == state.high.value and not tie_safe)):
                state.high = Bound(root, tie_safe)
            if root < state.alpha0 and (state.low.value is None or root > state.low.value
                                        or (root == state.low.value and not tie_safe)):
                state.low = Bound(root, tie_safe)
        return (at > 0) - (at < 0)

    def _smooth(self, value: Poly, multiple: Fraction, minimum: Fraction | None, site: str) -> None:
        key = (value, multiple, minimum)
        if key not in self.state.smoothings:
            self.state.smoothings[key] = Smoothing(site, value, multiple, minimum)

    def _floor(self, v: Poly) -> Poly:
        """floor(v) for v linear in α, held constant on the α interval where it does not change."""
        f = math.floor(v.at(self.state.alpha0, 0))
        self._sign(v - f, tie_safe=True)  # v >= f
        self._sign(v - (f + 1), tie_safe=False)  # v < f + 1
        return Poly.const(f)

    def _round_half_even(self, v: Poly) -> Poly:
        """round(v) (Python's: a tie goes to the even neighbour) for v linear in α, held constant on
        the α interval where it does not change: f − ½ ≤ v ≤ f + ½, the ends included when f is even."""
        f = round(v.at(self.state.alpha0, 0))
        even = f % 2 == 0
        self._sign(v - (f - Fraction(1, 2)), tie_safe=even)  # v >= f - 1/2 (> when f is odd)
        self._sign(v - (f + Fraction(1, 2)), tie_safe=even)  # v <= f + 1/2 (< when f is odd)
        return Poly.const(f)

    def _rounded(self, v: Poly, multiple: Fraction, minimum: Fraction | None,
                 rounding: Callable[[Fraction], int], text: str) -> Poly:
        """A rounding of v to a multiple: smoothed if exact at the reference α, else held constant."""
        if v.is_constant:
            return Poly.const(rounding(v.constant / multiple) * multiple)
        v0 = v.at(REFERENCE_ALPHA, 0)
        if (v0 / multiple).denominator == 1 and (minimum is None or v0 >= minimum):
            self._smooth(v, multiple, minimum, text)
            return v
        w = v.scaled(1 / multiple)
        if rounding is _round_half_even:
            return self._round_half_even(w) * multiple
        # int() truncates: floor from a non-negative argument, ceiling from a negative one (the held
        # interval never crosses 0: floor stays >= 0 on it, ceil <= 0).
        if rounding is math.ceil or (rounding is _trunc and w.at(self.state.alpha0, 0) < 0):
            return -(self._floor(-w)) * multiple
        return self._floor(w) * multiple  # math.floor, or _trunc of a non-negative argument

    def make_divisible(self, v: Poly, divisor: int, min_value: int | None, text: str) -> Poly:
        """torchvision/TF-slim `_make_divisible` (see conventions.make_divisible) in the domain."""
        minimum = divisor if min_value is None else min_value
        if v.is_constant:
            from .conventions import make_divisible

            return Poly.const(make_divisible(float(v.constant), divisor, minimum))
        v0 = v.at(REFERENCE_ALPHA, 0)
        if (v0 / divisor).denominator == 1 and v0 >= minimum:
            self._smooth(v, Fraction(divisor), Fraction(minimum), text)
            return v
        new = self._floor((v + Fraction(divisor, 2)).scaled(Fraction(1, divisor))) * divisor
        if self._sign(Poly.const(minimum) - new, tie_safe=False) > 0:
            new = Poly.const(minimum)
        if self._sign(v.scaled(Fraction(9, 10)) - new, tie_safe=False) > 0:
            new = new + divisor
        return new

    # -- expressions ------------------------------------------------------------------------------

    def _number(self, v: Any) -> Any:
        if isinstance(v, Poly):
            return v
        if isinstance(v, bool) or not isinstance(v, int | float | Fraction):
            raise ExprError(f"expected a number, got {v!r}")
        return Poly.const(v)

    def _truth(self, v: Any) -> bool:
        if isinstance(v, bool):
            return v
        raise ExprError("expected a condition (true/false), got a number")

    def _power(self, a: Poly, b: Poly) -> Poly:
        if not b.is_constant or b.constant.denominator != 1 or b.constant < 0:
            raise FormulaError(f"{self.state.where}: only whole constant powers have a polynomial form")
        result = Poly.const(1)
        for _ in range(int(b.constant)):
            result = result * a
        return result

    def _true_divide(self, a: Poly, b: Poly) -> Poly:
        if not b.is_constant:
            raise FormulaError(f"{self.state.where}: a division by an alpha-dependent value")
        if b.constant == 0:
            raise ZeroDivisionError
        return a.scaled(1 / b.constant)

    def _floor_divide(self, a: Poly, b: Poly) -> Poly:
        if not b.is_constant or b.constant.denominator != 1 or b.constant <= 0:
            if b.is_constant and b.constant == 0:
                raise ZeroDivisionError
            raise FormulaError(f"{self.state.where}: '//' by a value that is not a positive whole constant")
        if a.is_constant:
            return Poly.const(a.constant // b.constant)
        return self._rounded(a.scaled(1 / b.constant), Fraction(1), None, math.floor,
                             f"the dividend of '//' in {self.state.where}")

    def _modulo(self, a: Poly, b: Poly) -> Poly:
        if a.is_constant and b.is_constant:
            if b.constant == 0:
                raise ZeroDivisionError
            return Poly.const(a.constant % b.constant)
        raise FormulaError(f"{self.state.where}: '%' of an alpha-dependent value has no polynomial form")

    def _compare(self, op: type[ast.cmpop]) -> Callable[[Any, Any], bool]:
        def run(a: Poly, b: Poly) -> bool:
            sign = self._sign(a - b, tie_safe=False)
            return {ast.Eq: sign == 0, ast.NotEq: sign != 0, ast.Lt: sign < 0, ast.LtE: sign <= 0,
                    ast.Gt: sign > 0, ast.GtE: sign >= 0}[op]

        return run

    def _functions(self) -> dict[str, Callable[..., Any]]:
        def extreme(is_max: bool) -> Callable[..., Poly]:
            def pick(*args: Poly) -> Poly:
                best = args[0]
                for other in args[1:]:
                    sign = self._sign(other - best, tie_safe=True)
                    if sign != 0 and (sign > 0) == is_max:
                        best = other
                return best

            return pick

        def rounder(fn: Callable[[Fraction], int], name: str) -> Callable[[Poly], Poly]:
            return lambda v: self._rounded(v, Fraction(1), None, fn, f"the argument of {name}() in {self.state.where}")

        def divisible(v: Poly, d: Poly, m: Poly | None = None) -> Poly:
            fixed = d.is_constant and d.constant.denominator == 1 and d.constant >= 1
            if not fixed or (m is not None and not m.is_constant):
                raise FormulaError(f"{self.state.where}: make_divisible() with an alpha-dependent divisor")
            minimum = None if m is None else int(m.constant)
            return self.make_divisible(v, int(d.constant), minimum,
                                       f"the argument of make_divisible() in {self.state.where}")

        def scale(c: Poly) -> Poly:
            v = c * Poly.alpha()
            if self.rounding is Rounding.NONE:
                return self._rounded(v, Fraction(1), None, math.floor, SCALE_SITE)
            return self.make_divisible(v, 8, None, SCALE_SITE)

        return {"max": extreme(True), "min": extreme(False), "int": rounder(_trunc, "int"),
                "round": rounder(_round_half_even, "round"), "ceil": rounder(math.ceil, "ceil"),
                "floor": rounder(math.floor, "floor"),
                "round8": lambda v: self.make_divisible(v, 8, None, f"the argument of round8() in {self.state.where}"),
                "make_divisible": divisible, "scale": scale}


def _trunc(x: Fraction) -> int:
    return math.floor(x) if x >= 0 else math.ceil(x)


def _round_half_even(x: Fraction) -> int:
    return round(x)


def _BINOPS_OF(d: PolyDomain) -> dict[type[ast.operator], Callable[[Any, Any], Any]]:  # noqa: N802
    return {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
            ast.Div: d._true_divide, ast.FloorDiv: d._floor_divide, ast.Mod: d._modulo}


def _COMPARE_OF(d: PolyDomain) -> dict[type[ast.cmpop], Callable[[Any, Any], bool]]:  # noqa: N802
    return {op: d._compare(op) for op in (ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE)}


def _poly(v: Any) -> Poly:
    return v if isinstance(v, Poly) else Poly.const(v)


def _variables(p: Poly) -> str:
    alpha = any(i for (i, _), _ in p.terms)
    rho = any(j for (_, j), _ in p.terms)
    return "both" if alpha and rho else "alpha" if alpha else "rho" if rho else "none"


def _text(p: Poly) -> str:
    from .render.formula import poly_text

    return poly_text(p)

