"""Safe arithmetic expressions for channel counts, strides and conditions.

Parsed with `ast` against a whitelist and compiled to closures; never `eval`. Allowed: numbers,
`True`/`False`, names known in the scope, `+ - * / // % **`, comparisons, `and or not`,
`x if cond else y`, and calls of the functions in `FUNCTIONS`. `in` (a block's input channels)
is accepted although it is a Python keyword.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field
from functools import lru_cache
from typing import Any

from .errors import Location, SpecError
from .record import record

Env = Mapping[str, Any]
Value = int | float | bool
Compiled = Callable[[Env], Any]

MAX_LENGTH = 500
"""Longest expression text, in characters."""
MAX_DEPTH = 32
"""Deepest expression tree."""
MAX_MAGNITUDE = 10**15
"""Largest absolute value any step of an expression may produce."""
MAX_EXPONENT = 64
"""Largest exponent `**` accepts."""

FUNCTIONS: dict[str, tuple[int, int]] = {
    # name: (min args, max args)
    "max": (1, 16),
    "min": (1, 16),
    "int": (1, 1),
    "round": (1, 1),
    "ceil": (1, 1),
    "floor": (1, 1),
    "round8": (1, 1),
    "make_divisible": (2, 3),
    "scale": (1, 1),
}
"""Callable names. `scale(c)` applies the config's width multiplier and rounding to c."""

_IN_KEYWORD = re.compile(r"(?<![A-Za-z0-9_.])in(?![A-Za-z0-9_])")
IN_NAME = "in_"
"""The environment key of `in` (the block input's channels; `in` is a Python keyword)."""


class ExprError(Exception):
    """Raised while evaluating; turned into a SpecError with the expression's location."""


@record
class Expr:
    """A compiled expression and the spec text it came from."""

    text: str
    names: frozenset[str]
    fn: Compiled = field(compare=False, repr=False)
    location: Location = field(compare=False, repr=False)

    def __call__(self, env: Env) -> Any:
        try:
            return self.fn(env)
        except ExprError as exc:
            raise SpecError(self.location, f"expression '{self.text}': {exc}") from None
        except ZeroDivisionError:
            raise SpecError(self.location, f"expression '{self.text}': division by zero") from None
        except OverflowError:
            raise SpecError(self.location, f"expression '{self.text}': a value is out of range "
                            f"(limit {MAX_MAGNITUDE:.0e})") from None

    @property
    def is_constant(self) -> bool:
        return not self.names


def constant(value: Value, location: Location) -> Expr:
    """An expression for a literal YAML number or boolean."""
    text, fn = _constant_parts(value, type(value).__name__)
    return Expr(text, frozenset(), fn, location)


def scaled(channels: int, location: Location) -> Expr:
    """`scale(channels)`: a paper channel count, scaled by α under the config's rounding."""
    text, fn = _scaled_parts(channels)
    return Expr(text, _SCALE, fn, location)


# Large specs repeat the same literals thousands of times: their text and closure are shared
# (keyed by type too, as 1 == 1.0 == True).
@lru_cache(maxsize=4096)
def _constant_parts(value: Value, kind: str) -> tuple[str, Compiled]:
    return str(value), lambda env: value


@lru_cache(maxsize=4096)
def _scaled_parts(channels: int) -> tuple[str, Compiled]:
    return f"scale({channels})", lambda env: env["scale"](channels)


_SCALE = frozenset({"scale"})


def syntax_tree(text: str) -> ast.expr:
    """The Python syntax tree of an expression's text, `in` renamed to IN_NAME (raises SyntaxError).
    `parse` compiles it against the whitelist; `formula` and `fit` read it for their analyses."""
    return ast.parse(_IN_KEYWORD.sub(IN_NAME, text.strip()), mode="eval").body


class Operations:
    """What compiled expressions compute with: the number check and the operators. `EXACT_OPERATIONS`
    runs on Python numbers; `mncost.formula` supplies polynomial ones (`compile_in`)."""

    def __init__(self, number: Callable[[Any], Any], binops: Mapping[type[ast.operator], Callable[[Any, Any], Any]],
                 power: Callable[[Any, Any], Any], compare: Mapping[type[ast.cmpop], Callable[[Any, Any], bool]],
                 truth: Callable[[Any], bool]) -> None:
        self.number, self.binops, self.power, self.compare, self.truth = number, binops, power, compare, truth


def parse(text: str, known: Iterable[str], location: Location) -> Expr:
    """Compile `text`; every name must be in `known` or be a function in FUNCTIONS."""
    if len(text) > MAX_LENGTH:
        raise SpecError(location, f"expression is {len(text)} characters; the limit is {MAX_LENGTH}")
    if not text.strip():
        raise SpecError(location, "empty expression")
    try:
        tree = syntax_tree(text)
    except SyntaxError as exc:
        detail = f" ({exc.msg})" if exc.msg and exc.msg != "invalid syntax" else ""
        raise SpecError(location, f"expression '{text}': invalid syntax{detail}") from None
    except (RecursionError, MemoryError, ValueError):
        raise SpecError(location, f"expression '{text}': too complex") from None
    compiler = _Compiler(text, frozenset(IN_NAME if k == "in" else k for k in known), location, EXACT_OPERATIONS)
    fn = compiler.compile(tree, 1)
    names = frozenset("in" if n == IN_NAME else n for n in compiler.names)
    return Expr(text, names, fn, location)


@lru_cache(maxsize=4096)
def compile_in(text: str, operations: Operations) -> Compiled:
    """The closure of an already parsed expression's text over other `operations` (same whitelist;
    the names were checked when it was parsed). Functions come from the environment, as always."""
    return _Compiler(text, None, Location("<expr>", 1), operations).compile(syntax_tree(text), 1)


_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.FloorDiv: lambda a, b: a // b,
    ast.Mod: lambda a, b: a % b,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: bool(a == b),
    ast.NotEq: lambda a, b: bool(a != b),
    ast.Lt: lambda a, b: bool(a < b),
    ast.LtE: lambda a, b: bool(a <= b),
    ast.Gt: lambda a, b: bool(a > b),
    ast.GtE: lambda a, b: bool(a >= b),
}


def _number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExprError(f"expected a number, got {_describe(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ExprError("result is not a finite number")
    if abs(value) > MAX_MAGNITUDE:
        raise ExprError(f"value {value:.3g} is out of range (limit {MAX_MAGNITUDE:.0e})")
    return value


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({value})"
    return f"{type(value).__name__} {value!r}"


def _power(a: Any, b: Any) -> Any:
    if abs(b) > MAX_EXPONENT:
        raise ExprError(f"exponent {b} is too large (limit {MAX_EXPONENT})")
    if a == 0 and b < 0:
        raise ZeroDivisionError
    if a < 0 and not float(b).is_integer():
        raise ExprError("a negative number to a fractional power is not a real number")
    try:
        result = a**b
    except OverflowError:
        raise ExprError(f"a power is out of range (limit {MAX_MAGNITUDE:.0e})") from None
    return _number(result)


class _Compiler:
    def __init__(self, text: str, known: frozenset[str] | None, location: Location, ops: Operations) -> None:
        self.text = text
        self.known = known  # None: names were checked already
        self.location = location
        self.ops = ops
        self.names: set[str] = set()

    def error(self, message: str) -> SpecError:
        return SpecError(self.location, f"expression '{self.text}': {message}")

    def compile(self, node: ast.expr, depth: int) -> Compiled:
        if depth > MAX_DEPTH:
            raise self.error(f"nested deeper than {MAX_DEPTH} levels")
        d = depth + 1
        number, truth = self.ops.number, self.ops.truth
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, bool | int | float) and not isinstance(value, complex):
                if not isinstance(value, bool):
                    _check_literal(value, self)
                    value = number(value)
                return lambda env: value
            raise self.error(f"literal {value!r} is not allowed (only numbers and True/False)")
        if isinstance(node, ast.Name):
            return self.name(node.id)
        if isinstance(node, ast.BinOp):
            left, right = self.compile(node.left, d), self.compile(node.right, d)
            if isinstance(node.op, ast.Pow):
                power = self.ops.power
                return lambda env: power(number(left(env)), number(right(env)))
            op = self.ops.binops.get(type(node.op))
            if op is None:
                raise self.error(f"operator {type(node.op).__name__} is not allowed")
            return lambda env: number(op(number(left(env)), number(right(env))))
        if isinstance(node, ast.UnaryOp):
            operand = self.compile(node.operand, d)
            if isinstance(node.op, ast.USub):
                return lambda env: -number(operand(env))
            if isinstance(node.op, ast.UAdd):
                return lambda env: number(operand(env))
            if isinstance(node.op, ast.Not):
                return lambda env: not truth(operand(env))
            raise self.error(f"operator {type(node.op).__name__} is not allowed")
        if isinstance(node, ast.BoolOp):
            parts = [self.compile(v, d) for v in node.values]
            if isinstance(node.op, ast.And):
                return lambda env: all(truth(p(env)) for p in parts)
            return lambda env: any(truth(p(env)) for p in parts)
        if isinstance(node, ast.Compare):
            return self.compare(node, d)
        if isinstance(node, ast.IfExp):
            test, body, orelse = (self.compile(n, d) for n in (node.test, node.body, node.orelse))
            return lambda env: body(env) if truth(test(env)) else orelse(env)
        if isinstance(node, ast.Call):
            return self.call(node, d)
        if isinstance(node, ast.Attribute):
            raise self.error("attribute access is not allowed")
        if isinstance(node, ast.Subscript):
            raise self.error("indexing is not allowed")
        raise self.error(f"{type(node).__name__} is not allowed")

    def name(self, name: str) -> Compiled:
        shown = "in" if name == IN_NAME else name
        if name in FUNCTIONS:
            raise self.error(f"function '{name}' must be called")
        if self.known is not None and name not in self.known:
            candidates = sorted("in" if k == IN_NAME else k for k in self.known)
            from .hints import did_you_mean

            hint = did_you_mean(shown, candidates) or f"; known names: {', '.join(candidates)}"
            raise self.error(f"unknown name '{shown}'{hint}")
        self.names.add(name)
        return lambda env: env[name]

    def compare(self, node: ast.Compare, depth: int) -> Compiled:
        first = self.compile(node.left, depth)
        ops: list[Callable[[Any, Any], bool]] = []
        number = self.ops.number
        for op in node.ops:
            fn = self.ops.compare.get(type(op))
            if fn is None:
                raise self.error(f"comparison {type(op).__name__} is not allowed")
            ops.append(fn)
        rest = [self.compile(c, depth) for c in node.comparators]

        def run(env: Env) -> bool:
            left = number(first(env))
            for op, right_fn in zip(ops, rest, strict=True):
                right = number(right_fn(env))
                if not op(left, right):
                    return False
                left = right
            return True

        return run

    def call(self, node: ast.Call, depth: int) -> Compiled:
        if not isinstance(node.func, ast.Name):
            raise self.error("only named functions may be called")
        fname = node.func.id
        if fname not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise self.error(f"function '{fname}' is not allowed (allowed: {allowed})")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error(f"{fname}() takes positional arguments only")
        low, high = FUNCTIONS[fname]
        if not low <= len(node.args) <= high:
            raise self.error(f"{fname}() takes {low}..{high} arguments, got {len(node.args)}")
        args = [self.compile(a, depth + 1) for a in node.args]
        self.names.add(fname)
        number = self.ops.number
        return lambda env: number(env[fname](*[number(a(env)) for a in args]))


def _check_literal(value: int | float, compiler: _Compiler) -> None:
    if abs(value) > MAX_MAGNITUDE:
        raise compiler.error(f"number {value} is out of range")


def _truth(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ExprError(f"expected a condition (true/false), got {_describe(value)}")


EXACT_OPERATIONS = Operations(_number, _BINOPS, _power, _COMPARE, _truth)
"""Expressions over Python numbers, every step checked against MAX_MAGNITUDE."""


def _to_int(value: float) -> int:
    return int(value)


def builtin_functions(scale: Callable[[float], int]) -> dict[str, Callable[..., Any]]:
    """The callable environment: `scale` is bound to a config's α and rounding."""
    from .conventions import make_divisible

    def checked_make_divisible(value: float, divisor: float, min_value: float | None = None) -> int:
        if isinstance(divisor, float) and not divisor.is_integer() or divisor < 1:
            raise ExprError(f"make_divisible() divisor must be a whole number >= 1, got {divisor}")
        return make_divisible(value, int(divisor), None if min_value is None else int(min_value))

    return {
        "max": lambda *args: max(args),  # one argument is allowed (FUNCTIONS): max(8) is 8, not a TypeError
        "min": lambda *args: min(args),
        "int": _to_int,
        "round": round,
        "ceil": math.ceil,
        "floor": math.floor,
        "round8": lambda v: make_divisible(v, 8),
        "make_divisible": checked_make_divisible,
        "scale": scale,
    }
