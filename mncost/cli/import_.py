"""`mncost import MODEL.onnx [-o SPEC.yaml]`: an ONNX model as a readable, editable spec.

The onnx package is an optional extra (`pip install 'mncost[onnx]'`), imported only here.
"""

from __future__ import annotations

import click

from ..bundled import is_onnx
from ..limits import MAX_RESOLUTION
from ._group import main


@main.command(name="import", short_help="Write an ONNX model as a spec (YAML).")
@click.argument("model")
@click.option("--output", "-o", type=click.Path(dir_okay=False, allow_dash=True), default=None,
              help="Write the spec to FILE (atomically) instead of standard output.")
@click.option("--resolution", type=click.IntRange(1, MAX_RESOLUTION), default=None,
              help="Input size for a model whose height and width are symbolic.")
@click.option("--flat", is_flag=True,
              help="One row per layer: do not recover repeated blocks as block templates and stage tables.")
def import_(model: str, output: str | None, resolution: int | None, flat: bool) -> None:
    """Read MODEL (an .onnx file) and write its spec: layers named after the ONNX nodes, repeated
    blocks as block templates and stage tables (unless --flat), with the file's name, sha256,
    producer and opset in the header."""
    if not is_onnx(model):
        raise click.UsageError(f"MODEL must be an .onnx file, got '{model}'")
    if output == "-":
        output = None
    if output is not None:
        from ..output import check_target

        check_target(output)
    from ..onnx_import import import_onnx

    text = import_onnx(model, model, resolution, blocks=not flat)
    if output is None:
        click.echo(text, nl=False)
        return
    from ..evaluate import evaluate
    from ..graph import build_graph
    from ..output import write_atomic
    from ..report import Config
    from ..spec import parse_spec

    write_atomic(output, text)
    layers = len(evaluate(build_graph(parse_spec(text, model)), Config()).layers)
    click.echo(f"wrote {output} ({layers} layers)", err=True)
