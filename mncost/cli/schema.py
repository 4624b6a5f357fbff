"""`mncost schema [NAME]`: print a shipped JSON Schema (spec format or a JSON document)."""

from __future__ import annotations

import click

from ..schema import DOCUMENTS, NAMES, resolve, schema_file, schema_text
from ._group import main


def _complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
    return [name for name in (*NAMES, *DOCUMENTS.values()) if name.startswith(incomplete)]


@main.command(name="schema", short_help="Print a JSON Schema: the spec format or a JSON document's.")
@click.argument("name", required=False, shell_complete=_complete)
@click.option("--path", "show_path", is_flag=True, help="Print the schema file's path instead of its content.")
def schema_command(name: str | None, show_path: bool) -> None:
    """Print the JSON Schema NAME: spec (the spec format, for editors), or a JSON document's:
    report, sweep, diff, memory, fit, formula (or their ids, e.g. mncost.report/1); space (a line
    of `mncost space ... --format jsonl`).
    Without NAME, list them."""
    if name is None:
        for short in NAMES:
            what = ("the spec format (YAML)" if short == "spec" else "mncost space lines (JSON Lines)"
                    if short == "space" else f"{DOCUMENTS[short]} documents")
            click.echo(f"{short:8} {what}: {schema_file(short)}" if show_path else f"{short:8} {what}")
        return
    resolve(name)
    click.echo(schema_file(name) if show_path else schema_text(name), nl=show_path)
