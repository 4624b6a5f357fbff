"""`Space.costs`: the figures of many configurations at once, with numpy (the `fast` extra).

A search draws a population (an evolutionary search's generation, a batch of random samples for a
predictor) and asks the cost of each. `Space.cost` answers one configuration in a few
microseconds of Python; `Space.costs(configs)` answers a list, and where numpy is installed and
the space compiles (`Space._compile`: ofa-mbv3) it does the lookups for the whole list in array
operations over the same compiled tables (`_Compiled.raw`), so that the Python work per
configuration is what reading it takes (one `bytes()` per variable).

The array path takes only configurations that are plainly well formed: every variable a list or
tuple of its slots' whole numbers, each one of its choices, and `r` a list of one int among the
resolutions, and no other key. Anything else in the batch (a wrong value, a float, a bool, a
missing key) sends the whole batch to the one-at-a-time path, which costs the good ones exactly as
`cost` does and raises `cost`'s error for the first bad one, prefixed with its index
(`configs[12]: 'ks': 4 is not one of 3, 5, 7`). The figures are `cost`'s, exactly: both read the
same tables (a law test compares them on every bundled space).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from .space import _SMALL, RESOLUTION, ConfigurationError, SpaceCost, _codes

if TYPE_CHECKING:
    from .space import Space, _Compiled

CHUNK = 512
"""Configurations per array pass: large enough that numpy's per-call cost is small per
configuration, small enough that the (chunk, groups, 4) gather stays in cache."""


def numpy_or_none() -> Any:
    """numpy, or None where it is not installed (`pip install 'mncost[fast]'`)."""
    try:
        import numpy
    except ImportError:
        return None
    return numpy


class ArrayTables:
    """A compiled space's tables as dense numpy arrays: per figure (params, MACs, activation
    bytes, peak bytes), one array over (resolution, group, index of the group's value
    combination). A combination's index is its place in `itertools.product` over the group's
    positions' choices, so a configuration's index in a group is a weighted sum of its choice
    codes: one matrix product for every group of the batch at once."""

    def __init__(self, np: Any, space: Space, compiled: _Compiled) -> None:
        self.np = np
        self.names = [name for name, _ in space._order]
        self.slots = [slots for _, slots in space._order]
        self.keys = len(self.names) + 1
        # per variable: a byte value -> its code (the index of the choice; -1: not a choice); floats,
        # for the matrix product (exact: the codes and weights are small whole numbers)
        self.codes = []
        for name in self.names:
            code = np.full(256, -1.0)
            for k, choice in enumerate(space.variables[name].choices):
                code[choice] = k
            self.codes.append(code)
        per_position = compiled.per_position
        groups = len(compiled.positions)
        combinations = [math.prod(len(per_position[p]) for p in ps) for ps in compiled.positions]
        width = max(combinations)
        self.stride = groups * width  # one resolution's share of each figure's array
        # weights[p, g]: what a code at position p adds to group g's index (0 where g does not read p)
        self.weights = np.zeros((len(per_position), groups))
        for g, ps in enumerate(compiled.positions):
            sizes = [len(per_position[p]) for p in ps]
            for k, p in enumerate(ps):
                self.weights[p, g] = math.prod(sizes[k + 1:])
        resolutions = list(space.resolutions)
        self.starts = {r: i * self.stride for i, r in enumerate(resolutions)}  # where a resolution's tables begin
        table = np.zeros((4, len(resolutions), groups, width), dtype=np.int64)
        for i, r in enumerate(resolutions):
            for g, figures in enumerate(compiled.raw[r]):
                # one entry per value combination, in product order: the index the weights compute
                assert len(figures) == combinations[g]
                table[:, i, g, :len(figures)] = np.array(list(figures.values()), dtype=np.int64).T
        self.params, self.macs, self.activation, self.peak = (np.ascontiguousarray(t.reshape(-1)) for t in table)
        self.offsets = np.arange(groups, dtype=np.intp) * width

    @staticmethod
    def fits(compiled: _Compiled) -> bool:
        """Whether every sum fits in numpy's int64 (the packed Python ints of `_Compiled` have no
        limit) and every choice is its own byte (`space._codes`, the rule the compiled keys use)."""
        for tables in compiled.raw.values():
            for k in range(3):
                if sum(max(f[k] for f in t.values()) for t in tables) >= 1 << 62:
                    return False
        return _codes([c for choices in compiled.per_position for c in choices]) is _SMALL

    def costs(self, configs: Sequence[Mapping[str, Any]]) -> list[SpaceCost] | None:
        """The figures of a batch of plainly well-formed configurations, or None if any is not.
        A variable's value is taken as `cost`'s fast path takes it: whatever `bytes()` reads as
        its slots' whole numbers, each then a choice; `r` a list of one int among the resolutions."""
        np, n = self.np, len(configs)
        try:
            if set(map(len, configs)) != {self.keys}:
                return None
            codes = []
            for name, slots, code in zip(self.names, self.slots, self.codes, strict=True):
                values = list(map(itemgetter(name), configs))
                if set(map(len, values)) != {slots}:
                    return None
                column = np.frombuffer(b"".join(map(bytes, values)), dtype=np.uint8).reshape(n, slots)
                codes.append(code.take(column))
            sides = list(map(itemgetter(RESOLUTION), configs))
            if set(map(type, sides)) != {list} or set(map(len, sides)) != {1}:
                return None
            sides = list(map(itemgetter(0), sides))
            if set(map(type, sides)) != {int}:
                return None
            starts = np.array(list(map(self.starts.__getitem__, sides)), dtype=np.intp)
        except (KeyError, TypeError, ValueError):  # bytes() refuses what is not a whole number from 0 to 255
            return None
        every = np.concatenate(codes, axis=1)
        if (every < 0).any():
            return None
        index = (every @ self.weights).astype(np.intp) + self.offsets + starts[:, None]
        return list(map(tuple.__new__, itertools.repeat(SpaceCost), zip(
            self.params[index].sum(axis=1).tolist(), self.macs[index].sum(axis=1).tolist(),
            self.peak[index].max(axis=1).tolist(), self.activation[index].sum(axis=1).tolist(),
            itertools.repeat(None), strict=False)))


def one_at_a_time(space: Space, configs: Sequence[Mapping[str, Any]], remember: bool,
                  first: int = 0) -> list[SpaceCost]:
    """`cost` of each configuration; the first bad one's error names its index in the whole batch
    (`first` is the index of `configs[0]` there)."""
    cost, out = space.cost, []
    for k, config in enumerate(configs, first):
        try:
            out.append(cost(config, remember))
        except ConfigurationError as error:
            raise ConfigurationError(f"configs[{k}]: {error}") from None
    return out
