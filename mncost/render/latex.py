"""LaTeX: a booktabs table (\\toprule, \\midrule, \\bottomrule) in a `table` float whose caption
names the spec, the config and every convention. Compiles as is in a document that loads booktabs."""

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


def to_latex(sheet: Sheet, units: Units | None = None) -> str:
    headers, body, footer = people(sheet, units)
    spec = str(dict(sheet.context)["spec"])
    caption = escape(f"{spec}. " + "; ".join(sheet.notes) + ".")
    lines = [
        r"\begin{table}[htbp]",
        r"\centering",
        r"\caption{" + caption + "}",
        r"\begin{tabular}{" + "".join("r" if right else "l" for _, right in headers) + "}",
        r"\toprule",
        " & ".join(escape(title) for title, _ in headers) + r" \\",
        r"\midrule",
        *(" & ".join(escape(cell) for cell in row) + r" \\" for row in body),
    ]
    if footer is not None:
        lines += [r"\midrule", " & ".join(escape(cell) for cell in footer) + r" \\"]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"
