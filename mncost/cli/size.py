"""`mncost size`: the deployed model size of SPEC (batch norm folded) at every storage convention."""

from __future__ import annotations

from typing import Any

import click

from ._group import main
from .options import config_options, make_config


@main.command()
@click.argument("spec")
@config_options
def size(spec: str, **options: Any) -> None:
    """Model size of SPEC as deployed: batch norm folded into one bias per channel, stored as fp32, fp16 or
    TensorFlow Lite 8-bit; exact bytes, MB = 10^6 bytes, MiB = 2^20 bytes."""
    from ..size import MB, MIB, folded_params, sizes, torch_state_dict_bytes
    from .loading import load_graph

    config = make_config(**options)
    graph = load_graph(spec, config)
    folded = folded_params(graph, config)
    click.echo(f"folded parameters: {folded.params:,} ({folded.weights:,} weights + {folded.biases:,} biases)")
    click.echo(f"  in {folded.layers} conv/fc layers with {folded.channels:,} output channels")
    click.echo(f"{'storage':<24}  {'bytes':>13}  {'MB':>9}  {'MiB':>9}")
    for s in sizes(folded):
        click.echo(f"{s.storage.value:<24}  {s.total_bytes:>13,}  {s.mb:>9.3f}  {s.mib:>9.3f}")
    state = torch_state_dict_bytes(graph, config)
    click.echo(f"{'pytorch state_dict':<24}  {state:>13,}  {state / MB:>9.3f}  {state / MIB:>9.3f}  (BN unfolded)")
    click.echo("MB = 10^6 bytes, MiB = 2^20 bytes; weights, biases and quantization scales only")
    click.echo("(a model file adds its format's own bytes: docs/latency.md, 'Model size')")
