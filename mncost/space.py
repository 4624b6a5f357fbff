"""Search spaces: a spec with variables, the choices a search draws from, and a fast exact cost function.

A space file (YAML) names a spec and lists the choices of its variables and the resolutions::

    name: ofa-mbv3
    description: ...
    source: ...
    spec: ofa-mbv3                 # a bundled spec, or a file relative to this one
    resolutions: [160, 176, 192, 208, 224]
    choices: {ks: [3, 5, 7], e: [3, 4, 6], d: [2, 3, 4]}   # optional: subsets of the declared choices
    depth: {d: [ks, e]}            # stage i of d runs the first d[i] of its share of ks's and e's slots

A configuration is a mapping of every variable to its value(s) and `r` to `[resolution]`, as
Once-for-All writes its architectures: `{"ks": [20 ints], "e": [20 ints], "d": [5 ints], "r": [224]}`.
Slots beyond a stage's depth are ignored (any choice), as in OFA.

`Space.cost(config)` is exact: it is `evaluate` on the bound spec, computed piecewise. The spec's
top-level layers form a chain; each piece (a run of top-level rows that name no variable, or one
row that does) is evaluated by the one walk (`mncost.evaluate`) as a spec of its own, once per
distinct (piece, input shape, the values it names), and remembered. A network's parameters, MACs,
activation bytes and latency are the sums over its pieces; its peak memory is the largest of
theirs (a piece's live tensors are its input and its own outputs: nothing else is alive while it
runs in a chain). A spec whose top level is not a chain (`inputs:` naming an earlier row, or a
named `output:`/`outputs:`, which lives to the end) or a config with the first-layer trick (which
joins layers across pieces) is one piece.

Where the space allows it (`Space._compile`: for ofa-mbv3), the first `cost` call evaluates every
piece for every value combination at every resolution at once, through the sweep's symbolic-side
domain (`mncost.sweep`), and packs the figures into one table per group of pieces and resolution
(`_Compiled`); a configuration is then a sum of lookups. Otherwise the tables are filled as
configurations come (`Space._figures`). Both give `evaluate`'s figures exactly.
"""

from __future__ import annotations

import bisect
import itertools
import json
import math
import os
import random
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import field, replace
from enum import StrEnum
from operator import getitem, itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple, assert_never

from .errors import Location, MncostError, SpecError
from .hints import did_you_mean
from .record import record
from .report import Config
from .variables import Variable, check, declarations, references, spelled
from .yamlload import LocList, LocMap, load_yaml, read_text

if TYPE_CHECKING:
    from .graph import Graph
    from .ops import Shape
    from .report import Report
    from .space_batch import ArrayTables
    from .walk import Evaluated

GROUP_VALUES = 729
"""Most distinct value combinations a group of pieces may have (its table's size per input shape)."""

RESOLUTION = "r"
"""The configuration key of the input resolution (a list of one int, as OFA writes it)."""

REMEMBERED = 1 << 17
"""Most whole configurations `Space.cost` remembers (about 30 MB); beyond, it computes each."""

GROUP_BYTES = 8
"""Most values a compiled group of pieces names (its key is one 8-byte whole number)."""

COMPILED_VALUES = 243
"""Most value combinations of a compiled group (3^5: two slots of kernel and expansion and their depth;
small tables: larger ones cost more cache misses than the lookups they save)."""

COMPILE_LIMIT = 50_000
"""Most piece evaluations (a piece, its values, an input shape) `Space` computes up front; a space
that needs more fills its tables as configurations come."""


class Sampling(StrEnum):
    """How `Space.sample` (and `mncost space sample --sampling`) draws a configuration."""

    SUBNETWORK = "subnetwork"
    """Uniformly over the distinct sub-networks and the resolutions: every configuration `count`
    counts and `enumerate` lists is equally likely, written in its canonical form (the slots beyond
    a stage's depth at their first choice). A stage's depth d is drawn with probability
    (values per block)^d / (the stage's sub-networks), then its d blocks uniformly."""
    SLOT = "slot"
    """Every slot, every depth and the resolution uniformly and independently, as Once-for-All's
    `sample_active_subnet` draws them (mit-han-lab/once-for-all @ f03b2673, ofa_mbv3.py): each depth
    is equally likely, so over sub-networks it is not uniform (in ofa-mbv3 the 81 depth-2 forms of
    a stage, of its 81 + 729 + 6,561, are drawn a third of the time), and the ignored slots are
    random."""


class KeysPer(StrEnum):
    """What `Space.lut_keys` (`mncost space lut-keys --per`) lists once per distinct configuration."""

    BLOCK = "block"
    """A top-level block instance (block template, input and output shape, its arguments: kernel,
    stride, expansion, SE, activation, ...), timed on the device as one unit, as the latency tables
    of Once-for-All (`LatencyTable`, keyed `expanded_conv-input:..-output:..-expand:..-kernel:..-stride:..`),
    ProxylessNAS and FBNet time a block; top-level layers outside blocks (stem, head) are listed as
    layers. Blocks nested in a block are part of it."""
    LAYER = "layer"
    """A layer (op, input shapes, output shape, its attributes), with the `lut_key` a device
    profile's `lut:` entries are keyed by: measured per-layer times go straight into a profile."""


class ConfigurationError(MncostError):
    """A configuration that is not one of the space's (exit code 2): `FILE:LINE: what is wrong`."""


class SpaceCost(NamedTuple):
    """The figures of one sub-network. A named tuple rather than a `record`: one is made per
    configuration inside a search loop, and a tuple is built about ten times faster."""

    params: int
    macs: int
    peak_bytes: int
    activation_bytes: int
    latency_ms: float | None = None


@record
class SpaceFile:
    """A space file as read: its spec, the variables with the space's choices, the resolutions."""

    name: str
    description: str
    source: str
    spec: str  # path of the spec file
    spec_shown: str
    variables: dict[str, Variable]
    resolutions: tuple[int, ...]
    depth: tuple[tuple[str, tuple[str, ...]], ...]  # (depth variable, the slotted variables it governs)
    file: str = field(compare=False)


def spaces_path() -> str:
    from .bundled import data_path

    return data_path("spaces")


def bundled_spaces() -> list[str]:
    folder = spaces_path()
    return sorted(n[:-5] for n in os.listdir(folder) if n.endswith(".yaml")) if os.path.isdir(folder) else []


def locate_space(name: str) -> tuple[str, str]:
    """A space argument as (path, name shown in messages): a bundled name or a file."""
    if not name.endswith((".yaml", ".yml")) and "/" not in name:
        path = os.path.join(spaces_path(), f"{name}.yaml")
        if os.path.isfile(path):
            return path, f"spaces/{name}.yaml"
        if not os.path.exists(name):
            from .hints import did_you_mean

            hint = did_you_mean(name, bundled_spaces()) or f" (bundled spaces: {', '.join(bundled_spaces())})"
            raise SpecError(None, f"unknown space '{name}': not a bundled name nor a file{hint}")
    return name, name


def read_space(name: str) -> SpaceFile:
    """Read and check a space file (a bundled name or a path)."""
    from .bundled import locate
    from .spec import read_file

    path, shown = locate_space(name)
    doc = load_yaml(read_text(shown, read_file(path, shown)), shown)
    if not isinstance(doc, LocMap):
        raise SpecError(Location(shown, 1), "a space file must be a mapping with 'spec', 'resolutions', ...")
    allowed = ("name", "description", "source", "spec", "resolutions", "choices", "depth")
    for key in doc:
        if key not in allowed:
            raise SpecError(doc.key_loc(key), f"unknown key '{key}' in the space file (keys: {', '.join(allowed)})"
                                              f"{did_you_mean(str(key), allowed)}")
    for key in ("name", "description", "spec", "resolutions"):
        if key not in doc:
            raise SpecError(doc.location, f"the space file is missing required key '{key}'")
    texts = {}
    for key in ("name", "description", "source", "spec"):
        value = doc.get(key, "-")
        if not isinstance(value, str) or not value.strip():
            raise SpecError(doc.loc(key), f"'{key}' must be non-empty text")
        texts[key] = " ".join(value.split())
    spec_name = texts["spec"]
    relative = os.path.join(os.path.dirname(path), spec_name)
    spec_path, spec_shown = (relative, relative) if spec_name.endswith((".yaml", ".yml")) else locate(spec_name)
    spec_doc = load_yaml(read_text(spec_shown, read_file(spec_path, spec_shown)), spec_shown)
    if not isinstance(spec_doc, LocMap):
        raise SpecError(Location(spec_shown, 1), "a spec must be a mapping")
    variables = declarations(spec_doc)
    if not variables:
        from .spec import parse_document

        parse_document(spec_doc, spec_shown)  # a misspelt 'variables:' key is the spec's error, with its hint
        raise SpecError(doc.loc("spec"), f"spec '{spec_name}' declares no variables (a space varies them)")
    choices = doc.get("choices", LocMap(doc.location))  # left out: every declared choice
    if not isinstance(choices, LocMap):
        raise SpecError(doc.loc("choices"), "'choices' must map variable names to lists of choices")
    for var_name, listed in choices.items():
        where = choices.loc(var_name)
        if var_name not in variables:
            raise SpecError(choices.key_loc(var_name), f"'{var_name}' is not a variable of the spec "
                                                      f"(variables: {', '.join(variables)})"
                                                      f"{did_you_mean(str(var_name), variables)}")
        if not isinstance(listed, LocList) or not listed:
            raise SpecError(where, f"the choices of '{var_name}' must be a non-empty list")
        var = variables[var_name]
        try:
            subset = tuple(check(Variable(var.name, var.choices, None, None, where), c) for c in listed)
        except SpecError as exc:
            raise SpecError(where, f"{exc.message} (the spec's choices)") from None
        variables[var_name] = Variable(var.name, subset, var.slots, var.default, var.location)
    resolutions = doc["resolutions"]
    if (not isinstance(resolutions, LocList) or not resolutions
            or not all(isinstance(r, int) and not isinstance(r, bool) and 1 <= r <= 100_000 for r in resolutions)
            or len(set(resolutions)) != len(resolutions)):
        raise SpecError(doc.loc("resolutions"), "'resolutions' must be a list of distinct whole numbers of pixels")
    depth = _depth(doc, variables)
    return SpaceFile(texts["name"], texts["description"], texts["source"], spec_path, spec_shown, variables,
                     tuple(resolutions), depth, shown)


def _depth(doc: LocMap, variables: dict[str, Variable]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    node = doc.get("depth", LocMap(doc.location))  # left out: no slot is ignored
    if not isinstance(node, LocMap):
        raise SpecError(doc.loc("depth"), "'depth' must map a depth variable to the slotted variables it governs")
    rules = []
    for name, governed in node.items():
        where = node.loc(name)
        var = variables.get(name)
        if var is None or var.slots is None or not all(isinstance(c, int) and c >= 0 for c in var.choices):
            hint = did_you_mean(str(name), variables) if var is None else ""
            raise SpecError(where, f"'{name}' must be a slotted variable of whole numbers (one depth per stage)"
                                   f"{hint}")
        if not isinstance(governed, LocList) or not governed:
            raise SpecError(where, f"'depth: {name}' must list the slotted variables it governs")
        for other in governed:
            slots = variables[other].slots if other in variables else None
            if slots is None or slots % var.slots:
                hint = did_you_mean(str(other), variables) if other not in variables else ""
                raise SpecError(where, f"'{other}' must be a variable with a multiple of {var.slots} slots "
                                       f"(one share per stage of '{name}'){hint}")
            if max(var.choices) > (share := slots // var.slots):
                raise SpecError(where, f"a depth of {max(var.choices)} exceeds the {share} slot{'s' * (share != 1)} "
                                       f"per stage of '{other}'")
        rules.append((name, tuple(governed)))
    return tuple(rules)


@record
class _Piece:
    index: int
    items: tuple[Any, ...]  # top-level YAML rows
    refs: tuple[tuple[str, int | None], ...]  # the (variable, slot) values it names, in order
    positions: tuple[int, ...]  # where those values are in the flat value list


class Space:
    """A search space ready to cost configurations (see the module doc); `load_space` makes one."""

    def __init__(self, space: SpaceFile, config: Config | None = None) -> None:
        from .spec import read_file

        self.file = space
        self.config = config or Config()
        self.variables = space.variables
        self.resolutions = space.resolutions
        text = read_text(space.spec_shown, read_file(space.spec, space.spec_shown))
        self._doc = load_yaml(text, space.spec_shown)
        self._order = [(name, var.slots) for name, var in self.variables.items()]
        offsets, total = {}, 0
        for name, slots in self._order:
            offsets[name] = total
            total += slots or 1
        self._offsets = offsets
        self._pieces = self._split(offsets)
        self._getters = [itemgetter(*p.positions) if p.positions else None for p in self._pieces]
        self._graphs: dict[tuple[Any, ...], Any] = {}
        self._allowed = {name: frozenset(var.choices) for name, var in self.variables.items()}
        self._allowed_r = frozenset(self.resolutions)
        # The hot path: per variable (name, slots, allowed choices, whether a bool could pass for 0 or 1).
        self._fast = [(name, slots, self._allowed[name],
                       any(c in (0, 1) or isinstance(c, bool) for c in self.variables[name].choices))
                      for name, slots in self._order]
        self._keys = len(self._order) + 1
        # Pieces are costed in groups (as many consecutive pieces as keep a group's distinct values
        # within GROUP_VALUES): one table per (group, input channels, input side) maps the group's
        # values to its summed figures and the next group's table for its output shape.
        self._groups = self._group_pieces()
        self._piece_costs: dict[tuple[Any, ...], tuple[int, int, int, int, float, int, int]] = {}
        self._tables: dict[tuple[int, int, int], dict[Any, Any]] = {}
        self._shape_of: dict[int, tuple[int, int]] = {}
        self._start = {r: self._table(0, self._channels, r) for r in self.resolutions}
        # A configuration's key: the values every group names, group after group, each value written
        # as one byte (its code) when the space's choices allow it, else kept as a tuple; a group's
        # values are then one slice of it (hashing a short bytes object is what a lookup costs).
        order: list[int] = []
        self._plan: list[tuple[int, int, int]] = []
        for members in self._groups:
            positions = list(dict.fromkeys(i for piece, _ in members for i in piece.positions))
            self._plan.append((len(self._plan), len(order), len(order) + len(positions)))
            order += positions
        self._order_get = itemgetter(*order, 0) if order else itemgetter(0, 0)
        self._spans = [(begin, end) for _, begin, end in self._plan]
        self._code = _codes([c for v in self.variables.values() for c in v.choices])
        # Whole configurations already costed, per resolution, keyed by the bytes their groups are
        # looked up by (`_cost`): a search asks again for its survivors. Not where values are kept
        # as tuples (True and 1 would be one key).
        self._seen: dict[Any, dict[Any, SpaceCost]] = {r: {} for r in self.resolutions}
        self._remembered = 0 if self._code is not None else REMEMBERED
        self._compiled: _Compiled | None = None  # the tables computed up front (`_compile`), if the space allows
        self._compile_tried = False
        self._arrays: ArrayTables | None = None  # the compiled tables as numpy arrays (`costs`), if numpy is there
        self._arrays_tried = False

    def _group_pieces(self) -> list[list[tuple[_Piece, Any]]]:
        groups: list[list[tuple[_Piece, Any]]] = []
        size = GROUP_VALUES + 1
        for piece, get in zip(self._pieces, self._getters, strict=True):
            options = math.prod(len(self.variables[name].choices) for name, _ in piece.refs)
            if size * options > GROUP_VALUES:
                groups.append([])
                size = 1
            groups[-1].append((piece, get))
            size *= options
        return groups

    # -- the pieces ------------------------------------------------------------------------------
    def _split(self, offsets: dict[str, int]) -> list[_Piece]:
        layers = self._doc.get("layers")
        chain = (isinstance(layers, LocList) and not any(isinstance(i, LocMap) and "inputs" in i for i in layers)
                 and "output" not in self._doc and "outputs" not in self._doc)  # a named output lives to the end
        if not chain or self.config.first_layer_trick:
            return [self._piece(0, tuple(layers or ()), offsets)]
        pieces: list[_Piece] = []
        fixed: list[Any] = []
        for item in layers:
            if next(references(item), None) is None:
                fixed.append(item)
                continue
            if fixed:
                pieces.append(self._piece(len(pieces), tuple(fixed), offsets))
                fixed = []
            pieces.append(self._piece(len(pieces), (item,), offsets))
        if fixed:
            pieces.append(self._piece(len(pieces), tuple(fixed), offsets))
        return pieces

    def _piece(self, index: int, items: tuple[Any, ...], offsets: dict[str, int]) -> _Piece:
        refs = tuple(dict.fromkeys(r for item in items for r in references(item) if r[0] in offsets))
        return _Piece(index, items, refs, tuple(offsets[v] + (s or 0) for v, s in refs))

    def _piece_cost(self, piece: _Piece, channels: int, side: int,
                    values: tuple[Any, ...]) -> tuple[int, int, int, int, float, int, int]:
        """(params, MACs, activation bytes, peak bytes, latency ms, output channels, output side) of a
        piece on a side x side x channels input: `evaluate` on the piece as a spec of its own."""
        from .evaluate import evaluate

        graph = self._piece_graph(piece, channels, side, values)
        report = evaluate(graph, replace(self.config, resolution=side, rho=None))
        out = report.layers[-1].output_shape if report.layers else None
        return (report.totals.params, report.totals.macs, report.totals.activation_bytes, report.memory.peak_bytes,
                report.totals.latency_ms or 0.0, out.c if out else channels, out.h if out else side)

    def _piece_graph(self, piece: _Piece, channels: int, side: int, values: tuple[Any, ...]) -> Graph:
        """The graph of one piece as a spec of its own on a side x side x channels input, its
        variables bound to `values` (the others to their defaults); built once per piece, input
        channels and values (the cost function and `lut_keys` share it)."""
        from .graph import build_graph
        from .spec import parse_document

        key = (piece.index, channels, values)
        graph = self._graphs.get(key)
        if graph is None:
            doc = LocMap(self._doc.location)
            for k, v in self._doc.items():
                doc[k] = v
            doc.key_lines, doc.value_lines = dict(self._doc.key_lines), dict(self._doc.value_lines)
            header = LocMap(self._doc["input"].location)
            header["resolution"], header["channels"] = side, channels
            doc["input"] = header
            layers = LocList(self._doc["layers"].location)
            for item in piece.items:
                layers.append(item)
                layers.item_lines.append(item.location.line if isinstance(item, LocMap) else layers.location.line)
            doc["layers"] = layers
            bound = dict(zip(piece.refs, values, strict=True))
            given = {}
            for name, var in self.variables.items():
                if var.slots is None:
                    given[name] = bound.get((name, None), var.default)
                else:
                    given[name] = [bound.get((name, s), var.default[s]) for s in range(var.slots)]
            graph = build_graph(parse_document(doc, self.file.spec_shown, given), self.config.depth_multiplier)
            self._graphs[key] = graph
        return graph

    def has_products(self) -> bool:
        """Whether the spec has a row that multiplies two activations (attention's q kᵀ, attn v)
        in some configuration: a row whose op is one, wherever it is written."""
        from .ops import OPS

        def rows(item: Any) -> Iterator[LocMap]:
            if isinstance(item, LocMap):
                yield item
                for value in item.values():
                    yield from rows(value)
            elif isinstance(item, LocList):
                for value in item:
                    yield from rows(value)

        return any(isinstance(row.get("op"), str) and row["op"] in OPS and OPS[row["op"]].product
                   for row in rows(self._doc))

    # -- configurations --------------------------------------------------------------------------
    def check(self, config: Mapping[str, Any]) -> list[Any]:
        """The flat value list of a configuration (every variable's slots in order, then the resolution),
        or a ConfigurationError naming what is wrong."""
        if not isinstance(config, Mapping):
            raise ConfigurationError(f"a configuration must be a mapping such as {{{self._example()}}}")
        flat: list[Any] = []
        for name, slots in self._order:
            if name not in config:
                raise ConfigurationError(f"missing '{name}'")
            value = config[name]
            kinds = {type(c) for c in self.variables[name].choices}
            if slots is None:
                value = value[0] if isinstance(value, list) and len(value) == 1 else value
                if not _among(value, self._allowed[name]) or type(value) not in kinds:
                    raise ConfigurationError(f"'{name}': {_short(value)} is not one of {self._choices(name)}")
                flat.append(value)
                continue
            if not isinstance(value, list | tuple) or len(value) != slots:
                raise ConfigurationError(f"'{name}' must be a list of {slots} values, got {_short(value)}")
            bad = next((v for v in value if not _among(v, self._allowed[name]) or type(v) not in kinds), None)
            if bad is not None or any(v is None for v in value):
                raise ConfigurationError(f"'{name}': {_short(bad)} is not one of {self._choices(name)}")
            flat.extend(value)
        r = config.get(RESOLUTION)
        if isinstance(r, list) and len(r) == 1:
            r = r[0]
        if isinstance(r, bool) or not _among(r, self._allowed_r):
            raise ConfigurationError(f"'{RESOLUTION}' must be [one of {', '.join(map(str, self.resolutions))}], "
                                     f"got {_short(config.get(RESOLUTION))}")
        extra = set(config) - set(self.variables) - {RESOLUTION}
        if extra:
            raise ConfigurationError(f"unknown key '{sorted(extra)[0]}' (keys: {', '.join(self.variables)}, r)")
        flat.append(r)
        return flat

    def _choices(self, name: str) -> str:
        from .variables import spelled

        return ", ".join(spelled(c) for c in self.variables[name].choices)

    def _example(self) -> str:
        return ", ".join(f'"{n}": [...]' for n in self.variables) + f', "{RESOLUTION}": [{self.resolutions[-1]}]'

    def cost(self, config: Mapping[str, Any], remember: bool = True) -> SpaceCost:
        """The figures of one configuration (exactly `evaluate` on the spec bound to it). With
        `remember`, the first REMEMBERED distinct configurations are kept whole: asking again for
        one is a single lookup (`space eval`, which streams configurations, does not keep them)."""
        if not self._compile_tried:
            self._compile_once()
        if self._compiled is not None:  # (also for a caller holding the bound method from before the first call)
            return self._compiled.cost(config, remember)
        return self.checked_figures(config, self._cost, remember)

    def _compile_once(self) -> None:
        self._compile_tried = True
        self._compiled = self._compile()
        if self._compiled is not None:
            self.cost = self._compiled.cost  # type: ignore[method-assign]  # the hot path, without this method

    def costs(self, configs: Iterable[Mapping[str, Any]], remember: bool = True) -> list[SpaceCost]:
        """The figures of each configuration, in order: `[space.cost(c) for c in configs]`, the same
        figures and errors (the first bad configuration's, prefixed `configs[K]: `). With numpy
        installed (`mncost[fast]`) and a compiled space, the lookups for the whole batch are array
        operations (`mncost.space_batch`), several times faster per configuration than `cost`;
        those configurations are not remembered (asking again costs the same)."""
        from .space_batch import CHUNK, one_at_a_time

        batch = configs if isinstance(configs, Sequence) else list(configs)
        arrays = self._array_tables()
        if arrays is None:
            return one_at_a_time(self, batch, remember)
        out: list[SpaceCost] = []
        for start in range(0, len(batch), CHUNK):
            chunk = batch[start:start + CHUNK]
            found = arrays.costs(chunk)
            out += found if found is not None else one_at_a_time(self, chunk, remember, start)
        return out

    def _array_tables(self) -> ArrayTables | None:
        """The compiled tables as numpy arrays (built on the first `costs` call), or None: no numpy,
        or a space `_compile` leaves out or whose configurations the fast check cannot vouch for."""
        if self._arrays_tried:
            return self._arrays
        self._arrays_tried = True
        if not self._compile_tried:
            self._compile_once()
        from .space_batch import ArrayTables, numpy_or_none

        np, compiled = numpy_or_none(), self._compiled
        if np is not None and compiled is not None and compiled.self_checking and ArrayTables.fits(compiled):
            self._arrays = ArrayTables(np, self, compiled)
        return self._arrays

    def checked_figures(self, config: Mapping[str, Any], figures: Callable[[list[Any], bool], SpaceCost],
                        remember: bool) -> SpaceCost:
        """`figures` of the configuration's checked flat values (`_flat`); a value equal to a choice
        but not of its type (3.0 for 3), which the fast check lets through and the figures refuse,
        is then named by the full check."""
        flat = self._flat(config)
        try:
            return figures(flat, remember)
        except TypeError:
            self.check(config)
            raise

    def _flat(self, config: Mapping[str, Any]) -> list[Any]:
        """`check`, fast for a well-formed configuration (the full check explains a bad one)."""
        try:
            flat: list[Any] = []
            for name, slots, allowed, exact in self._fast:
                value = config[name]
                if slots is None:
                    if value.__class__ is list:
                        value = value[0] if len(value) == 1 else None
                    if value not in allowed or exact:
                        return self.check(config)
                    flat.append(value)
                elif (value.__class__ is list or value.__class__ is tuple) and len(value) == slots \
                        and allowed.issuperset(value) and not exact:
                    flat += value
                else:
                    return self.check(config)
            r = config[RESOLUTION]
            if r.__class__ is list and len(r) == 1 and r[0] in self._allowed_r and r[0].__class__ is int \
                    and len(config) == self._keys:
                flat.append(r[0])
                return flat
        except (KeyError, TypeError):
            pass
        return self.check(config)

    def _cost(self, flat: list[Any], remember: bool = True) -> SpaceCost:
        ordered = self._order_get(flat)
        code = self._code
        if code is None:
            key = ordered
        elif code is _SMALL:  # the values are their own bytes
            key = bytes(ordered)
        else:
            key = bytes(map(code.__getitem__, ordered))
        if remember:
            seen = self._seen[flat[-1]]
            found = seen.get(key)
            if found is not None:
                return found
        result = SpaceCost(*self._figures(flat, key))
        if remember and self._remembered < REMEMBERED:
            seen[key] = result
            self._remembered += 1
        return result

    def _figures(self, flat: list[Any], key: Any) -> tuple[int, int, int, int, float | None]:
        table = self._start[flat[-1]]
        total = peak = 0
        if self.config.device is None:
            try:  # every group seen before at its input: one lookup and one addition each
                for begin, end in self._spans:
                    figures, k, _, table = table[key[begin:end]]
                    total += figures
                    if k > peak:
                        peak = k
                return total >> 128, (total >> 64) & _FIELD, peak, total & _FIELD, None
            except KeyError:
                table = self._start[flat[-1]]
                total = peak = 0
        latency = 0.0
        for group, begin, end in self._plan:
            found = table.get(key[begin:end])
            if found is None:
                found = self._group_miss(table, group, key[begin:end], flat)
            figures, k, ms, table = found
            total += figures
            latency += ms
            if k > peak:
                peak = k
        return (total >> 128, (total >> 64) & _FIELD, peak, total & _FIELD,
                latency if self.config.device is not None else None)

    def _group_miss(self, table: dict[Any, Any], group: int, key: Any, flat: list[Any]) -> tuple[Any, ...]:
        """A group of pieces for values not seen yet at this input: its pieces one by one (each
        remembered for its input shape and values), summed, and linked to the next group's table.
        The figures are packed in one number, params << 128 | MACs << 64 | activation bytes, so
        that a configuration's sums are one addition per group."""
        channels, side = self._shape_of[id(table)]
        params = macs = act = peak = 0
        latency = 0.0
        for piece, get in self._groups[group]:
            piece_values = get(flat) if get is not None else ()
            piece_key = (piece.index, channels, side, piece_values)
            found = self._piece_costs.get(piece_key)
            if found is None:
                found = self._piece_costs[piece_key] = self._piece_cost(
                    piece, channels, side, piece_values if len(piece.positions) != 1 else (piece_values,))
            p, m, a, k, ms, channels, side = found
            params, macs, act, latency, peak = params + p, macs + m, act + a, latency + ms, max(peak, k)
        if max(params, macs, act) >= _FIELD // 1_024:  # sums of up to 1,024 groups stay in their field
            raise MncostError(f"a group of layers has {max(params, macs, act):,} parameters, MACs or bytes: beyond "
                              f"what the space's cost function adds up")
        following = self._table(group + 1, channels, side)
        table[key] = entry = ((params << 128) | (macs << 64) | act, peak, latency, following)
        return entry

    def _table(self, group: int, channels: int, side: int) -> dict[Any, Any]:
        key = (group, channels, side)
        table = self._tables.get(key)
        if table is None:
            table = self._tables[key] = {}
            self._shape_of[id(table)] = (channels, side)
        return table

    @property
    def _channels(self) -> int:
        return int(self._doc["input"]["channels"])

    # -- the compiled tables ---------------------------------------------------------------------
    def _compile(self) -> _Compiled | None:
        """Every group's table at every resolution, computed at once, when the space allows it: a
        chain of pieces whose output shapes do not depend on their values (so each piece sees one
        input shape per resolution), whole-number choices from 0 to 255 (a value is its own byte), no
        device (latency is a float sum), at most COMPILE_LIMIT piece evaluations, each valid. None:
        `cost` goes on with the tables filled as configurations come (`_figures`), every figure
        still exact."""
        if self._code is not _SMALL or self.config.device is not None or len(self._pieces) < 2 or not self._spans:
            return None
        channels = self._channels
        shapes = {r: (channels, r) for r in self.resolutions}
        inputs: list[dict[int, tuple[int, int]]] = []  # per piece, per resolution, its input (channels, side)
        budget = COMPILE_LIMIT
        for piece in self._pieces:
            combos = list(itertools.product(*(self.variables[name].choices for name, _ in piece.refs)))
            sides: dict[int, set[int]] = {}
            for c, side in shapes.values():
                sides.setdefault(c, set()).add(side)
            budget -= len(combos) * sum(map(len, sides.values()))
            if budget < 0:
                return None
            try:
                for c, found in sides.items():
                    for values in combos:
                        self._piece_sweep(piece, c, sorted(found), values)
            except MncostError:  # a piece that some values make invalid: an error for the configurations with them
                return None
            outputs = {}
            for r, (c, side) in shapes.items():
                out = {self._piece_costs[(piece.index, c, side, _piece_key(piece, values))][5:] for values in combos}
                if len(out) != 1:  # the next piece's input depends on this one's values
                    return None
                outputs[r] = out.pop()
            inputs.append(shapes)
            shapes = outputs
        groups: list[tuple[list[_Piece], list[int]]] = []
        for piece in self._pieces:
            if groups:
                positions = list(dict.fromkeys([*groups[-1][1], *piece.positions]))
                if len(positions) <= GROUP_BYTES and self._combinations(positions) <= COMPILED_VALUES:
                    groups[-1] = ([*groups[-1][0], piece], positions)
                    continue
            positions = list(dict.fromkeys(piece.positions))
            if len(positions) > GROUP_BYTES:
                return None
            groups.append(([piece], positions))
        if not all(positions for _, positions in groups):  # a run of fixed layers alone: join it to the next
            return None
        return _Compiled(self, inputs, groups)

    def _combinations(self, positions: list[int]) -> int:
        sizes = [len(self.variables[name].choices) for name, slots in self._order for _ in range(slots or 1)]
        return math.prod(sizes[i] for i in positions)

    def _piece_sweep(self, piece: _Piece, channels: int, sides: list[int], values: tuple[Any, ...]) -> None:
        """`_piece_cost` at every side of `sides` at once: the piece's graph walked once with
        symbolic sides (`mncost.sweep`, every figure equal to `evaluate`'s at each side)."""
        from .sweep import sweep_rows

        key = _piece_key(piece, values)
        todo = [side for side in sides if (piece.index, channels, side, key) not in self._piece_costs]
        if not todo:
            return
        graph = self._piece_graph(piece, channels, todo[0], values)
        result = sweep_rows(graph, [self.config.alpha], todo, self.config)
        for side, row, out in zip(todo, result.rows, result.outputs, strict=True):
            self._piece_costs[(piece.index, channels, side, key)] = (
                row.params, row.macs, row.activation_bytes, row.peak_bytes, 0.0, out.c, out.h)

    # -- the space as a whole --------------------------------------------------------------------
    def count(self, with_resolutions: bool = False) -> int:
        """The exact number of distinct sub-networks (slots beyond a stage's depth do not count)."""
        governed = {v for _, names in self.file.depth for v in names}
        total = 1
        for name, var in self.variables.items():
            if name in governed or any(name == d for d, _ in self.file.depth):
                continue
            total *= len(var.choices) ** (var.slots or 1)
        for depth_name, names in self.file.depth:
            depth = self.variables[depth_name]
            assert depth.slots is not None
            per_block = math.prod(len(self.variables[v].choices) for v in names)
            stage = sum(per_block ** d for d in depth.choices)
            total *= stage ** depth.slots
        return total * (len(self.resolutions) if with_resolutions else 1)

    def canonical(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """`config` with the slots beyond each stage's depth set to their first choice (one form per
        distinct sub-network)."""
        out = {k: list(v) if isinstance(v, list | tuple) else v for k, v in config.items()}
        for depth_name, names in self.file.depth:
            depths = out[depth_name]
            for name in names:
                var = self.variables[name]
                assert var.slots is not None
                per = var.slots // len(depths)
                for stage, d in enumerate(depths):
                    for slot in range(stage * per + d, (stage + 1) * per):
                        out[name][slot] = var.choices[0]
        return out

    def sample(self, rng: random.Random, sampling: Sampling = Sampling.SUBNETWORK) -> dict[str, Any]:
        """A random configuration, drawn as `sampling` says: by default uniformly over the distinct
        sub-networks and resolutions (every configuration `enumerate` lists equally likely, in its
        canonical form); with Sampling.SLOT every slot and the resolution uniformly and independently."""
        drawn: dict[str, Any] = {}
        if sampling is Sampling.SUBNETWORK:
            for depth_name, names in self.file.depth:
                drawn.update(self._sample_stages(rng, depth_name, names))
        elif sampling is not Sampling.SLOT:
            assert_never(sampling)
        config: dict[str, Any] = {}
        for name, var in self.variables.items():
            if name in drawn:
                config[name] = drawn[name]
            elif var.slots is None:
                config[name] = rng.choice(var.choices)
            else:
                config[name] = [rng.choice(var.choices) for _ in range(var.slots)]
        config[RESOLUTION] = [rng.choice(self.resolutions)]
        return config

    def _sample_stages(self, rng: random.Random, depth_name: str, names: tuple[str, ...]) -> dict[str, list[Any]]:
        """The depths of one depth variable and the values of the slots they govern, uniformly over
        a stage's distinct sub-networks: a depth d with probability (values per block)^d / (the
        stage's sub-networks, as `count` counts them), then its first d slots uniformly; the ignored
        slots take their first choice (the canonical form)."""
        depth = self.variables[depth_name]
        assert depth.slots is not None  # checked when the space file was read (_depth)
        per_block = math.prod(len(self.variables[n].choices) for n in names)
        bounds = list(itertools.accumulate(per_block**d for d in depth.choices))  # exact integer weights
        out: dict[str, list[Any]] = {depth_name: [], **{n: [] for n in names}}
        for _ in range(depth.slots):
            d = depth.choices[bisect.bisect_right(bounds, rng.randrange(bounds[-1]))]
            out[depth_name].append(d)
            for name in names:
                var = self.variables[name]
                per = (var.slots or 0) // depth.slots
                out[name] += [rng.choice(var.choices) for _ in range(d)] + [var.choices[0]] * (per - d)
        return out

    def identity(self, config: Mapping[str, Any]) -> tuple[Any, ...]:
        """A key equal for two configurations exactly when they are the same sub-network at the same
        resolution (their canonical forms are equal)."""
        canonical = self.canonical(config)
        r = canonical.get(RESOLUTION)
        return (*(tuple(v) if isinstance(v := canonical[n], list) else v for n in self.variables),
                r[0] if isinstance(r, list) and len(r) == 1 else r)

    def enumerate(self) -> Iterator[dict[str, Any]]:
        """Every distinct sub-network at every resolution (canonical forms), in a fixed order."""
        governed = {v for _, names in self.file.depth for v in names} | {d for d, _ in self.file.depth}
        free = [(n, v) for n, v in self.variables.items() if n not in governed]
        free_axes = [itertools.product(v.choices, repeat=v.slots) if v.slots else v.choices for _, v in free]
        stage_axes = []
        for depth_name, names in self.file.depth:
            depth = self.variables[depth_name]
            assert depth.slots is not None
            stage_options = []
            for d in depth.choices:
                blocks = itertools.product(*(self.variables[n].choices for n in names))
                for chosen in itertools.product(list(blocks), repeat=d):
                    stage_options.append((d, chosen))
            stage_axes.append((depth_name, names, [stage_options] * depth.slots))
        for free_values in itertools.product(*[list(a) for a in free_axes]):
            for stages in itertools.product(*[itertools.product(*axes) for _, _, axes in stage_axes]):
                base: dict[str, Any] = {n: (list(v) if isinstance(v, tuple) else v)
                                        for (n, _), v in zip(free, free_values, strict=True)}
                for (depth_name, names, _), per_stage in zip(stage_axes, stages, strict=True):
                    base[depth_name] = [d for d, _ in per_stage]
                    for k, name in enumerate(names):
                        var = self.variables[name]
                        assert var.slots is not None
                        per = var.slots // len(per_stage)
                        values = []
                        for d, chosen in per_stage:
                            values += [c[k] for c in chosen] + [var.choices[0]] * (per - d)
                        base[name] = values
                ordered = {name: base[name] for name in self.variables}
                for r in self.resolutions:
                    yield {**ordered, RESOLUTION: [r]}

    def lut_keys(self, per: KeysPer = KeysPer.BLOCK) -> list[dict[str, Any]]:
        """The distinct block or layer configurations in the whole space, each once, in first-seen
        order: what one would time on a device to build a latency lookup table (see KeysPer). Found
        piece by piece: every combination of the values a piece names, at every input shape the
        pieces before it can give it. Each key's `key` is its one-line text; a layer's is the
        `lut_key` a device profile's `lut:` entries are keyed by (mncost.latency)."""
        seen: dict[str, dict[str, Any]] = {}
        shapes = {(self._channels, r) for r in self.resolutions}
        graphs: dict[tuple[Any, ...], Graph] = {}  # a piece's graph depends on its input channels, not its side
        for piece in self._pieces:
            options = [self.variables[name].choices for name, _ in piece.refs]
            nexts = set()
            for channels, side in sorted(shapes):
                for values in itertools.product(*options):
                    graph = graphs.get((piece.index, channels, values))
                    if graph is None:
                        graph = graphs[(piece.index, channels, values)] = self._piece_graph(piece, channels, side,
                                                                                            values)
                    keys, out = graph_keys(graph, replace(self.config, resolution=side, rho=None), per)
                    nexts.add((out.c, out.h))
                    for key in keys:
                        seen.setdefault(json.dumps(key, sort_keys=True), key)
            shapes = nexts
        return list(seen.values())


def graph_keys(graph: Graph, config: Config, per: KeysPer = KeysPer.BLOCK) -> tuple[list[dict[str, Any]], Shape]:
    """The LUT keys of one network under `config` (per block or per layer, in order, repeats kept)
    and its output shape: what `Space.lut_keys` collects over a space's pieces."""
    from .evaluate import evaluate
    from .graph import GRAPH_INPUT, scope_environments
    from .latency import features_of, lut_key
    from .walk import names_in_scope

    report = evaluate(graph, config)
    walked = _walked(graph, report)
    features = features_of(list(walked.values()), report)
    shapes: dict[int, Shape] = {GRAPH_INPUT: _image(graph, report.config.resolution)}
    for node in graph.nodes:  # a skipped node passes its input on, as the walk does
        shapes[node.index] = walked[node.index].output if node.index in walked else shapes[node.inputs[0]]
    layers: dict[int, dict[str, Any]] = {}
    for f, (index, ev) in zip(features, walked.items(), strict=True):
        layers[index] = {"key": lut_key(f), "op": ev.node.op, "input": [list(x.as_list()) for x in ev.inputs],
                         "output": ev.output.as_list(), **dict(sorted(ev.attrs.items()))}
    if per is KeysPer.LAYER:
        return list(layers.values()), shapes[graph.output]
    if per is not KeysPer.BLOCK:
        assert_never(per)
    base = names_in_scope(report.config.alpha, report.config.classes, report.conventions.rounding)
    env_at = scope_environments(graph, base, lambda tensor: shapes[tensor].c, _exact_value)
    keys: list[dict[str, Any]] = []
    done: set[int] = set()
    for index in walked:
        top = _top_scope(graph, graph.nodes[index].scope)
        if top is None:
            keys.append(layers[index])
        elif top not in done:
            done.add(top)
            scope = graph.scopes[top]
            env = env_at(top, scope.input)
            inp, out = shapes[scope.input], shapes[_block_output(graph, top)]
            args = {f"arg_{name}" if name in KEY_FIELDS else name: env[name] for name, _ in sorted(scope.args)}
            text = " ".join([scope.template, *(f"{k}={spelled(v)}" for k, v in args.items()), f"{inp}->{out}"])
            keys.append({"key": text, "block": scope.template, "input": [inp.as_list()], "output": out.as_list(),
                         **args})
    return keys, shapes[graph.output]


def _walked(graph: Graph, report: Report) -> dict[int, Evaluated]:
    """The executed nodes of a report's walk by node index (in node order)."""
    from .evaluate import walk

    return {ev.node.index: ev for ev in walk(graph, report.config, report.conventions.rounding)}


def _image(graph: Graph, side: int) -> Shape:
    from .ops import Shape

    return Shape(side, side, graph.spec.channels)


def _exact_value(expr: Any, env: dict[str, Any]) -> Any:
    from .domain import EXACT

    return EXACT.value(expr, env)


def _top_scope(graph: Graph, scope: int) -> int | None:
    """The top-level block instance a scope is part of (None: the root, a top-level layer)."""
    found: int | None = None
    current: int | None = scope
    while current is not None and graph.scopes[current].parent is not None:
        found, current = current, graph.scopes[current].parent
    return found


def _block_output(graph: Graph, scope: int) -> int:
    """The tensor a block instance gives its successor: its template's `output` layer, else its
    last node (nodes are added in order, so a block's nodes are the run that names its scope)."""
    template = graph.spec.blocks[graph.scopes[scope].template]
    nodes = [n for n in graph.nodes if _top_scope(graph, n.scope) == scope]
    if template.output is not None:  # a layer of the template, or a block in it (its last node)
        name = f"{graph.scopes[scope].name}.{template.output}"
        nodes = [n for n in nodes if n.name == name or n.name.startswith(name + ".")]
    return nodes[-1].index


KEY_FIELDS = ("key", "block", "op", "input", "output")
"""The fields of a LUT key before a block's or layer's own (an argument of one of these names is written
arg_NAME), in the order `mncost space lut-keys -f csv` puts them first."""


_FIELD = (1 << 64) - 1
"""A packed figure's field (see Space._group_miss)."""


def _piece_key(piece: _Piece, values: tuple[Any, ...]) -> Any:
    """How `Space._piece_costs` names a piece's values: as `itemgetter(*positions)` gives them."""
    return values[0] if len(piece.positions) == 1 else values


class _Compiled:
    """A space's cost as tables computed up front (`Space._compile`): per resolution, one table per
    group of consecutive pieces (at most GROUP_BYTES values and COMPILED_VALUES value combinations),
    from the group's values, read as one whole number of GROUP_BYTES bytes (a byte per value), to its
    figures packed in one number. A configuration is then its values as bytes, rearranged group by
    group (one itemgetter), read as whole numbers (one memoryview cast) and a sum of lookups.

    Peak memory is the largest of the groups' peaks (the pieces form a chain: nothing but a piece's
    input and its own tensors is alive while it runs, see the module doc). At a resolution, the
    *floor* is the largest of the groups' smallest peaks; a group whose every peak is at most the
    floor never holds the network's peak. The others (for ofa-mbv3 those of the first stage) carry
    their peak in a field of their own of the packed figures, so a configuration's peak is the
    largest of those fields and the floor: exact, and still one sum. Each field is as wide as the
    largest sum it can hold (so the sums are short numbers)."""

    def __init__(self, space: Space, inputs: list[dict[int, tuple[int, int]]], groups: list[tuple[list[_Piece],
                 list[int]]]) -> None:
        self.space = space
        per_position = [space.variables[name].choices for name, slots in space._order for _ in range(slots or 1)]
        self.per_position = per_position
        self.positions = [positions for _, positions in groups]
        order: list[int] = []
        for _, positions in groups:
            order += positions + [positions[0]] * (GROUP_BYTES - len(positions))
        self.order = itemgetter(*order)
        index = {piece.index: k for k, piece in enumerate(space._pieces)}
        raw: dict[int, list[dict[int, tuple[int, int, int, int]]]] = {}
        for r in space.resolutions:
            tables = []
            for members, positions in groups:
                costs = []
                for piece in members:
                    channels, side = inputs[index[piece.index]][r]
                    at = [positions.index(i) for i in piece.positions]
                    costs.append((piece, channels, side, at))
                table = {}
                for combo in itertools.product(*(per_position[i] for i in positions)):
                    params = macs = act = peak = 0
                    for piece, channels, side, at in costs:
                        values = tuple(combo[k] for k in at)
                        p, m, a, k, *_ = space._piece_costs[(piece.index, channels, side, _piece_key(piece, values))]
                        params, macs, act, peak = params + p, macs + m, act + a, max(peak, k)
                    padded = bytes(combo) + bytes([combo[0]]) * (GROUP_BYTES - len(combo))
                    table[int.from_bytes(padded, sys.byteorder)] = (params, macs, act, peak)
                tables.append(table)
            raw[r] = tables
        self.raw = raw  # per resolution, per group: its values' figures, in itertools.product order (space_batch)
        floors = {r: max(min(f[3] for f in t.values()) for t in tables) for r, tables in raw.items()}
        holders = sorted({g for r, tables in raw.items() for g, t in enumerate(tables)
                          if max(f[3] for f in t.values()) > floors[r]})
        # Field widths: the largest sum each can reach (every group's largest entry, added up).
        widths = [max(sum(max(f[k] for f in t.values()) for t in tables).bit_length() for tables in raw.values())
                  for k in range(3)]
        peak_width = max((f[3] for tables in raw.values() for t in tables for f in t.values()), default=0).bit_length()
        self.peak_shifts = tuple(peak_width * k for k in range(len(holders)))
        self.peak_mask = (1 << peak_width) - 1
        self.act_at = peak_width * len(holders)
        self.macs_at = self.act_at + widths[2]
        self.params_at = self.macs_at + widths[1]
        self.act_mask, self.macs_mask = (1 << widths[2]) - 1, (1 << widths[1]) - 1
        field_of = {g: k for k, g in enumerate(holders)}
        self.tables: dict[int, tuple[list[dict[int, int]], int]] = {}
        for r, tables in raw.items():
            packed: list[dict[int, int]] = []
            for g, t in enumerate(tables):
                lift = self.peak_shifts[field_of[g]] if g in field_of else None
                packed.append({key: (p << self.params_at) | (m << self.macs_at) | (a << self.act_at)
                               | (k << lift if lift is not None else 0) for key, (p, m, a, k) in t.items()})
            self.tables[r] = (packed, floors[r])
        self.memo: dict[int, dict[bytes, SpaceCost]] = {r: {} for r in space.resolutions}
        self.self_checking = self._self_checking()
        self.cost = self._fast_cost() if self.self_checking else self._checked_cost

    def _self_checking(self) -> bool:
        """Whether `_fast_cost` can check a configuration on its own: every variable has slots,
        every value is in some group's key (so an out-of-choice value is a missing key) and no
        choice is 0 or 1 (which True and False would pass for in bytes)."""
        space = self.space
        referenced = {i for piece in space._pieces for i in piece.positions}
        values = sum(slots or 1 for _, slots in space._order)
        return (all(slots is not None for _, slots in space._order) and len(referenced) == values
                and not any(exact for *_, exact in space._fast))

    def figures(self, flat: list[Any], remember: bool = True) -> SpaceCost:
        """The figures of a checked configuration's flat values (`Space._flat`)."""
        key = bytes(flat[:-1])
        r = flat[-1]
        memo = self.memo[r]
        found = memo.get(key) if remember else None
        if found is not None:
            return found
        tables, floor = self.tables[r]
        found = self.unpack(sum(map(getitem, tables, memoryview(bytes(self.order(key))).cast("Q"))), floor)
        if remember and self.space._remembered < REMEMBERED:
            memo[key] = found
            self.space._remembered += 1
        return found

    def unpack(self, total: int, floor: int) -> SpaceCost:
        mask = self.peak_mask
        peak = max(floor, *((total >> shift) & mask for shift in self.peak_shifts)) if self.peak_shifts else floor
        return SpaceCost(total >> self.params_at, (total >> self.macs_at) & self.macs_mask, peak,
                         (total >> self.act_at) & self.act_mask)

    def _checked_cost(self, config: Mapping[str, Any], remember: bool = True) -> SpaceCost:
        return self.space.checked_figures(config, self.figures, remember)

    def _fast_cost(self) -> Any:
        """`cost` for a space whose variables all have slots: the configuration is checked by the
        lookups themselves (bytes() refuses what is not a whole number from 0 to 255, and a value
        outside the choices makes a key no table has); anything else goes to `_checked_cost`, which
        explains what is wrong."""
        space = self.space
        get = itemgetter(*space.variables, RESOLUTION)
        lengths = tuple(slots for _, slots in space._order) + (1,)
        keys = len(space.variables) + 1
        order, tables_of, memos, checked, unpack = self.order, self.tables, self.memo, self._checked_cost, self.unpack
        join = b"".join
        holders = len(self.peak_shifts)
        second = self.peak_shifts[1] if holders == 2 else 0
        params_at, macs_at, act_at = self.params_at, self.macs_at, self.act_at
        macs_mask, act_mask, peak_mask = self.macs_mask, self.act_mask, self.peak_mask

        def cost(config: Mapping[str, Any], remember: bool = True) -> SpaceCost:
            """The figures of one configuration (exactly `evaluate` on the spec bound to it)."""
            try:
                values = get(config)
                r = values[-1]
                if len(config) == keys and tuple(map(len, values)) == lengths and r.__class__ is list:
                    r = r[0]
                    if r.__class__ is int:
                        tables, floor = tables_of[r]
                        key = join(map(bytes, values[:-1]))
                        if remember:
                            memo = memos[r]
                            found = memo.get(key)
                            if found is not None:
                                return found
                        total = sum(map(getitem, tables, memoryview(bytes(order(key))).cast("Q")))
                        if holders == 2:  # (ofa-mbv3) the peak fields written out: two shifts and a max
                            found = SpaceCost(total >> params_at, (total >> macs_at) & macs_mask,
                                              max(floor, total & peak_mask, (total >> second) & peak_mask),
                                              (total >> act_at) & act_mask)
                        else:
                            found = unpack(total, floor)
                        if remember and space._remembered < REMEMBERED:
                            memo[key] = found
                            space._remembered += 1
                        return found
            except (KeyError, TypeError, ValueError, IndexError):
                pass
            return checked(config, remember)

        return cost


_SMALL: dict[Any, int] = {}
"""The code of a space whose choices are all whole numbers from 0 to 255: each is its own byte."""


def _codes(choices: list[Any]) -> dict[Any, int] | None:
    """One byte per distinct choice of the space, or None where bytes cannot stand for them (more
    than 256 distinct values, or True and 1 both choices: equal keys in a dict)."""
    if all(type(c) is int and 0 <= c <= 255 for c in choices):
        return _SMALL
    codes: dict[Any, int] = {}
    for choice in choices:
        if choice in codes and type(next(c for c in codes if c == choice)) is not type(choice):
            return None
        codes.setdefault(choice, len(codes))
    return codes if len(codes) <= 256 else None


def _among(value: Any, allowed: frozenset[Any]) -> bool:
    """Whether a value from a configuration is one of the choices; a list or a mapping (from JSON)
    is none of them (and cannot be looked up in a set)."""
    try:
        return value in allowed
    except TypeError:
        return False


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def load_space(name: str, config: Config | None = None) -> Space:
    """A bundled space (`"ofa-mbv3"`) or a space file, ready for `space.cost(configuration)`;
    `config` holds the conventions (bn-params, dtype, memory model, device, ...)."""
    return Space(read_space(name), config)
