"""Sweep grids: the value lists of `mncost sweep` (`1,0.75,0.5` and inclusive `START:STOP:STEP`
ranges), the grid size limit, and a sweep's result with everything its renderers name.

Ranges are computed in decimal arithmetic, so `0.25:1:0.25` is exactly 0.25, 0.5, 0.75, 1 (binary
floats would drift: 0.1 + 0.2 != 0.3).
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Iterator, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import ConfigError
from .evaluate import classes_of, conventions_of
from .graph import Graph
from .record import record, replace
from .report import Config, Conventions, SpecInfo
from .sweep import SweepRow
from .tabular import Tabular

sweep_module = importlib.import_module(f"{__package__}.sweep")
"""The fast sweep engine, read at each call (tests replace its `sweep`); `from . import sweep`
would give the package's `mncost.sweep` function instead."""

MAX_GRID = 10_000
"""Largest number of grid points `mncost sweep` runs without `--yes`."""


class AxisError(ConfigError):
    """A value list is malformed (its message says what was expected)."""


@record
class Axis:
    """The values of one sweep axis, in the order given. Ranges are kept unexpanded until asked."""

    parts: tuple[tuple[Decimal, Decimal, Decimal], ...]  # (start, stop, step); a single value has step 1

    def __len__(self) -> int:
        return self.count()

    def count(self) -> int:
        """The number of values (a Python int: `len` fails past sys.maxsize)."""
        return sum(int((stop - start) // step) + 1 for start, stop, step in self.parts)

    def values(self) -> tuple[Decimal, ...]:
        out: list[Decimal] = []
        for start, stop, step in self.parts:
            count = int((stop - start) // step) + 1
            out += [start + i * step for i in range(count)]
        return tuple(out)


def _number(text: str, what: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise AxisError(f"{text.strip()!r} is not a number") from None
    if not value.is_finite():
        raise AxisError(f"{what} values must be finite, got {text.strip()!r}")
    return value


def parse_axis(text: str, what: str, integer: bool = False) -> Axis:
    """`1,0.75,0.5` or `96:224:32` or a mix; every value finite and > 0 (whole numbers if `integer`)."""
    parts = []
    for item in text.split(","):
        if not item.strip():
            raise AxisError(f"empty item in {text!r} (expected numbers separated by commas)")
        fields = item.split(":")
        if len(fields) == 1:
            start = stop = _number(fields[0], what)
            step = Decimal(1)
        elif len(fields) == 3:
            start, stop, step = (_number(f, what) for f in fields)
            if step <= 0:
                raise AxisError(f"the step of {item.strip()!r} must be > 0")
            if stop < start:
                raise AxisError(f"{item.strip()!r} is an empty range (expected START <= STOP)")
        else:
            raise AxisError(f"{item.strip()!r} is neither a number nor START:STOP:STEP")
        for value in (start, step) if len(fields) == 3 else (start,):
            if integer and value != value.to_integral_value():
                raise AxisError(f"{what} values must be whole numbers, got {value}")
        if start <= 0:
            raise AxisError(f"{what} values must be > 0, got {start}")
        try:
            int((stop - start) // step)
        except InvalidOperation:
            raise AxisError(f"{item.strip()!r} has too many values") from None
        parts.append((start, stop, step))
    return Axis(tuple(parts))


def unique(values: Sequence[object], what: str) -> None:
    seen: set[object] = set()
    for value in values:
        if value in seen:
            raise AxisError(f"{what} {value} is listed twice")
        seen.add(value)


@record
class SweepResult(Tabular):
    """A sweep's rows (α-major) and what they were computed under. `rows()`: one dict per point;
    `to_dict()`: the `mncost.sweep/1` document; `to_pandas()`; Markdown in notebooks."""

    _ROWS = "rows"

    spec: SpecInfo
    conventions: Conventions
    classes: int
    depth_multiplier: float
    base_resolution: int
    alphas: tuple[float, ...]
    resolutions: tuple[int, ...]
    points: tuple[SweepRow, ...]  # one per (α, resolution), α-major (`rows()`: as dicts)

    def to_dict(self) -> dict[str, Any]:
        """The `mncost.sweep/1` JSON document, as `mncost sweep --format json` writes it."""
        from .render.json import sweep_dict

        return sweep_dict(self)

    def _markdown(self) -> str:
        from .render.markdown import to_markdown
        from .render.sheet import sweep_sheet

        return to_markdown(sweep_sheet(self))

    def _title(self) -> str:
        return f"{self.spec.name}: {self.spec.description}"

    def pivot(self, field: str) -> list[list[int]]:
        """`field` of each row laid out as α rows × resolution columns (as in the papers)."""
        n = len(self.resolutions)
        values = [getattr(row, field) for row in self.points]
        return [values[i * n:(i + 1) * n] for i in range(len(self.alphas))]


def run_sweep(graph: Graph, alphas: Sequence[float], resolutions: Sequence[int], config: Config) -> SweepResult:
    """Evaluate `graph` over alphas × resolutions under `config`'s conventions."""
    frame = run_sweep_frame(graph, alphas, resolutions, config)
    sweep_module.validate(graph, alphas, resolutions, replace(config, rho=None, resolution=None))
    rows = sweep_module.sweep(graph, list(alphas), list(resolutions), replace(config, rho=None, resolution=None))
    return dataclasses.replace(frame, points=tuple(rows))


def stream_sweep(graph: Graph, alphas: Sequence[float], resolutions: Sequence[int],
                 config: Config) -> tuple[SweepResult, Iterator[SweepRow]]:
    """A sweep's frame (a SweepResult without rows, for the renderers' headers) and its rows,
    computed one α at a time as they are consumed, so memory does not grow with the grid."""
    frame = run_sweep_frame(graph, alphas, resolutions, config)
    point_config = replace(config, rho=None, resolution=None)
    sweep_module.validate(graph, alphas, resolutions, point_config)

    def rows() -> Iterator[SweepRow]:
        for alpha in alphas:
            yield from sweep_module.sweep(graph, [alpha], list(resolutions), point_config)

    return frame, rows()


def run_sweep_frame(graph: Graph, alphas: Sequence[float], resolutions: Sequence[int], config: Config) -> SweepResult:
    """What `run_sweep` returns, without its rows."""
    if not alphas or not resolutions:
        raise ConfigError("a sweep needs at least one alpha and one resolution")
    spec = graph.spec
    config = replace(config, rho=None, resolution=None)
    info = SpecInfo(spec.name, spec.description, spec.family, spec.source, spec.file)
    return SweepResult(info, conventions_of(spec, config), classes_of(spec, config), graph.depth_multiplier,
                       spec.resolution, tuple(alphas), tuple(resolutions), ())
