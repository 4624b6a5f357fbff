"""`mncost.record`: frozen dataclass semantics without compiling code at import."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, field

import pytest

from mncost.record import record


@record
class Point:
    """A doc."""

    x: int
    y: int = 2
    where: str = field(default="here", compare=False, repr=False)

    @property
    def total(self) -> int:
        return self.x + self.y


def test_init_eq_hash_repr() -> None:
    assert Point(1) == Point(1, 2) == Point(x=1, y=2, where="there")
    assert Point(1) != Point(1, 3)
    assert hash(Point(1, where="a")) == hash(Point(1, where="b"))
    assert repr(Point(1, 5)) == "Point(x=1, y=5)"
    assert Point(4, 5).total == 9 and Point.__doc__ == "A doc."
    assert Point(1).__eq__((1, 2)) is NotImplemented


def test_frozen_and_slotted() -> None:
    p = Point(1)
    with pytest.raises(FrozenInstanceError):
        p.x = 3  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del p.y  # type: ignore[misc]
    assert not hasattr(p, "__dict__")


@pytest.mark.parametrize(("args", "kwargs", "message"), [
    ((), {}, "missing argument 'x'"),
    ((1, 2, "w", 4), {}, "takes 3 arguments, got 4"),
    ((1,), {"x": 2}, "unexpected or repeated arguments: x"),
    ((1,), {"z": 2}, "unexpected or repeated arguments: z"),
])
def test_bad_arguments(args: tuple[object, ...], kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        Point(*args, **kwargs)  # type: ignore[misc]


def test_field_order_is_checked() -> None:
    with pytest.raises(TypeError, match="without a default follows"):
        @record
        class Bad:
            a: int = 1
            b: int  # type: ignore[misc]


def test_one_way_to_declare_frozen_data() -> None:
    """Every frozen class of the package is a `record` (issue 13, item 5): no module decorates a
    class with `dataclasses.dataclass(frozen=True)` (mutable builders' scratch state may use dataclass)."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent / "mncost"
    offenders = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                for deco in node.decorator_list:
                    target = deco.func if isinstance(deco, ast.Call) else deco
                    name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
                    keywords = deco.keywords if isinstance(deco, ast.Call) else []
                    frozen = any(k.arg == "frozen" and isinstance(k.value, ast.Constant) and k.value.value
                                 for k in keywords)
                    if name == "dataclass" and frozen:
                        offenders.append(f"{path.name}:{node.lineno} {node.name}")
    assert offenders == []


def test_records_work_with_dataclasses_and_inspect() -> None:
    import dataclasses
    import inspect

    from mncost import Config, evaluate, load

    assert str(inspect.signature(Config)).startswith("(alpha=1.0, rho=None, resolution=None")
    report = evaluate(load("v1"), Config(alpha=0.5))
    assert dataclasses.is_dataclass(report)
    as_dict = dataclasses.asdict(report)
    assert as_dict["totals"]["macs"] == report.totals.macs
    assert as_dict["layers"][0]["output_shape"] == {"h": 112, "w": 112, "c": 16}
    assert [f.name for f in dataclasses.fields(Config)][:3] == ["alpha", "rho", "resolution"]
    assert dataclasses.replace(Config(), alpha=0.75) == Config(alpha=0.75)
