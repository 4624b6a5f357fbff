"""`mncost diff OLD NEW`: totals and per-layer changes between two specs or configs, with
`--fail-on` thresholds that set the exit code (0 within, 1 exceeded, 2 bad usage or input).

Each side is `SPEC[@KEY=VALUE,...]`: a bundled name or a spec file, optionally followed by settings
that override the shared options for that side only, e.g. `v1@alpha=0.75,resolution=192`.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import click

from .. import load
from ..bundled import bundled_names
from ..diff import diff as diff_reports
from ..errors import Finding
from ..evaluate import evaluate
from ..render.deltas import check_detail
from ..report import Report
from ..thresholds import Threshold, ThresholdError, check, parse_threshold
from ._group import main
from .options import config_options, make_config

SHARED_ONLY = {"counting": "--count"}
"""Settings a side may not override: the diff shows both sides in one unit."""


class ThresholdType(click.ParamType):  # type: ignore[type-arg]  # generic only in click >= 8.2
    """A `--fail-on` expression such as `macs>+5%` (see mncost.thresholds for the grammar)."""

    name = "threshold"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Threshold:
        if isinstance(value, Threshold):
            return value
        try:
            return parse_threshold(str(value))
        except ThresholdError as exc:
            self.fail(str(exc), param, ctx)


def split_side(text: str) -> tuple[str, str | None]:
    """`SPEC[@SETTINGS]` → (spec, settings or None). A whole argument that is an existing file is a
    path even if it contains '@'; otherwise the split is at the last '@'."""
    if "@" not in text or Path(text).is_file():
        return text, None
    spec, _, settings = text.rpartition("@")
    return spec, settings


def _settable(ctx: click.Context) -> dict[str, click.Parameter]:
    """The config options by their long name without dashes (`bn-params`): those make_config takes."""
    names = set(inspect.signature(make_config).parameters)
    settable = {}
    for param in ctx.command.params:
        if param.name in names:
            long = next(o for o in param.opts if o.startswith("--"))
            settable[long[2:]] = param
    return settable


def _is_spec(spec: str) -> bool:
    return spec in bundled_names() or Path(spec).is_file()


def side_options(ctx: click.Context, argument: str, text: str, shared: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The spec of one side and its options: the shared ones with this side's settings applied.
    Each setting is converted by the same type as its command-line option."""
    spec, settings = split_side(text)

    def fail(message: str) -> click.BadParameter:
        return click.BadParameter(f"{text}: {message}", ctx=ctx, param_hint=f"'{argument}'")

    options = dict(shared)
    if settings is None:
        return spec, options
    if not _is_spec(spec):
        raise fail(f"no such file, and '{spec}' before the last '@' is neither a bundled spec "
                   f"({', '.join(bundled_names())}) nor a file")
    settable = _settable(ctx)
    spelled = ", ".join(key for key, param in settable.items() if param.name not in SHARED_ONLY)
    seen: set[str] = set()
    if not settings:
        raise fail(f"nothing after '@' (expected KEY=VALUE[,KEY=VALUE...] with KEY one of: {spelled})")
    for item in settings.split(","):
        key, eq, value = item.partition("=")
        key = key.strip().replace("_", "-")
        if not eq or not key:
            raise fail(f"'{item}' is not KEY=VALUE (KEY one of: {spelled})")
        param = settable.get(key)
        if param is None:
            raise fail(f"unknown setting '{key}' (expected one of: {spelled})")
        name = str(param.name)
        if name in SHARED_ONLY:
            raise fail(f"'{key}' applies to both sides: give {SHARED_ONLY[name]} once")
        if name in seen:
            raise fail(f"'{key}' is given twice")
        seen.add(name)
        try:
            options[name] = param.type.convert(value.strip(), param, ctx)
        except click.BadParameter as exc:
            raise fail(f"{key}: {exc.message}") from None
        if name in ("rho", "resolution"):  # one setting in two forms: this side's choice replaces the shared one
            options["resolution" if name == "rho" else "rho"] = None
    if {"rho", "resolution"} <= seen:
        raise fail("give either rho or resolution, not both")
    return spec, options


def evaluate_side(spec: str, options: dict[str, Any]) -> Report:
    config = make_config(**options)
    return evaluate(load(spec, config.depth_multiplier), config)


@main.command()
@click.argument("old")
@click.argument("new")
@config_options
@click.option("--fail-on", "fail_on", type=ThresholdType(), multiple=True, metavar="EXPR",
              help="Exit 1 when a total changes by more than this, e.g. 'macs>+5%', 'params>+100k', "
                   "'peak_memory>+0'. Repeatable.")
@click.option("--all", "everything", is_flag=True, help="Also list unchanged layers.")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table",
              show_default=True, help="Output format.")
@click.pass_context
def diff(ctx: click.Context, /, old: str, new: str, fail_on: tuple[Threshold, ...], everything: bool, fmt: str,
         **options: Any) -> None:
    """Compare OLD with NEW: totals and changed, added and removed layers (matched by name).

    OLD and NEW are each a bundled spec name or a spec file, optionally followed by
    @KEY=VALUE,... settings for that side only (e.g. v1@alpha=0.75,resolution=192); the options
    below apply to both sides. Exit codes: 0 within thresholds, 1 a threshold exceeded, 2 bad
    usage or bad input.
    """
    old_spec, old_options = side_options(ctx, "OLD", old, options)
    new_spec, new_options = side_options(ctx, "NEW", new, options)
    result = diff_reports(evaluate_side(old_spec, old_options), evaluate_side(new_spec, new_options), old, new)
    checks = check(result, fail_on)
    if fmt == "json":
        from ..render.diff_json import to_json

        click.echo(to_json(result, checks, everything), nl=False)
    elif fmt == "markdown":
        from ..render.diff_markdown import to_markdown

        click.echo(to_markdown(result, checks, everything), nl=False)
    else:
        from ..render.diff_table import to_diff_table
        from .console import print_renderable

        print_renderable(to_diff_table(result, checks, everything))
    exceeded = [c for c in checks if c.exceeded]
    if exceeded:
        raise Finding(*(f"Threshold exceeded: {c.threshold.text} ({check_detail(c)})" for c in exceeded))
