"""The root command group. Errors become exit codes here and nowhere else.

Exit codes: 0 success; 1 a `diff` threshold was exceeded; 2 bad usage or bad input; 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

from typing import Any

import click

from .. import __version__
from ..errors import MncostError


class MncostGroup(click.Group):
    """Turns every MncostError and usage error into one line `Error: ...` on stderr and exit code 2,
    without a traceback (click's usage errors would print the usage block too)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            if isinstance(exc, _NO_ARGS_IS_HELP):  # bare `mncost`: click ≥ 8.2 prints the help
                raise
            _usage_error(ctx, exc)
            raise  # pragma: no cover - _usage_error exits

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MncostError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        except click.UsageError as exc:
            _usage_error(exc.ctx or ctx, exc)
        except KeyboardInterrupt:
            click.echo("Aborted (interrupted); no output file was changed.", err=True)
            ctx.exit(130)


_NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _usage_error(ctx: click.Context, exc: click.UsageError) -> None:
    """One line: the problem and where to find help."""
    message = " ".join(exc.format_message().split())
    help_hint = f" (see '{ctx.command_path} --help')" if ctx.command_path else ""
    click.echo(f"Error: {message}{help_hint}", err=True)
    ctx.exit(2)


@click.group(cls=MncostGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", "-V", prog_name="mncost")
def main() -> None:
    """Per-layer parameters, MACs and activation memory of CNNs written as YAML layer tables."""
