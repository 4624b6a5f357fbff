"""The one walk: a graph's nodes in spec order, their attributes and shapes, in a number domain.

`walk` evaluates every node's `when` conditions and attributes (through the domain's
`value`, `condition` and `whole`) and applies its op's shape rule (`mncost.ops`, over the same
domain). A node whose condition is false is skipped, and whoever reads it reads its first input
instead, so an absent expansion conv or residual add is an identity. Costs are not computed
here: `layer_cost` applies the op's cost rules to one walked node under a config's conventions.
`evaluate`, `formula` and `sweep` all run this walk; they differ only in the domain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .conventions import LnParams, OpsCounted, Rounding
from .domain import EXACT, Domain
from .errors import EvaluationError
from .expr import ExprError, builtin_functions
from .graph import GRAPH_INPUT, Graph, Node, scope_environments
from .limits import MAX_CHANNELS, MAX_RESOLUTION
from .ops import LITERAL_ATTRS, OPS, Kind, OpError, Shape
from .record import record


@record
class Evaluated:
    """A node as walked under one config: its attributes, input shapes and output shape."""

    node: Node
    attrs: dict[str, Any]
    inputs: tuple[Shape, ...]
    output: Shape

    @property
    def read(self) -> tuple[Shape, ...]:
        """The inputs whose data the op reads: all but a size reference (a resize's `like:` or
        second input, which gives the output its sides and is not read)."""
        return self.inputs[:1] if OPS[self.node.op].like and len(self.inputs) > 1 else self.inputs


def walk(graph: Graph, domain: Domain, image: Shape, base: dict[str, Any], alpha: Any = 1.0) -> list[Evaluated]:
    """Walk every node in `domain`, starting from the `image` shape, with the names of `base`
    (alpha, classes, the functions) in scope. Skipped nodes are left out of the result."""
    shapes: dict[int, Shape] = {GRAPH_INPUT: image}
    env_at = scope_environments(graph, base, lambda tensor: shapes[tensor].c, domain.value)
    done: list[Evaluated] = []
    for node in graph.nodes:
        if node.conditions and not all(domain.condition(domain.value(expr, env_at(scope, tensor)), expr, node)
                                       for expr, scope, tensor in node.conditions):
            shapes[node.index] = shapes[node.inputs[0]]
            continue
        env = env_at(node.scope, node.inputs[0])
        domain.enter(node)
        rule = OPS[node.op]
        literal = LITERAL_ATTRS[node.op]
        attrs = {}
        before: Any = None  # the attribute before: its expression and value
        before_value: Any = None
        for key, value in node.attrs:
            if key in literal:
                before_value = attrs[key] = value(env)  # literals, fixed when the spec was read
            elif value is before:  # kernel_w read from kernel (Attr.same_as): the same value
                attrs[key] = before_value
            else:
                before_value = attrs[key] = domain.whole(key, rule.attr(key).kind is Kind.CHANNELS,
                                                         domain.value(value, env), node, value.location, alpha)
            before = value
        inputs = tuple(shapes[i] for i in node.inputs)
        try:
            output = OPS[node.op].shape(domain, inputs, attrs)
        except OpError as exc:
            raise EvaluationError(node.location, f"layer '{node.name}': {exc}") from None
        if not domain.within_limits(output):
            raise EvaluationError(node.location, f"layer '{node.name}': output {output} is beyond the limits "
                                  f"({MAX_CHANNELS:,} channels, {MAX_RESOLUTION:,} pixels a side)")
        shapes[node.index] = output
        done.append(Evaluated(node, attrs, inputs, output))
    return done


def names_in_scope(alpha: float, classes: int, rounding: Rounding) -> dict[str, Any]:
    """The names every expression sees under a config: `alpha`, `classes` and the functions, with
    `scale` bound to α and the rounding."""
    base: dict[str, Any] = builtin_functions(scaler(alpha, rounding))
    base.update(alpha=alpha, classes=classes)
    return base


def exact_walk(graph: Graph, alpha: float, resolution: int, classes: int, rounding: Rounding,
               domain: Domain = EXACT) -> list[Evaluated]:
    """The walk at one α and resolution, with exact channel counts (sides in `domain`'s numbers
    when given a domain whose sides are symbolic)."""
    image = Shape(domain.image_side(resolution), domain.image_side(resolution), graph.spec.channels)
    return walk(graph, domain, image, names_in_scope(alpha, classes, rounding), alpha)


def layer_cost(domain: Domain, ev: Evaluated, bn_per_channel: int, ops: OpsCounted,
               ln_params: LnParams = LnParams.AFFINE) -> tuple[Any, Any]:
    """Parameters and MACs of one walked layer, under the bn-params, ln-params and ops conventions."""
    node, a, out, inputs = ev.node, ev.attrs, ev.output, ev.inputs
    rule = OPS[node.op]
    params = 0 if rule.norm_affine and ln_params is LnParams.NONE else rule.weights(domain, inputs, out, a)
    if bn_per_channel and (node.op == "bn" or a.get("bn")):
        params = params + bn_per_channel * out.c
    macs = 0 if rule.product and ops is OpsCounted.CONV_FC else rule.macs(domain, inputs, out, a)
    if ops is OpsCounted.ALL:
        macs = macs + rule.extra_macs(domain, inputs, out, a)
    return params, macs


def scaler(alpha: float, rounding: Rounding) -> Callable[[float], int]:
    """`scale(c)`: a paper width under α and the rounding, refusing widths beyond the limit."""
    def scale(channels: float) -> int:
        if not abs(alpha * channels) <= MAX_CHANNELS:  # also catches inf and nan
            raise ExprError(f"alpha={alpha:g} x {channels:g} = {alpha * channels:.3g} channels is beyond "
                            f"the limit {MAX_CHANNELS:,}")
        return rounding.apply(alpha, channels)

    return scale
