"""`mncost init NAME [--from SPEC]`: write a new spec to start from."""

from __future__ import annotations

import os

import click

from ._group import main
from .complete import complete_spec


def spec_file(name: str) -> tuple[str, str]:
    """NAME or NAME.yaml -> (file to write, spec name)."""
    if name.endswith((".yaml", ".yml")):
        return name, os.path.splitext(os.path.basename(name))[0]
    return f"{name}.yaml", os.path.basename(name)


@main.command(name="init", short_help="Write a new spec to edit (minimal, or a copy of a bundled one).")
@click.argument("name")
@click.option("--from", "origin", metavar="SPEC", default=None, shell_complete=complete_spec,
              help="Start from this bundled spec (mncost list shows them). Default: a commented minimal spec.")
@click.option("--force", is_flag=True, help="Overwrite the file if it exists.")
def init_command(name: str, origin: str | None, force: bool) -> None:
    """Write NAME.yaml (or NAME if it ends in .yaml), a spec to edit: a commented minimal
    network, or a copy of a bundled spec (--from v2) renamed to NAME. Its first line names the
    installed JSON Schema, so that editors complete keys. An existing file is kept unless --force."""
    from pathlib import Path

    from ..output import OutputError, check_target, write_atomic
    from ..schema import schema_file
    from ..template import check_name, from_bundled, minimal

    path, spec_name = spec_file(name)
    check_name(spec_name)
    check_target(path)
    if os.path.lexists(path) and not force:
        raise OutputError(f"{path}: already exists; give --force to overwrite it")
    schema = Path(schema_file("spec")).resolve().as_uri()
    if origin is None:
        text = minimal(spec_name, path, schema)
    else:
        from ..bundled import bundled_names, locate, nearest_bundled
        from ..errors import SpecError

        if origin not in bundled_names():
            close = nearest_bundled(origin)
            raise SpecError(None, f"--from '{origin}': not a bundled spec"
                                  + (f"; did you mean '{close}'?" if close else " ('mncost list' names them)"))
        with open(locate(origin)[0], encoding="utf-8") as handle:
            text = from_bundled(handle.read(), spec_name, origin, schema)
    write_atomic(path, text)
    click.echo(f"Wrote {path} ({'from ' + origin if origin else 'a minimal spec'}). Next: mncost show {path}")
