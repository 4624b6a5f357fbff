"""GitHub-flavoured Markdown: a caption line, a pipe table (numbers right-aligned), a footnote
naming the config and every convention."""

from __future__ import annotations

import re

from .sheet import Sheet, people
from .units import Units

_SPACE = re.compile(r"[\r\n\t\f\v]")
_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def escape(text: str) -> str:
    """Backslash-escape Markdown punctuation (a `|` would end the cell); line breaks become spaces."""
    return _SPECIAL.sub(r"\\\1", _SPACE.sub(" ", text))


def _line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def to_markdown(sheet: Sheet, units: Units | None = None) -> str:
    headers, body, footer = people(sheet, units)
    lines = [f"**{escape(sheet.title)}**", ""]
    lines.append(_line([escape(title) for title, _ in headers]))
    lines.append("|" + "|".join("---:" if right else ":---" for _, right in headers) + "|")
    lines += [_line([escape(cell) for cell in row]) for row in body]
    if footer is not None:
        lines.append(_line([f"**{escape(cell)}**" if cell else "" for cell in footer]))
    lines += ["", *(f"{escape(note)}  " for note in sheet.notes[:-1]), escape(sheet.notes[-1])]
    return "\n".join(lines) + "\n"
