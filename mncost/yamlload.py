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

try:
    _SafeLoader: type[yaml.SafeLoader] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _SafeLoader = yaml.SafeLoader


class _Loader(_SafeLoader):  # type: ignore[valid-type,misc]
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
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            problem = exc.problem or exc.context or "invalid YAML"
            raise SpecError(Location(path, line), f"YAML syntax error: {problem}") from None
        except yaml.YAMLError as exc:
            raise SpecError(Location(path, 1), f"YAML error: {exc}") from None
        if node is None:
            return None
        return _Converter(loader, path).convert(node, 0)
    finally:
        loader.dispose()


class _Converter:
    def __init__(self, loader: yaml.SafeLoader, path: str) -> None:
        self.loader = loader
        self.path = path
        self.count = 0
        self.scalars: dict[tuple[str, str], Any] = {}  # (tag, text) -> value, for immutable values

    def where(self, node: yaml.Node) -> Location:
        return Location(self.path, node.start_mark.line + 1)

    def convert(self, node: yaml.Node, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise SpecError(
                self.where(node),
                f"document expands to more than {MAX_NODES:,} YAML nodes (alias expansion?)",
            )
        if depth > MAX_DEPTH:
            raise SpecError(self.where(node), f"nesting deeper than {MAX_DEPTH} levels")
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != _SEQ_TAG:
                raise SpecError(self.where(node), f"unsupported YAML tag {node.tag!r}")
            items = LocList(self.where(node))
            for item in node.value:
                items.append(self.convert(item, depth + 1))
                items.item_lines.append(item.start_mark.line + 1)
            return items
        key = (node.tag, node.value)
        if key in self.scalars:
            return self.scalars[key]
        try:
            value = self.loader.construct_object(node, deep=True)
            if node.tag in _PLAIN_TAGS:
                self.scalars[key] = value
            return value
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc)
            raise SpecError(self.where(node), f"bad YAML value: {problem}") from None

    def mapping(self, node: yaml.MappingNode, depth: int) -> LocMap:
        if node.tag != _MAP_TAG:
            raise SpecError(self.where(node), f"unsupported YAML tag {node.tag!r}")
        result = LocMap(self.where(node))
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise SpecError(self.where(key_node), "YAML merge keys ('<<') are not supported")
            if not isinstance(key_node, yaml.ScalarNode):
                raise SpecError(self.where(key_node), "mapping keys must be plain names")
            key = self.convert(key_node, depth + 1)
            if not isinstance(key, str):
                raise SpecError(
                    self.where(key_node), f"mapping keys must be names, got {key!r}"
                )
            if key in result:
                first = result.key_lines[key]
                raise SpecError(
                    self.where(key_node), f"duplicate key '{key}' (first given at line {first})"
                )
            result[key] = self.convert(value_node, depth + 1)
            result.key_lines[key] = key_node.start_mark.line + 1
            result.value_lines[key] = value_node.start_mark.line + 1
        return result
