"""The command line: parse options, call the core, render, write. One module per command."""

from __future__ import annotations

from . import listing, show, sweep  # noqa: F401  (each module registers its command on `main`)
from ._group import main

__all__ = ["main"]
