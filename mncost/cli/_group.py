"""The root command group. Errors become exit codes here and nowhere else.

Exit codes: 0 success; 1 a `diff` threshold was exceeded; 2 bad usage or bad input.
"""

from __future__ import annotations

from typing import Any

import click

from ..errors import MncostError


class MncostGroup(click.Group):
    """Turns every MncostError into `Error: ...` on stderr and exit code 2, without a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MncostError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)


def _print_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """`--version`: the version is looked up only here, so no other command pays for it."""
    if not value or ctx.resilient_parsing:
        return
    from .. import __version__

    click.echo(f"mncost, version {__version__}")
    ctx.exit()


@click.group(cls=MncostGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", "-V", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the version and exit.")
def main() -> None:
    """Per-layer parameters, MACs and activation memory of CNNs written as YAML layer tables."""
