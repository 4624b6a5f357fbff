"""`mncost bench SPEC|MODEL.onnx`: real latency on this machine with onnxruntime, appended to a
measurements CSV in `mncost calibrate`'s format.

onnxruntime (and onnx, to export a spec) are the optional `bench` extra, imported only here.
"""

from __future__ import annotations

from typing import Any

import click

from ..bundled import is_onnx
from ..errors import MncostError
from ._group import main
from .export import export_bytes, model_config, model_options


@main.command(name="bench", short_help="Time a spec or an ONNX model with onnxruntime.")
@click.argument("spec")
@click.option("--threads", "-t", type=click.IntRange(1, 1024), default=1, show_default=True,
              help="onnxruntime intra-op threads.")
@click.option("--warmup", type=click.IntRange(0, 100_000), default=10, show_default=True,
              help="Untimed runs first.")
@click.option("--runs", "-n", type=click.IntRange(1, 100_000), default=50, show_default=True, help="Timed runs.")
@click.option("--csv", "csv_path", type=click.Path(dir_okay=False), default=None,
              help="Append the median as a row of mncost calibrate's measurements file (created with "
                   "its header if absent).")
@model_options
def bench(spec: str, threads: int, warmup: int, runs: int, csv_path: str | None, **options: Any) -> None:
    """Time SPEC (exported at --alpha and --resolution, random weights) or an ONNX model file with
    onnxruntime on this machine's CPU: median and spread of the timed runs."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise MncostError("mncost bench needs onnxruntime: pip install 'mncost[bench]'") from None
    from .. import load
    from ..bench import measurement_rows, time_model
    from ..evaluate import evaluate
    from .loading import load_graph

    config = model_config(**options)
    if csv_path is not None:
        from ..output import check_target

        check_target(csv_path)
    if is_onnx(spec):
        if any(options[k] is not None for k in ("rho", "resolution", "rounding", "classes")) or \
                options["alpha"] != 1.0 or options["depth_multiplier"] != 1.0:
            raise click.UsageError("an ONNX model is timed as it is: --alpha, --rho, --resolution, --rounding, "
                                   "--classes and --depth-multiplier apply to specs")
        report = evaluate(load(spec), config)  # the import has checked the file
        model: bytes | str = spec
    else:
        report = evaluate(load_graph(spec, config), config)
        model = export_bytes(spec, config, "random", 0)
    timing = time_model(model, threads, warmup, runs)
    low, high = timing.quartiles
    r = report.config
    click.echo(f"{spec} at alpha={r.alpha:g}, resolution={r.resolution}: {report.totals.macs:,} MACs, "
               f"{report.totals.params:,} parameters")
    click.echo(f"{timing.runtime}, CPU, {threads} thread{'s' if threads > 1 else ''}: "
               f"{warmup} warm-up + {runs} timed runs")
    click.echo(f"latency: median {timing.median:.3f} ms, middle half {low:.3f}-{high:.3f} ms, "
               f"min {min(timing.runs_ms):.3f} ms, max {max(timing.runs_ms):.3f} ms")
    if csv_path is not None:
        from ..output import write_atomic

        row = {"spec": spec, "alpha": f"{r.alpha:g}", "resolution": r.resolution, "classes": r.classes,
               "dtype": "fp32", "latency_ms": f"{timing.median:.4f}"}
        write_atomic(csv_path, measurement_rows(csv_path, row))
        click.echo(f"appended to {csv_path}", err=True)
