"""`mncost devices`, `mncost calibrate` and `mncost latency`: device profiles and latency estimates."""

from __future__ import annotations

import math
from typing import Any

import click

from ._group import main
from .options import config_options, make_config
from .progress import shows_progress


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:+.1%}"


@main.command()
def devices() -> None:
    """The bundled device profiles with their precision, calibration and source."""
    import textwrap

    from ..profiles import bundled_devices, locate_device, parse_profile
    from ..spec import read_file
    from ..yamlload import LocMap, load_yaml, read_text

    for name in bundled_devices():
        path, shown = locate_device(name)
        text = read_text(shown, read_file(path, shown))
        profile = parse_profile(text, shown)
        doc = load_yaml(text, shown)
        info = doc.get("calibration") if isinstance(doc, LocMap) else None
        fitted = ""
        if isinstance(info, dict):
            fitted = f"  {info.get('networks', '?')} networks, leave-one-out mean |error| " \
                     f"{float(info.get('loo_mean_abs_error', math.nan)):.1%}"
        click.echo(f"{profile.name}  {profile.precision}{fitted}")
        where = ", ".join(x for x in (profile.device, profile.threads) if x)
        click.echo(textwrap.fill(f"{where}: {profile.source}", width=78, initial_indent="  ",
                                 subsequent_indent="    ", break_on_hyphens=False))


@main.command()
@click.argument("measurements", type=click.Path(dir_okay=False))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="The profile YAML to write (atomically: all or nothing).")
@click.option("--name", default=None, help="Profile name. Default: the output file's name.")
@click.option("--device", default="", help="The device measured (e.g. 'Pixel 6').")
@click.option("--runtime", default="", help="The runtime measured (e.g. 'TensorFlow Lite 2.16, XNNPACK').")
@click.option("--threads", default="", help="Threads or cores used (e.g. '1 big core').")
@click.option("--source", default="", help="Where the measurements come from.")
@click.option("--loss", type=click.Choice(["absolute", "squared"]), default="absolute", show_default=True,
              help="What the fit minimises over relative errors: their mean absolute value (least absolute "
                   "deviations) or their squares (least squares). docs/latency.md compares the two.")
@shows_progress("mncost calibrate {measurements}")
def calibrate(measurements: str, output: str, name: str | None, device: str, runtime: str, threads: str,
              source: str, loss: str) -> None:
    """Fit a device profile to MEASUREMENTS (CSV: spec,alpha,resolution,classes,dtype,latency_ms) and write
    it to -o FILE; print each network's fitted and leave-one-out latency."""
    import os

    from ..calibrate import calibrate as fit
    from ..calibrate import (
        leave_one_family_out,
        macs_only_fit,
        model_fit,
        parse_measurements,
        prior_profile,
        summarize,
    )
    from ..latency import FIT_TERMS, FitLoss
    from ..output import check_target, write_atomic
    from ..profiles import dump_profile
    from ..render.sheet import spoken
    from ..spec import read_file
    from ..yamlload import read_text

    check_target(output)
    rows = parse_measurements(read_text(measurements, read_file(measurements, measurements)), measurements)
    name = name or os.path.splitext(os.path.basename(output))[0]
    fit_loss = FitLoss(loss)
    result = fit(rows, name=name, device=device, runtime=runtime, threads=threads,
                 source=source or os.path.basename(measurements), loss=fit_loss)
    width = max(len(n.measurement.label) for n in result.networks)
    click.echo(f"{'network':<{width}}  {'measured':>9}  {'fitted':>9}  {'error':>7}  {'left out':>9}  {'error':>7}")
    for net, fitted, left_out in zip(result.networks, result.fitted, result.leave_one_out, strict=True):
        measured = net.measurement.latency_ms
        left = "-" if math.isnan(left_out) else f"{left_out:.2f}"
        click.echo(f"{net.measurement.label:<{width}}  {measured:>9.2f}  {fitted:>9.2f}  "
                   f"{_pct(fitted / measured - 1):>7}  {left:>9}  {_pct(left_out / measured - 1):>7}")
    loo = result.loo
    click.echo(f"leave-one-out: mean |error| {loo.mean_abs:.1%}, {loo.within_10:.0%} within ±10 % "
               f"({loo.count} networks)" if loo.count else "leave-one-out: needs at least two networks")
    if len({n.family for n in result.networks}) > 1:
        model = summarize(result.networks, leave_one_family_out(result.networks,
                                                                lambda train: model_fit(train, fit_loss)))
        base = summarize(result.networks, leave_one_family_out(result.networks,
                                                               lambda train: macs_only_fit(train, fit_loss)))
        click.echo(f"leave-one-family-out: mean |error| {model.mean_abs:.1%}, {model.within_10:.0%} within ±10 %")
        click.echo(f"  MACs-only baseline: mean |error| {base.mean_abs:.1%}, {base.within_10:.0%} within ±10 %")
    p = result.profile
    click.echo(f"profile {p.name} ({p.precision}): dense {p.ms_per_gmac.get(_dense(), 0):.4g} ms/GMAC, "
               f"depthwise {p.ms_per_gmac.get(_depthwise(), 0):.4g} ms/GMAC,")
    click.echo(f"  {p.ms_per_op:.4g} ms per kernel launched, {p.ms_per_mb:.4g} ms per MB moved")
    info: dict[str, Any] = {"measurements": os.path.basename(measurements), "networks": len(result.networks),
                            "loss": loss}
    if len(result.networks) < len(FIT_TERMS):  # a fit never has more constants than networks
        prior = prior_profile(result.networks)
        free = len(result.networks) - 1
        freed = f"{spoken(FIT_TERMS[:free])} fitted; " if free else ""
        click.echo(f"  {len(result.networks)} network{'s' if free else ''}: {freed}{spoken(FIT_TERMS[free:])} "
                   "scaled from")
        click.echo(f"  the prior profile {prior} (docs/latency.md)")
        info["prior"] = prior
    if loo.count:
        info["loo_mean_abs_error"] = round(loo.mean_abs, 4)
    write_atomic(output, dump_profile(p, info))
    click.echo(f"wrote {output}")


def _dense() -> Any:
    from ..latency import OpClass

    return OpClass.DENSE


def _depthwise() -> Any:
    from ..latency import OpClass

    return OpClass.DEPTHWISE


@main.command()
@click.argument("spec")
@config_options
@click.option("--summary", is_flag=True, help="Total only.")
def latency(spec: str, summary: bool, **options: Any) -> None:
    """Estimated per-layer and total latency of SPEC on a --device profile (milliseconds), with each
    layer's kernel class. Bytes moved are counted at the profile's precision (--dtype does not change
    them). `mncost show --device` gives the same figures as a column beside every other one."""
    from ..latency import latency as estimate
    from ..latency import layer_features
    from ..profiles import load_profile
    from ..record import replace
    from ..report import Config
    from .loading import load_graph

    device = options.pop("device")
    if device is None:
        raise click.UsageError("give --device: a bundled profile (see 'mncost devices') or a YAML file")
    profile = load_profile(device)
    config: Config = make_config(**options)
    config = replace(config, dtype=profile.precision, fusion=config.fusion or profile.fusion)
    features = layer_features(load_graph(spec, config), config)
    result = estimate(features, profile)
    if not summary:
        width = max([len(f.name) for f in features] + [5])
        click.echo(f"{'layer':<{width}}  {'class':<11}  {'MACs':>12}  {'ms':>8}")
        for f, layer in zip(features, result.layers, strict=True):
            mark = " (measured)" if layer.measured else ""
            click.echo(f"{f.name:<{width}}  {f.op_class.value:<11}  {f.macs:>12,}  {layer.ms:>8.3f}{mark}")
    about = ", ".join(x for x in (profile.device, profile.threads, str(profile.precision)) if x)
    click.echo(f"total {result.total_ms:.2f} ms on {profile.name} (a model estimate: docs/latency.md)")
    click.echo(f"  {about}")
