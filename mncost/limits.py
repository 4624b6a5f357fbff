"""Size limits that several layers check (docs/limits.md's table lists every limit)."""

MAX_CHANNELS = 1_000_000
"""Largest channel count a literal may give (also classes and any whole-number attribute)."""
MAX_RESOLUTION = 100_000
"""Largest input resolution and output side."""
