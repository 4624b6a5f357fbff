"""Loading a spec for a command: the graph under the config's depth convention and variables, and
the spec's notes written to standard error before any output: warnings (an op whose output nobody
reads) and what `--ops conv-fc` leaves out (attention products)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from .. import load

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from ..graph import Graph
    from ..report import Config


def load_graph(spec: str | Path, config: Config, variables: Mapping[str, Any] | None = None) -> Graph:
    """`mncost.load` for the config's depth multiplier and rounding and the spec's `variables`
    (`--set`), then warn (stderr, exit code unchanged)."""
    from .options import note_products

    graph = load(spec, config.depth_multiplier, variables, config.depth_rounding)
    warn(graph)
    note_products(graph, config)
    return graph


def warn(graph: Graph) -> None:
    """Write the graph's warnings to standard error, one `Warning: FILE:LINE: ...` line each."""
    from ..graph import unread_warnings

    for message in unread_warnings(graph):
        click.echo(f"Warning: {message}", err=True)
