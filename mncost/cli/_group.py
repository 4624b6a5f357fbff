"""The root command group. Errors become exit codes here and nowhere else.

Exit codes: 0 success; 1 a `diff` threshold was exceeded; 2 bad usage or bad input; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

from typing import Any

import click

from .. import __version__
from ..errors import MncostError


class MncostGroup(click.Group):
    """Turns every MncostError into `Error: ...` on stderr and exit code 2, without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MncostError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("Aborted (interrupted); no output file was changed.", err=True)
            ctx.exit(130)


@click.group(cls=MncostGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="mncost")
def main() -> None:
    """Per-layer parameters, MACs and activation memory of CNNs written as YAML layer tables."""
