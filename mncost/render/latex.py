"""LaTeX: a booktabs table (\\toprule, \\midrule, \\bottomrule) in a `table` float with a short
caption (the spec and the config, or --caption) and an optional \\label (--label); the conventions
every figure depends on are footnote rows under the table. Compiles as is in a document that
loads booktabs."""

from __future__ import annotations

from .sheet import Sheet, people
from .units import Units

_ESCAPES = {
    "\\": r"\textbackslash{}", "_": r"\_", "%": r"\%", "&": r"\&", "#": r"\#", "$": r"\$",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "α": r"$\alpha$", "ρ": r"$\rho$", "×": r"$\times$", "<": r"\textless{}", ">": r"\textgreater{}",
}


def escape(text: str) -> str:
    """Escape LaTeX's special characters (α, ρ, × in math mode; line breaks and tabs become spaces)."""
    return "".join(_ESCAPES.get(ch, " " if ch.isspace() else ch) for ch in text)


def default_caption(sheet: Sheet) -> str:
    """The spec and the first note (the config, or what a pivot lays out): `v1: alpha=1 resolution=224 ...`."""
    spec = str(dict(sheet.context)["spec"]) if sheet.context else sheet.title
    first = sheet.notes[0].removeprefix("config: ") if sheet.notes else ""
    return f"{spec}: {first}" if first else spec


LABEL_FORBIDDEN = set("{}\\%#~^&$ \t\n")
"""Characters a --label may not hold (they end or break `\\label{...}`)."""


def to_latex(sheet: Sheet, units: Units | None = None, caption: str | None = None, label: str | None = None) -> str:
    """`caption` replaces the default one (escaped like every cell); `label` adds `\\label{label}`."""
    headers, body, footer = people(sheet, units)
    count = len(headers)
    lines = [
        r"\begin{table}[htbp]",
        r"\centering",
        r"\caption{" + escape(caption if caption is not None else default_caption(sheet)) + "}",
        *([r"\label{" + label + "}"] if label else []),
        r"\begin{tabular}{" + "".join("r" if right else "l" for _, right in headers) + "}",
        r"\toprule",
        " & ".join(escape(title) for title, _ in headers) + r" \\",
        r"\midrule",
        *(" & ".join(escape(cell) for cell in row) + r" \\" for row in body),
    ]
    if footer is not None:
        lines += [r"\midrule", " & ".join(escape(cell) for cell in footer) + r" \\"]
    lines.append(r"\bottomrule")
    notes = sheet.notes[1:] if caption is None else sheet.notes  # the default caption holds the first
    lines += [r"\multicolumn{" + str(count) + r"}{l}{\footnotesize " + escape(note) + r"} \\" for note in notes]
    lines += [r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"
