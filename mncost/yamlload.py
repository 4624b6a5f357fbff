"""YAML → plain Python values that remember their 1-based line numbers.

`yaml.safe_load` keeps the last of two duplicate keys and forgets positions, so the document is
built here straight from the parser's events (the C parser where available): mappings become
`LocMap`, sequences `LocList`, scalars their safe YAML type. The build is a loop, not a recursion
(libyaml's own composer recurses in C and crashes on a deeply nested document), and an alias shares
its anchor's value while adding the value's size to a node budget, so an alias bomb costs neither
time nor memory. Duplicate keys, non-string keys, tags, merge keys, more than one document, nesting
deeper than MAX_DEPTH and documents over MAX_BYTES or MAX_NODES are `SpecError`s.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import yaml

from .errors import Location, SpecError

_PURE_LOADER: Any = yaml.SafeLoader
_Loader: Any = getattr(yaml, "CSafeLoader", _PURE_LOADER)  # the pure-Python parser where no libyaml

# Error messages come from the pure-Python parser whichever parser read the document: when libyaml
# (PyYAML's C extension) fails, the document is read again with the pure-Python one and its error is
# reported. libyaml's wording differs from it, and libyaml 0.2.6 (bundled since PyYAML 6.0.4) stops at
# 1,000 flow levels before the builder sees an event, where the pure-Python parser lets mncost's own
# MAX_DEPTH check speak. Errors are rare, so the second read costs nothing in the common case.

MAX_BYTES = 2_000_000
"""Largest spec file read, in bytes."""
MAX_NODES = 300_000
"""Most YAML nodes a document may expand to, counting every alias use."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences."""

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"


class LocMap(dict[str, Any]):
    """A YAML mapping with the line of the mapping and of each key and value."""

    __slots__ = ("location", "key_lines", "value_lines")

    def __init__(self, location: Location) -> None:
        super().__init__()
        self.location = location
        self.key_lines: dict[str, int] = {}
        self.value_lines: dict[str, int] = {}

    def loc(self, key: str) -> Location:
        """Where the value of `key` is (or the mapping itself when the key is absent)."""
        line = self.value_lines.get(key, self.key_lines.get(key, self.location.line))
        return self._at(line)

    def key_loc(self, key: str) -> Location:
        return self._at(self.key_lines.get(key, self.location.line))

    def _at(self, line: int) -> Location:
        # A one-line mapping ({name: a, op: conv}) shares its own Location with its values.
        return self.location if line == self.location.line else Location(self.location.file, line)


class LocList(list[Any]):
    """A YAML sequence with the line of the sequence and of each item."""

    __slots__ = ("location", "item_lines")

    def __init__(self, location: Location) -> None:
        super().__init__()
        self.location = location
        self.item_lines: list[int] = []

    def loc(self, index: int) -> Location:
        return Location(self.location.file, self.item_lines[index])


def read_text(path: str, data: bytes) -> str:
    """Decode a spec file's bytes, refusing oversized and non-UTF-8 content."""
    where = Location(path, 1)
    if len(data) > MAX_BYTES:
        raise SpecError(where, f"file is {len(data):,} bytes; the limit is {MAX_BYTES:,}")
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise SpecError(Location(path, line), "file is binary (it has NUL bytes), not YAML text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError(Location(path, line), "file is not UTF-8 text") from None


def load_yaml(text: str, path: str, loader_class: Any = None) -> Any:
    """Parse one YAML document into LocMap / LocList / scalars. Empty documents give None.

    Built straight from the parser's events without recursion, so neither deep nesting nor
    alias expansion can exhaust the stack or memory: an alias shares the anchored value and adds
    its size to the node budget. `loader_class` picks the parser (default: libyaml's where present);
    every PyYAML error becomes a one-line `SpecError` at a line of `text`.
    """
    loader_class = _Loader if loader_class is None else loader_class
    try:
        return _read(loader_class, text, path)
    except yaml.YAMLError as exc:
        if loader_class is not _PURE_LOADER:
            return load_yaml(text, path, _PURE_LOADER)
        raise _spec_error(exc, text, path) from None


def _read(loader_class: Any, text: str, path: str) -> Any:
    loader = loader_class(text)  # the pure-Python reader checks every character here
    try:
        return _Builder(loader, path, _lines(text)).document()
    finally:
        loader.dispose()


def _spec_error(exc: yaml.YAMLError, text: str, path: str) -> SpecError:
    """A pure-Python PyYAML error as a one-line error at a line of `text`."""
    if isinstance(exc, yaml.MarkedYAMLError):
        problem = exc.problem or exc.context or "invalid YAML"
        mark = exc.problem_mark or exc.context_mark
        line = min(_lines(text)(mark.line), _last_line(text)) if mark is not None else 1
        return SpecError(Location(path, line), f"YAML syntax error: {problem}")
    if isinstance(exc, yaml.reader.ReaderError):  # position: a character offset into `text`
        line = text.count("\n", 0, exc.position) + 1
        character = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        return SpecError(Location(path, line), f"character U+{character:04X} is not allowed in YAML "
                         "(a control character)")
    return SpecError(Location(path, 1), f"YAML error: {' '.join(str(exc).split())}")


_UNICODE_BREAKS = ("\x85", "\u2028", "\u2029")


def _lines(text: str) -> Callable[[int], int]:
    """PyYAML's 0-based line of a mark → the 1-based line an editor shows. PyYAML (and libyaml)
    also break lines at U+0085, U+2028 and U+2029, which editors and `grep -n` do not."""
    if not any(ch in text for ch in _UNICODE_BREAKS):
        return lambda line: line + 1
    real = [1]  # real[i] = the editor line of PyYAML line i
    for match in re.finditer("\r\n|[\r\n\x85\u2028\u2029]", text):
        real.append(real[-1] + (0 if match.group() in _UNICODE_BREAKS else 1))
    return lambda line: real[min(line, len(real) - 1)]


def _last_line(text: str) -> int:
    """The number of the last line of `text` (end-of-file errors point there)."""
    return max(1, text.count("\n") + (0 if text.endswith("\n") else 1))


class _Frame:
    """A mapping or sequence being built: its value, expanded size and the pending key."""

    __slots__ = ("value", "anchor", "line", "size", "key", "key_line")

    def __init__(self, value: LocMap | LocList, anchor: str | None, line: int) -> None:
        self.value = value
        self.anchor = anchor
        self.line = line
        self.size = 1
        self.key: str | None = None
        self.key_line = 0


class _Builder:
    def __init__(self, loader: Any, path: str, lines: Callable[[int], int]) -> None:  # a (C)SafeLoader
        self.loader = loader
        self.path = path
        self.line_of = lines
        self.count = 0
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.stack: list[_Frame] = []
        self.plain: dict[tuple[str, Any], tuple[Any, bool]] = {}  # untagged scalars: text → value
        self.aliased = False

    def where(self, line: int) -> Location:
        return Location(self.path, line)

    def document(self) -> Any:
        self.loader.get_event()  # StreamStart
        event = self.loader.get_event()
        if isinstance(event, yaml.StreamEndEvent):
            return None
        value = self.node()
        self.loader.get_event()  # DocumentEnd
        event = self.loader.get_event()
        if not isinstance(event, yaml.StreamEndEvent):
            raise SpecError(self.where(self.line_of(event.start_mark.line)),
                            "a second YAML document ('---'); a spec file holds exactly one")
        return value

    def grow(self, size: int, line: int) -> None:
        self.count += size
        if self.count > MAX_NODES:
            how = " (each use of an alias counts its whole value)" if self.aliased else ""
            raise SpecError(self.where(line), f"document expands to more than {MAX_NODES:,} YAML nodes{how}")

    def node(self) -> Any:
        """Build the next node (and everything inside it) from the event stream."""
        stack = self.stack
        while True:
            event = self.loader.get_event()
            line = self.line_of(event.start_mark.line)
            if isinstance(event, yaml.ScalarEvent):
                value, is_merge = self.scalar(event, line)
                self.grow(1, line)
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, 1)
                done = self.deliver(value, 1, line, is_merge)
            elif isinstance(event, yaml.AliasEvent):
                if event.anchor not in self.anchors:
                    if any(frame.anchor == event.anchor for frame in stack):
                        raise SpecError(self.where(line), f"alias '*{event.anchor}' is used inside the value it "
                                        "names (a recursive structure)")
                    raise SpecError(self.where(line), f"alias '*{event.anchor}' names no earlier anchor")
                value, size = self.anchors[event.anchor]
                self.aliased = True
                self.grow(size, line)
                done = self.deliver(value, size, line, False)
            elif isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                is_map = isinstance(event, yaml.MappingStartEvent)
                wanted = _MAP_TAG if is_map else _SEQ_TAG
                if event.tag not in (None, "!", wanted):
                    raise SpecError(self.where(line), f"unsupported YAML tag {event.tag!r}")
                if stack and stack[-1].key is None and isinstance(stack[-1].value, LocMap):
                    raise SpecError(self.where(line), "mapping keys must be plain names")
                if len(stack) >= MAX_DEPTH:
                    raise SpecError(self.where(line), f"nesting deeper than {MAX_DEPTH} levels")
                self.grow(1, line)
                container: LocMap | LocList = LocMap(self.where(line)) if is_map else LocList(self.where(line))
                stack.append(_Frame(container, event.anchor, line))
                continue
            else:  # MappingEndEvent | SequenceEndEvent
                frame = stack.pop()
                if frame.anchor is not None:
                    self.anchors[frame.anchor] = (frame.value, frame.size)
                done = self.deliver(frame.value, frame.size, frame.line, False)
            if done is not _PENDING:
                return done

    def scalar(self, event: yaml.ScalarEvent, line: int) -> tuple[Any, bool]:
        tag = event.tag
        if tag is None or tag == "!":
            key = (event.value, event.implicit)
            cached = self.plain.get(key)
            if cached is None:
                tag = self.loader.resolve(yaml.ScalarNode, event.value, event.implicit)
                cached = self.plain[key] = self.construct(event, tag, line)
                if event.implicit[0] and tag in (_INT_TAG, _FLOAT_TAG):  # plain (unquoted)
                    _check_number_spelling(event.value, cached[0], self.where(line))
            return cached
        return self.construct(event, tag, line)

    def construct(self, event: yaml.ScalarEvent, tag: str, line: int) -> tuple[Any, bool]:
        if tag == _MERGE_TAG:
            return event.value, True
        # The C parser's marks are its own Mark type; the constructors only read .line from them.
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark,  # type: ignore[arg-type]
                               event.style)
        constructor = self.loader.yaml_constructors.get(tag)
        if constructor is None:
            raise SpecError(self.where(line), f"unsupported YAML tag {tag!r}")
        try:
            return constructor(self.loader, node), False
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise SpecError(self.where(line), f"bad YAML value: {problem}") from None

    def deliver(self, value: Any, size: int, line: int, is_merge: bool) -> Any:
        """Put a finished value into the open container; the root value is returned."""
        if not self.stack:
            return value
        top = self.stack[-1]
        top.size += size
        container = top.value
        if isinstance(container, LocList):
            container.append(value)
            container.item_lines.append(line)
        elif top.key is None:
            if is_merge:
                raise SpecError(self.where(line), "YAML merge keys ('<<') are not supported")
            if not isinstance(value, str):
                shown = "a mapping or list" if isinstance(value, LocMap | LocList) else repr(value)
                raise SpecError(self.where(line), f"mapping keys must be names, got {shown}")
            if value in container:
                first = container.key_lines[value]
                raise SpecError(self.where(line), f"duplicate key '{value}' (first given at line {first})")
            top.key, top.key_line = value, line
        else:
            key = top.key
            container[key] = value
            container.key_lines[key] = top.key_line
            container.value_lines[key] = line
            top.key = None
        return _PENDING


_PENDING = object()

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_OCTAL = re.compile(r"[-+]?0[0-7_]+")


def _check_number_spelling(text: str, value: Any, where: Location) -> None:
    """YAML 1.1 (PyYAML) reads `010` as octal 8 and `1:30` as base-60 90: refuse both spellings,
    saying what to write (the value is never what a layer table means by them)."""
    if ":" in text:
        raise SpecError(where, f"'{text}' is a base-60 number in YAML 1.1 (= {value}): write {value}, "
                        f"or quote it if it is text")
    if _OCTAL.fullmatch(text):
        sign = text[0] if text[0] in "+-" else ""
        plain = sign + (text.replace("_", "").lstrip("+-").lstrip("0") or "0")
        raise SpecError(where, f"'{text}' is an octal number in YAML 1.1 (= {value}): write {value}, "
                        f"or {plain} without the leading zero")
