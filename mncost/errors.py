"""One exception hierarchy. Every message starts with where the problem is."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a spec file: path as the user gave it and a 1-based line number."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class MncostError(Exception):
    """Base of every error mncost reports to a user (exit code 2 on the command line)."""


class SpecError(MncostError):
    """A spec is malformed: `FILE:LINE: what is wrong (what was expected)`."""

    def __init__(self, location: Location | None, message: str) -> None:
        self.location = location
        self.message = message
        super().__init__(f"{location}: {message}" if location else message)


class EvaluationError(SpecError):
    """A well-formed spec gives an impossible network under a config (e.g. 0 channels at a tiny α)."""


class ConfigError(MncostError):
    """An evaluation config is invalid (α ≤ 0, resolution < 1, ...)."""
