"""`mncost diff OLD NEW`: totals and per-layer changes between two specs or configs, with
`--fail-on` thresholds that set the exit code (0 within, 1 exceeded, 2 bad usage or input).

Each side is `SPEC[@KEY=VALUE,...]`: a bundled name, a spec file or `REV:PATH` (PATH at git
revision REV, e.g. `main:specs/net.yaml`), optionally followed by settings that override the
shared options for that side only, e.g. `v1@alpha=0.75,resolution=192`. A `REV:PATH` whose file
does not exist at REV is an absent side: every layer is added (or removed), thresholds are not
checked.
"""

from __future__ import annotations

import inspect
import os
from pathlib import Path
from typing import Any

import click

from ..annotations import Annotations, github
from ..bundled import bundled_names
from ..diff import Diff, Metric, absent
from ..diff import diff as diff_reports
from ..errors import Finding, SpecError
from ..evaluate import check_paper_sizes, evaluate
from ..gitrev import read_revision, split_revision
from ..render.deltas import check_detail
from ..report import Config, Report
from ..thresholds import Check, Threshold, ThresholdError, check, parse_threshold
from ._group import main
from .complete import complete_spec
from .console import width_options
from .emit import emit
from .loading import load_graph
from .options import config_options, make_config, variable_option, variables_of
from .progress import finish, shows_progress

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
    return spec in bundled_names() or Path(spec).is_file() or split_revision(spec) is not None


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
                   f"({', '.join(bundled_names())}) nor a file nor REV:PATH")
    settable = _settable(ctx)
    spelled = ", ".join(key for key, param in settable.items() if param.name not in SHARED_ONLY)
    seen: set[str] = set()
    if not settings:
        raise fail(f"nothing after '@' (expected KEY=VALUE[,KEY=VALUE...] with KEY one of: {spelled})")
    variables: dict[str, str] = {}
    last_variable: str | None = None
    for item in settings.split(","):
        key, eq, value = item.partition("=")
        if not eq and last_variable is not None and item.strip():  # the next value of a list: ks=3,5,7
            variables[last_variable] += f",{item.strip()}"
            continue
        last_variable = None
        if eq and key.strip() in _variable_names(spec):
            variables[key.strip()] = value.strip()
            last_variable = key.strip()
            continue
        key = key.strip().replace("_", "-")
        if not eq or not key:
            raise fail(f"'{item}' is not KEY=VALUE (KEY one of: {spelled})")
        param = settable.get(key)
        if param is None:
            names = _variable_names(spec)
            also = f", or a variable of the spec ({', '.join(names)})" if names else ""
            raise fail(f"unknown setting '{key}' (expected one of: {spelled}{also})")
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
    options["settings"] = tuple(options.get("settings", ())) + tuple(f"{k}={v}" for k, v in variables.items())
    return spec, options


def _variable_names(spec: str) -> tuple[str, ...]:
    """The variables a side's spec declares (a bundled name or a file; none for REV:PATH)."""
    from ..bundled import locate
    from ..variables import declared_names

    try:
        path, shown = locate(spec)
    except SpecError:
        return ()
    return declared_names(path, shown) if Path(path).is_file() else ()


def evaluate_side(spec: str, config: Config, variables: dict[str, str] | None = None) -> Report | None:
    """The report of one side; None for a `REV:PATH` whose file does not exist at REV."""
    revision = None if spec in bundled_names() else split_revision(spec)
    if revision is None:
        return evaluate(load_graph(spec, config, variables), config)
    text = read_revision(*revision)
    if text is None:
        return None
    from ..gcpause import collector_paused
    from ..graph import build_graph
    from ..spec import parse_spec

    with collector_paused():
        graph = build_graph(parse_spec(text, spec, variables), config.depth_multiplier, config.depth_rounding)
        check_paper_sizes(graph)
    from .loading import warn
    from .options import note_products

    warn(graph)
    note_products(graph, config)
    return evaluate(graph, config)


def compare(old: str, new: str, old_report: Report | None, new_report: Report | None,
            old_label: str, new_label: str) -> Diff:
    """The diff of two sides, one of which may be absent (not both)."""
    if old_report is not None and new_report is not None:
        return diff_reports(old_report, new_report, old_label, new_label)
    if new_report is not None:
        return diff_reports(absent(new_report, old), new_report, old_label, new_label, old_exists=False)
    if old_report is not None:
        return diff_reports(old_report, absent(old_report, new), old_label, new_label, new_exists=False)
    raise click.UsageError(f"neither {old} nor {new} exists: nothing to compare")


_LAYER_FIELD = {Metric.PARAMS: "params", Metric.MACS: "macs", Metric.FLOPS: "macs",
                Metric.ACTIVATION_MEMORY: "activation_bytes", Metric.PEAK_MEMORY: "live_bytes"}
"""The per-layer field whose largest increase an annotation for a metric points at."""


def _annotation_file(file: str) -> str:
    """The file an annotation names: PATH of a REV:PATH side; a file on disk relative to the
    workspace ($GITHUB_WORKSPACE, the repository root in a GitHub job) when it lies inside."""
    revision = split_revision(file)
    path = revision[1] if revision else file
    workspace = os.environ.get("GITHUB_WORKSPACE")
    if workspace and os.path.exists(path):
        relative = os.path.relpath(os.path.abspath(path), workspace)
        if not relative.startswith(".."):
            return relative.replace(os.sep, "/")
    return os.path.normpath(path).replace(os.sep, "/") if path.startswith("./") else path


def threshold_annotation(result: Diff, finding: Check) -> str:
    """`::error file=F,line=N::...` for an exceeded threshold, at the new spec's layer whose
    metric grew most (the spec's first line when no layer grew)."""
    field = _LAYER_FIELD[finding.threshold.metric]
    grown = [x for x in result.layers if x.new is not None and x.change(field).delta > 0]
    message = f"mncost: {finding.threshold.text} exceeded ({check_detail(finding)})"
    if not grown:
        return github(message, _annotation_file(result.new.spec.file), 1, "architecture cost")
    top = max(grown, key=lambda x: x.change(field).delta)
    location = top.new.location if top.new is not None else None
    if location is None:
        return github(message, _annotation_file(result.new.spec.file), 1, "architecture cost")
    message += f"; largest increase: {top.name} {top.change(field).delta:+,}"
    return github(message, _annotation_file(location.file), location.line, "architecture cost")


def spec_annotation(exc: SpecError) -> str:
    """`::error file=F,line=N::...` for a spec error (a message without a place gets no file)."""
    if exc.location is None:
        return github(exc.message, title="mncost")
    return github(exc.message, _annotation_file(exc.location.file), exc.location.line, "mncost")


@main.command()
@click.argument("old", shell_complete=complete_spec)
@click.argument("new", shell_complete=complete_spec)
@config_options
@variable_option
@click.option("--fail-on", "fail_on", type=ThresholdType(), multiple=True, metavar="EXPR",
              help="Exit 1 when a total changes by more than this, e.g. 'macs>+5%', 'params>+100k', "
                   "'peak_memory>+0'. Repeatable.")
@click.option("--all", "everything", is_flag=True, help="Also list unchanged layers.")
@click.option("--old-label", metavar="TEXT", default=None,
              help="Name of the old side in the output. Default: OLD as given.")
@click.option("--new-label", metavar="TEXT", default=None,
              help="Name of the new side in the output. Default: NEW as given.")
@click.option("--annotations", type=click.Choice([a.value for a in Annotations]), default=None,
              help="Also print CI annotations on stderr: github = '::error file=...,line=...::' lines for "
                   "exceeded thresholds and spec errors.")
@click.option("--format", "-f", "fmt", type=click.Choice(["table", "markdown", "json"]), default="table",
              show_default=True, help="Output format.")
@click.pass_context
@width_options
@shows_progress("mncost diff {old} {new}")
def diff(ctx: click.Context, /, old: str, new: str, fail_on: tuple[Threshold, ...], everything: bool, fmt: str,
         old_label: str | None, new_label: str | None, annotations: str | None, **options: Any) -> None:
    """Compare OLD with NEW: totals and changed, added and removed layers (matched by name).

    OLD and NEW are each a bundled spec name, a spec file or REV:PATH (the file at a git
    revision, e.g. main:specs/net.yaml; a file missing at REV counts as absent: all its layers
    added or removed), optionally followed by @KEY=VALUE,... settings for that side only (e.g.
    v1@alpha=0.75,resolution=192); the options below apply to both sides. Exit codes: 0 within
    thresholds, 1 a threshold exceeded, 2 bad usage or bad input.
    """
    old_spec, old_options = side_options(ctx, "OLD", old, options)
    new_spec, new_options = side_options(ctx, "NEW", new, options)
    try:
        old_vars, new_vars = variables_of(old_options.pop("settings")), variables_of(new_options.pop("settings"))
        old_report = evaluate_side(old_spec, make_config(**old_options), old_vars)
        new_report = evaluate_side(new_spec, make_config(**new_options), new_vars)
    except SpecError as exc:
        if annotations:
            finish()
            click.echo(spec_annotation(exc), err=True)
        raise
    result = compare(old_spec, new_spec, old_report, new_report, old_label or old, new_label or new)
    checks = check(result, fail_on) if result.old_exists and result.new_exists else ()
    if fmt == "json":
        from ..render.diff_json import to_json

        emit(to_json(result, checks, everything), None)
    elif fmt == "markdown":
        from ..render.diff_markdown import to_markdown

        emit(to_markdown(result, checks, everything), None)
    else:
        from ..render.diff_table import to_diff_table
        from .console import layout_width, print_renderable

        print_renderable(to_diff_table(result, checks, everything, layout_width()))
    exceeded = [c for c in checks if c.exceeded]
    lines = []
    for c in exceeded:
        lines.append(f"Threshold exceeded: {c.threshold.text} ({check_detail(c)})")
        if annotations:
            lines.append(threshold_annotation(result, c))
    if exceeded:
        raise Finding(*lines)
