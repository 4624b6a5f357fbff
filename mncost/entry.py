"""The `mncost` console command and `python -m mncost`.

A command-line run is short and its start-up objects (modules, classes, the op registry) live
until it exits, so the cyclic garbage collector has nothing to find among them: they are imported
with the collector off, then frozen into its permanent generation (`gc.freeze`) and the collector
is switched back on for the command itself. That is about 5% of the start-up of `mncost show`
(issue 8). Importing mncost as a library leaves the collector alone.
"""

from __future__ import annotations

import gc
from typing import Any


def run(*args: Any, **kwargs: Any) -> Any:
    """Run the command line (arguments as for click's `main`)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        from .cli import main
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
    return main(*args, **kwargs)
