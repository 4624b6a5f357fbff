"""The symbolic layer graph: a spec with its tables and blocks expanded into named nodes.

The structure is fixed once (which ops exist, who feeds whom); channel counts, strides and
conditions stay expressions, evaluated per config. Every node has a stable hierarchical name
(`stage3.block2.dw`) and the file:line of the row that made it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import field
from typing import Any

from .conventions import DepthRounding
from .errors import ConfigError, Location, SpecError
from .expr import IN_NAME, Expr, builtin_functions
from .ops import Shape
from .record import record
from .spec import MAX_NESTING, MAX_REPEAT, BlockRow, Item, OpRow, Spec, StageTable

GRAPH_INPUT = -1
"""Tensor index of the network's input image."""
MAX_NODES = 100_000
"""Most nodes a spec may expand to."""
__all__ = ["GRAPH_INPUT", "MAX_NESTING", "MAX_NODES", "Graph", "Node", "Scope", "build_graph", "unread_nodes",
           "unread_warnings"]


@record
class Scope:
    """A block instance: its arguments (evaluated in the parent scope) and `let` values."""

    index: int
    parent: int | None
    name: str
    input: int  # tensor index of the block's input
    args: tuple[tuple[str, Expr], ...]
    lets: tuple[tuple[str, Expr], ...]
    streamable: bool
    paper_input: Shape | None = field(default=None, compare=False)
    location: Location | None = field(default=None, compare=False, repr=False)
    template: str = ""  # the block template it instantiates ("" for the root scope)


Condition = tuple[Expr, int, int]
"""A `when`: (expression, scope it is evaluated in, tensor whose channels `in` names at the top level)."""


@record
class Node:
    """One primitive op of the expanded network."""

    index: int
    name: str
    op: str
    attrs: tuple[tuple[str, Expr], ...]
    conditions: tuple[Condition, ...]  # all must hold
    scope: int
    inputs: tuple[int, ...]  # tensor indices (node indices, or GRAPH_INPUT)
    paper_input: Shape | None = field(compare=False)
    paper_in_channels: int | None = field(compare=False)
    location: Location = field(compare=False, repr=False)


@record
class Graph:
    spec: Spec
    nodes: tuple[Node, ...]
    scopes: tuple[Scope, ...]
    output: int  # the last of `outputs`
    depth_multiplier: float
    outputs: tuple[int, ...] = ()  # tensor index of every output, in the spec's order (the last layer's by default)
    depth_rounding: DepthRounding = DepthRounding.CEIL


def scope_environments(graph: Graph, base: dict[str, Any], input_channels: Callable[[int], Any],
                       value: Callable[[Expr, dict[str, Any]], Any]) -> Callable[[int, int], dict[str, Any]]:
    """`env_at(scope index, tensor index)`: the names an expression in that scope sees.

    Inside a block instance, `in` is the channels of the block's input tensor
    (`input_channels(tensor index)`); the block's arguments are evaluated in its parent's
    environment, then its lets in order, once per instance. At the top level (the root scope),
    `in` is the channels of `tensor`: the input of the row the expression is written in (a layer
    row, a block row's arguments, a stage-table cell). `value(expr, env)` evaluates one expression
    in the walk's number domain."""
    envs: list[dict[str, Any] | None] = [None] * len(graph.scopes)

    def at_top(tensor: int) -> dict[str, Any]:
        env = dict(base)
        env[IN_NAME] = input_channels(tensor)
        return env

    def env_of(index: int) -> dict[str, Any]:
        env = envs[index]
        if env is None:
            scope = graph.scopes[index]
            if scope.parent is None:
                env = base
            else:
                grand = graph.scopes[scope.parent].parent
                parent = at_top(scope.input) if grand is None else env_of(scope.parent)
                env = dict(parent)
                for name, arg in scope.args:
                    env[name] = value(arg, parent)
                env[IN_NAME] = input_channels(scope.input)
                for name, let in scope.lets:
                    env[name] = value(let, env)
            envs[index] = env
        return env

    def env_at(index: int, tensor: int) -> dict[str, Any]:
        return at_top(tensor) if graph.scopes[index].parent is None else env_of(index)

    return env_at


def build_graph(spec: Spec, depth_multiplier: float = 1.0,
                depth_rounding: DepthRounding = DepthRounding.CEIL) -> Graph:
    """Expand `spec` into nodes. Stage rows repeat `depth_rounding`(depth_multiplier·n) blocks
    (conventions.DepthRounding: per row, or per `stage` of rows as timm does)."""
    if not (isinstance(depth_multiplier, int | float) and math.isfinite(depth_multiplier) and depth_multiplier > 0):
        raise ConfigError(f"depth multiplier must be a finite number > 0, got {depth_multiplier}")
    _check_size(spec, depth_multiplier, depth_rounding)
    builder = _Builder(spec, depth_multiplier, depth_rounding)
    root = builder.scope(None, "", GRAPH_INPUT, (), (), False)
    top: dict[str, int] = {}
    last = builder.items(spec.layers, root, "", GRAPH_INPUT, 0, produced=top)
    outputs = tuple(top[name] for name in spec.outputs) or (last,)
    return Graph(spec, tuple(builder.nodes), tuple(builder.scopes), outputs[-1], depth_multiplier, outputs,
                 depth_rounding)


def unread_nodes(graph: Graph) -> tuple[Node, ...]:
    """Nodes whose output no node reads and no output is: a dangling branch, still counted.

    Structural (`when` conditions are not evaluated): a node read only by a skipped node is read."""
    read = {i for node in graph.nodes for i in node.inputs} | set(graph.outputs)
    return tuple(node for node in graph.nodes if node.index not in read)


def unread_warnings(graph: Graph) -> tuple[str, ...]:
    """One `FILE:LINE: ...` message per spec row that makes an unread node (a row of a block
    template used several times is named once, with its first instance)."""
    seen: dict[Location, list[Node]] = {}
    for node in unread_nodes(graph):
        seen.setdefault(node.location, []).append(node)
    messages = []
    for location, nodes in seen.items():
        more = f" (and {len(nodes) - 1} more instance{'s' if len(nodes) > 2 else ''})" if len(nodes) > 1 else ""
        messages.append(f"{location}: layer '{nodes[0].name}'{more} ({nodes[0].op}): its output is never read "
                        f"(not an input of any layer, not in 'outputs'); still counted in the totals")
    return tuple(messages)


def scaled_repeats(rounding: DepthRounding, depth_multiplier: float, repeats: list[int],
                   stages: list[str | None]) -> list[int]:
    """The blocks of each stage-table row: consecutive rows with the same `stage` are scaled
    together (timm), any other row on its own; a row of n = 0 has none. A stage beyond MAX_NODES
    blocks counts MAX_NODES + 1 for each row."""
    out = [0] * len(repeats)
    i = 0
    while i < len(repeats):
        j = i + 1
        while stages[i] is not None and j < len(repeats) and stages[j] == stages[i]:
            j += 1
        rows = [k for k in range(i, j) if repeats[k] > 0]
        ns = [repeats[k] for k in rows]
        if not depth_multiplier * sum(ns) <= MAX_NODES:  # also inf and nan
            counts = [MAX_NODES + 1] * len(rows)
        else:
            counts = rounding.stage(depth_multiplier, ns) if ns else []
        for k, count in zip(rows, counts, strict=True):
            out[k] = count
        i = j
    return out


def _check_size(spec: Spec, depth_multiplier: float, rounding: DepthRounding) -> None:
    """Count the nodes the spec expands to before building any (a template's count is fixed), so an
    oversized network is refused at once, naming the top-level row that crosses MAX_NODES."""
    per_block: dict[str, int] = {}

    def count(items: tuple[Item, ...]) -> int:
        total = 0
        for item in items:
            if isinstance(item, StageTable):
                each = block(item.block)
                # a row whose n is an expression counts 0 here (the builder's node limit still holds)
                counts = scaled_repeats(rounding, depth_multiplier, [r.repeats for r in item.rows],
                                        [r.stage for r in item.rows])
                total += sum(counts) * each
            elif isinstance(item, BlockRow):
                total += block(item.block)
            else:
                total += 1
        return total

    def block(name: str) -> int:  # recursion is bounded: the spec limits template nesting
        if name not in per_block:
            per_block[name] = count(spec.blocks[name].ops)
        return per_block[name]

    total = 0
    for item in spec.layers:
        total += count((item,))
        if total > MAX_NODES:
            raise SpecError(item.location, f"the network expands to more than {MAX_NODES:,} layers")


class _Builder:
    def __init__(self, spec: Spec, depth_multiplier: float, rounding: DepthRounding) -> None:
        self.spec = spec
        self.depth = depth_multiplier
        self.rounding = rounding
        self.nodes: list[Node] = []
        self.scopes: list[Scope] = []
        self.fixed: list[dict[str, Any]] = []  # per scope: the arguments known when the network is built

    def scope(self, parent: int | None, name: str, input: int, args: tuple[tuple[str, Expr], ...],
              lets: tuple[tuple[str, Expr], ...], streamable: bool, paper: Shape | None = None,
              location: Location | None = None, template: str = "") -> int:
        self.scopes.append(Scope(len(self.scopes), parent, name, input, args, lets, streamable, paper, location,
                                 template))
        # Arguments that use no config-dependent name (alpha, classes, in, scale, channels) are known
        # now: a stage table's n may be computed from them.
        outer = self.fixed[parent] if parent is not None else {}
        fixed = dict(_FIXED_FUNCTIONS)
        for arg, value in args:
            if value.names <= outer.keys():
                fixed[arg] = value(outer)
        self.fixed.append(fixed)
        return len(self.scopes) - 1

    def table_repeats(self, table: StageTable, scope: int) -> list[int]:
        """The blocks of each row of `table`, written in `scope`, under the depth convention."""
        repeats = []
        for row in table.rows:
            n = row.repeats
            if row.repeats_expr is not None:
                e = row.repeats_expr
                missing = sorted(e.names - self.fixed[scope].keys())
                if missing:
                    raise SpecError(row.location, f"'n' = '{e.text}' needs {', '.join(repr(m) for m in missing)} "
                                    f"as a whole number known when the network is built (a number, not an "
                                    f"expression of alpha, classes or in) in '{self.scopes[scope].name}'")
                n = e(self.fixed[scope])
                if isinstance(n, bool) or not isinstance(n, int | float) or n != int(n) or not 0 <= n <= MAX_REPEAT:
                    raise SpecError(row.location, f"'n' = '{e.text}' is {n!r} in '{self.scopes[scope].name}'; it "
                                    f"must be a whole number from 0 to {MAX_REPEAT:,}")
                n = int(n)
            repeats.append(n)
        return scaled_repeats(self.rounding, self.depth, repeats, [row.stage for row in table.rows])

    def items(self, items: tuple[Item, ...], scope: int, prefix: str, block_input: int, nesting: int,
              conditions: tuple[Condition, ...] = (), output: str | None = None,
              produced: dict[str, int] | None = None) -> int:
        """Add the nodes of `items`; return the tensor index of their output. `produced` (if given)
        receives the tensor index of each named item."""
        produced = {} if produced is None else produced
        produced["in"] = block_input
        current = block_input
        for item in items:
            if isinstance(item, StageTable):
                for k, (row, repeats) in enumerate(zip(item.rows, self.table_repeats(item, scope), strict=True)):
                    stage = f"{prefix}{item.name}{item.start + k}"
                    for b in range(repeats):
                        args = row.args
                        if row.stride is not None:
                            stride = row.stride if b == 0 else _one(row.stride.location)
                            args = args + (("s", stride),)
                        paper = row.paper_input if b == 0 else None
                        current = self.block(item.block, args, f"{stage}.block{b + 1}", current, scope,
                                             nesting, conditions, paper, row.location)
                    produced[f"{item.name}{item.start + k}"] = current
                continue
            inputs = tuple(produced[r] for r in item.inputs) if item.inputs else (current,)
            if isinstance(item, OpRow) and item.like is not None:  # read for its size only (resize)
                inputs += (GRAPH_INPUT if item.like == "input" else produced[item.like],)
            conds = conditions + (((item.when, scope, inputs[0]),) if item.when is not None else ())
            if isinstance(item, BlockRow):
                current = self.block(item.block, item.args, prefix + item.name, inputs[0], scope,
                                     nesting, conds, item.paper_input, item.location)
            else:
                current = self.op(item, prefix + item.name, inputs, scope, conds)
            produced[item.name] = current
        return produced[output] if output is not None else current

    def block(self, block: str, args: tuple[tuple[str, Expr], ...], name: str, input: int, parent: int,
              nesting: int, conditions: tuple[Condition, ...], paper: Shape | None,
              location: Location) -> int:
        if nesting >= MAX_NESTING:
            raise SpecError(location, f"blocks nested deeper than {MAX_NESTING} levels")
        template = self.spec.blocks[block]
        scope = self.scope(parent, name, input, args, template.lets, template.streamable, paper, location, block)
        return self.items(template.ops, scope, name + ".", input, nesting + 1, conditions, template.output)

    def op(self, row: OpRow, name: str, inputs: tuple[int, ...], scope: int,
           conditions: tuple[Condition, ...]) -> int:
        if len(self.nodes) >= MAX_NODES:
            raise SpecError(row.location, f"the network expands to more than {MAX_NODES:,} layers")
        index = len(self.nodes)
        self.nodes.append(Node(index, name, row.op, row.attrs, conditions, scope, inputs,
                               row.paper_input, row.paper_in_channels, row.location))
        return index


_FIXED_FUNCTIONS = {name: f for name, f in builtin_functions(lambda c: 0).items() if name != "scale"}
"""The functions an expression in `n` may call (scale() depends on alpha)."""


def _one(location: Location) -> Expr:
    return Expr("1", frozenset(), lambda env: 1, location)
