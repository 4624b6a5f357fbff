"""Totals over a grid of width multipliers α and input resolutions, evaluated fast.

Under one α, everything the spec's expressions decide (which layers run, channel counts,
kernels, strides) is fixed; the resolution decides only each tensor's height and width. A
tensor's height and width come from a short chain of windows (strided convolutions and pools)
applied to the image, so the tensors fall into a few *spatial slots* (the image, each distinct
downsampling, 1x1), and every total is a sum of channel terms times slot areas:

    total(α, resolution) = Σ_slot coefficient(α)[slot] × area(resolution)[slot]

The graph is walked once per α (with `walk`, `layer_cost` and `live_bytes`, the very functions
`evaluate` uses, so the conventions live in one place), the slot areas once per resolution, and
each grid point then costs a few dot products. Peak memory is the largest of such sums over the
layers; layers whose live tensors are outdone in every slot by another layer's are dropped.

Whenever a grid point might not fit this picture (an op the slots do not model, an invalid
config, a layer that fails at some resolution, a config option this module does not know), it is
evaluated on its own with `evaluate`: every row is exactly what `evaluate` gives, errors included.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import mul
from typing import Any, cast

from .domain import EXACT
from .errors import MncostError
from .evaluate import Evaluated, classes_of, layer_cost, live_bytes, resolve, rounding_of, walk
from .evaluate import evaluate as evaluate_one
from .gcpause import collector_paused
from .graph import GRAPH_INPUT, Graph
from .ops import ACTIVATIONS, OpError, Shape, spatial
from .record import defaults, replace
from .report import Config, Report, Resolved
from .limits import MAX_RESOLUTION


@dataclass(frozen=True, slots=True)
class SweepRow:
    """Totals of one grid point. Arithmetic in MACs; bytes at the config's dtype."""

    alpha: float
    resolution: int
    rho: float
    params: int
    macs: int
    activation_bytes: int
    peak_bytes: int


@collector_paused()
def sweep(graph: Graph, alphas: Sequence[float], resolutions: Sequence[int], config: Config) -> list[SweepRow]:
    """One row per (α, resolution), α-major in the order given. `config` supplies the conventions.

    Every row equals the totals of `evaluate(graph, config with that α and resolution)`."""
    def one(alpha: float, resolution: int) -> SweepRow:
        point = replace(config, alpha=alpha, rho=None, resolution=resolution)
        return _row(alpha, resolution, evaluate_one(graph, point))

    if not _fast_path_applies(config):
        return [one(a, r) for a in alphas for r in resolutions]
    spec = graph.spec
    rounding = rounding_of(spec, config)
    classes = classes_of(spec, config)
    width = config.dtype.bytes
    res_ok = [type(r) is int and _valid(graph, replace(config, alpha=1.0, rho=None, resolution=r)) for r in resolutions]
    good = [r for r, ok in zip(resolutions, res_ok, strict=True) if ok]
    probe = max(good) if good else None
    grids: dict[tuple[Any, ...], _Grid] = {}
    rows: list[SweepRow] = []
    for alpha in alphas:
        plan = None
        if probe is not None and _valid(graph, replace(config, alpha=alpha, rho=None, resolution=probe)):
            at_probe = Resolved(alpha, probe / spec.resolution, probe, classes, graph.depth_multiplier)
            plan = _plan(graph, config, at_probe, rounding)
        if plan is None:
            rows.extend(one(alpha, r) for r in resolutions)
            continue
        grid = grids.get(plan.layout)
        if grid is None:
            grid = grids[plan.layout] = _Grid.of(plan.layout, resolutions, res_ok)
        # Each total at every fitting resolution at once: coefficient × that slot's column of areas.
        params, macs, elements = (grid.combine(v) for v in (plan.params, plan.macs, plan.elements))
        peaks = [grid.combine(v) for v in plan.live]
        peak = list(map(max, *peaks)) if len(peaks) > 1 else peaks[0] if peaks else [0] * len(grid.fits)
        fast = {j: SweepRow(alpha, resolutions[j], resolutions[j] / spec.resolution, params[i], macs[i],
                            width * elements[i], width * peak[i]) for i, j in enumerate(grid.fits)}
        rows.extend(fast[j] if j in fast else one(alpha, r) for j, r in enumerate(resolutions))
    return rows


def _row(alpha: float, resolution: int, report: Report) -> SweepRow:
    t = report.totals
    peak = report.memory.peak_bytes
    return SweepRow(alpha, resolution, report.config.rho, t.params, t.macs, t.activation_bytes, peak)


_CONFIG_FIELDS = frozenset({"alpha", "rho", "resolution", "rounding", "classes", "counting", "ops", "bn_params",
                            "dtype", "depth_multiplier"})
"""The Config options the fast path accounts for; any other option left at a non-default value
sends every grid point through `evaluate`."""


def _fast_path_applies(config: Config) -> bool:
    return all(getattr(config, name) == default for name, default in defaults(Config).items()
               if name not in _CONFIG_FIELDS)


def _valid(graph: Graph, config: Config) -> bool:
    try:
        resolve(graph, config)
    except MncostError:
        return False
    return True


# -- spatial slots ---------------------------------------------------------------------------------
# A layout lists how each slot's height and width derive from earlier slots, then the pairs of
# slots that must have equal height and width (inputs of `add` and `concat`):
#   ("unit",)                            1 x 1
#   ("image",)                           resolution x resolution
#   ("window", slot, kernel, stride, padding)   ops.spatial on each side of `slot`
#   ("broadcast", slot, slot, ...)       the largest of the slots (`mul`); the others must equal it or be 1x1
UNIT, IMAGE = 0, 1
_WINDOW_OPS = frozenset({"conv", "pwconv", "dwconv", "avgpool", "maxpool"})
_UNIT_OPS = frozenset({"fc", "global_avgpool", "global_maxpool"})
_SAME_OPS = frozenset({"bn", "dropout", "softmax", *ACTIVATIONS})
_EQUAL_OPS = frozenset({"add", "concat"})
_BITS = 128
"""Bits per slot when totals are packed into one integer, one digit per slot (see `_plan`)."""


def _slot_sides(layout: tuple[Any, ...], resolution: int) -> list[tuple[int, int]] | None:
    """Height and width of every slot at a resolution; None where some layer would fail."""
    derivations, checks = layout
    sides: list[tuple[int, int]] = []
    for d in derivations:
        if d[0] == "unit":
            side = (1, 1)
        elif d[0] == "image":
            side = (resolution, resolution)
        elif d[0] == "window":
            (h, w), kernel, stride, padding = sides[d[1]], d[2], d[3], d[4]
            try:
                side = (spatial(h, kernel, stride, padding), spatial(w, kernel, stride, padding))
            except OpError:
                return None
        else:  # broadcast, as ops._mul_shape: the first of the largest; the others equal it or are 1x1
            inputs = [sides[i] for i in d[1:]]
            side = max(inputs, key=lambda s: s[0] * s[1])
            if any(s not in (side, (1, 1)) for s in inputs):
                return None
        if side[0] > MAX_RESOLUTION or side[1] > MAX_RESOLUTION:
            return None
        sides.append(side)
    if any(sides[a] != sides[b] for a, b in checks):
        return None
    return sides


def _slot_areas(layout: tuple[Any, ...], resolution: int) -> tuple[int, ...] | None:
    sides = _slot_sides(layout, resolution)
    return None if sides is None else tuple(h * w for h, w in sides)


@dataclass(frozen=True, slots=True)
class _Grid:
    """A layout's slot areas at the sweep's resolutions where no layer fails (`fits`: their indices)."""

    fits: tuple[int, ...]
    columns: tuple[tuple[int, ...], ...]  # per slot, its area at each fitting resolution

    @staticmethod
    def of(layout: tuple[Any, ...], resolutions: Sequence[int], usable: Sequence[bool]) -> _Grid:
        areas = [_slot_areas(layout, r) if ok else None for r, ok in zip(resolutions, usable, strict=True)]
        fits = tuple(j for j, a in enumerate(areas) if a is not None)
        columns = tuple(zip(*[areas[j] for j in fits]))  # noqa: B905 (rows of equal length)
        return _Grid(fits, columns or ((),) * len(layout[0]))

    def combine(self, coefficients: tuple[int, ...]) -> list[int]:
        """Σ over slots of coefficient × area, at each fitting resolution."""
        total = [0] * len(self.fits)
        for coefficient, column in zip(coefficients, self.columns, strict=True):
            if coefficient:
                total = [t + coefficient * a for t, a in zip(total, column, strict=True)]
        return total


@dataclass(frozen=True, slots=True)
class _Plan:
    """One α's totals as coefficient vectors over the slots of `layout` (elements, not bytes)."""

    layout: tuple[Any, ...]
    params: tuple[int, ...]
    macs: tuple[int, ...]
    elements: tuple[int, ...]
    live: tuple[tuple[int, ...], ...]  # per layer, the live elements by slot; dominated layers dropped


def _plan(graph: Graph, config: Config, probe: Resolved, rounding: Any) -> _Plan | None:
    """Walk the graph at α and the probe resolution, then express every total per slot.

    None when the graph does not fit the slot model (or fails at the probe resolution): the
    caller then evaluates each grid point of this α on its own."""
    try:
        evaluated = walk(graph, probe, rounding)
    except MncostError:
        return None
    layout = _layout(graph, evaluated)
    if layout is None:
        return None
    (derivations, _checks), slot_of = layout
    sides = _slot_sides(layout[0], probe.resolution)
    if sides is None:
        return None
    for ev in evaluated:  # the slots must give every shape the walk found
        tensors = (*ev.node.inputs, ev.node.index)
        shapes = (*ev.inputs, ev.output)
        if any(sides[slot_of[t]] != (s.h, s.w) for t, s in zip(tensors, shapes, strict=True)):
            return None

    # Give a tensor of slot k the height 2**(_BITS·k) and width 1: every total, being a sum of
    # channel terms times areas, then carries slot k's coefficient in its k-th _BITS-bit digit.
    n = len(derivations)

    def packed(ev: Evaluated) -> Evaluated:
        inputs = tuple(Shape(1 << (_BITS * slot_of[t]), 1, s.c) for t, s in zip(ev.node.inputs, ev.inputs, strict=True))
        return Evaluated(ev.node, ev.attrs, inputs, Shape(1 << (_BITS * slot_of[ev.node.index]), 1, ev.output.c))

    fakes = [packed(ev) for ev in evaluated]
    costs = [layer_cost(EXACT, ev, config.bn_params.per_channel, config.ops) for ev in fakes]
    totals = [sum(c[0] for c in costs), sum(c[1] for c in costs), sum(ev.output.elements for ev in fakes)]
    decoded = [_digits(v, n) for v in (*totals, *live_bytes(graph, fakes, 1))]
    if any(d is None for d in decoded):
        return None
    vectors = cast(list[tuple[int, ...]], decoded[:3])
    live = cast(list[tuple[int, ...]], decoded[3:])

    # Check the decomposition against the real walk at the probe resolution.
    areas = [h * w for h, w in sides]
    real = [layer_cost(EXACT, ev, config.bn_params.per_channel, config.ops) for ev in evaluated]
    expected = [sum(c[0] for c in real), sum(c[1] for c in real), sum(ev.output.elements for ev in evaluated)]
    if any(sum(map(mul, v, areas)) != e for v, e in zip(vectors, expected, strict=True)):
        return None
    if [sum(map(mul, v, areas)) for v in live] != live_bytes(graph, evaluated, 1):
        return None
    params, macs, elements = vectors
    return _Plan(layout[0], params, macs, elements, _undominated(live))


def _layout(graph: Graph, evaluated: list[Evaluated]) -> tuple[tuple[Any, ...], dict[int, int]] | None:
    """The slot layout of one α's executed layers and the slot of every tensor; None if an op
    is not modelled."""
    derivations: list[tuple[Any, ...]] = [("unit",), ("image",)]
    index: dict[tuple[Any, ...], int] = {d: i for i, d in enumerate(derivations)}
    checks: set[tuple[int, int]] = set()

    def slot(d: tuple[Any, ...]) -> int:
        if d not in index:
            index[d] = len(derivations)
            derivations.append(d)
        return index[d]

    slot_of: dict[int, int] = {GRAPH_INPUT: IMAGE}
    by_index = {ev.node.index: ev for ev in evaluated}
    for node in graph.nodes:
        ev = by_index.get(node.index)
        inputs = [slot_of[i] for i in node.inputs]
        if ev is None or node.op in _SAME_OPS:  # skipped nodes pass their first input through
            out = inputs[0]
        elif node.op in _WINDOW_OPS:
            kernel, stride, padding = ev.attrs["kernel"], ev.attrs["stride"], ev.attrs["padding"]
            pad = {"valid": 0, "half": kernel // 2}.get(padding, 0) if isinstance(padding, str) else padding
            same_size = stride == 1 and (padding == "same" or 2 * pad == kernel - 1)
            out = inputs[0] if same_size else slot(("window", inputs[0], kernel, stride, padding))
        elif node.op in _UNIT_OPS or (node.op == "flatten" and inputs[0] == UNIT):
            out = UNIT
        elif node.op in _EQUAL_OPS:
            out = inputs[0]
            checks.update((out, other) for other in inputs[1:] if other != out)
        elif node.op == "mul":  # a 1x1 gate broadcasts over a map of any size
            maps = set(inputs) - {UNIT}
            out = maps.pop() if len(maps) == 1 else UNIT if not maps else slot(("broadcast", *sorted(set(inputs))))
        else:  # flatten of a map larger than 1x1 makes channels depend on the resolution
            return None
        slot_of[node.index] = out
    return (tuple(derivations), tuple(sorted(checks))), slot_of


def _digits(value: int, n: int) -> tuple[int, ...] | None:
    """The n base-2**_BITS digits of a non-negative value; None if it does not fit."""
    if value < 0 or value >> (_BITS * n):
        return None
    mask = (1 << _BITS) - 1
    return tuple((value >> (_BITS * k)) & mask for k in range(n))


def _undominated(vectors: list[tuple[int, ...]]) -> tuple[tuple[int, ...], ...]:
    """The vectors not outdone in every slot by another: only they can hold the maximum of a
    dot product with non-negative areas."""
    kept: list[tuple[int, ...]] = []
    for v in sorted(set(vectors), key=sum, reverse=True):  # a vector's dominators sort before it
        if not any(all(a >= b for a, b in zip(u, v, strict=True)) for u in kept):
            kept.append(v)
    return tuple(kept)
