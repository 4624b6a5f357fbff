"""'Did you mean' hints for names a user typed: spec keys, ops, layer and variable names, bundled
specs and spaces, commands, schemas."""

from __future__ import annotations

from collections.abc import Iterable


def nearest(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The choice closest to `word` (difflib's ratio ≥ cutoff), or None."""
    import difflib  # only error messages need it; importing it costs every start-up

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=cutoff)
    return close[0] if close else None


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """"; did you mean 'x'?" when a choice is close to `word`, else ''."""
    close = nearest(word, choices)
    return f"; did you mean '{close}'?" if close else ""
