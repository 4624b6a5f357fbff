"""The command line: parse options, call the core, render, write. One module per command."""

from __future__ import annotations

from . import diff, fit, formula, listing, memory, plot, show, sweep  # noqa: F401  (each registers its command)
from ._group import main

__all__ = ["main"]
