"""Evaluate a symbolic graph under a config: shapes, parameters, MACs and activation bytes per layer.

The graph is walked once in the exact-integer domain (`mncost.walk`); every layer's costs come
from its op's rules (`mncost.ops`) and its live bytes from `mncost.liveness`.
"""

from __future__ import annotations

import math

from .conventions import Fusion, MemoryModel, OpsCounted, Rounding, resolution_from_rho
from .domain import EXACT
from .errors import ConfigError, SpecError
from .gcpause import collector_paused
from .graph import GRAPH_INPUT, Graph
from .limits import MAX_CHANNELS, MAX_RESOLUTION
from .liveness import executed_output, plan
from .ops import OPS, Shape
from .report import Config, Conventions, Cost, LayerCost, Memory, Report, Resolved, SpecInfo
from .spec import Spec
from .structure import structures
from .walk import Evaluated, exact_walk, layer_cost

__all__ = ["Evaluated", "check_paper_sizes", "classes_of", "conventions_of", "evaluate", "resolve", "rounding_of",
           "walk"]


def resolve(graph: Graph, config: Config) -> Resolved:
    """Check a config and fill in the spec's defaults: α, ρ ↔ resolution, classes."""
    spec = graph.spec
    alpha = config.alpha
    if not (isinstance(alpha, int | float) and math.isfinite(alpha) and alpha > 0):
        raise ConfigError(f"alpha must be a finite number > 0, got {alpha}")
    if config.rho is not None and config.resolution is not None:
        raise ConfigError("give either rho or resolution, not both")
    if config.resolution is not None:
        resolution = config.resolution
        rho = resolution / spec.resolution
    else:
        rho = 1.0 if config.rho is None else config.rho
        if not (math.isfinite(rho) and rho > 0):
            raise ConfigError(f"rho must be a finite number > 0, got {rho}")
        if spec.resolution * rho >= MAX_RESOLUTION + 0.5:
            raise ConfigError(f"rho={rho:g} gives a resolution of {spec.resolution * rho:.6g}, beyond the limit "
                              f"{MAX_RESOLUTION:,}")
        resolution = resolution_from_rho(spec.resolution, rho)
        if resolution < 1:
            raise ConfigError(f"rho={rho:g} gives a resolution of {spec.resolution * rho:.3g}, which rounds to 0 "
                              "(the resolution must be at least 1)")
    if not 1 <= resolution <= MAX_RESOLUTION:
        raise ConfigError(f"resolution must be between 1 and {MAX_RESOLUTION:,}, got {resolution}")
    if config.depth_multiplier != graph.depth_multiplier:
        raise ConfigError(f"the graph was built for depth multiplier {graph.depth_multiplier:g}, "
                          f"the config asks for {config.depth_multiplier:g} (load it with that multiplier)")
    if config.depth_rounding is not graph.depth_rounding:
        raise ConfigError(f"the graph was built for depth rounding {graph.depth_rounding}, the config asks for "
                          f"{config.depth_rounding} (load it with that rounding)")
    classes = classes_of(spec, config)
    if not 1 <= classes <= MAX_CHANNELS:
        raise ConfigError(f"classes must be between 1 and {MAX_CHANNELS:,}, got {classes}")
    return Resolved(alpha, rho, resolution, classes, graph.depth_multiplier)


def rounding_of(spec: Spec, config: Config) -> Rounding:
    """The channel rounding in force: the config's, else the spec's default."""
    return config.rounding or spec.defaults.rounding


def classes_of(spec: Spec, config: Config) -> int:
    """The number of classes in force: the config's, else the spec's."""
    return spec.classes if config.classes is None else config.classes


def conventions_of(spec: Spec, config: Config) -> Conventions:
    """The conventions a config resolves to for a spec (its defaults filled in), checked."""
    if config.first_layer_trick and config.memory_model is not MemoryModel.STREAMED:
        raise ConfigError("the first-layer trick applies to the streamed memory model (--memory-model streamed)")
    return Conventions(rounding_of(spec, config), config.counting, config.ops, config.bn_params,
                       config.dtype, str(spec.defaults.padding), config.weight_dtype or config.dtype,
                       config.memory_model, config.first_layer_trick, _device_name(config), fusion_of(config),
                       config.depth_rounding, ln_params=config.ln_params)


def _device_name(config: Config) -> str | None:
    if config.device is None:
        return None
    from .profiles import profile_for

    return profile_for(config.device).name


def fusion_of(config: Config) -> Fusion:
    """The fusion convention in force: the config's, else its device profile's, else tflite."""
    if config.fusion is not None:
        return config.fusion
    if config.device is not None:
        from .profiles import profile_for

        return profile_for(config.device).fusion
    return Fusion.TFLITE


@collector_paused()
def evaluate(graph: Graph, config: Config) -> Report:
    """One row per executed layer, with totals. Raises EvaluationError naming the layer's file:line."""
    resolved = resolve(graph, config)
    spec = graph.spec
    conventions = conventions_of(spec, config)
    rounding, weight_dtype = conventions.rounding, conventions.weight_dtype
    rows = []
    width, weight_width = config.dtype.bytes, weight_dtype.bytes
    evaluated = walk(graph, resolved, rounding)
    memory_plan = plan(graph, evaluated, width, config.memory_model, config.first_layer_trick)
    per_bn, ops = config.bn_params.per_channel, config.ops
    profile = None
    if config.device is not None:
        from .latency import features, layer_latency_ms
        from .profiles import profile_for

        profile = profile_for(config.device)
    fields = structures(graph, evaluated, conventions.fusion)
    for ev, live_now, streamed, s in zip(evaluated, memory_plan.live_bytes, memory_plan.streamed, fields, strict=True):
        node, out = ev.node, ev.output
        params, macs = layer_cost(EXACT, ev, per_bn, ops, config.ln_params)
        param_bytes = params * weight_width
        output_bytes = out.elements * width
        ms = None if profile is None else layer_latency_ms(features(ev, s, params, macs), profile)
        rows.append(LayerCost(node.name, node.op, OPS[node.op].label(ev.attrs), ev.inputs[0], out, params, macs,
                              output_bytes, live_now, node.location, param_bytes=param_bytes,
                              bytes_read=sum(x.elements for x in ev.read) * width + param_bytes,
                              bytes_written=output_bytes, streamed=streamed, latency_ms=ms, structure=s))
    totals = Cost(sum(r.params for r in rows), sum(r.macs for r in rows), sum(r.activation_bytes for r in rows),
                  param_bytes=sum(r.param_bytes for r in rows),
                  latency_ms=None if profile is None else sum(r.latency_ms or 0.0 for r in rows))
    info = SpecInfo(spec.name, spec.description, spec.family, spec.source, spec.file)
    return Report(info, resolved, conventions, tuple(rows), totals, _memory(rows), output_layers(graph, evaluated))


def output_layers(graph: Graph, evaluated: list[Evaluated]) -> tuple[str, ...]:
    """The executed layer that writes each output (through skipped layers), by name; none for the
    input image passed through (a network whose every layer is skipped)."""
    executed = {ev.node.index for ev in evaluated}
    names = []
    for output in graph.outputs:
        index = executed_output(graph, executed, output)
        if index != GRAPH_INPUT and graph.nodes[index].name not in names:
            names.append(graph.nodes[index].name)
    return tuple(names)


def walk(graph: Graph, resolved: Resolved, rounding: Rounding) -> list[Evaluated]:
    """Every executed node's attributes and shapes at a resolved config (exact integers)."""
    return exact_walk(graph, resolved.alpha, resolved.resolution, resolved.classes, rounding)


def _memory(rows: list[LayerCost]) -> Memory:
    if not rows:
        return Memory(0, "", 0, "")
    peak = max(rows, key=lambda r: r.live_bytes)
    largest = max((r for r in rows if not r.streamed), key=lambda r: r.activation_bytes)  # outputs are never streamed
    return Memory(peak.live_bytes, peak.name, largest.activation_bytes, largest.name)


def check_paper_sizes(graph: Graph) -> None:
    """At α = 1 and the spec's resolution, every 'input' size and filter input must match."""
    spec = graph.spec
    resolved = Resolved(1.0, 1.0, spec.resolution, spec.classes, graph.depth_multiplier)
    evaluated = walk(graph, resolved, spec.defaults.rounding)
    where = f"(checked at alpha=1, resolution={spec.resolution})"
    by_index = {ev.node.index: ev for ev in evaluated}
    for ev in evaluated:
        node, got = ev.node, ev.inputs[0]
        if node.paper_input is not None and node.paper_input != got:
            raise SpecError(node.location, f"input size {node.paper_input} does not match the derived {got} {where}")
        if node.paper_in_channels is not None and node.paper_in_channels != got.c:
            raise SpecError(node.location, f"filter input channels {node.paper_in_channels} do not match the "
                            f"derived {got.c} {where}")
    for scope in graph.scopes:
        if scope.paper_input is None:
            continue
        got = _shape_of(scope.input, by_index, graph, resolved)
        if got != scope.paper_input:
            raise SpecError(scope.location, f"input size {scope.paper_input} of '{scope.name}' does not match "
                            f"the derived {got} {where}")


def _shape_of(index: int, by_index: dict[int, Evaluated], graph: Graph, resolved: Resolved) -> Shape:
    while index != GRAPH_INPUT and index not in by_index:
        index = graph.nodes[index].inputs[0]  # a skipped node passes its first input through
    if index == GRAPH_INPUT:
        return Shape(resolved.resolution, resolved.resolution, graph.spec.channels)
    return by_index[index].output


def products_note(graph: Graph, ops: OpsCounted) -> str | None:
    """Under --ops conv-fc, a spec with matrix products between activations (attention) is counted
    without them: the line that says so, or None."""
    products = sum(1 for node in graph.nodes if OPS[node.op].product)
    if ops is not OpsCounted.CONV_FC or not products:
        return None
    return products_sentence(graph.spec.name, f"its {products} matrix products")


def products_sentence(name: str, what: str) -> str:
    """The note that --ops conv-fc leaves `what` (some matrix products) of `name` out."""
    return (f"note: {name}: --ops conv-fc leaves out the MACs of {what} between activations "
            "(attention q k^T and attn v): the papers' conv + FC count; the default conv-fc-matmul counts them")
