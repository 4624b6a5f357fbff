"""What every tabular format shows: the rows of a report, a sweep or a fit, laid out as a `Sheet`.

The figures and their kinds are declared once, in `mncost.columns`; this module picks the view
(per layer, totals, by type, sweep points, pivots) and formats values for people or machines. A
renderer (csv, markdown, latex, table) formats a `Sheet`; it never reads a Report itself, so a
figure is shown the same way in every format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any

from .. import columns as declared
from ..columns import Kind
from ..conventions import Counting, Fusion
from ..memory import MemoryTable
from ..record import record
from ..report import Conventions, Report, Resolved, SpecInfo, TypeShare
from ..sweep_grid import SweepResult
from .units import Units, bytes_text, count_text, exact_text


@record
class Column:
    """One column: machine key (CSV header, JSON key), human header, kind and how to read a row."""

    key: str
    header: str
    kind: Kind
    get: Callable[[Any], Any]
    human: bool = True  # also shown in table/markdown/latex (False: CSV only)
    detail: bool = False  # only with `--detail` (memory traffic)
    human_detail: bool = False  # markdown/latex only with `--detail`; CSV always

    def csv_key(self, units: Units | None) -> str:
        if units in (None, Units.RAW):
            return self.key
        if self.kind is Kind.BYTES:
            return f"{self.key.removesuffix('_bytes')}_{units.value}B"
        if self.kind in (Kind.COUNT, Kind.ARITH):
            return f"{self.key}_{units.value}"
        return self.key

    def title(self, units: Units | None) -> str:
        if self.kind is Kind.BYTES and units is not None:
            return f"{self.header} ({'' if units is Units.RAW else units.value}B)"
        if self.kind in (Kind.COUNT, Kind.ARITH) and units not in (None, Units.RAW):
            return f"{self.header} ({units.value})"
        return self.header

    @property
    def numeric(self) -> bool:
        return self.kind is not Kind.TEXT


def _flops(column: Column) -> Column:
    return Column(column.key.replace("macs", "flops"), column.header.replace("MACs", "FLOPs"), Kind.ARITH,
                  lambda row: None if (v := column.get(row)) is None else 2 * v, column.human)


def for_counting(columns: Sequence[Column], counting: Counting, machine: bool) -> tuple[Column, ...]:
    """Resolve ARITH columns: people see MACs or FLOPs; CSV keeps `macs` and adds `flops` after it."""
    out: list[Column] = []
    for column in columns:
        if column.kind is not Kind.ARITH or counting is Counting.MACS:
            out.append(column)
        elif machine:
            out += [column, _flops(column)]
        else:
            out.append(_flops(column))
    return tuple(out)


# -- the views ------------------------------------------------------------------------------------

def _view(column: declared.Column, get: Callable[[Any], Any] | None, header: str | None = None) -> Column:
    assert get is not None
    if column.kind is Kind.FLAG:
        flag = get
        return Column(column.key, header or column.header, Kind.TEXT, lambda row: "yes" if flag(row) else "",
                      column.human, column.detail, column.human_detail)
    return Column(column.key, header or column.header, column.kind, get, column.human, column.detail,
                  column.human_detail)


_OPTIONAL = frozenset(c.key for c in declared.COLUMNS if c.optional)


def _present(columns: tuple[Column, ...], without_optional: bool) -> tuple[Column, ...]:
    """Leave out the optional figures (latency) when they were not computed."""
    return tuple(c for c in columns if not (without_optional and c.key in _OPTIONAL))


LAYER_COLUMNS: tuple[Column, ...] = tuple(_view(c, c.layer) for c in declared.LAYER_COLUMNS)
"""Per-layer fields (LayerCost), in output order; `detail` ones only with --detail."""

SUMMARY_COLUMNS: tuple[Column, ...] = tuple(_view(c, c.total, c.total_header) for c in declared.TOTAL_COLUMNS)
"""Report totals (`--summary`)."""

_MACS, _PARAMS = declared.BY_KEY["macs"], declared.BY_KEY["params"]
TYPE_COLUMNS: tuple[Column, ...] = (
    Column("type", "Type", Kind.TEXT, lambda t: t.type),
    Column("layers", "Layers", Kind.INT, lambda t: t.layers),
    Column(_MACS.key, _MACS.header, _MACS.kind, lambda t: t.macs),
    Column("macs_share", f"{_MACS.header} share", Kind.SHARE, lambda t: t.macs_share),
    Column(_PARAMS.key, _PARAMS.header, _PARAMS.kind, lambda t: t.params),
    Column("params_share", f"{_PARAMS.header} share", Kind.SHARE, lambda t: t.params_share),
)
"""The breakdown by layer type (`--group-by op`, the V1 paper's Table 2)."""

SWEEP_COLUMNS: tuple[Column, ...] = (
    Column("alpha", "α", Kind.NUMBER, lambda s: s.alpha),
    Column("resolution", "Resolution", Kind.INT, lambda s: s.resolution),
    Column("rho", "ρ", Kind.RATIO, lambda s: s.rho),
    *(_view(c, c.point) for c in declared.POINT_COLUMNS),
)
"""One sweep point (SweepRow)."""

PIVOT_FIELDS: dict[str, Column] = {c.key: c for c in SWEEP_COLUMNS if c.kind in (Kind.COUNT, Kind.ARITH, Kind.BYTES)}
"""The values `--pivot` can lay out as α rows × resolution columns."""


# -- sheets -----------------------------------------------------------------------------------

@record
class Sheet:
    """A titled table of raw values. `total` is a footer row (None cells are blank)."""

    title: str
    notes: tuple[str, ...]  # config and conventions, one line each (captions, footnotes)
    context: tuple[tuple[str, Any], ...]  # the same as CSV columns repeated on every row
    columns: tuple[Column, ...]
    rows: tuple[tuple[Any, ...], ...]
    total: tuple[Any, ...] | None = None
    trailer: str | None = None  # a one-line summary after the table (terminal only)
    row_label: str = "layer"  # CSV `row` column: this for rows, "total" for the footer
    index: bool = False  # number the rows (#) in human formats


def config_notes(spec: SpecInfo, config: Resolved | None, conventions: Conventions,
                 classes: int, depth: float, base_resolution: int | None = None) -> tuple[str, ...]:
    """Two lines naming the config and every convention the figures depend on."""
    if config is not None:
        first = f"config: {config.describe()}"
    else:
        first = f"config: classes={classes} base-resolution={base_resolution}"
        if depth != 1:
            first += f" depth={depth:g}"
    k = conventions
    return (first, f"conventions: {k.describe()}",
            f"memory: weight-dtype={k.weight_dtype} memory-model={k.memory_model}"
            + (" first-layer-trick" if k.first_layer_trick else "")
            + (f" fusion={k.fusion}" if k.fusion is not Fusion.TFLITE else ""))


def output_notes(report: Report) -> tuple[str, ...]:
    """A line naming the output layers of a network with several (none otherwise)."""
    return (f"outputs: {', '.join(report.outputs)}",) if len(report.outputs) > 1 else ()


def conventions_context(conventions: Conventions) -> tuple[tuple[str, Any], ...]:
    k = conventions
    return (("rounding", str(k.rounding)), ("counting", str(k.counting)), ("ops", str(k.ops)),
            ("bn_params", str(k.bn_params)), ("ln_params", str(k.ln_params)),
            ("dtype", str(k.dtype)), ("padding", k.padding),
            ("weight_dtype", str(k.weight_dtype)), ("memory_model", str(k.memory_model)),
            ("first_layer_trick", str(k.first_layer_trick).lower()), ("device", k.device or ""),
            ("fusion", str(k.fusion)))


def _report_context(report: Report) -> tuple[tuple[str, Any], ...]:
    c = report.config
    return (("spec", report.spec.name), ("alpha", c.alpha), ("resolution", c.resolution), ("rho", c.rho),
            ("classes", c.classes), ("depth_multiplier", c.depth_multiplier),
            *conventions_context(report.conventions))


class View(StrEnum):
    """What `show` lays out: per-layer rows, totals only, or the breakdown by layer type."""

    LAYERS = "layers"
    SUMMARY = "summary"
    BY_TYPE = "by-type"
    BY_STAGE = "by-stage"
    BY_BLOCK = "by-block"


def report_sheet(report: Report, view: View = View.LAYERS, machine: bool = False, detail: bool = False) -> Sheet:
    """The sheet of a report. `machine`: for CSV (keeps `macs` and adds `flops` under --count flops).
    `detail`: add the memory traffic columns (weights, bytes read and written, MACs per byte)."""
    counting = report.conventions.counting
    spec = report.spec
    notes = config_notes(spec, report.config, report.conventions, report.config.classes,
                         report.config.depth_multiplier) + output_notes(report)
    title = f"{spec.name}: {spec.description}"
    context = _report_context(report)
    optional = report.conventions.device is None
    if view is View.SUMMARY:
        columns = for_counting(_present(SUMMARY_COLUMNS, optional), counting, machine)
        return Sheet(title, notes, context, columns, (tuple(c.get(report) for c in columns),), row_label="total")
    if view is View.BY_TYPE:
        columns = for_counting(TYPE_COLUMNS, counting, machine)
        shares = report.by_type()
        total = TypeShare("Total", len(report.layers), report.totals.params, report.totals.macs,
                          1.0 if report.totals.params else 0.0, 1.0 if report.totals.macs else 0.0)
        return Sheet(title, notes, context, columns, tuple(tuple(c.get(t) for c in columns) for t in shares),
                     tuple(c.get(total) for c in columns), row_label="type")
    if view in (View.BY_STAGE, View.BY_BLOCK):
        return _group_sheet(report, view, machine, detail, title, notes, context)
    columns = for_counting(tuple(c for c in _present(LAYER_COLUMNS, optional)
                                 if detail or not (c.detail or (c.human_detail and not machine))), counting, machine)
    footer: dict[str, Any] = {c.key: c.total(report) for c in declared.LAYER_COLUMNS if c.total is not None}
    footer.update(name="Total", flops=2 * report.totals.macs)
    memory = report.memory
    unit = "FLOPs" if counting is Counting.FLOPS else "MACs"
    arithmetic = report.arithmetic
    trailer = (f"{count_text(arithmetic, None)} {unit}, {count_text(report.totals.params, None)} params, "
               f"model size {bytes_text(report.totals.param_bytes, None)}, "
               f"peak live memory {bytes_text(memory.peak_bytes, None)} at {memory.peak_layer} "
               f"(sum of all layer outputs {bytes_text(report.totals.activation_bytes, None)})")
    return Sheet(title, notes, context, columns, tuple(tuple(c.get(layer) for c in columns) for layer in report.layers),
                 tuple(footer.get(c.key) for c in columns), trailer=trailer, index=True)


def group_columns(report: Report, detail: bool = False) -> tuple[declared.Column, ...]:
    """The declared figures a stage's or block's row shows (mncost.columns.GROUP_COLUMNS)."""
    return tuple(c for c in declared.present(declared.GROUP_COLUMNS, report) if detail or not c.detail)


def _item(key: Any) -> Callable[[Any], Any]:
    return lambda row: row[key]


def _group_sheet(report: Report, view: View, machine: bool, detail: bool, title: str, notes: tuple[str, ...],
                 context: tuple[tuple[str, Any], ...]) -> Sheet:
    """One row per stage or block: its layer count, the declared group figures, its MACs and
    params shares; the footer is the whole network's."""
    from ..groups import Level, group_value, grouped

    level = Level.STAGE if view is View.BY_STAGE else Level.BLOCK
    figures = group_columns(report, detail)
    total_macs, total_params = report.totals.macs or 1, report.totals.params or 1

    def row(name: str, layers: tuple[Any, ...]) -> dict[str, Any]:
        values = {c.key: group_value(c, layers) for c in figures}
        return {"group": name, "layers": len(layers), **values, "flops": 2 * values["macs"],
                "macs_share": values["macs"] / total_macs, "params_share": values["params"] / total_params}

    header = level.value.capitalize()
    base = (Column("group", header, Kind.TEXT, lambda r: r["group"]),
            Column("layers", "Layers", Kind.INT, lambda r: r["layers"]),
            *(Column(c.key, c.header, c.kind, _item(c.key), c.human, c.detail) for c in figures),
            Column("macs_share", f"{_MACS.header} share", Kind.SHARE, lambda r: r["macs_share"]),
            Column("params_share", f"{_PARAMS.header} share", Kind.SHARE, lambda r: r["params_share"]))
    columns = for_counting(base, report.conventions.counting, machine)
    rows = [row(name, layers) for name, layers in grouped(report, level)]
    total = row("Total", report.layers)  # live memory: the largest of any layer, the peak
    return Sheet(title, notes, context, columns, tuple(tuple(c.get(r) for c in columns) for r in rows),
                 tuple(c.get(total) for c in columns), row_label=level.value)


# -- value formatting -------------------------------------------------------------------------

def human_cell(value: Any, kind: Kind, units: Units | None, exact_counts: bool = False) -> str:
    """A value for people (table, markdown, latex), before any format-specific escaping.
    `exact_counts`: counts default to exact integers with separators (the terminal table)."""
    if value is None:
        return ""
    if kind in (Kind.COUNT, Kind.ARITH):
        return count_text(value, Units.RAW if units is None and exact_counts else units)
    if kind is Kind.BYTES:
        return bytes_text(value, units)
    if kind is Kind.NUMBER:
        return f"{value:g}"
    if kind is Kind.RATIO:
        return f"{value:.4g}"
    if kind is Kind.SHARE:
        return f"{100 * value:.2f}%"
    if kind is Kind.MS:
        return f"{value:.4g} ms"
    return str(value)


def machine_cell(value: Any, kind: Kind, units: Units | None) -> str:
    """A value for CSV: exact integers (or exact decimals under --units k|M|G), full-precision floats."""
    if value is None:
        return ""
    if kind in (Kind.COUNT, Kind.ARITH, Kind.BYTES):
        return exact_text(value, units)
    if kind in (Kind.NUMBER, Kind.RATIO, Kind.MS):
        return repr(float(value))
    if kind is Kind.SHARE:
        return repr(round(value, 6))
    return str(value)


def people(sheet: Sheet, units: Units | None, exact_counts: bool = False
           ) -> tuple[list[tuple[str, bool]], list[list[str]], list[str] | None]:
    """Headers as (title, right-aligned), formatted body rows and footer for the human formats."""
    shown = [i for i, c in enumerate(sheet.columns) if c.human]
    headers = [(sheet.columns[i].title(units), sheet.columns[i].numeric) for i in shown]
    body = [[human_cell(row[i], sheet.columns[i].kind, units, exact_counts) for i in shown] for row in sheet.rows]
    footer = None
    if sheet.total is not None:
        footer = [human_cell(sheet.total[i], sheet.columns[i].kind, units, exact_counts) for i in shown]
    if sheet.index:
        headers.insert(0, ("#", True))
        body = [[str(n), *cells] for n, cells in enumerate(body, 1)]
        if footer is not None:
            footer.insert(0, "")
    return headers, body, footer


def _sweep_frame(result: SweepResult) -> tuple[str, tuple[str, ...], tuple[tuple[str, Any], ...]]:
    spec = result.spec
    notes = config_notes(spec, None, result.conventions, result.classes, result.depth_multiplier,
                         result.base_resolution)
    context = (("spec", spec.name), ("classes", result.classes), ("depth_multiplier", result.depth_multiplier),
               *conventions_context(result.conventions))
    return f"{spec.name}: {spec.description}", notes, context


def sweep_sheet(result: SweepResult, machine: bool = False) -> Sheet:
    """One row per (α, resolution): params, MACs, activation memory and peak memory (and latency)."""
    title, notes, context = _sweep_frame(result)
    columns = for_counting(_present(SWEEP_COLUMNS, result.conventions.device is None), result.conventions.counting,
                           machine)
    return Sheet(title, notes, context, columns, tuple(tuple(c.get(r) for c in columns) for r in result.points),
                 row_label="point")


def pivot_sheet(result: SweepResult, fields: str | Sequence[str]) -> Sheet:
    """Each of `fields` as α rows × resolution columns, like the papers' tables (FLOPs under
    --count flops); several fields sit side by side, one group of resolution columns each."""
    title, notes, context = _sweep_frame(result)
    chosen = [fields] if isinstance(fields, str) else list(fields)
    flops_counting = result.conventions.counting is Counting.FLOPS
    columns = [Column("alpha", "α", Kind.NUMBER, lambda row: row[0])]
    grids: list[list[list[int]]] = []
    headers: list[str] = []
    for field in chosen:
        value = PIVOT_FIELDS[field]
        flops = value.kind is Kind.ARITH and flops_counting
        factor = 2 if flops else 1
        key = "flops" if flops else value.key
        header = value.header.replace("MACs", "FLOPs") if flops else value.header
        headers.append(header)
        offset = 1 + len(result.resolutions) * len(grids)
        columns += [Column(f"{key}_{r}", str(r) if len(chosen) == 1 else f"{header} {r}", value.kind,
                           _item(offset + j)) for j, r in enumerate(result.resolutions)]
        grids.append([[factor * v for v in values] for values in result.pivot(field)])
    rows = tuple((alpha, *(v for grid in grids for v in grid[i])) for i, alpha in enumerate(result.alphas))
    what = spoken(headers)
    notes = (f"{what} by width multiplier α (rows) and input resolution (columns)", *notes)
    return Sheet(title, notes, context, tuple(columns), rows, row_label="alpha")


def spoken(words: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`: words in a sentence."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def memory_sheet(table: MemoryTable) -> Sheet:
    """`mncost memory`: the largest materialized tensor per spatial size (V2 paper, Table 3), with a max row."""
    report = table.report
    columns = (
        Column("size", "Size", Kind.TEXT, lambda r: f"{r.h}x{r.w}"),
        Column("channels", "Channels", Kind.INT, lambda r: r.channels),
        Column("bytes", "Bytes", Kind.BYTES, lambda r: r.bytes),
        Column("layer", "Tensor", Kind.TEXT, lambda r: r.layer),
    )
    top = table.max
    notes = config_notes(report.spec, report.config, report.conventions, report.config.classes,
                         report.config.depth_multiplier) + output_notes(report)
    memory = report.memory
    trailer = (f"largest materialized tensor {bytes_text(top.bytes, None)} at {top.h}x{top.w} ({top.layer})\n"
               f"peak live memory {bytes_text(memory.peak_bytes, None)} at {memory.peak_layer}")
    return Sheet(f"{report.spec.name}: {report.spec.description}", notes, _report_context(report), columns,
                 tuple(tuple(c.get(r) for c in columns) for r in table.rows),
                 ("max", top.channels, top.bytes, top.layer), trailer=trailer, row_label="resolution")
