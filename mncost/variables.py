"""Spec variables: named choices a spec leaves open (a kernel per block slot, a depth per stage).

A spec declares them under a top-level `variables:` key::

    variables:
      ks: {choices: [3, 5, 7], slots: 20, default: 7}   # a list of 20 values, one per block slot
      d:  {choices: [2, 3, 4], slots: 5, default: 4}    # one per stage
      se: {choices: [true, false], default: true}       # one value

and names them anywhere in its tables: a value written `$ks[3]` (slot 3, counted from 0, as in
Once-for-All's lists) or `$se` is replaced by the variable's value before the spec is read, so a
table cell, a block argument, a stage's `n` or an `act:` field may each name one. Inside an
expression (`"$d[1] >= 3"`) the value is written in as a number or True/False.

Binding happens on the YAML values (with their lines) before the spec parser sees them: the spec
language itself is unchanged, every check and every command works on a bound spec as on any
other. A value outside a variable's choices is an error naming the declaration's line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import field
from typing import Any

from .errors import Location, SpecError
from .hints import did_you_mean
from .record import record
from .yamlload import LocList, LocMap

KEY = "variables"
"""The top-level spec key that declares them."""

MAX_SLOTS = 1_000
"""Most slots a variable may have."""

_DECLARATION_KEYS = ("choices", "slots", "default", "description")

_REF = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)(?:\[(\d+)\])?")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@record
class Variable:
    """One declared variable: its choices, how many slots it has (None: a single value) and its default."""

    name: str
    choices: tuple[Any, ...]
    slots: int | None
    default: Any  # a choice, or a tuple of `slots` choices
    location: Location = field(compare=False, repr=False)


Values = dict[str, Any]
"""Bound values by variable name: a choice, or a tuple of choices for a slotted variable."""


def spelled(value: Any) -> str:
    """A choice as it is written on the command line: true/false, 3, 0.5, relu."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _kind(value: Any) -> str:
    if isinstance(value, LocMap | dict):
        return "a mapping"
    if isinstance(value, LocList | list):
        return "a list"
    return f"'{spelled(value)}'" if value is not None else "nothing (null)"


def declarations(doc: LocMap) -> dict[str, Variable]:
    """The variables a spec document declares (none without a `variables:` key)."""
    node = doc.get(KEY)
    if node is None:
        return {}
    if not isinstance(node, LocMap) or not node:
        raise SpecError(doc.loc(KEY), f"'{KEY}' must be a mapping of names to {{choices: [...]}}, got {_kind(node)}")
    found = {}
    for name, body in node.items():
        where = node.key_loc(name)
        if not isinstance(name, str) or not _NAME.match(name):
            raise SpecError(where, f"a variable name must be letters, digits or '_', got {_kind(name)}")
        found[name] = _declaration(name, body, where)
    return found


def _declaration(name: str, body: Any, where: Location) -> Variable:
    if not isinstance(body, LocMap):
        raise SpecError(where, f"variable '{name}' must be a mapping with 'choices', got {_kind(body)}")
    for key in body:
        if key not in _DECLARATION_KEYS:
            hint = did_you_mean(str(key), _DECLARATION_KEYS)
            raise SpecError(body.key_loc(key), f"unknown key '{key}' in variable '{name}' (keys: "
                                               f"{', '.join(_DECLARATION_KEYS)}){hint}")
    choices = body.get("choices")
    if not isinstance(choices, LocList) or not choices:
        raise SpecError(where, f"variable '{name}' needs 'choices': a non-empty list, got {_kind(choices)}")
    for choice in choices:
        if not isinstance(choice, bool | int | float | str):
            raise SpecError(where, f"variable '{name}': a choice must be a number, true/false or a name, "
                                   f"got {_kind(choice)}")
    if len({spelled(c) for c in choices}) != len(choices):
        raise SpecError(where, f"variable '{name}' lists a choice twice")
    slots = body.get("slots")
    if slots is not None and (isinstance(slots, bool) or not isinstance(slots, int) or not 1 <= slots <= MAX_SLOTS):
        raise SpecError(where, f"variable '{name}': 'slots' must be a whole number from 1 to {MAX_SLOTS:,}, "
                               f"got {_kind(slots)}")
    var = Variable(name, tuple(choices), slots, None, where)
    default = body.get("default", choices[0])
    value = check(var, list(default) if isinstance(default, LocList) else default)
    return Variable(name, var.choices, slots, value, where)


def check(var: Variable, value: Any) -> Any:
    """A Python value for `var` (a choice; for a slotted variable a list of `slots` choices, or one
    choice for every slot) as the bound value, else a SpecError at the declaration."""
    if var.slots is None:
        return _choice(var, value)
    if isinstance(value, list | tuple):
        if len(value) != var.slots:
            raise SpecError(var.location, f"variable '{var.name}' has {var.slots} slots, got {len(value)} values")
        return tuple(_choice(var, v) for v in value)
    return (_choice(var, value),) * var.slots


def _choice(var: Variable, value: Any) -> Any:
    for choice in var.choices:
        if type(choice) is type(value) and choice == value:
            return choice
    if isinstance(value, int | float) and not isinstance(value, bool):
        for choice in var.choices:  # 3 for 3.0 and back: the same number
            if isinstance(choice, int | float) and not isinstance(choice, bool) and choice == value:
                return choice
    raise SpecError(var.location, f"variable '{var.name}': {_kind(value)} is not one of "
                                  f"{', '.join(spelled(c) for c in var.choices)}")


def parse_setting(var: Variable, text: str) -> Any:
    """A command-line value (`3`, or `3,5,7,...` for a slotted variable) as the bound value."""
    by_spelling = {spelled(c): c for c in var.choices}
    tokens = [t.strip() for t in text.split(",")]
    values = []
    for token in tokens:
        if token not in by_spelling:
            raise SpecError(var.location, f"variable '{var.name}': '{token}' is not one of "
                                          f"{', '.join(by_spelling)}")
        values.append(by_spelling[token])
    if var.slots is None:
        if len(values) != 1:
            raise SpecError(var.location, f"variable '{var.name}' takes one value, got {len(values)}")
        return values[0]
    return check(var, values[0] if len(values) == 1 else values)


def resolve(variables: Mapping[str, Variable], given: Mapping[str, Any] | None, where: Location) -> Values:
    """Every variable's bound value: the given ones (command-line text or Python values), else its
    default. `where` is named by an unknown variable's error (the `variables:` key)."""
    given = given or {}
    for name in given:
        if name not in variables:
            what = f"variables: {', '.join(variables)}" if variables else "the spec declares no variables"
            raise SpecError(where, f"unknown variable '{name}' ({what}){did_you_mean(str(name), variables)}")
    values: Values = {}
    for name, var in variables.items():
        if name not in given:
            values[name] = var.default
        elif isinstance(given[name], str):  # command-line text (a name choice parses as itself)
            values[name] = parse_setting(var, given[name])
        else:
            values[name] = check(var, given[name])
    return values


def bind(doc: LocMap, given: Mapping[str, Any] | None, file: str) -> LocMap:
    """`doc` without its `variables:` key and with every `$name` / `$name[i]` replaced by its value."""
    variables = declarations(doc)
    values = resolve(variables, given, doc.key_loc(KEY) if KEY in doc else Location(file, 1))
    bound = LocMap(doc.location)
    for key, value in doc.items():
        if key == KEY:
            continue
        bound[key] = _bind(value, doc.loc(key), variables, values)
        _copy_lines(doc, bound, key)
    return bound


def _copy_lines(source: LocMap, target: LocMap, key: str) -> None:
    if key in source.key_lines:
        target.key_lines[key] = source.key_lines[key]
    if key in source.value_lines:
        target.value_lines[key] = source.value_lines[key]


def _bind(value: Any, where: Location, variables: Mapping[str, Variable], values: Values) -> Any:
    if isinstance(value, str):
        return substitute(value, where, variables, values) if "$" in value else value
    if isinstance(value, LocMap):
        out = LocMap(value.location)
        for key, item in value.items():
            out[key] = _bind(item, value.loc(key), variables, values)
            _copy_lines(value, out, key)
        return out
    if isinstance(value, LocList):
        items = LocList(value.location)
        items.item_lines = list(value.item_lines)
        for i, item in enumerate(value):
            items.append(_bind(item, value.loc(i) if i < len(value.item_lines) else where, variables, values))
        return items
    if isinstance(value, list):
        return [_bind(item, where, variables, values) for item in value]
    return value


def substitute(text: str, where: Location, variables: Mapping[str, Variable], values: Values) -> Any:
    """One text value with its references replaced: the value itself if the text is one reference,
    else the text with each reference written in (as a number or True/False)."""
    whole = _REF.fullmatch(text.strip())
    if whole:
        return _value(whole, where, variables, values)

    def written(match: re.Match[str]) -> str:
        value = _value(match, where, variables, values)
        if isinstance(value, bool):
            return "True" if value else "False"
        if isinstance(value, int | float):
            return repr(value)
        raise SpecError(where, f"'{match[0]}' is the name '{value}': a name can be a whole value, not part of an "
                               f"expression")

    return _REF.sub(written, text)


def _value(match: re.Match[str], where: Location, variables: Mapping[str, Variable], values: Values) -> Any:
    name, index = match[1], match[2]
    var = variables.get(name)
    if var is None:
        known = ", ".join(variables) or "none declared under 'variables'"
        spellings = [f"${other}" + ("" if index is None else f"[{index}]") for other in variables]
        hint = did_you_mean(match[0], spellings)
        raise SpecError(where, f"'{match[0]}' names no variable (variables: {known}){hint}")
    if var.slots is None:
        if index is not None:
            raise SpecError(where, f"'{match[0]}': variable '{name}' has one value, not slots (write ${name})")
        return values[name]
    if index is None:
        raise SpecError(where, f"'{match[0]}': variable '{name}' has {var.slots} slots: name one, as in ${name}[0]")
    if int(index) >= var.slots:
        raise SpecError(where, f"'{match[0]}': variable '{name}' has slots 0 to {var.slots - 1}")
    return values[name][int(index)]


def declared_names(path: str, shown: str) -> tuple[str, ...]:
    """The names of the variables a spec file declares (none when it cannot be read: loading it
    later reports why)."""
    from .spec import read_file
    from .yamlload import load_yaml, read_text

    try:
        doc = load_yaml(read_text(shown, read_file(path, shown)), shown)
        return tuple(declarations(doc)) if isinstance(doc, LocMap) else ()
    except SpecError:
        return ()


def references(value: Any) -> Iterator[tuple[str, int | None]]:
    """Every (variable, slot) a YAML value names, in order (slot None for a one-value variable)."""
    if isinstance(value, str):
        for match in _REF.finditer(value):
            yield match[1], None if match[2] is None else int(match[2])
    elif isinstance(value, dict):
        for item in value.values():
            yield from references(item)
    elif isinstance(value, list):
        for item in value:
            yield from references(item)
