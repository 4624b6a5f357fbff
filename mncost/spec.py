"""A validated spec: the YAML layer tables as frozen dataclasses that remember file:line.

Parsing checks everything that can be checked without numbers: keys, types of literals, names,
references between layers and blocks, expression syntax and the names they use. Whatever depends
on α, ρ and the conventions is checked when the graph is evaluated.
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Mapping
from dataclasses import field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from . import expr
from .conventions import Rounding
from .errors import Location, SpecError
from .expr import Expr
from .gcpause import collector_paused
from .hints import did_you_mean
from .limits import MAX_CHANNELS as MAX_CHANNELS  # re-exported: the spec language states its limits
from .limits import MAX_RESOLUTION as MAX_RESOLUTION
from .ops import ACTIVATIONS, OPS, Attr, Kind, Shape
from .record import record
from .yamlload import MAX_BYTES, LocList, LocMap, load_yaml, read_text

if TYPE_CHECKING:
    from pathlib import Path

MAX_REPEAT = 1_000
"""Largest `n` of a stage-table row."""

MAX_PADDING = 1_000
"""Largest explicit padding, in pixels per side."""
MAX_NESTING = 16
"""Deepest nesting of block templates inside block templates."""

GLOBAL_NAMES = frozenset({"alpha", "classes", "in"})
"""Names every expression may use: width multiplier, number of classes, input channels."""

# Patterns are compiled on first use (re caches them): a spec without filters never compiles those.
_NAME = r"^[A-Za-z_][A-Za-z0-9_\-]*$"
_SHAPE = r"^\s*(\d+)\s*[x×]\s*(\d+)\s*[x×]\s*(\d+)\s*$"
_SQUARE_SHAPE = r"^\s*(\d+)\s*(?:²|\^2)\s*[x×]\s*(\d+)\s*$"
_CONV_FILTER = r"^\s*(\d+)\s*[x×]\s*(\d+)\s*[x×]\s*(\d+)\s*[x×]\s*(\d+)\s*$"
_DW_FILTER = r"^\s*(\d+)\s*[x×]\s*(\d+)\s*[x×]\s*(\d+)\s*dw\s*$"
_FC_FILTER = r"^\s*(\d+)\s*[x×]\s*(\d+)\s*$"
_KERNEL = r"^\s*(\d+)\s*[x×]\s*(\d+)\s*$"


@record
class Defaults:
    """Spec-wide defaults: channel rounding, padding, and BN/activation fused into conv rows."""

    rounding: Rounding = Rounding.NONE
    padding: str | int | tuple[int, int] = "same"
    bn: bool = False
    act: str = "none"


@record
class OpRow:
    """One primitive op: a row of a layer table or of a block template."""

    name: str
    op: str
    attrs: tuple[tuple[str, Expr], ...]
    when: Expr | None
    inputs: tuple[str, ...] | None
    paper_input: Shape | None = field(compare=False)
    paper_in_channels: int | None = field(compare=False)
    location: Location = field(compare=False, repr=False)
    like: str | None = None  # `like: TENSOR` (resize): a last input read for its size only; `input` is the image


@record
class BlockRow:
    """One instance of a block template with its arguments (already typed expressions)."""

    name: str
    block: str
    args: tuple[tuple[str, Expr], ...]
    when: Expr | None
    inputs: tuple[str, ...] | None
    paper_input: Shape | None = field(compare=False)
    location: Location = field(compare=False, repr=False)


@record
class StageRow:
    """A row of a stage table (V2's t/c/n/s): n blocks (1 without an n column), the first with stride s."""

    args: tuple[tuple[str, Expr], ...]
    repeats: int  # n as written (0 when `repeats_expr` gives it)
    stride: Expr | None
    paper_input: Shape | None = field(compare=False)
    location: Location = field(compare=False, repr=False)
    repeats_expr: Expr | None = None  # n as an expression of the enclosing block's int parameters
    stage: str | None = None  # rows sharing a `stage` value are scaled together by --depth-multiplier


@record
class StageTable:
    """Rows named `{name}{start}`, `{name}{start+1}`, ...; their blocks `block1`, `block2`, ..."""

    name: str
    block: str
    start: int
    rows: tuple[StageRow, ...]
    location: Location = field(compare=False, repr=False)


Item = OpRow | BlockRow | StageTable


@record
class Param:
    name: str
    kind: str  # int | channels | number | bool | act
    default: Expr | None


@record
class BlockTemplate:
    """A small graph of ops whose attributes are expressions of the block's parameters."""

    name: str
    params: tuple[Param, ...]
    lets: tuple[tuple[str, Expr], ...]
    ops: tuple[Item, ...]
    output: str | None
    streamable: bool
    location: Location = field(compare=False, repr=False)


@record
class Spec:
    """A whole architecture: header, block templates and the body's layer items."""

    name: str
    description: str
    family: str
    source: str
    resolution: int
    channels: int
    classes: int
    defaults: Defaults
    blocks: dict[str, BlockTemplate]
    layers: tuple[Item, ...]
    file: str = field(compare=False)
    outputs: tuple[str, ...] = ()  # top-level layer names the network outputs; () = its last layer
    outputs_location: Location | None = field(default=None, compare=False, repr=False)


_TOP_KEYS = ("name", "description", "family", "source", "input", "classes", "defaults", "blocks", "layers",
             "output", "outputs")
_TOP_REQUIRED = ("name", "description", "source", "input", "layers")
_ROW_KEYS = ("name", "op", "when", "inputs", "input", "filter")
_BLOCK_ROW_KEYS = ("name", "block", "when", "inputs", "input")
_TABLE_KEYS = ("table", "name", "start", "columns", "rows")
_TEMPLATE_KEYS = ("description", "params", "let", "ops", "output", "streamable")
_PARAM_KINDS = ("int", "channels", "number", "bool", "act")


def load_spec(path: str | Path, display: str | None = None, variables: Mapping[str, Any] | None = None) -> Spec:
    """Read and validate a spec file. `display` is the name used in messages (default: path);
    `variables` binds the spec's variables (mncost.variables; unset ones take their defaults)."""
    shown = display or str(path)
    return parse_spec(read_text(shown, read_file(str(path), shown)), shown, variables)


def read_file(path: str, shown: str) -> bytes:
    """The bytes of a spec file, refusing directories, FIFOs and devices, and files over MAX_BYTES
    (read no further than the limit, so a huge file costs no memory)."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        what = "is a broken symbolic link" if os.path.islink(path) else "no such file"
        raise SpecError(None, f"{shown}: {what}") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise SpecError(None, f"{shown}: cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    if stat.S_ISDIR(info.st_mode):
        raise SpecError(None, f"{shown}: is a directory, not a spec file")
    if not stat.S_ISREG(info.st_mode):
        raise SpecError(None, f"{shown}: is not a regular file (a pipe, socket or device); give a YAML file")
    if info.st_size > MAX_BYTES:
        raise SpecError(Location(shown, 1), f"file is {info.st_size:,} bytes; the limit is {MAX_BYTES:,}")
    try:
        with open(path, "rb") as handle:
            return handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SpecError(None, f"{shown}: cannot read ({exc.strerror or exc})") from None


@collector_paused()
def parse_spec(text: str, file: str, variables: Mapping[str, Any] | None = None) -> Spec:
    """Validate the text of a spec; `file` is the name used in messages."""
    doc = load_yaml(text, file)
    if doc is None:
        raise SpecError(Location(file, 1), "empty file (expected a spec mapping with 'name', 'layers', ...)")
    if not isinstance(doc, LocMap):
        raise SpecError(Location(file, 1), f"a spec must be a mapping, got {_kind(doc)}")
    return parse_document(doc, file, variables)


def _parsed(text: str, known: frozenset[str], where: Location) -> Expr:
    """`expr.parse`, its compiled function remembered: a spec read again (each piece of a search
    space, `mncost.space`) parses the same expressions at the same lines. Each call still gives an
    Expr of its own: the walk takes two attributes holding the very same Expr for one written once
    (Attr.same_as). Errors are not remembered."""
    found = _parsed_once(text, known, where)
    return Expr(found.text, found.names, found.fn, found.location)


@lru_cache(maxsize=8192)
def _parsed_once(text: str, known: frozenset[str], where: Location) -> Expr:
    return expr.parse(text, known, where)


def parse_document(doc: LocMap, file: str, variables: Mapping[str, Any] | None = None) -> Spec:
    """Validate a spec's YAML document, its variables (if it declares any) bound to `variables` or
    their defaults (mncost.variables)."""
    if "variables" in doc or variables:
        from .variables import bind

        doc = bind(doc, variables, file)
    return _Parser(file).spec(doc)


_EXPONENT = re.compile(r"[-+]?(\d[\d_]*)?\.?\d*[eE][-+]?\d+")
"""A number with an exponent that YAML 1.1 reads as text (`1e3`, `1.0e3`): refused in numeric fields."""


def _plain_number(text: str) -> str:
    value = float(text.replace("_", ""))
    return f"{int(value)}" if value.is_integer() and abs(value) < 1e18 else repr(value)


def shown_text(text: str) -> str:
    """Free text of a spec (its name, description, family, source) as it is shown: whitespace
    runs (line breaks included) become one space, and every other character that is not
    printable (terminal escape sequences, bidirectional overrides such as U+202E) is written as
    its escape (`\\x1b`, `\\u202e`), so no spec can drive a terminal or reorder a line."""
    text = " ".join(text.split())
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, LocMap | dict):
        return "a mapping"
    if isinstance(value, LocList | list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, str):
        return f"text '{value}'"
    return f"{type(value).__name__} {value!r}"


def _bool_hint(value: Any) -> str:
    """YAML 1.1 reads yes/no/on/off as booleans: say so where a number was expected."""
    return "; YAML reads true/false, yes/no and on/off as booleans" if isinstance(value, bool) else ""


def parse_shape(text: Any, where: Location) -> Shape:
    """'112x112x32' (or the paper's '112² × 32') as a Shape."""
    if isinstance(text, str):
        if m := re.match(_SHAPE, text):
            return Shape(int(m[1]), int(m[2]), int(m[3]))
        if m := re.match(_SQUARE_SHAPE, text):
            return Shape(int(m[1]), int(m[1]), int(m[2]))
    raise SpecError(where, f"input size must look like 112x112x32 or 112²x32, got {_kind(text)}")


class _Parser:
    def __init__(self, file: str) -> None:
        self.file = file
        self.templates: dict[str, LocMap] = {}
        self.params: dict[str, tuple[Param, ...]] = {}
        self.act_names: frozenset[str] = frozenset()  # `act` parameters of the template being parsed
        self.bool_names: frozenset[str] = frozenset()  # its `bool` parameters (usable as a boolean attribute)
        self.block: str | None = None  # the template being parsed (for the hint on an unknown name)

    # -- helpers ---------------------------------------------------------------------------------
    def keys(self, node: LocMap, allowed: tuple[str, ...], what: str, extra: tuple[str, ...] = ()) -> None:
        for key in node:
            if key not in allowed and key not in extra:
                hint = did_you_mean(key, allowed + extra)
                raise SpecError(node.key_loc(key), f"unknown key '{key}' in {what}{hint}")

    def required(self, node: LocMap, key: str, what: str) -> Any:
        if key not in node:
            raise SpecError(node.location, f"{what} is missing required key '{key}'")
        return node[key]

    def text(self, node: LocMap, key: str, what: str, default: str | None = None) -> str:
        value = node.get(key, default) if default is not None else self.required(node, key, what)
        if not isinstance(value, str) or not value.strip():
            raise SpecError(node.loc(key), f"'{key}' must be non-empty text, got {_kind(value)}")
        return shown_text(value)

    def whole(self, value: Any, where: Location, what: str, low: int = 1, high: int = MAX_CHANNELS) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(where, f"'{what}' must be a whole number, got {_kind(value)}{_bool_hint(value)}")
        if not low <= value <= high:
            raise SpecError(where, f"'{what}' must be between {low} and {high:,}, got {value}")
        return value

    def name(self, value: Any, where: Location) -> str:
        if not isinstance(value, str) or not re.fullmatch(_NAME, value):
            raise SpecError(
                where, f"'name' must be letters, digits, '_' or '-' (no dots), got {_kind(value)}"
            )
        return value

    # -- top level -------------------------------------------------------------------------------
    def spec(self, doc: LocMap) -> Spec:
        # `variables:` is bound away before the parser sees it (mncost.variables); listed for the
        # hint a misspelling of it gets ('variable' -> did you mean 'variables'?).
        self.keys(doc, _TOP_KEYS, "the spec", extra=("variables",))
        for key in _TOP_REQUIRED:
            self.required(doc, key, "the spec")
        inp = doc["input"]
        if not isinstance(inp, LocMap):
            raise SpecError(doc.loc("input"),
                            f"'input' must be a mapping with 'resolution' and 'channels', got {_kind(inp)}")
        self.keys(inp, ("resolution", "channels"), "'input'")
        resolution = self.whole(self.required(inp, "resolution", "'input'"), inp.loc("resolution"), "resolution",
                                1, MAX_RESOLUTION)
        channels = self.whole(self.required(inp, "channels", "'input'"), inp.loc("channels"), "channels")
        classes = self.whole(doc.get("classes", 1000), doc.loc("classes"), "classes")
        defaults = self.defaults(doc.get("defaults"), doc.loc("defaults"))
        self.defaults_value = defaults
        blocks = self.blocks(doc.get("blocks"), doc.loc("blocks"))
        layers = self.items(doc["layers"], doc.loc("layers"), GLOBAL_NAMES, "'layers'")
        outputs, outputs_location = self.outputs(doc, layers)
        return Spec(
            name=self.text(doc, "name", "the spec"),
            description=self.text(doc, "description", "the spec"),
            family=self.text(doc, "family", "the spec", default=str(doc.get("name", "-"))),
            source=self.text(doc, "source", "the spec"),
            resolution=resolution,
            channels=channels,
            classes=classes,
            defaults=defaults,
            blocks=blocks,
            layers=layers,
            file=self.file,
            outputs=outputs,
            outputs_location=outputs_location,
        )

    def outputs(self, doc: LocMap, layers: tuple[Item, ...]) -> tuple[tuple[str, ...], Location | None]:
        """`output: name` or `outputs: [name, ...]`: top-level layers whose tensors the network
        outputs (a detector's feature maps and heads); neither: the last layer."""
        if "output" in doc and "outputs" in doc:
            raise SpecError(doc.key_loc("outputs"), "give either 'output' or 'outputs', not both")
        key = "outputs" if "outputs" in doc else "output"
        if key not in doc:
            return (), None
        value, where = doc[key], doc.loc(key)
        names = [value] if key == "output" and isinstance(value, str) else value
        if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
            what = "a layer name" if key == "output" else "a non-empty list of layer names"
            raise SpecError(where, f"'{key}' must be {what}, got {_kind(value)}")
        known = [n for item in layers for n in (
            [f"{item.name}{item.start + k}" for k in range(len(item.rows))] if isinstance(item, StageTable)
            else [item.name])]
        for n in names:
            if n not in known:
                raise SpecError(where, f"'{key}' names no layer of 'layers': '{n}'{did_you_mean(n, known)}")
        if len(set(names)) != len(names):
            twice = next(n for n in names if names.count(n) > 1)
            raise SpecError(where, f"'{key}' lists '{twice}' twice")
        return tuple(names), where

    def defaults(self, node: Any, where: Location) -> Defaults:
        if node is None:
            return Defaults()
        if not isinstance(node, LocMap):
            raise SpecError(where, f"'defaults' must be a mapping, got {_kind(node)}")
        self.keys(node, ("rounding", "padding", "bn", "act"), "'defaults'")
        rounding = node.get("rounding", "none")
        if not isinstance(rounding, str) or rounding not in {r.value for r in Rounding}:
            raise SpecError(node.loc("rounding"), f"'rounding' must be one of none, round8, got {_kind(rounding)}")
        bn = node.get("bn", False)
        if not isinstance(bn, bool):
            raise SpecError(node.loc("bn"), f"'bn' must be true or false, got {_kind(bn)}")
        return Defaults(
            rounding=Rounding(rounding),
            padding=self.padding(node.get("padding", "same"), node.loc("padding")),
            bn=bn,
            act=self.act(node.get("act", "none"), node.loc("act")),
        )

    def padding(self, value: Any, where: Location) -> str | int | tuple[int, int]:
        if value in ("same", "valid", "half"):
            return str(value)
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_PADDING:
            return value
        if (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) and not isinstance(v, bool)
                                                                and 0 <= v <= MAX_PADDING for v in value)):
            return (value[0], value[1])  # [height, width] pixels per side (PyTorch padding=(ph, pw))
        raise SpecError(where, f"'padding' must be same, valid, half, a whole number from 0 to {MAX_PADDING:,} "
                        f"or [height, width] of them, got {_kind(value)}")

    def act(self, value: Any, where: Location) -> str:
        if value == "none" or value in ACTIVATIONS:
            return str(value)
        hint = did_you_mean(str(value), ACTIVATIONS + tuple(self.act_names)) if isinstance(value, str) else ""
        params = f", or an act parameter ({', '.join(sorted(self.act_names))})" if self.act_names else ""
        raise SpecError(where, f"'act' must be none or one of {', '.join(ACTIVATIONS)}{params}, "
                               f"got {_kind(value)}{hint}")

    # -- block templates -------------------------------------------------------------------------
    def blocks(self, node: Any, where: Location) -> dict[str, BlockTemplate]:
        if node is None:
            return {}
        if not isinstance(node, LocMap):
            raise SpecError(where, f"'blocks' must be a mapping of block names to templates, got {_kind(node)}")
        for name, body in node.items():
            self.name(name, node.key_loc(name))
            if name in OPS:
                raise SpecError(node.key_loc(name), f"block name '{name}' is already an op")
            if not isinstance(body, LocMap):
                raise SpecError(node.loc(name), f"block '{name}' must be a mapping, got {_kind(body)}")
            self.templates[name] = body
            self.params[name] = self.template_params(body)
        self.check_cycles()
        return {name: self.template(name, body) for name, body in self.templates.items()}

    def template_params(self, body: LocMap) -> tuple[Param, ...]:
        self.keys(body, _TEMPLATE_KEYS, "a block template")
        raw = body.get("params", LocMap(body.location))
        if not isinstance(raw, LocMap):
            raise SpecError(body.loc("params"), f"'params' must map names to types, got {_kind(raw)}")
        params = []
        for pname, ptype in raw.items():
            if pname in GLOBAL_NAMES or pname in expr.FUNCTIONS:
                raise SpecError(raw.key_loc(pname), f"parameter name '{pname}' is reserved")
            self.name(pname, raw.key_loc(pname))
            default: Any = None
            if isinstance(ptype, LocMap):
                self.keys(ptype, ("type", "default"), f"parameter '{pname}'")
                kind = self.required(ptype, "type", f"parameter '{pname}'")
                default = ptype.get("default")
                dloc = ptype.loc("default")
                if "default" in ptype and default is None:
                    raise SpecError(dloc, f"parameter '{pname}' default is empty: give a value or leave 'default' out")
            else:
                kind, dloc = ptype, raw.loc(pname)
            if kind not in _PARAM_KINDS:
                raise SpecError(raw.loc(pname), f"parameter '{pname}' type must be one of "
                                f"{', '.join(_PARAM_KINDS)}, got {_kind(kind)}")
            if kind == "act" and (pname in ACTIVATIONS or pname == "none"):
                raise SpecError(raw.key_loc(pname), f"act parameter '{pname}' would hide the activation of that name")
            dexpr = None if default is None else self.typed(default, kind, dloc, GLOBAL_NAMES, pname, param=True)
            params.append(Param(pname, kind, dexpr))
        return tuple(params)

    def check_cycles(self) -> None:
        def refs(items: Any) -> list[tuple[str, Location]]:
            found = []
            if isinstance(items, LocList):
                for item in items:
                    if isinstance(item, LocMap):
                        for key in ("block", "table"):
                            if isinstance(item.get(key), str):
                                found.append((item[key], item.loc(key)))
            return found

        height: dict[str, int] = {}  # templates in the longest chain of blocks starting at a template

        def too_deep(where: Location, path: list[str], ref: str) -> SpecError:
            chain = path + [ref]
            shown = " -> ".join(chain) if len(chain) <= 3 else f"{chain[0]} -> ... -> {chain[-1]}"
            more = " -> ..." if ref in height else ""
            return SpecError(where, f"blocks nested deeper than {MAX_NESTING} levels ({shown}{more})")

        def visit(name: str, path: list[str]) -> None:  # recursion is bounded by MAX_NESTING
            deepest = 0
            for ref, where in refs(self.templates[name].get("ops")):
                if ref not in self.templates:
                    continue
                if ref in path:
                    cycle = " -> ".join(path[path.index(ref):] + [ref])
                    raise SpecError(where, f"block '{ref}' includes itself ({cycle})")
                if ref not in height:
                    if len(path) >= MAX_NESTING:
                        raise too_deep(where, path, ref)
                    visit(ref, path + [ref])
                if len(path) + height[ref] > MAX_NESTING:
                    raise too_deep(where, path, ref)
                deepest = max(deepest, height[ref])
            height[name] = 1 + deepest

        for name in self.templates:
            if name not in height:
                visit(name, [name])

    def template(self, name: str, body: LocMap) -> BlockTemplate:
        self.block = name
        if "description" in body:  # documentation only, but text (as the JSON Schema says)
            self.text(body, "description", f"block '{name}'")
        params = self.params[name]
        # `act` parameters are activation names: usable in `act:` fields, not in arithmetic.
        self.act_names = frozenset(p.name for p in params if p.kind == "act")
        self.bool_names = frozenset(p.name for p in params if p.kind == "bool")
        known = set(GLOBAL_NAMES) | {p.name for p in params if p.kind != "act"}
        lets = []
        raw_lets = body.get("let", LocMap(body.location))
        if not isinstance(raw_lets, LocMap):
            raise SpecError(body.loc("let"), f"'let' must map names to expressions, got {_kind(raw_lets)}")
        for lname, value in raw_lets.items():
            self.name(lname, raw_lets.key_loc(lname))
            if lname in known or lname in self.act_names or lname in expr.FUNCTIONS:
                raise SpecError(raw_lets.key_loc(lname), f"'{lname}' is already defined")
            lets.append((lname, self.expression(value, raw_lets.loc(lname), frozenset(known), lname)))
            known.add(lname)
        ops = self.items(self.required(body, "ops", f"block '{name}'"), body.loc("ops"), frozenset(known),
                         f"block '{name}'")
        output = body.get("output")
        names = {item.name for item in ops if not isinstance(item, StageTable)}
        if output is not None and (not isinstance(output, str) or output not in names):
            hint = did_you_mean(str(output), names)
            raise SpecError(body.loc("output"), f"'output' names no op of block '{name}'{hint}")
        streamable = body.get("streamable", False)
        if not isinstance(streamable, bool):
            raise SpecError(body.loc("streamable"), f"'streamable' must be true or false, got {_kind(streamable)}")
        self.act_names = self.bool_names = frozenset()
        self.block = None
        return BlockTemplate(name, params, tuple(lets), ops, output, streamable, body.location)

    # -- layer items -----------------------------------------------------------------------------
    def items(self, node: Any, where: Location, known: frozenset[str], what: str) -> tuple[Item, ...]:
        if not isinstance(node, LocList) or not node:
            raise SpecError(where, f"{what} must be a non-empty list of layers, got {_kind(node)}")
        items: list[Item] = []
        seen: set[str] = set()
        for i, raw in enumerate(node):
            loc = node.loc(i)
            if not isinstance(raw, LocMap):
                raise SpecError(loc, f"a layer must be a mapping with 'op', 'block' or 'table', got {_kind(raw)}")
            item: Item
            if "table" in raw:
                table = self.table(raw, known)
                names = [f"{table.name}{table.start + k}" for k in range(len(table.rows))]
                item = table
            elif "block" in raw:
                item = self.block_row(raw, known, seen)
                names = [item.name]
            elif "op" in raw:
                item = self.op_row(raw, known, seen)
                names = [item.name]
            else:
                raise SpecError(raw.location, "a layer needs one of 'op', 'block' or 'table'")
            for n in names:
                if n in seen or n == "in":
                    raise SpecError(raw.location, f"duplicate layer name '{n}'")
                seen.add(n)
            items.append(item)
        return tuple(items)

    def common(self, raw: LocMap, known: frozenset[str],
               seen: set[str]) -> tuple[str, Expr | None, tuple[str, ...] | None, Shape | None]:
        name = self.name(self.required(raw, "name", "a layer"), raw.loc("name"))
        when = None
        if "when" in raw:
            value = raw["when"]
            if isinstance(value, bool):
                when = expr.constant(value, raw.loc("when"))
            else:
                when = self.expression(value, raw.loc("when"), known, "when")
        inputs = None
        if "inputs" in raw:
            value = raw["inputs"]
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not value:
                raise SpecError(raw.loc("inputs"),
                                f"'inputs' must be a layer name or a list of them, got {_kind(value)}")
            for ref in value:
                if not isinstance(ref, str):
                    raise SpecError(raw.loc("inputs"), f"'inputs' must list layer names, got {_kind(ref)}")
                if ref != "in" and ref not in seen:
                    hint = did_you_mean(str(ref), seen | {"in"})
                    raise SpecError(raw.loc("inputs"), f"input '{ref}' names no earlier layer in this scope{hint}")
            inputs = tuple(value)
        paper = parse_shape(raw["input"], raw.loc("input")) if "input" in raw else None
        return name, when, inputs, paper

    def op_row(self, raw: LocMap, known: frozenset[str], seen: set[str]) -> OpRow:
        op = raw["op"]
        if not isinstance(op, str):
            raise SpecError(raw.loc("op"), f"'op' must be an op name, got {_kind(op)}")
        if op not in OPS:
            hint = did_you_mean(op, OPS) or f" (ops: {', '.join(OPS)})"
            if op in self.templates:
                hint = f"; '{op}' is a block: use 'block: {op}'"
            raise SpecError(raw.loc("op"), f"unknown op '{op}'{hint}")
        rule = OPS[op]
        settable = tuple(k for k, a in rule.attrs.items() if a.settable)
        self.keys(raw, _ROW_KEYS + settable + (("like",) if rule.like else ()), f"a '{op}' layer")
        name, when, inputs, paper = self.common(raw, known, seen)
        like = self.like(raw, op, rule.like, seen) if rule.like else None
        n_inputs = (len(inputs) if inputs is not None else 1) + (like is not None)
        if not rule.min_inputs <= n_inputs <= rule.max_inputs:
            want = rule.min_inputs if rule.min_inputs == rule.max_inputs else f"{rule.min_inputs} to {rule.max_inputs}"
            raise SpecError(raw.loc("inputs") if inputs else raw.location,
                            f"'{op}' takes {want} inputs, got {n_inputs} (list them in 'inputs')")
        values: dict[str, tuple[Any, Location]] = {k: (raw[k], raw.loc(k)) for k in settable if k in raw}
        paper_in = None
        if "filter" in raw:
            paper_in = self.filter(raw, op, values)
        self.pairs(rule.attrs, values)
        given = [key for key in rule.like if key in values]
        if rule.like and not given and n_inputs < 2:
            raise SpecError(raw.location, f"'{op}' layer '{name}' needs {_either(rule.like)} or 'like' (a tensor "
                                          "whose size it takes)")
        if given and n_inputs == 2 and like is None:
            raise SpecError(raw.loc(given[0]), f"give either '{given[0]}' or a second input, not both")
        attrs: list[tuple[str, Expr]] = []
        built: dict[str, Expr] = {}
        for key, attr in rule.attrs.items():
            for other in attr.excludes:
                if key in values and other in values:
                    raise SpecError(values[key][1], f"give either '{other}' or '{key}', not both")
            if attr.many and key in values:
                attrs.extend(self.listed(key, attr, values[key], known))
                continue
            if attr.many or (attr.optional and key not in values):
                continue
            if key in values:
                value, loc = values[key]
            elif attr.required:
                raise SpecError(raw.location, f"'{op}' layer '{name}' is missing required key '{key}'")
            elif attr.same_as is not None:
                built[key] = built[attr.same_as]  # kernel_w: the kernel's height unless given
                attrs.append((key, built[key]))
                continue
            else:
                value, loc = self.default(key, attr.default), raw.location
            built[key] = self.attr(value, attr, loc, known, key)
            attrs.append((key, built[key]))
        return OpRow(name, op, tuple(attrs), when, inputs, paper, paper_in, raw.location, like)

    def like(self, raw: LocMap, op: str, replaces: tuple[str, ...], seen: set[str]) -> str | None:
        """`like: TENSOR`: an earlier layer of this scope, `in`, or `input` (the network's input image)."""
        if "like" not in raw:
            return None
        value, loc = raw["like"], raw.loc("like")
        for key in replaces:
            if key in raw:
                raise SpecError(loc, f"give either '{key}' or 'like', not both")
        if not isinstance(value, str) or (value not in seen and value not in ("in", "input")):
            hint = did_you_mean(str(value), seen | {"in", "input"}) if isinstance(value, str) else ""
            raise SpecError(loc, f"'like' must name an earlier layer in this scope, in or input, got "
                                 f"{_kind(value)}{hint}")
        return value

    def pairs(self, attrs: Mapping[str, Attr], values: dict[str, tuple[Any, Location]]) -> None:
        """`kernel: [1, 5]` or `kernel: 1x5` (and `size: [h, w]`) set an attribute and its `_w` twin."""
        for key, attr in attrs.items():
            base = attr.same_as
            if base is None or base not in values or key in values:
                continue
            value, loc = values[base]
            if isinstance(value, str) and (m := re.match(_KERNEL, value)):
                value = [int(m[1]), int(m[2])]
            if isinstance(value, list):
                if len(value) != 2:
                    raise SpecError(loc, f"'{base}' must be one value or two ([height, width]), got {len(value)}")
                values[base], values[key] = (value[0], loc), (value[1], loc)

    def listed(self, key: str, attr: Any, given: tuple[Any, Location], known: frozenset[str]) -> list[tuple[str, Expr]]:
        """A list attribute (`sizes: [a, b, c]`) as the attributes key1, key2, ..."""
        value, loc = given
        if not isinstance(value, list) or not 1 <= len(value) <= attr.many:
            raise SpecError(loc, f"'{key}' must be a list of 1 to {attr.many} values, got {_kind(value)}")
        return [(f"{key}{i + 1}", self.attr(item, attr, loc, known, key)) for i, item in enumerate(value)]

    def default(self, key: str, value: Any) -> Any:
        if value is not None:
            return value
        return {"bn": self.defaults_value.bn, "act": self.defaults_value.act,
                "padding": self.defaults_value.padding}[key]

    def filter(self, raw: LocMap, op: str, values: dict[str, tuple[Any, Location]]) -> int:
        text, loc = raw["filter"], raw.loc("filter")
        if "kernel" in values or "out" in values:
            raise SpecError(loc, "give either 'filter' or 'kernel'/'out', not both")
        if not isinstance(text, str):
            raise SpecError(loc, f"'filter' must look like 3x3x32x64, 3x3x32 dw or 1024x1000, got {_kind(text)}")
        conv, dw, fc = re.match(_CONV_FILTER, text), re.match(_DW_FILTER, text), re.match(_FC_FILTER, text)
        if op in ("conv", "pwconv") and conv:
            k1, k2, cin, cout = (int(g) for g in conv.groups())
            if op == "pwconv" and (k1, k2) != (1, 1):
                raise SpecError(loc, f"a pwconv filter must be 1x1, got {k1}x{k2}")
            if op == "conv":
                values["kernel"] = (k1 if k1 == k2 else [k1, k2], loc)
            values["out"] = (cout, loc)
            return cin
        if op == "dwconv" and dw:
            k1, k2, cin = (int(g) for g in dw.groups())
            values["kernel"] = (k1 if k1 == k2 else [k1, k2], loc)
            return cin
        if op == "fc" and fc:
            cin, cout = int(fc[1]), int(fc[2])
            values["out"] = (cout, loc)
            return cin
        shapes = {"conv": "KxKxCinxCout", "pwconv": "1x1xCinxCout", "dwconv": "KxKxC dw", "fc": "CinxCout"}
        if op not in shapes:
            raise SpecError(loc, f"'filter' applies to conv, pwconv, dwconv and fc layers, not '{op}'")
        raise SpecError(loc, f"a '{op}' filter must look like {shapes[op]}, got '{text}'")

    def square(self, k1: int, k2: int, loc: Location) -> None:
        if k1 != k2:
            raise SpecError(loc, f"only square kernels are supported, got {k1}x{k2}")

    def attr(self, value: Any, attr: Attr, where: Location, known: frozenset[str], key: str) -> Expr:
        kind = attr.kind
        if kind is Kind.CHOICE:
            if value not in attr.choices:
                hint = did_you_mean(value, attr.choices) if isinstance(value, str) else ""
                raise SpecError(where, f"'{key}' must be one of {', '.join(attr.choices)}, got {_kind(value)}{hint}")
            return expr.Expr(str(value), frozenset(), _const(str(value)), where)
        if kind is Kind.PIXELS:
            return expr.Expr(str(value), frozenset(), _const(self.whole(value, where, key, 0, MAX_PADDING)), where)
        if kind is Kind.BOOL:
            if isinstance(value, str) and value in self.bool_names:  # a bool parameter of the block
                name = value
                return expr.Expr(name, frozenset({name}), lambda env: env[name], where)
            if not isinstance(value, bool):
                params = f", or a bool parameter ({', '.join(sorted(self.bool_names))})" if self.bool_names else ""
                raise SpecError(where, f"'{key}' must be true or false{params}, got {_kind(value)}")
            return expr.constant(value, where)
        if kind is Kind.ACT:
            return self.activation(value, where)
        if kind is Kind.PADDING:
            return expr.Expr(str(value), frozenset(), _const(self.padding(value, where)), where)

        if key == "kernel" and isinstance(value, str) and (m := re.match(_KERNEL, value)):
            self.square(int(m[1]), int(m[2]), where)
            value = int(m[1])
        return self.typed(value, "channels" if kind is Kind.CHANNELS else "int", where, known, key)

    def choice(self, value: Any, choices: tuple[str, ...], where: Location, key: str) -> Expr:
        """One of an attribute's names (softmax's `axis`), fixed when the spec is read."""
        if value not in choices:
            hint = did_you_mean(str(value), choices) if isinstance(value, str) else ""
            raise SpecError(where, f"'{key}' must be one of {', '.join(choices)}, got {_kind(value)}{hint}")
        return expr.Expr(str(value), frozenset(), _const(value), where)

    def activation(self, value: Any, where: Location) -> Expr:
        """An activation name (or none), or the name of an `act` parameter of the enclosing block."""
        if isinstance(value, str) and value in self.act_names:
            return expr.Expr(value, frozenset({value}), lambda env: env[value], where)
        return expr.Expr(str(value), frozenset(), _const(self.act(value, where)), where)

    def typed(self, value: Any, kind: str, where: Location, known: frozenset[str], key: str,
              param: bool = False) -> Expr:
        """A literal or expression for a parameter of the given kind. A block parameter (`param`)
        of kind int may be 0 (channels and op attributes start at 1)."""
        if kind == "act":
            return self.activation(value, where)
        if isinstance(value, str):
            return self.expression(value, where, known, key)
        if kind == "bool":
            if not isinstance(value, bool):
                raise SpecError(where, f"'{key}' must be true or false, got {_kind(value)}")
            return expr.constant(value, where)
        if kind == "number":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SpecError(where, f"'{key}' must be a number, got {_kind(value)}{_bool_hint(value)}")
            return expr.constant(value, where)
        number = self.whole(value, where, key, 0 if param and kind == "int" else 1)
        return expr.scaled(number, where) if kind == "channels" else expr.constant(number, where)

    def expression(self, value: Any, where: Location, known: frozenset[str], key: str) -> Expr:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise SpecError(where, f"'{key}' must be a number or an expression, got {_kind(value)}{_bool_hint(value)}")
        if not isinstance(value, str):
            return expr.constant(value, where)
        if _EXPONENT.fullmatch(value.strip()):
            raise SpecError(where, f"'{key}' = '{value.strip()}' is text, not a number, in YAML 1.1 (an exponent "
                            f"needs a dot and a sign, as in 1.0e+3): write {_plain_number(value)}")
        try:
            return _parsed(value, known, where)
        except SpecError as exc:
            unknown = re.search(r"unknown name '([A-Za-z_][A-Za-z0-9_]*)'", exc.message)
            if self.block is None or unknown is None:
                raise
            name = unknown[1]
            raise SpecError(where, f"{exc.message}; to make '{name}' a parameter of block '{self.block}', declare "
                                   f"it in the block's params (params: {{{name}: int}}) and give it in each row "
                                   f"that uses the block") from None

    def block_row(self, raw: LocMap, known: frozenset[str], seen: set[str]) -> BlockRow:
        block = raw["block"]
        template = self.template_of(block, raw.loc("block"))
        params = self.params[template]
        self.keys(raw, _BLOCK_ROW_KEYS, f"a '{block}' block", tuple(p.name for p in params))
        name, when, inputs, paper = self.common(raw, known, seen)
        if inputs is not None and len(inputs) != 1:
            raise SpecError(raw.loc("inputs"), f"a block takes 1 input, got {len(inputs)}")
        given = {p.name: (raw[p.name], raw.loc(p.name)) for p in params if p.name in raw}
        args = self.args(params, given, raw.location, known, f"block '{name}'")
        return BlockRow(name, template, args, when, inputs, paper, raw.location)

    def template_of(self, block: Any, where: Location) -> str:
        if not isinstance(block, str):
            raise SpecError(where, f"a block must be named by text, got {_kind(block)}")
        if block not in self.templates:
            hint = did_you_mean(block, self.templates)
            known = ", ".join(sorted(self.templates)) or "none defined under 'blocks'"
            if block in OPS:
                hint = f"; '{block}' is an op: use 'op: {block}'"
            raise SpecError(where, f"unknown block '{block}'{hint} (blocks: {known})")
        return block

    def args(self, params: tuple[Param, ...], given: dict[str, tuple[Any, Location]], where: Location,
             known: frozenset[str], what: str) -> tuple[tuple[str, Expr], ...]:
        args = []
        for p in params:
            if p.name in given:
                value, loc = given[p.name]
                args.append((p.name, self.typed(value, p.kind, loc, known, p.name, param=True)))
            elif p.default is not None:
                args.append((p.name, p.default))
            else:
                raise SpecError(where, f"{what} is missing parameter '{p.name}'")
        return tuple(args)

    def table(self, raw: LocMap, known: frozenset[str]) -> StageTable:
        self.keys(raw, _TABLE_KEYS, "a stage table")
        template = self.template_of(raw["table"], raw.loc("table"))
        params = self.params[template]
        pnames = [p.name for p in params]
        name = self.name(raw.get("name", "stage"), raw.loc("name"))
        start = self.whole(raw.get("start", 1), raw.loc("start"), "start", 0, MAX_REPEAT)
        columns = self.required(raw, "columns", "a stage table")
        if not isinstance(columns, LocList) or not all(isinstance(c, str) for c in columns):
            raise SpecError(raw.loc("columns"), f"'columns' must be a list of names, got {_kind(columns)}")
        for col in columns:
            if col not in ("n", "s", "input", "stage") and col not in pnames:
                raise SpecError(raw.loc("columns"), f"column '{col}' is not a parameter of block '{template}'"
                                f"{did_you_mean(col, pnames + ['n', 's', 'input', 'stage'])} (special columns: n, s, "
                                "input, stage)")
        if "stage" in pnames and "stage" in columns:
            raise SpecError(raw.loc("columns"), f"column 'stage' is special; block '{template}' may not have a "
                            "parameter 'stage' used as a column")
        if len(set(columns)) != len(columns):
            raise SpecError(raw.loc("columns"), "'columns' lists a name twice")
        if "s" in columns and "s" not in pnames:
            raise SpecError(raw.loc("columns"), f"column 's' needs block '{template}' to have a parameter 's'")
        rows_raw = self.required(raw, "rows", "a stage table")
        if not isinstance(rows_raw, LocList) or not rows_raw:
            raise SpecError(raw.loc("rows"), f"'rows' must be a non-empty list of rows, got {_kind(rows_raw)}")
        rows = []
        for i, row in enumerate(rows_raw):
            loc = rows_raw.loc(i)
            if not isinstance(row, list) or len(row) != len(columns):
                got = f"{len(row)}" if isinstance(row, list) else _kind(row)
                raise SpecError(loc, f"a row must list {len(columns)} values ({', '.join(columns)}), got {got}")
            cells = dict(zip(columns, row, strict=True))
            # Without an 'n' column every row is one block (V3's tables list block by block).
            repeats, repeats_expr = self.repeats(cells["n"], loc) if "n" in cells else (1, None)
            stage = self.stage(cells["stage"], loc) if "stage" in cells else None
            paper = parse_shape(cells["input"], loc) if "input" in cells else None
            given = {c: (v, loc) for c, v in cells.items() if c in pnames}
            stride = self.typed(cells["s"], "int", loc, known, "s") if "s" in cells else None
            given.pop("s", None)
            kinds = [p for p in params if p.name != "s" or stride is None]
            args = self.args(tuple(kinds), given, loc, known, f"row {i + 1} of table '{name}'")
            rows.append(StageRow(args, repeats, stride, paper, loc, repeats_expr, stage))
        return StageTable(name, template, start, tuple(rows), raw.location)

    def repeats(self, value: Any, where: Location) -> tuple[int, Expr | None]:
        """A row's n: a whole number from 0 (no block) to MAX_REPEAT, or an expression of the
        enclosing block's int parameters (evaluated when the network is built)."""
        if not isinstance(value, str):
            return self.whole(value, where, "n", 0, MAX_REPEAT), None
        ints = {p.name for p in self.params[self.block] if p.kind == "int"} if self.block else set()
        place = f"int parameters of block '{self.block}' ({', '.join(sorted(ints)) or 'none'})" if self.block \
            else "no names at the top level (n is fixed when the network is built)"
        try:
            parsed = expr.parse(value, ints, where)
        except SpecError as exc:
            unknown = re.search(r"unknown name '([A-Za-z_][A-Za-z0-9_]*)'", exc.message)
            if unknown is None:
                raise
            raise SpecError(where, f"'n' = '{value}' uses '{unknown[1]}'; an expression in 'n' may use {place}") \
                from None
        if "scale" in parsed.names:
            raise SpecError(where, f"'n' = '{value}' uses scale(), which depends on alpha; an expression in 'n' "
                            f"may use {place}")
        return 0, parsed

    def stage(self, value: Any, where: Location) -> str:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise SpecError(where, f"'stage' must be a number or a name, got {_kind(value)}")
        return str(value)


def _either(keys: tuple[str, ...]) -> str:
    """("factor", "multiple") -> "'factor', 'multiple'" (a message then adds "or 'like'")."""
    return ", ".join(f"'{k}'" for k in keys)


@lru_cache(maxsize=256)
def _const(value: Any) -> Any:
    return lambda env: value
