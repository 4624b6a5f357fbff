"""Number domains: what the op rules and expressions compute with.

Every figure mncost reports comes from one set of rules (`mncost.ops` for shapes and costs,
`mncost.expr` for a spec's expressions) run by one walk (`mncost.walk`). The rules never use
Python's integer operators for anything but `+`, `-` and `*`; whatever else they need (floor and
ceiling division, divisibility, comparisons, `max`, `min`, whole-number attributes) they ask of a
`Domain`, the way PyTorch's and tinygrad's shape rules run on concrete and symbolic sizes alike.
Three domains exist:

- `EXACT` (here): Python integers. `evaluate` and so `show`, `diff`, `memory`, `fit`.
- `mncost.formula.PolyDomain`: polynomials in α and ρ; each decision (a comparison, a `max`, a
  floor division) is taken at a reference point and the conditions under which it stays the same
  are recorded (α intervals, a resolution multiple, a smoothed rounding). `formula`.
- `mncost.sweep.SideDomain`: exact channel counts under one α, feature-map sides as symbols
  derived from the resolution; comparisons of sides are recorded as guards that every resolution
  of the sweep is checked against. The fast `sweep`.

A domain that cannot carry a rule raises `Unsupported` with a message that names the rule; the
commands turn it into a one-line error (exit 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .errors import EvaluationError, Location, MncostError
from .limits import MAX_CHANNELS, MAX_RESOLUTION

if TYPE_CHECKING:
    from .expr import Expr
    from .graph import Node


class Unsupported(MncostError):
    """A rule or expression has no exact form in this domain (e.g. an α-dependent stride in a formula)."""


class Domain:
    """Exact integer arithmetic: the reference semantics every other domain must agree with.

    Values are ints (or floats inside expressions); the walk's shapes hold ints."""

    name = "exact"

    def floor_div(self, a: Any, b: int) -> Any:
        return a // b

    def ceil_div(self, a: Any, b: int) -> Any:
        return -(-a // b)

    def less(self, a: Any, b: Any) -> bool:
        return bool(a < b)

    def equal(self, a: Any, b: Any) -> bool:
        return bool(a == b)

    def divides(self, divisor: int, value: Any) -> bool:
        """`value` is a multiple of `divisor`."""
        return bool(value % divisor == 0)

    def largest(self, values: Sequence[Any]) -> int:
        """Index of the first largest value."""
        best = 0
        for k in range(1, len(values)):
            if self.less(values[best], values[k]):
                best = k
        return best

    def sum(self, values: Sequence[Any]) -> Any:
        total: Any = 0
        for v in values:
            total = total + v
        return total

    # -- what the walk asks of a domain -----------------------------------------------------------

    def within_limits(self, shape: Any) -> bool:
        """The walk refuses an output beyond MAX_CHANNELS channels or MAX_RESOLUTION pixels a side."""
        return not (shape.c > MAX_CHANNELS or shape.h > MAX_RESOLUTION or shape.w > MAX_RESOLUTION)

    def image_side(self, resolution: int) -> Any:
        """The input image's height and width at a resolution."""
        return resolution

    def enter(self, node: Node) -> None:
        """The walk is about to apply `node`'s op rules (domains that record decisions note where)."""

    def value(self, expr: Expr, env: dict[str, Any]) -> Any:
        """An expression's value in this domain (exact: the compiled closure)."""
        return expr(env)

    def condition(self, value: Any, expr: Expr, node: Node) -> bool:
        """A `when` condition's outcome."""
        if not isinstance(value, bool):
            raise EvaluationError(node.location, f"layer '{node.name}': condition '{expr.text}' must be true or "
                                  f"false, got {value!r}")
        return value

    def whole(self, key: str, channels: bool, value: Any, node: Node, location: Location, alpha: float) -> Any:
        """A channel count (`channels`) or another whole-number attribute (kernel, stride, groups):
        a whole number from 1 to MAX_CHANNELS."""
        what = "a whole number of channels" if channels else "a whole number"
        if isinstance(value, bool) or not isinstance(value, int | float):
            got = f"a boolean ({value})" if isinstance(value, bool) else repr(value)
            raise EvaluationError(location, f"layer '{node.name}': '{key}' must be {what}, got {got}")
        if isinstance(value, float):
            if not value.is_integer():
                raise EvaluationError(
                    location, f"layer '{node.name}': '{key}' = {value:g} at alpha={alpha:g} is not a whole number "
                    "(round it with int(), round(), round8() or scale())")
            value = int(value)
        if value < 1:
            raise EvaluationError(location,
                                  f"layer '{node.name}': '{key}' = {value} at alpha={alpha:g}; it must be >= 1")
        if value > MAX_CHANNELS:
            raise EvaluationError(location,
                                  f"layer '{node.name}': '{key}' = {value:,} is beyond the limit {MAX_CHANNELS:,}")
        return value


EXACT = Domain()
"""The exact-integer domain."""
