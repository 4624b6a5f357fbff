"""Pausing Python's cyclic garbage collector while mncost builds large acyclic structures."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run a block (or, as a decorator, a function) with the cyclic garbage collector paused.

    Loading and evaluating a spec allocate many small objects and free few, so the collector
    would scan the growing heap again and again: over half the time of a 10,000-layer spec.
    Reference counting still frees everything meanwhile; the collector resumes afterwards if it
    was running. Nested uses are fine."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
