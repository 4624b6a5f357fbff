"""YAML → plain Python values that remember their 1-based line numbers.

`yaml.safe_load` keeps the last of two duplicate keys and forgets positions, so the document is
composed into nodes (with the C loader where available) and converted here: mappings become
`LocMap`, sequences `LocList`, scalars their safe YAML type. Duplicate keys, non-string keys,
unknown tags and documents that expand past a node budget (alias bombs) are `SpecError`s.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import Location, SpecError

_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when PyYAML has libyaml


class _Loader(_SafeLoader):  # type: ignore[misc]
    """The safe loader, remembering the tag of each distinct scalar text (resolving runs regular
    expressions in Python for every scalar; large specs repeat the same few values)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.tags: dict[tuple[Any, ...], str] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        key = (kind, value, implicit)
        tag = self.tags.get(key)
        if tag is None:
            tag = self.tags[key] = super().resolve(kind, value, implicit)
        return tag

MAX_BYTES = 1_000_000
"""Largest spec file read, in bytes."""
MAX_NODES = 100_000
"""Most YAML nodes a document may expand to, counting every alias use."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences."""

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_PLAIN_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null"))


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
    if b"\x00" in data:
        raise SpecError(where, "file is binary, not YAML text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SpecError(Location(path, line), "file is not UTF-8 text") from None


def load_yaml(text: str, path: str) -> Any:
    """Parse one YAML document into LocMap / LocList / scalars. Empty documents give None."""
    loader = _Loader(text)
    try:
        try:
            return _Converter(loader, path).document()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            problem = exc.problem or exc.context or "invalid YAML"
            raise SpecError(Location(path, line), f"YAML syntax error: {problem}") from None
        except yaml.YAMLError as exc:
            raise SpecError(Location(path, 1), f"YAML error: {exc}") from None
    finally:
        loader.dispose()


class _Converter:
    """Builds the values straight from the parser's events.

    Composing PyYAML's node tree first would hold a node and two position marks per scalar in
    memory at once: most of the peak memory, and a third of the load time, of a large spec."""

    def __init__(self, loader: Any, path: str) -> None:
        self.loader = loader  # untyped in PyYAML's stubs, as are its events and marks
        self.path = path
        self.count = 0  # nodes so far, every alias counting the nodes it repeats
        self.anchors: dict[str, tuple[Any, int]] = {}  # anchor -> (value, nodes in it)
        self.scalars: dict[tuple[str, str], Any] = {}  # (tag, text) -> value, for immutable values

    def at(self, event: Any) -> Location:
        return Location(self.path, event.start_mark.line + 1)

    def document(self) -> Any:
        loader = self.loader
        loader.get_event()  # stream start
        if loader.check_event(yaml.StreamEndEvent):
            return None
        loader.get_event()  # document start
        value = self.value(0)
        loader.get_event()  # document end
        if not loader.check_event(yaml.StreamEndEvent):
            raise SpecError(self.at(loader.get_event()), "YAML syntax error: but found another document")
        return value

    def value(self, depth: int) -> Any:
        """Convert the next node (and everything in it)."""
        event = self.loader.get_event()
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                raise SpecError(self.at(event), f"YAML syntax error: found undefined alias {event.anchor!r}")
            value, size = self.anchors[event.anchor]
            self.counted(event, size - 1)
            return value
        first = self.count
        self.counted(event, 0)
        if depth > MAX_DEPTH:
            raise SpecError(self.at(event), f"nesting deeper than {MAX_DEPTH} levels")
        if isinstance(event, yaml.ScalarEvent):
            value = self.scalar(event)
        elif isinstance(event, yaml.SequenceStartEvent):
            value = self.sequence(event, depth)
        else:
            value = self.mapping(event, depth)
        if event.anchor is not None:
            self.anchors[event.anchor] = (value, self.count - first)
        return value

    def counted(self, event: Any, more: int) -> None:
        self.count += 1 + more
        if self.count > MAX_NODES:
            raise SpecError(self.at(event),
                            f"document expands to more than {MAX_NODES:,} YAML nodes (alias expansion?)")

    def tag(self, event: Any, kind: type[yaml.Node]) -> str:
        if event.tag is None or event.tag == "!":
            return str(self.loader.resolve(kind, getattr(event, "value", None), event.implicit))
        return str(event.tag)

    def scalar(self, event: Any) -> Any:
        tag = self.tag(event, yaml.ScalarNode)
        key = (tag, event.value)
        if key in self.scalars:
            return self.scalars[key]
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            value = self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as exc:  # ValueError: `!!int x`, a date like 2024-13-45
            problem = getattr(exc, "problem", None) or str(exc)
            raise SpecError(self.at(event), f"bad YAML value: {problem}") from None
        self.loader.constructed_objects.pop(node, None)
        if tag in _PLAIN_TAGS:
            self.scalars[key] = value
        return value

    def sequence(self, event: Any, depth: int) -> LocList:
        if self.tag(event, yaml.SequenceNode) != _SEQ_TAG:
            raise SpecError(self.at(event), f"unsupported YAML tag {event.tag!r}")
        items = LocList(self.at(event))
        loader = self.loader
        while not loader.check_event(yaml.SequenceEndEvent):
            line = loader.peek_event().start_mark.line + 1
            items.append(self.value(depth + 1))
            items.item_lines.append(line)
        loader.get_event()
        return items

    def mapping(self, event: Any, depth: int) -> LocMap:
        if self.tag(event, yaml.MappingNode) != _MAP_TAG:
            raise SpecError(self.at(event), f"unsupported YAML tag {event.tag!r}")
        result = LocMap(self.at(event))
        loader = self.loader
        while not loader.check_event(yaml.MappingEndEvent):
            key_event = loader.peek_event()
            where = self.at(key_event)
            if not isinstance(key_event, yaml.ScalarEvent):
                raise SpecError(where, "mapping keys must be plain names")
            maybe_merge = key_event.value == "<<" or key_event.tag is not None  # only these can be merge keys
            if maybe_merge and self.tag(key_event, yaml.ScalarNode) == _MERGE_TAG:
                raise SpecError(where, "YAML merge keys ('<<') are not supported")
            key = self.value(depth + 1)
            if not isinstance(key, str):
                raise SpecError(where, f"mapping keys must be names, got {key!r}")
            if key in result:
                first = result.key_lines[key]
                raise SpecError(where, f"duplicate key '{key}' (first given at line {first})")
            value_line = loader.peek_event().start_mark.line + 1
            result[key] = self.value(depth + 1)
            result.key_lines[key] = where.line
            result.value_lines[key] = value_line
        loader.get_event()
        return result
