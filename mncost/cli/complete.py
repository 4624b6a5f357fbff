"""Shell completion of SPEC arguments: bundled spec names, then files (see docs/getting-started.md).

click generates the completion scripts (`_MNCOST_COMPLETE=bash_source mncost`); this module only
says what a SPEC may be."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import click
    from click.shell_completion import CompletionItem


def complete_spec(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Bundled names starting with what was typed, and file completion (the shell's own).
    Imports happen here, only when a shell asks: every command's start-up stays as it was."""
    from click.shell_completion import CompletionItem

    from ..bundled import bundled_names

    names = [CompletionItem(name, help="bundled spec") for name in bundled_names() if name.startswith(incomplete)]
    return [*names, CompletionItem(incomplete, type="file")]
