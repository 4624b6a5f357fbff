"""Which tensors are alive at each step of a sequential run, under a memory model.

The rules (docs/memory.md):

- Layers run in spec order, one at a time. A tensor is allocated when the layer that writes it
  starts and freed when its last reader finishes; the input image lives from the start and the
  network's output to the end. A residual's input therefore stays alive until its add.
- In-place layers (batch norm, activations, dropout, flatten) write into their input's buffer, and
  a skipped (`when`-false) layer passes its first input through: neither adds a tensor.
- Under `streamed` (V2 paper, section 5.1), the layers of each outermost block instance marked
  `streamable: true` form one op that runs at all of their steps. A tensor written inside that op
  and read only inside it (and not the network's output) is streamed in tiles and never
  materialized: it counts 0 bytes. Every other tensor the op writes (its output) is allocated when
  the op starts, and every tensor it reads from outside (its input) stays alive until the op ends.
  So at each step of the op, live = its inputs + its outputs + whatever else is being kept.
- The first-layer trick (V2 paper, Table 3 caption), an option of the streamed model: the layers
  before the first streamable block join that block's op, so their outputs are streamed too.

The scratch buffer a streamed op needs for its tiles (the paper's |op| = O(max(s², s'²))) depends
on the tile size and is not counted.
"""

from __future__ import annotations

from .conventions import MemoryModel
from .graph import GRAPH_INPUT, Graph, Node
from .ops import OPS
from .record import record
from .walk import Evaluated


@record
class LivePlan:
    """Per executed layer, in run order: live bytes, and whether its output is streamed."""

    live_bytes: tuple[int, ...]  # every tensor alive while the layer runs, in bytes
    streamed: tuple[bool, ...]  # True: the layer's output tensor is never materialized


def plan(graph: Graph, evaluated: list[Evaluated], width: int, model: MemoryModel = MemoryModel.NAIVE,
         first_layer_trick: bool = False) -> LivePlan:
    """Live bytes per executed layer with activations of `width` bytes per element (see module doc)."""
    executed = [ev.node for ev in evaluated]
    group = stream_groups(graph, executed, first_layer_trick) if model is MemoryModel.STREAMED else {}
    span: dict[int, tuple[int, int]] = {}  # group -> (first step, last step)
    for step, node in enumerate(executed):
        g = group.get(node.index)
        if g is not None:
            span[g] = (span[g][0] if g in span else step, step)

    image = evaluated[0].inputs[0] if evaluated else None
    tensor_of: dict[int, int] = {GRAPH_INPUT: GRAPH_INPUT}
    size: dict[int, int] = {GRAPH_INPUT: image.elements * width if image else 0}
    born: dict[int, int] = {GRAPH_INPUT: 0}
    last: dict[int, int] = {GRAPH_INPUT: 0}
    made_in: dict[int, int | None] = {GRAPH_INPUT: None}  # tensor -> group of the layer that wrote it
    read_outside: set[int] = set()  # tensors read by a layer outside the group that wrote them
    output_of_step: list[int] = []
    by_index = {ev.node.index: ev for ev in evaluated}
    step = -1
    for node in graph.nodes:
        ev = by_index.get(node.index)
        inplace = OPS[node.op].inplace
        if ev is None or inplace:  # skipped or in place: same buffer as its first input
            tensor_of[node.index] = tensor_of[node.inputs[0]]
        if ev is None:
            continue
        step += 1
        g = group.get(node.index)
        start, end = span[g] if g is not None else (step, step)
        for i in node.inputs:
            t = tensor_of[i]
            last[t] = max(last[t], end)
            if g is None or made_in[t] != g:
                read_outside.add(t)
        if not inplace:
            tensor_of[node.index] = node.index
            size[node.index] = ev.output.elements * width
            born[node.index] = start
            last[node.index] = end
            made_in[node.index] = g
        output_of_step.append(tensor_of[node.index])
    if evaluated:
        final = tensor_of[executed_output(graph, set(by_index))]
        last[final] = len(evaluated) - 1
        read_outside.add(final)
    streamed = {t for t, g in made_in.items() if g is not None and t not in read_outside}

    delta = [0] * (len(evaluated) + 1)
    for tensor, start in born.items():
        if tensor not in streamed:
            delta[start] += size[tensor]
            delta[last[tensor] + 1] -= size[tensor]
    live, running = [], 0
    for step in range(len(evaluated)):
        running += delta[step]
        live.append(running)
    return LivePlan(tuple(live), tuple(t in streamed for t in output_of_step))


def stream_groups(graph: Graph, executed: list[Node], first_layer_trick: bool = False) -> dict[int, int]:
    """Node index -> the outermost streamable block instance (scope index) it belongs to.

    With the first-layer trick, the executed layers before the first streamable block join it.
    """
    group: dict[int, int] = {}
    for node in executed:
        outer = None
        scope: int | None = node.scope
        while scope is not None:
            if graph.scopes[scope].streamable:
                outer = scope
            scope = graph.scopes[scope].parent
        if outer is not None:
            group[node.index] = outer
    if first_layer_trick:
        first = next((k for k, node in enumerate(executed) if node.index in group), None)
        if first is not None:
            for node in executed[:first]:
                group[node.index] = group[executed[first].index]
    return group


def executed_output(graph: Graph, executed: set[int]) -> int:
    """The tensor the network outputs, looking through skipped layers."""
    index = graph.output
    while index != GRAPH_INPUT and index not in executed:
        index = graph.nodes[index].inputs[0]
    return index
