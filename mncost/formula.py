"""Closed-form cost formulas: MACs and parameters as exact polynomials in α and ρ.

The graph is evaluated once more, symbolically: a channel count is a polynomial in α (c·α for a
scaled paper width c, a constant for fixed ones such as the image's 3 channels or `classes`), a
feature-map side is a polynomial in ρ (base resolution · ρ / strides), and every layer's cost is
the product the op rules give, summed. Coefficients are exact fractions derived from the graph,
never fitted.

Two things make real counts differ from the smooth polynomial, and both are stated, never hidden:
- channel rounding: scale(c) is int(α·c) or _make_divisible(α·c, 8), taken here as α·c. The
  formula is exact where every scaled width α·c is a whole number (rounding none) or a multiple
  of 8 that is at least 8 (round8); elsewhere its largest error over a grid is measured and shown.
- TF 'same' padding: a side is ceil(in/stride), taken here as in/stride. Exact when the resolution
  is a multiple of the total stride (32 for the MobileNets).
A `max`/`min`/condition in the spec whose outcome depends on α splits α into pieces, each with its
own exact polynomial (V2: the last conv keeps 1280 channels for α ≤ 1 and scales above).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, cast

from .conventions import Counting, OpsCounted, Rounding, make_divisible
from .errors import MncostError
from .evaluate import evaluate, resolve, rounding_of
from .expr import Expr, syntax_tree
from .graph import GRAPH_INPUT, Graph, Node, scope_environments
from .ops import OPS, Kind, Shape, spatial
from .poly import Poly, to_fraction
from .record import replace
from .report import Config

Value = Any  # Poly | bool | str

_Shape: Any = Shape  # sides and channels are Polys here; the op rules only add and multiply them

MAX_PIECES = 64
"""Most α intervals a formula may be split into."""
ERROR_ALPHAS = tuple(Fraction(k, 20) for k in range(5, 29))
"""α grid on which the largest error of a smoothed formula is measured: 0.25, 0.30, ..., 1.40."""


class FormulaError(MncostError):
    """The spec uses a construct that has no polynomial form (e.g. an α-dependent stride)."""


@dataclass(frozen=True, slots=True)
class Bound:
    """One end of an α interval. value None: 0 (lower end) or ∞ (upper end)."""

    value: Fraction | None
    closed: bool


@dataclass(frozen=True, slots=True)
class Piece:
    """On `low < α < high` (ends included where closed) the costs are these polynomials."""

    low: Bound
    high: Bound
    arithmetic: Poly  # MACs, or FLOPs under --count flops
    params: Poly

    def contains(self, alpha: Fraction) -> bool:
        lo, hi = self.low, self.high
        above = lo.value is None or alpha > lo.value or (lo.closed and alpha == lo.value)
        below = hi.value is None or alpha < hi.value or (hi.closed and alpha == hi.value)
        return above and below


@dataclass(frozen=True, slots=True)
class LargestError:
    """Largest relative deviation |formula − evaluated| / evaluated over the error grid."""

    quantity: str  # "arithmetic" | "params"
    relative: float
    alpha: float
    resolution: int
    formula: int
    evaluated: int


@dataclass(frozen=True, slots=True)
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
    smoothed: tuple[str, ...]  # each rounding step replaced by its smooth form, with its location
    stride_multiple: int  # resolutions that are multiples of this make the spatial part exact
    notes: tuple[str, ...]
    grid_alphas: tuple[float, ...]
    grid_resolutions: tuple[int, ...]
    errors: tuple[LargestError, ...]

    @property
    def exact_everywhere_on_grid(self) -> bool:
        return all(e.relative == 0 for e in self.errors)

    def piece_at(self, alpha: Fraction) -> Piece:
        for piece in self.pieces:
            if piece.contains(alpha):
                return piece
        raise FormulaError(f"no formula piece covers alpha={alpha}")  # pragma: no cover - pieces tile (0, ∞)

    def value(self, quantity: str, alpha: float | Fraction, resolution: int) -> Fraction:
        """The formula's value at α and ρ = resolution / base resolution."""
        a = to_fraction(alpha) if isinstance(alpha, float) else Fraction(alpha)
        piece = self.piece_at(a)
        poly = piece.arithmetic if quantity == "arithmetic" else piece.params
        return poly.at(a, Fraction(resolution, self.base_resolution))


def formula(graph: Graph, config: Config) -> Formula:
    """The closed-form MACs(α, ρ) and params(α, ρ) of `graph` under the conventions of `config`
    (its α and ρ are ignored), with the largest error of the smooth form on a grid."""
    resolved = resolve(graph, replace(config, alpha=1.0, rho=None, resolution=None))
    rounding = rounding_of(graph.spec, config)
    walker = _Walker(graph, config, resolved.classes)
    pieces = _pieces(walker)
    base = graph.spec.resolution
    stride = walker.stride_multiple
    near = round(base / stride) * stride
    resolutions = tuple(r for r in (near + k * stride for k in range(-3, 2)) if r >= stride)
    result = Formula(
        spec_name=graph.spec.name, spec_description=graph.spec.description, base_resolution=base,
        unit="FLOPs" if config.counting is Counting.FLOPS else "MACs", rounding=rounding, ops=config.ops,
        bn_params=str(config.bn_params), classes=resolved.classes, depth_multiplier=graph.depth_multiplier,
        pieces=pieces, smoothed=tuple(sorted(walker.smoothed)), stride_multiple=stride,
        notes=tuple(sorted(walker.notes)), grid_alphas=tuple(float(a) for a in ERROR_ALPHAS),
        grid_resolutions=resolutions, errors=(),
    )
    return replace(result, errors=_largest_errors(result, graph, config))


def _pieces(walker: _Walker) -> tuple[Piece, ...]:
    """Walk at α = 1 (nudged off a boundary), then step down to 0 and up to ∞ piece by piece."""
    first = walker.piece_near(Fraction(1))
    pieces = [first]
    while pieces[0].low.value is not None:
        low = pieces[0].low.value
        step = low / 4096
        while True:
            piece = walker.piece_near(low - step)
            if piece.high.value is not None and piece.high.value < low:
                step = (low - piece.high.value) / 2  # a piece in between: look closer
                continue
            break
        pieces.insert(0, piece)
        _check_count(pieces)
    while pieces[-1].high.value is not None:
        high = pieces[-1].high.value
        step = high / 4096
        while True:
            piece = walker.piece_near(high + step)
            if piece.low.value is not None and piece.low.value > high:
                step = (piece.low.value - high) / 2
                continue
            break
        pieces.append(piece)
        _check_count(pieces)
    return tuple(pieces)


def _check_count(pieces: list[Piece]) -> None:
    if len(pieces) > MAX_PIECES:
        raise FormulaError(f"the costs split into more than {MAX_PIECES} alpha intervals; no closed form is shown")


def _largest_errors(result: Formula, graph: Graph, config: Config) -> tuple[LargestError, ...]:
    worst: dict[str, LargestError] = {}
    for alpha in ERROR_ALPHAS:
        for resolution in result.grid_resolutions:
            report = evaluate(graph, replace(config, alpha=float(alpha), rho=None, resolution=resolution))
            for quantity, actual in (("arithmetic", report.arithmetic), ("params", report.totals.params)):
                value = result.value(quantity, alpha, resolution)
                relative = float(abs(value - actual) / actual) if actual else float(value != 0)
                if quantity not in worst or relative > worst[quantity].relative:
                    worst[quantity] = LargestError(quantity, relative, float(alpha), resolution,
                                                   round(value), actual)
    return (worst["arithmetic"], worst["params"])


class _AtBoundary(Exception):
    """The reference α sits exactly on an interval end; walk again slightly off it."""


class _Walker:
    """Symbolic evaluation of a graph at a reference α: decisions (conditions, max/min) are taken at
    that α and the interval of α over which each stays the same is recorded."""

    def __init__(self, graph: Graph, config: Config, classes: int) -> None:
        self.graph = graph
        self.config = config
        self.classes = classes
        self.smoothed: set[str] = set()
        self.notes: set[str] = set()
        self.stride_multiple = 1
        self.alpha0 = Fraction(1)
        self.low = Bound(None, False)
        self.high = Bound(None, False)
        self.where = ""

    def piece_near(self, alpha: Fraction) -> Piece:
        nudge = Fraction(1, 7919)
        for _ in range(8):
            try:
                return self.piece_at(alpha)
            except _AtBoundary:
                alpha = alpha * (1 - nudge)
                nudge /= 2
        raise FormulaError(f"cannot place alpha near {alpha} inside an interval")  # pragma: no cover

    def piece_at(self, alpha0: Fraction) -> Piece:
        self.alpha0, self.low, self.high = alpha0, Bound(None, False), Bound(None, False)
        arithmetic, params = self.walk()
        if self.config.counting is Counting.FLOPS:
            arithmetic = arithmetic * 2
        return Piece(self.low, self.high, arithmetic, params)

    # -- the graph --------------------------------------------------------------------------------

    def walk(self) -> tuple[Poly, Poly]:
        graph, config = self.graph, self.config
        base: dict[str, Value] = {"alpha": Poly.alpha(), "classes": Poly.const(self.classes)}
        side = Poly.rho(graph.spec.resolution)
        image = _Shape(side, side, Poly.const(graph.spec.channels))
        shapes: dict[int, Shape] = {GRAPH_INPUT: image}
        strides: dict[int, int] = {GRAPH_INPUT: 1}
        env_of = scope_environments(graph, base, lambda tensor: shapes[tensor].c, self.value)

        per_bn = config.bn_params.per_channel
        arithmetic, params = Poly(), Poly()
        for node in graph.nodes:
            if not all(self.truth(self.value(e, env_of(s)), e) for e, s in node.conditions):
                shapes[node.index] = shapes[node.inputs[0]]
                strides[node.index] = strides[node.inputs[0]]
                continue
            env = env_of(node.scope)
            attrs = {key: self.attr(node, key, value, env) for key, value in node.attrs}
            inputs = tuple(shapes[i] for i in node.inputs)
            out, stride = self.shape(node, inputs, attrs, max(strides[i] for i in node.inputs))
            shapes[node.index], strides[node.index] = out, stride
            rule = OPS[node.op]
            params = params + rule.weights(inputs, out, attrs)
            if node.op == "bn" or attrs.get("bn"):
                params = params + per_bn * out.c
            arithmetic = arithmetic + rule.macs(inputs, out, attrs)
            if config.ops is OpsCounted.ALL:
                arithmetic = arithmetic + rule.extra_macs(inputs, out, attrs)
        return arithmetic, params

    def attr(self, node: Node, key: str, value: Expr, env: dict[str, Value]) -> Any:
        kind = OPS[node.op].attrs[key].kind
        if kind in (Kind.BOOL, Kind.ACT, Kind.PADDING):
            return value({})  # literals, fixed when the spec was read
        result = self.value(value, env)
        if kind is Kind.CHANNELS:
            if not isinstance(result, Poly):
                raise FormulaError(f"{value.location}: layer '{node.name}': '{key}' is not a number")
            return result
        if not isinstance(result, Poly) or not result.is_constant or result.constant.denominator != 1:
            raise FormulaError(f"{value.location}: layer '{node.name}': '{key}' = {value.text} depends on alpha "
                               "or is not a whole number; it has no polynomial form")
        return int(result.constant)

    def shape(self, node: Node, inputs: Sequence[Shape], a: dict[str, Any], stride_in: int) -> tuple[Shape, int]:
        x = inputs[0]
        op = node.op
        if op in ("conv", "pwconv", "dwconv", "avgpool", "maxpool"):
            side, stride = self.spatial(node, cast(Poly, x.h), a["kernel"], a["stride"], a["padding"], stride_in)
            channels = a["out"] if op in ("conv", "pwconv") else x.c * a.get("multiplier", 1)
            return _Shape(side, side, channels), stride
        if op == "fc":
            return _Shape(Poly.const(1), Poly.const(1), a["out"]), stride_in
        if op in ("global_avgpool", "global_maxpool"):
            return _Shape(Poly.const(1), Poly.const(1), x.c), stride_in
        if op == "flatten":
            return _Shape(Poly.const(1), Poly.const(1), x.elements), stride_in
        if op == "concat":
            total = Poly()
            for s in inputs:
                total = total + s.c
            return _Shape(x.h, x.w, total), stride_in
        if op == "mul":
            big = next((s for s in inputs if not _is_one(s.h)), x)
            return big, stride_in
        return x, stride_in  # add, batch norm, activations, dropout, softmax

    def spatial(self, node: Node, side: Poly, kernel: int, stride: int, padding: str | int,
                stride_in: int) -> tuple[Poly, int]:
        if side.is_constant:  # after a global pool: a fixed size, computed exactly
            return Poly.const(spatial(int(side.constant), kernel, stride, padding)), stride_in
        if padding == "same":
            total = stride_in * stride
            self.stride_multiple = math.lcm(self.stride_multiple, total)
            return side.scaled(Fraction(1, stride)), total
        pad = {"valid": 0, "half": kernel // 2}[padding] if isinstance(padding, str) else padding
        if stride > 1 or 2 * pad != kernel - 1:
            self.notes.add(f"{node.location}: layer '{node.name}' (padding {padding}, kernel {kernel}, stride "
                           f"{stride}): side = (in + {2 * pad} - {kernel})/{stride} + 1, exact only where the "
                           "division leaves no remainder")
        return (side + (2 * pad - kernel)).scaled(Fraction(1, stride)) + 1, stride_in * stride

    # -- expressions ------------------------------------------------------------------------------

    def truth(self, value: Value, expr: Expr) -> bool:
        if not isinstance(value, bool):
            raise FormulaError(f"{expr.location}: condition '{expr.text}' is not true or false")
        return value

    def value(self, expr: Expr, env: dict[str, Value]) -> Value:
        self.where = f"'{expr.text}' at {expr.location}"
        return self.node(_tree(expr.text), env)

    def node(self, n: ast.expr, env: dict[str, Value]) -> Value:
        if isinstance(n, ast.Constant):
            if isinstance(n.value, bool):
                return n.value
            return Poly.const(n.value)  # type: ignore[arg-type]  # the whitelist admits only numbers
        if isinstance(n, ast.Name):
            return env[n.id]
        if isinstance(n, ast.UnaryOp):
            operand = self.node(n.operand, env)
            if isinstance(n.op, ast.Not):
                return not operand
            return -operand if isinstance(n.op, ast.USub) else operand
        if isinstance(n, ast.BoolOp):
            if isinstance(n.op, ast.And):
                return all(self.node(v, env) for v in n.values)
            return any(self.node(v, env) for v in n.values)
        if isinstance(n, ast.IfExp):
            return self.node(n.body if self.node(n.test, env) else n.orelse, env)
        if isinstance(n, ast.Compare):
            left = self.node(n.left, env)
            for op, comparator in zip(n.ops, n.comparators, strict=True):
                right = self.node(comparator, env)
                if not self.compare(op, left, right):
                    return False
                left = right
            return True
        if isinstance(n, ast.BinOp):
            return self.binop(n.op, self.node(n.left, env), self.node(n.right, env))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Name):
            return self.call(n.func.id, [self.node(a, env) for a in n.args])
        raise FormulaError(f"expression {self.where}: not supported in a formula")  # pragma: no cover

    def binop(self, op: ast.operator, a: Value, b: Value) -> Value:
        if isinstance(op, ast.Add):
            return a + b
        if isinstance(op, ast.Sub):
            return a - b
        if isinstance(op, ast.Mult):
            return a * b
        if isinstance(op, ast.Div):
            if not b.is_constant:
                raise FormulaError(f"expression {self.where}: division by an alpha-dependent value")
            return a.scaled(1 / b.constant)
        if isinstance(op, ast.Pow):
            if not b.is_constant or b.constant.denominator != 1 or b.constant < 0:
                raise FormulaError(f"expression {self.where}: only whole constant powers have a polynomial form")
            result = Poly.const(1)
            for _ in range(int(b.constant)):
                result = result * a
            return result
        if a.is_constant and b.is_constant:
            if isinstance(op, ast.FloorDiv):
                return Poly.const(a.constant // b.constant)
            return Poly.const(a.constant % b.constant)
        if isinstance(op, ast.FloorDiv) and b.is_constant:
            self.smoothed.add(f"// in {self.where} taken as exact division")
            return a.scaled(1 / b.constant)
        raise FormulaError(f"expression {self.where}: '%' of an alpha-dependent value has no polynomial form")

    def call(self, name: str, args: list[Value]) -> Value:
        if name in ("max", "min"):
            best = args[0]
            for other in args[1:]:
                sign = self.sign(other - best, tie_safe=True)
                if (sign > 0) == (name == "max") and sign != 0:
                    best = other
            return best
        if name == "scale":
            (c,) = args
            rule = "int(α·c)" if self.rounding is Rounding.NONE else "_make_divisible(α·c, 8)"
            self.smoothed.add(f"scale(c) taken as α·c in place of {rule}, rounding {self.rounding}")
            return c * Poly.alpha()
        if all(a.is_constant for a in args):
            return Poly.const(_constant_call(name, [a.constant for a in args]))
        self.smoothed.add(f"{name}() in {self.where} taken as its argument")
        return args[0]

    @property
    def rounding(self) -> Rounding:
        return rounding_of(self.graph.spec, self.config)

    def compare(self, op: ast.cmpop, a: Value, b: Value) -> bool:
        if isinstance(a, bool) or isinstance(b, bool):
            same = a == b
            return same if isinstance(op, ast.Eq) else not same
        sign = self.sign(a - b, tie_safe=False)
        return {ast.Eq: sign == 0, ast.NotEq: sign != 0, ast.Lt: sign < 0, ast.LtE: sign <= 0,
                ast.Gt: sign > 0, ast.GtE: sign >= 0}[type(op)]

    def sign(self, d: Poly, tie_safe: bool) -> int:
        """Sign of d at the reference α; records the α interval over which it stays the same."""
        if d.is_constant:
            return (d.constant > 0) - (d.constant < 0)
        terms = d.as_dict()
        if any(j != 0 or i > 1 for i, j in terms):
            raise FormulaError(f"expression {self.where}: a comparison that is not linear in alpha")
        slope, offset = terms.get((1, 0), Fraction(0)), terms.get((0, 0), Fraction(0))
        root = -offset / slope
        at = slope * self.alpha0 + offset
        if root > 0:
            if root == self.alpha0:
                raise _AtBoundary
            if root > self.alpha0 and (self.high.value is None or root < self.high.value
                                       or (root == self.high.value and not tie_safe)):
                self.high = Bound(root, tie_safe)
            if root < self.alpha0 and (self.low.value is None or root > self.low.value
                                       or (root == self.low.value and not tie_safe)):
                self.low = Bound(root, tie_safe)
        return (at > 0) - (at < 0)


def _is_one(side: Any) -> bool:
    return isinstance(side, Poly) and side == Poly.const(1)


def _constant_call(name: str, args: list[Fraction]) -> Fraction:
    fns: dict[str, Callable[..., Any]] = {
        "int": lambda v: int(v), "floor": math.floor, "ceil": math.ceil, "round": round,
        "round8": lambda v: make_divisible(float(v), 8),
        "make_divisible": lambda v, d, m=None: make_divisible(float(v), int(d), None if m is None else int(m)),
    }
    return Fraction(fns[name](*args))


@lru_cache(maxsize=1024)
def _tree(text: str) -> ast.expr:
    """The expression's syntax tree; the text already passed mncost.expr's whitelist."""
    return syntax_tree(text)
