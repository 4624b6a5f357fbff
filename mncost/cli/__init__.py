"""The command line: parse options, call the core, render, write. One module per command, each
loaded only when its command runs (see `_group.COMMANDS`)."""

from __future__ import annotations

from ._group import main

__all__ = ["main"]
