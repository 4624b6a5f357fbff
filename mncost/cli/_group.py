"""The root command group. Errors become exit codes here and nowhere else.

Exit codes: 0 success; 1 a finding (a `diff` threshold exceeded, nothing fits a `fit` budget);
2 bad usage or bad input; 130 interrupted (Ctrl-C); 143 terminated (SIGTERM) while writing an output file.
"""

from __future__ import annotations

import errno
import importlib
from typing import Any

import click

from ..errors import Finding, MncostError, Terminated

COMMANDS = {"show": "show", "list": "listing", "sweep": "sweep", "diff": "diff", "memory": "memory",
            "formula": "formula", "fit": "fit", "plot": "plot", "check": "check",
            "schema": "schema", "init": "init",
            "devices": "latency", "calibrate": "latency", "latency": "latency", "size": "size",
            "import": "import_", "export": "export", "bench": "bench", "space": "space"}
"""Command name -> module of mncost.cli that defines it (imported only when the command runs)."""


class MncostGroup(click.Group):
    """Turns every MncostError and usage error into one line `Error: ...` on stderr and exit code 2,
    without a traceback (click's usage errors would print the usage block too).

    Subcommands load lazily, so `mncost show` imports neither `diff` nor `plot` nor their renderers."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            importlib.import_module(f"{__package__}.{COMMANDS[cmd_name]}")  # registers itself on `main`
        return super().get_command(ctx, cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None,
                                                                          list[str]]:
        """An unknown command names the nearest one: `mncost shwo` -> did you mean 'show'?"""
        name = args[0] if args else ""
        if name and not name.startswith("-") and not ctx.resilient_parsing and self.get_command(ctx, name) is None:
            from ..hints import did_you_mean

            hint = did_you_mean(name, COMMANDS) or f" (commands: {', '.join(sorted(COMMANDS))})"
            raise click.UsageError(f"No such command '{name}'{hint}", ctx)
        return super().resolve_command(ctx, args)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except KeyboardInterrupt:
            click.echo("Aborted (interrupted).", err=True)
            ctx.exit(130)
        except click.UsageError as exc:
            if isinstance(exc, _NO_ARGS_IS_HELP):  # bare `mncost`: click ≥ 8.2 prints the help
                raise
            _usage_error(ctx, exc)
            raise  # pragma: no cover - _usage_error exits

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except Finding as finding:  # the one place exit code 1 is set
            for line in finding.lines:
                click.echo(line, err=True)
            ctx.exit(1)
        except MncostError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        except click.UsageError as exc:
            _usage_error(exc.ctx or ctx, exc)
        except KeyboardInterrupt:
            click.echo("Aborted (interrupted); no output file was changed.", err=True)
            ctx.exit(130)
        except Terminated as exc:
            click.echo("Aborted (terminated); no output file was changed.", err=True)
            ctx.exit(128 + exc.signum)
        except BrokenPipeError:  # the reader of stdout went away (`| head`): end quietly
            from ..entry import BROKEN_PIPE, _quiet_stdout

            _quiet_stdout()
            ctx.exit(BROKEN_PIPE)
        except OSError as exc:
            if exc.errno not in _OUTPUT_ERRNOS:
                raise
            from ..entry import _quiet_stdout

            _quiet_stdout()
            click.echo(f"Error: cannot write to standard output: {exc.strerror or exc}", err=True)
            ctx.exit(2)


_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EBADF, errno.EIO, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}
"""OSErrors that can only come from writing standard output here (inputs and -o files have their own errors)."""

_NO_ARGS_IS_HELP: Any = getattr(click.exceptions, "NoArgsIsHelpError", ())


def _usage_error(ctx: click.Context, exc: click.UsageError) -> None:
    """One line: the problem and where to find help."""
    message = " ".join(exc.format_message().split())
    help_hint = f" (see '{ctx.command_path} --help')" if ctx.command_path else ""
    click.echo(f"Error: {message}{help_hint}", err=True)
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
