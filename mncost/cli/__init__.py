"""The command line: parse options, call the core, render, write. One module per command."""

from __future__ import annotations  # noqa: I001  (one import line per command module)

from . import listing, show  # noqa: F401  (each module registers its command on `main`)
from . import fit  # noqa: F401
from . import formula  # noqa: F401
from . import plot  # noqa: F401
from ._group import main

__all__ = ["main"]
