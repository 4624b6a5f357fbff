"""Per-stage and per-block totals (`mncost show --group-by stage|block`), as torchinfo's depth and
fvcore's module levels give them.

Layer names are hierarchical (mncost.graph: `stage3.block2.dw`): a layer's stage is its first
name part, its block every part but the last. A layer outside any stage (`conv1`, `Logits`) is a
group of its own. Groups come in order of their first layer; what a group's row shows is
declared in mncost.columns (GROUP_COLUMNS: sums, the largest live memory)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from .columns import Column
from .report import LayerCost, Report


class Level(StrEnum):
    STAGE = "stage"
    BLOCK = "block"


def group_of(name: str, level: Level) -> str:
    """`stage3.block2.dw` -> `stage3` (stage) or `stage3.block2` (block); `conv1` -> `conv1`."""
    if level is Level.STAGE:
        return name.split(".", 1)[0]
    return name.rsplit(".", 1)[0] if "." in name else name


def grouped(report: Report, level: Level) -> tuple[tuple[str, tuple[LayerCost, ...]], ...]:
    """The report's layers by stage or block, in order of first appearance."""
    groups: dict[str, list[LayerCost]] = {}
    for layer in report.layers:
        groups.setdefault(group_of(layer.name, level), []).append(layer)
    return tuple((name, tuple(layers)) for name, layers in groups.items())


def group_value(column: Column, layers: tuple[LayerCost, ...]) -> Any:
    """A declared figure over a group's layers: their sum, or the largest (column.group)."""
    assert column.layer is not None and column.group is not None
    values = [column.layer(x) for x in layers]
    if any(v is None for v in values):
        return None
    return max(values) if column.group == "max" else sum(values)
