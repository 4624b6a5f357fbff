"""Figures (optional extra: matplotlib). Each function renders one figure and returns its bytes.

Only `mncost plot` imports this module. The Agg backend is set explicitly and figures are built
with the object API (no pyplot state), so rendering is the same with or without a display.
Output is deterministic: no dates in the metadata and a fixed SVG id salt.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator  # noqa: E402

from ..report import Report  # noqa: E402
from ..sweep import SweepRow  # noqa: E402

FORMATS = ("png", "svg", "pdf")
FIGSIZE = (11.0, 7.5)  # inches
DPI = 100  # PNG: 1100 × 750 pixels


def stages(names: Sequence[str], sides: Sequence[int]) -> list[tuple[int, int, str]]:
    """(first, last, label) of each stage: the first part of hierarchical names (`stage3.block2.dw`
    → `stage3`; consecutive top-level layers such as `conv1` each form their own); a spec without
    hierarchical names (V1) is split where the feature-map side changes instead."""
    if any("." in n for n in names):
        keys = [n.split(".", 1)[0] for n in names]
    else:
        keys = [f"{s}×{s}" for s in sides]
    groups: list[tuple[int, int, str]] = []
    for i, key in enumerate(keys):
        if groups and groups[-1][2] == key:
            groups[-1] = (groups[-1][0], i, key)
        else:
            groups.append((i, i, key))
    return groups


def _conventions(report: Report) -> str:
    c, k = report.config, report.conventions
    return (f"alpha={c.alpha:g}, resolution={c.resolution} (rho={c.rho:.4g}), classes={c.classes}; "
            f"conventions: rounding={k.rounding}, count={k.counting}, ops={k.ops}, bn-params={k.bn_params}, "
            f"ln-params={k.ln_params}, "
            f"dtype={k.dtype}, padding={k.padding}")


def _save(fig: Figure, fmt: str) -> bytes:
    if fmt not in FORMATS:
        raise ValueError(f"unknown figure format {fmt!r}")
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "mncost", "svg.fonttype": "none"}):
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=metadata)
    return buffer.getvalue()


def layers_figure(report: Report, fmt: str) -> bytes:
    """Per-layer bars of MACs, parameters and output memory, with stage boundaries marked."""
    layers = report.layers
    flops = str(report.conventions.counting) == "flops"
    unit = "FLOPs" if flops else "MACs"
    factor = 2 if flops else 1
    x = list(range(len(layers)))
    series = [
        ([layer.macs * factor / 1e6 for layer in layers], f"{unit} (millions)", "#1f77b4"),
        ([layer.params / 1e3 for layer in layers], "parameters (thousands)", "#ff7f0e"),
        ([layer.activation_bytes / 1e3 for layer in layers], "output memory (kB)", "#2ca02c"),
    ]
    fig = Figure(figsize=FIGSIZE)
    axes = fig.subplots(3, 1, sharex=True)
    groups = stages([layer.name for layer in layers], [layer.output_shape.h for layer in layers])
    for ax, (values, label, color) in zip(axes, series, strict=True):
        ax.bar(x, values, color=color, width=0.8)
        ax.set_ylabel(label, fontsize=8)
        ax.tick_params(labelsize=7)
        ax.grid(axis="y", linewidth=0.3)
        for first, _, _ in groups[1:]:
            ax.axvline(first - 0.5, color="0.4", linewidth=0.6, linestyle="--")
    top = axes[0]
    for first, last, label in groups:
        narrow = (last - first + 1) * 6 < len(label) * len(layers) / 40  # label wider than its stage
        top.text((first + last) / 2, 1.02, label, transform=top.get_xaxis_transform(), ha="center", va="bottom",
                 fontsize=6, rotation=90 if narrow else 0)
    bottom = axes[-1]
    bottom.set_xticks(x)
    bottom.set_xticklabels([layer.name for layer in layers], rotation=90, fontsize=5)
    bottom.set_xlabel("layer (execution order)", fontsize=8)
    bottom.set_xlim(-0.6, len(layers) - 0.4)
    spec = report.spec
    fig.suptitle(f"{spec.name}: per-layer cost — {spec.description}", fontsize=10)
    total = (f"total: {report.totals.macs * factor:,} {unit}, {report.totals.params:,} parameters, "
             f"peak live memory {report.memory.peak_bytes:,} bytes")
    caption = (f"{total}\n{_conventions(report)}\n{unit} = multiply-accumulates"
               + (" × 2" if flops else "") + "; output memory = each layer's output tensor at the dtype's bytes "
               "(1 kB = 1000 B); dashed lines: stage boundaries")
    fig.text(0.01, 0.005, caption, fontsize=6.5, va="bottom", ha="left")
    fig.subplots_adjust(left=0.07, right=0.99, top=0.86, bottom=0.25, hspace=0.12)
    return _save(fig, fmt)


def sweep_figure(rows: Sequence[SweepRow], report: Report, fmt: str, y: str = "params") -> bytes:
    """MACs against parameters (or peak memory) for a grid of α and resolutions, one series per
    α, each point labelled with its resolution (as the MobileNet papers' figures are)."""
    flops = str(report.conventions.counting) == "flops"
    unit = "FLOPs" if flops else "MACs"
    factor = 2 if flops else 1
    fig = Figure(figsize=(8.0, 6.0))
    ax = fig.subplots()
    alphas = list(dict.fromkeys(r.alpha for r in rows))
    markers = "osD^v<>ph*"
    for k, alpha in enumerate(alphas):
        series = [r for r in rows if r.alpha == alpha]
        xs = [r.macs * factor / 1e6 for r in series]
        ys = [(r.params / 1e6) if y == "params" else (r.peak_bytes / 1e6) for r in series]
        ax.plot(xs, ys, marker=markers[k % len(markers)], linewidth=0.8, label=f"α = {alpha:g}")
        for r, xv, yv in zip(series, xs, ys, strict=True):
            ax.annotate(str(r.resolution), (xv, yv), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_xscale("log")
    ax.xaxis.set_minor_locator(LogLocator(subs=(2.0, 3.0, 5.0)))
    plain = FuncFormatter(lambda value, _: f"{value:g}")
    ax.xaxis.set_major_formatter(plain)
    ax.xaxis.set_minor_formatter(plain)
    ax.tick_params(axis="x", which="minor", labelsize=7)
    ax.set_xlabel(f"{unit} (millions, log scale)")
    ax.set_ylabel("parameters (millions)" if y == "params" else "peak live activation memory (MB, 1 MB = 10⁶ B)")
    ax.grid(linewidth=0.3, which="both")
    ax.legend(title="width multiplier", fontsize=8)
    spec = report.spec
    what = "parameters" if y == "params" else "peak memory"
    fig.suptitle(f"{spec.name}: {unit} vs {what} over width multiplier α and resolution", fontsize=10)
    conv = report.conventions
    caption = (f"{spec.description}. Point labels: input resolution in pixels (ρ = resolution / "
               f"{round(report.config.resolution / report.config.rho)}).\nconventions: rounding={conv.rounding}, "
               f"count={conv.counting}, ops={conv.ops}, bn-params={conv.bn_params}, ln-params={conv.ln_params}, "
               f"dtype={conv.dtype}, "
               f"padding={conv.padding}, "
               f"classes={report.config.classes}")
    fig.text(0.01, 0.005, caption, fontsize=6.5, va="bottom", ha="left")
    fig.subplots_adjust(left=0.1, right=0.98, top=0.92, bottom=0.16)
    return _save(fig, fmt)
