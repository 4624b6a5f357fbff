"""`mncost check SPEC...`: validate spec files (for pre-commit and CI), optionally comparing each
with its version at a git revision under `--fail-on` thresholds.

Every spec is checked, even after a bad one. Exit codes: 0 every spec valid (and within the
thresholds), 1 a threshold exceeded, 2 a spec invalid (each error on its own `Error:` line).
"""

from __future__ import annotations

import os

import click

from ..annotations import Annotations, github
from ..errors import MncostError, SpecError
from ..evaluate import evaluate
from ..render.deltas import check_detail
from ..render.units import human
from ..report import Config
from ..thresholds import Check, Threshold, check
from ._group import main
from .complete import complete_spec
from .diff import ThresholdType, compare, evaluate_side, spec_annotation, threshold_annotation
from .loading import load_graph


def revision_side(rev: str, spec: str) -> str:
    """`REV:PATH` naming SPEC at REV relative to the current folder (git's `./` form), so that a
    path works from any folder of the work tree."""
    path = os.path.relpath(spec).replace(os.sep, "/")
    return f"{rev}:{path if path.startswith('../') else './' + path}"


@main.command(name="check", short_help="Validate specs; with --against, compare each with a git revision.")
@click.argument("specs", nargs=-1, required=True, metavar="SPEC...", shell_complete=complete_spec)
@click.option("--against", metavar="REV", default=None,
              help="Also compare each spec with its version at git revision REV (e.g. HEAD); "
                   "a spec new since REV passes.")
@click.option("--fail-on", "fail_on", type=ThresholdType(), multiple=True, metavar="EXPR",
              help="With --against: exit 1 when a total changes by more than this (as in mncost diff). Repeatable.")
@click.option("--annotations", type=click.Choice([a.value for a in Annotations]), default=None,
              help="Also print CI annotations on stderr (github: '::error file=...,line=...::').")
@click.option("--quiet", "-q", is_flag=True, help="Print only problems.")
@click.pass_context
def check_specs(ctx: click.Context, /, specs: tuple[str, ...], against: str | None, fail_on: tuple[Threshold, ...],
                annotations: str | None, quiet: bool) -> None:
    """Validate each SPEC (a bundled name or a YAML file): load it and evaluate it at its own
    resolution. Exit codes: 0 all valid, 1 a --fail-on threshold exceeded, 2 a spec invalid."""
    if fail_on and against is None:
        raise click.UsageError("--fail-on needs --against REV (the revision to compare with)")
    invalid = exceeded = 0
    for spec in specs:
        try:
            report = evaluate(load_graph(spec, Config()), Config())
            findings: tuple[Check, ...] = ()
            result = None
            if against is not None:
                side = revision_side(against, spec)
                result = compare(side, spec, evaluate_side(side, Config()), report, side, spec)
                if result.old_exists:
                    findings = tuple(c for c in check(result, fail_on) if c.exceeded)
        except MncostError as exc:
            invalid += 1
            if annotations and isinstance(exc, SpecError):
                click.echo(spec_annotation(exc), err=True)
            elif annotations:
                click.echo(github(str(exc), title="mncost"), err=True)
            click.echo(f"Error: {exc}", err=True)
            continue
        for finding in findings:
            click.echo(f"{spec}: threshold exceeded: {finding.threshold.text} ({check_detail(finding)})", err=True)
            if annotations and result is not None:
                click.echo(threshold_annotation(result, finding), err=True)
        exceeded += bool(findings)
        if not quiet and not findings:
            totals = report.totals
            click.echo(f"{spec}: ok ({len(report.layers)} layers, {human(totals.macs)} MACs, "
                       f"{human(totals.params)} params)")
    if invalid:
        ctx.exit(2)
    if exceeded:
        ctx.exit(1)
