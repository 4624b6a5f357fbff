"""Frozen records: `@dataclass(frozen=True, slots=True)` semantics, built without compiling code.

`dataclasses` compiles six methods per class with `exec`, about 0.7 ms a class; the two dozen
classes that `mncost show` needs took most of its start-up (issue 8: start-up within 1.3 × of
`import click, yaml`). A record's methods are shared closures instead, so defining one costs a
`type()` call. What a record gives: `__init__` (positional or keyword, with defaults), `__eq__`
and `__hash__` over the fields not marked `field(compare=False)`, `__repr__` over the fields not
marked `field(repr=False)`, immutability (`dataclasses.FrozenInstanceError`) and `__slots__`;
a `__post_init__` method runs after the fields are set (it may normalise them with
`object.__setattr__`).
Type checkers treat it as a frozen dataclass (PEP 681). `replace(obj, **changes)` is
`dataclasses.replace` for records (and passes real dataclasses on to it); `defaults(cls)` maps
each field that has a default to it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import MISSING, Field, FrozenInstanceError, field
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")
_set = object.__setattr__


def _frozen_setattr(self: object, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: object, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """Make `cls` a frozen, slotted record of its annotated fields (in order)."""
    namespace = dict(cls.__dict__)
    names = tuple(namespace.get("__annotations__", {}))
    defaults: dict[str, Any] = {}
    compared, shown = [], []
    for name in names:
        value = namespace.pop(name, MISSING)
        compare = show = True
        if isinstance(value, Field):
            if value.default_factory is not MISSING:
                raise TypeError(f"{cls.__name__}.{name}: default_factory is not supported by record")
            compare, show, value = value.compare, value.repr, value.default
        if value is not MISSING:
            defaults[name] = value
        elif defaults:
            raise TypeError(f"{cls.__name__}.{name}: a field without a default follows one with a default")
        if compare:
            compared.append(name)
        if show:
            shown.append(name)
    for slot in ("__dict__", "__weakref__"):
        namespace.pop(slot, None)
    namespace["__slots__"] = names
    namespace["__init__"] = _init(cls.__qualname__, names, defaults, namespace.get("__post_init__"))
    key = _key(compared)
    namespace["__eq__"] = _eq(key)
    namespace["__hash__"] = lambda self: hash(key(self))
    namespace["__repr__"] = _repr(cls.__qualname__, tuple(shown))
    namespace["__setattr__"] = _frozen_setattr
    namespace["__delattr__"] = _frozen_delattr
    namespace["__match_args__"] = names
    namespace["__record_fields__"] = names
    namespace["__record_defaults__"] = defaults
    # What `dataclasses.fields`, `asdict`, `astuple` and `is_dataclass` read: real Field objects.
    annotations = namespace.get("__annotations__", {})
    namespace["__dataclass_fields__"] = {name: _field(name, annotations[name], defaults, name in compared,
                                                      name in shown) for name in names}
    namespace["__dataclass_params__"] = _PARAMS
    namespace["__signature__"] = _Signature(names, defaults)
    made: type[T] = type(cls.__name__, cls.__bases__, namespace)  # all records are plain classes
    return made


def _params() -> Any:
    """`__dataclass_params__`; its constructor takes 6 arguments in Python 3.11, 10 from 3.12."""
    params: Any = getattr(dataclasses, "_DataclassParams", None)
    if params is None:  # pragma: no cover - every supported Python has it
        return None
    try:
        return params(init=True, repr=True, eq=True, order=False, unsafe_hash=False, frozen=True,
                      match_args=True, kw_only=False, slots=True, weakref_slot=False)
    except TypeError:
        return params(True, True, True, False, False, True)


_PARAMS = _params()


def _field(name: str, annotation: Any, defaults: dict[str, Any], compare: bool, show: bool) -> Field[Any]:
    made: Field[Any] = field(default=defaults.get(name, MISSING), compare=compare, repr=show)
    made.name, made.type = name, annotation
    made._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
    return made


class _Signature:
    """`inspect.signature(RecordClass)`: built on first use (inspect is slow to import)."""

    def __init__(self, names: tuple[str, ...], defaults: dict[str, Any]) -> None:
        self.names, self.defaults = names, defaults
        self.made: Any = None

    def __get__(self, obj: Any, cls: Any = None) -> Any:
        if self.made is None:
            import inspect

            kind = inspect.Parameter.POSITIONAL_OR_KEYWORD
            self.made = inspect.Signature([
                inspect.Parameter(n, kind, default=self.defaults.get(n, inspect.Parameter.empty)) for n in self.names])
        return self.made


def _key(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    if not names:
        return lambda self: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda self: (one(self),)
    return attrgetter(*names)


def _eq(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any, Any], Any]:
    def __eq__(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return key(self) == key(other)
        return NotImplemented

    return __eq__


def _repr(qualname: str, names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        return f"{qualname}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in names) + ")"

    return __repr__


def _init(qualname: str, names: tuple[str, ...], defaults: dict[str, Any],
          post: Callable[[Any], None] | None = None) -> Callable[..., None]:
    count = len(names)

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > count:
            raise TypeError(f"{qualname}() takes {count} arguments, got {len(args)}")
        for name, value in zip(names, args, strict=False):  # len(args) <= count, checked above
            _set(self, name, value)
        if len(args) < count or kwargs:
            for name in names[len(args):]:
                if name in kwargs:
                    _set(self, name, kwargs.pop(name))
                elif name in defaults:
                    _set(self, name, defaults[name])
                else:
                    raise TypeError(f"{qualname}() missing argument '{name}'")
            if kwargs:
                raise TypeError(f"{qualname}() got unexpected or repeated arguments: {', '.join(sorted(kwargs))}")
        if post is not None:
            post(self)

    return __init__


def replace(obj: T, /, **changes: Any) -> T:
    """A copy of the record `obj` with some fields changed (like `dataclasses.replace`)."""
    names = getattr(type(obj), "__record_fields__", None)
    if names is None:
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    unknown = changes.keys() - set(names)
    if unknown:
        raise TypeError(f"{type(obj).__qualname__} has no field {', '.join(sorted(unknown))}")
    return type(obj)(*(changes[n] if n in changes else getattr(obj, n) for n in names))


def defaults(cls: type) -> dict[str, Any]:
    """The fields of the record class `cls` that have defaults, with them."""
    return dict(cls.__record_defaults__)  # type: ignore[attr-defined]
