"""The documentation the tests read: the README (the front page) and the pages under docs/."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "docs").glob("*.md"))}
"""Every page under docs/, by its path from the repository root (`docs/diff.md`)."""


def page(name: str) -> str:
    """One page's text: `page("diff")` is docs/diff.md."""
    return DOCS[f"docs/{name}.md"]


def section(text: str, heading: str) -> str:
    """From a heading line (`## Block templates`) to the next heading of the same or a higher level."""
    level = heading.split(" ", 1)[0]
    body = text.split(f"\n{heading}\n", 1)[1] if not text.startswith(f"{heading}\n") else text[len(heading) + 1:]
    stops = [body.find(f"\n{'#' * n} ") for n in range(1, len(level) + 1)]
    stops = [s for s in stops if s >= 0]
    return body[:min(stops)] if stops else body
