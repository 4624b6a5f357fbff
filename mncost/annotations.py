"""GitHub Actions workflow commands (`::error file=F,line=N::message`) for `--annotations github`.

GitHub shows such a line, printed by any step, as an annotation on the file and line of the pull
request. Escaping follows GitHub's workflow-command rules: in the message `%`, CR and LF are
percent-encoded; in a property value `:` and `,` are too.
"""

from __future__ import annotations

from enum import StrEnum


class Annotations(StrEnum):
    """`--annotations`: the CI system whose annotation lines to print (on stderr)."""

    GITHUB = "github"
    """GitHub Actions workflow commands: `::error file=...,line=...::...`."""


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def github(message: str, file: str | None = None, line: int | None = None, title: str | None = None,
           level: str = "error") -> str:
    """One workflow-command line: github('macs>+5% exceeded', 'specs/net.yaml', 14)
    -> '::error file=specs/net.yaml,line=14::macs>+5% exceeded'."""
    properties = [(key, value) for key, value in (("file", file), ("line", None if line is None else str(line)),
                                                   ("title", title)) if value is not None]
    head = ",".join(f"{key}={_property(value)}" for key, value in properties)
    return f"::{level}{' ' + head if head else ''}::{_data(message)}"
