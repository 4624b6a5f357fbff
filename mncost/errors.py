"""One exception hierarchy. Every message starts with where the problem is."""

from __future__ import annotations

from .record import record


@record
class Location:
    """A place in a spec file: path as the user gave it and a 1-based line number."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class MncostError(Exception):
    """Base of every error mncost reports to a user (exit code 2 on the command line)."""


class Terminated(BaseException):  # noqa: N818 - a signal, like KeyboardInterrupt
    """SIGTERM arrived while an output file was being written (mncost.output removes its
    temporary file; the command line exits 143)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class SpecError(MncostError):
    """A spec is malformed: `FILE:LINE: what is wrong (what was expected)`."""

    def __init__(self, location: Location | None, message: str) -> None:
        self.location = location
        self.message = one_line(message)
        super().__init__(one_line(f"{location}: {message}" if location else message))


MAX_MESSAGE = 2_000
"""Longest error message, in characters (quoted spec text is cut to fit)."""


def one_line(text: str) -> str:
    """`text` as one printable line: line breaks and control characters escaped, cut to MAX_MESSAGE."""
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 3] + "..."
    return text


class EvaluationError(SpecError):
    """A well-formed spec gives an impossible network under a config (e.g. 0 channels at a tiny α)."""


class ConfigError(MncostError):
    """An evaluation config is invalid (α ≤ 0, resolution < 1, ...)."""


class Finding(MncostError):
    """Not an error: a result the user asked the exit code to report (exit code 1), such as a `diff`
    threshold exceeded or no configuration fitting a `fit` budget. Each line goes to stderr."""

    def __init__(self, *lines: str) -> None:
        self.lines = tuple(one_line(line) for line in lines)
        super().__init__("; ".join(self.lines))
