"""Plain aligned text tables that fit a width: every terminal table mncost prints is laid out here.

A table is a list of `Cells` columns (header, cells, footer). At its natural width (`width=None`:
a pipe or a file) every column is as wide as its widest entry. Given a width (a terminal's),
prose columns (a description) wrap, the columns named in `mncost.columns.HIDDEN_FIRST` are
hidden in that order until the table fits, then names fold onto more lines. A figure is
never folded, cut or wrapped: when even the narrowest layout does not fit, the table is printed
wider than asked rather than split a number.

Laying out text ourselves keeps a 10,000-row table about as fast as its CSV (rich's table
measures every cell; see benchmarks/table_render.py).
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from ..columns import HIDDEN_FIRST
from ..record import record

_RANK = {key: i for i, key in enumerate(HIDDEN_FIRST)}


@record
class Cells:
    """One column: its key (for the hiding order), header, whether it is right-aligned, its body
    cells and footer, and `fold`: 0 for a column that never wraps (figures), else the narrowest
    width its text may wrap to. A `prose` column (a description) wraps before any column is
    hidden; other folding columns (names) only when hiding was not enough."""

    key: str
    header: str
    right: bool
    cells: Sequence[str]
    footer: str = ""
    fold: int = 0
    prose: bool = False

    def natural(self) -> int:
        return max(len(self.header), len(self.footer), max(map(len, self.cells), default=0))


@record
class Layout:
    """A table laid out: the columns kept with their widths, and the headers of those hidden."""

    columns: tuple[Cells, ...]
    widths: tuple[int, ...]
    hidden: tuple[str, ...]
    gap: int

    def total(self) -> int:
        return sum(self.widths) + self.gap * (len(self.widths) - 1) + 1


def _total(widths: Sequence[int], gap: int) -> int:
    return sum(widths) + gap * (len(widths) - 1) + 1


def _shrink(widths: list[int], columns: Sequence[Cells], group: list[int], excess: int) -> int:
    """Narrow the `group` columns by `excess` characters in all, the widest first, none below its
    fold width; returns what is still in excess."""
    def saved(cap: int) -> int:
        return sum(widths[i] - max(columns[i].fold, min(widths[i], cap)) for i in group)

    if not group or excess <= 0:
        return excess
    if saved(0) <= excess:
        cap = 0
    else:
        lo, hi = 0, max(widths[i] for i in group)  # saved(hi) = 0 < excess <= saved(lo)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            lo, hi = (mid, hi) if saved(mid) >= excess else (lo, mid)
        cap = lo
    left = excess - saved(cap)
    for i in group:
        widths[i] = max(columns[i].fold, min(widths[i], cap))
    for i in sorted(group, key=lambda i: -columns[i].natural()):  # give back what was cut too much
        if left < 0 and widths[i] < columns[i].natural():
            give = min(-left, columns[i].natural() - widths[i])
            widths[i] += give
            left += give
    return max(left, 0)


def lay_out(columns: Sequence[Cells], width: int | None, gap: int = 2) -> Layout:
    """Fit `columns` into `width` characters (one leading space, `gap` between columns, two when
    that is too wide); None: natural width. Prose columns wrap first; then columns whose key is
    in HIDDEN_FIRST are hidden in that order; then names fold (each at least its `fold` width)."""
    kept = list(columns)
    if width is not None and _total([c.natural() for c in columns], gap) > width:
        gap = min(gap, 2)  # columns two apart instead of three before anything is hidden

    def needed(cols: Sequence[Cells]) -> int:
        return _total([min(c.natural(), c.fold) if c.prose else c.natural() for c in cols], gap)

    if width is not None:
        for key in sorted((c.key for c in columns if c.key in _RANK), key=_RANK.__getitem__):
            if needed(kept) <= width:
                break
            kept = [c for c in kept if c.key != key]
    widths = [c.natural() for c in kept]
    if width is not None and _total(widths, gap) > width:
        excess = _shrink(widths, kept, [i for i, c in enumerate(kept) if c.prose], _total(widths, gap) - width)
        _shrink(widths, kept, [i for i, c in enumerate(kept) if c.fold and not c.prose], excess)
    hidden = tuple(c.header for c in columns if c not in kept)
    return Layout(tuple(kept), tuple(widths), hidden, gap)


def _wrapped(text: str, width: int) -> list[str]:
    if len(text) <= width:
        return [text]
    return textwrap.wrap(text, width, break_on_hyphens=False) or [""]


def render(layout: Layout, rows: range | None = None) -> tuple[str, list[str], str]:
    """The header line(s), body lines and footer line(s) of a layout, each line with one leading
    space and no trailing blanks. A row whose folding cells wrap takes several lines."""
    columns, widths, gap = layout.columns, layout.widths, " " * layout.gap
    folds = any(w < c.natural() for c, w in zip(columns, widths, strict=True))

    def lines(values: Sequence[str]) -> list[str]:
        if not folds:
            return [" " + gap.join(v.rjust(w) if c.right else v.ljust(w)
                                   for v, w, c in zip(values, widths, columns, strict=True)).rstrip()]
        parts = [_wrapped(v, w) if c.fold else [v] for v, w, c in zip(values, widths, columns, strict=True)]
        height = max(map(len, parts))
        return [" " + gap.join((p[k] if k < len(p) else "").rjust(w) if c.right else
                               (p[k] if k < len(p) else "").ljust(w)
                               for p, w, c in zip(parts, widths, columns, strict=True)).rstrip()
                for k in range(height)]

    count = len(columns[0].cells) if columns else 0
    body: list[str] = []
    cells = [c.cells for c in columns]
    for i in rows if rows is not None else range(count):
        body += lines([column[i] for column in cells])
    return ("\n".join(lines([c.header for c in columns])), body, "\n".join(lines([c.footer for c in columns])))


def hidden_note(layout: Layout, width: int | None) -> str | None:
    """The line saying which columns were hidden and how to see them (None: nothing hidden)."""
    if not layout.hidden:
        return None
    return f"(hidden: {', '.join(layout.hidden)}; --wide shows every column)"


def wrap_prose(text: str, width: int | None) -> str:
    """Title, config and summary lines wrapped at spaces to `width` (continuations indented two
    spaces), so that a terminal never breaks a word or a number; None: as they are."""
    if width is None:
        return text
    out = []
    for line in text.split("\n"):
        out += textwrap.wrap(line, width, subsequent_indent="  ", break_long_words=False,
                             break_on_hyphens=False) if len(line) > width else [line]
    return "\n".join(out)
