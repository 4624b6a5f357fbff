"""What a layer is, beyond its counts: the structured per-layer fields latency depends on.

Every report row carries them (mncost.columns declares them once for every format): the op's
kernel class (`ops.Kernel`), the window (kernel h × w), stride, groups and dilation, the
activation, whether the layer has batch norm, and whether its batch norm and its activation fold
into the conv or fc before them under the report's fusion convention (`conventions.Fusion`).
The latency model (mncost.latency) reads these fields; it does not derive them again.

A standalone `bn` or activation op folds into the layer that produces its input when that layer
is a conv or fc (through a folded batch norm, for an activation) and the convention folds it; a
conv or fc row's own `bn:` / `act:` fold by the convention alone.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from .conventions import Fusion
from .ops import ACTIVATIONS, OPS, Kernel
from .record import record

if TYPE_CHECKING:
    from .graph import Graph
    from .walk import Evaluated


@record
class Window:
    """A kernel window, height × width."""

    h: int
    w: int

    def as_list(self) -> list[int]:
        return [self.h, self.w]

    def __str__(self) -> str:
        return f"{self.h}x{self.w}"


@record
class Structure:
    """The structured fields of one layer (None: the op has no such attribute)."""

    kind: str  # ops.Kernel: conv, depthwise, fc, pool, elementwise, free
    kernel: Window | None  # conv and pooling windows; a global pool's window is its whole input
    stride: int | None
    groups: int | None  # convs (a depthwise conv: its channels) and fc (1)
    dilation: int | None
    activation: str  # the fused `act:` of a conv or fc, the op of a standalone activation, else "none"
    bn: bool  # the layer is or includes a batch norm
    bn_fused: bool  # that batch norm folds into the conv or fc (no kernel, no memory traffic)
    act_fused: bool  # the activation runs inside the conv or fc kernel (no kernel, no memory traffic)


_COMPUTE = (Kernel.CONV, Kernel.DEPTHWISE, Kernel.FC)


def _kernel_of(ev: Evaluated) -> Window | None:
    a = ev.attrs
    if "kernel" in a:
        k = a["kernel"]
        return Window(int(k[0]), int(k[1])) if isinstance(k, tuple | list) else Window(int(k), int(k))
    if ev.node.op.startswith("global_"):
        return Window(ev.inputs[0].h, ev.inputs[0].w)
    return None


def structure(ev: Evaluated, producer: Evaluated | None, fusion: Fusion,
              producer_of: Callable[[Evaluated], Evaluated | None] | None = None) -> Structure:
    """The fields of a walked layer; `producer` is the layer that wrote its first input (None: the
    image), `producer_of` finds the producer's own producer (an activation after a folded bn)."""
    a, op = ev.attrs, ev.node.op
    kind = OPS[op].kernel
    window = _kernel_of(ev)
    windowed = "stride" in a or window is not None
    stride = int(a.get("stride", 1)) if windowed else None
    dilation = int(a.get("dilation", 1)) if windowed else None
    groups: int | None = None
    if kind in _COMPUTE:
        groups = ev.inputs[0].c if kind is Kernel.DEPTHWISE else int(a.get("groups", 1))
    act = str(a.get("act", "none") or "none")
    if op in ACTIVATIONS:
        act = op
    if kind in _COMPUTE:
        bn = bool(a.get("bn"))
        return Structure(kind.value, window, stride, groups, dilation, act, bn, bn and fusion.folds_bn,
                         act != "none" and fusion.fuses(act))
    if op == "bn":
        folds = producer is not None and OPS[producer.node.op].kernel in _COMPUTE and not producer.attrs.get("bn") \
            and str(producer.attrs.get("act", "none") or "none") == "none" and fusion.folds_bn
        return Structure(kind.value, window, stride, groups, dilation, "none", True, folds, False)
    if op in ACTIVATIONS:
        source = producer
        if source is not None and source.node.op == "bn" and producer_of is not None and fusion.folds_bn:
            source = producer_of(source)  # conv -> bn (folded) -> act
        fuses = source is not None and OPS[source.node.op].kernel in _COMPUTE and \
            str(source.attrs.get("act", "none") or "none") == "none" and fusion.fuses(op)
        return Structure(kind.value, window, stride, groups, dilation, act, False, False, fuses)
    return Structure(kind.value, window, stride, groups, dilation, act, False, False, False)


def producers(graph: Graph, evaluated: Sequence[Evaluated]) -> Callable[[Evaluated], Evaluated | None]:
    """A function from a walked layer to the walked layer that wrote its first input (skipped
    layers pass their input on; None: the graph's input)."""
    by_index = {ev.node.index: ev for ev in evaluated}
    nodes = {n.index: n for n in graph.nodes}

    def producer(ev: Evaluated) -> Evaluated | None:
        tensor = ev.node.inputs[0] if ev.node.inputs else None
        while tensor is not None and tensor not in by_index and tensor in nodes:
            tensor = nodes[tensor].inputs[0] if nodes[tensor].inputs else None
        return by_index.get(tensor) if tensor is not None else None

    return producer


def structures(graph: Graph, evaluated: Sequence[Evaluated], fusion: Fusion) -> tuple[Structure, ...]:
    """The structured fields of every walked layer, in walk order."""
    producer = producers(graph, evaluated)
    return tuple(structure(ev, producer(ev), fusion, producer) for ev in evaluated)
