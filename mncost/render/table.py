"""The terminal view of a report: title, config, one row per layer with totals, a summary line.

The table is laid out here as plain aligned text and only styled with rich (bold title, header,
totals and summary): rich's own table layout measures and wraps every cell, which took longer
than all of mncost's arithmetic and imports together. Columns are as wide as their content, so
piped output is never cut to the terminal's width.
"""

from __future__ import annotations

from rich.text import Text

from ..conventions import Counting
from ..report import Report
from .units import human, human_bytes


def describe_config(report: Report) -> str:
    """One line naming the config and every convention the figures depend on."""
    c, k = report.config, report.conventions
    return (f"config: alpha={c.alpha:g} resolution={c.resolution} (rho={c.rho:.4g}) classes={c.classes}"
            + (f" depth={c.depth_multiplier:g}" if c.depth_multiplier != 1 else "")
            + f"\nconventions: rounding={k.rounding} count={k.counting} ops={k.ops} bn-params={k.bn_params}"
            f" dtype={k.dtype} padding={k.padding}")


def table_lines(report: Report) -> tuple[str, list[str], str]:
    """Header line, one line per layer, and the totals line, columns aligned."""
    flops = report.conventions.counting is Counting.FLOPS
    factor = 2 if flops else 1
    layers = report.layers
    columns = [  # header, right-aligned?, cells, footer
        ("#", True, [str(i) for i in range(1, len(layers) + 1)], ""),
        ("Layer", False, [layer.name for layer in layers], "Total"),
        ("Type", False, [layer.type for layer in layers], ""),
        ("Input", True, [str(layer.input_shape) for layer in layers], ""),
        ("Output", True, [str(layer.output_shape) for layer in layers], ""),
        ("Params", True, [f"{layer.params:,}" for layer in layers], f"{report.totals.params:,}"),
        ("FLOPs" if flops else "MACs", True, [f"{layer.macs * factor:,}" for layer in layers],
         f"{report.totals.macs * factor:,}"),
        ("Output mem", True, [human_bytes(layer.activation_bytes) for layer in layers],
         human_bytes(report.totals.activation_bytes)),
        ("Live mem", True, [human_bytes(layer.live_bytes) for layer in layers], human_bytes(report.memory.peak_bytes)),
    ]
    widths = [max(len(header), len(footer), *map(len, cells)) for header, _, cells, footer in columns]

    def line(values: list[str]) -> str:
        return " " + "  ".join(v.rjust(w) if right else v.ljust(w)
                               for v, w, (_, right, _, _) in zip(values, widths, columns, strict=True)).rstrip()

    rows = [line([cells[i] for _, _, cells, _ in columns]) for i in range(len(layers))]
    return line([c[0] for c in columns]), rows, line([c[3] for c in columns])


def to_table(report: Report) -> Text:
    """Title, config lines, per-layer table with totals, and a one-line summary (styled text)."""
    flops = report.conventions.counting is Counting.FLOPS
    unit = "FLOPs" if flops else "MACs"
    arithmetic = report.totals.macs * (2 if flops else 1)
    spec, memory = report.spec, report.memory
    header, rows, totals = table_lines(report)
    rule = " " + "─" * (len(header) - 1)
    summary = (f"{human(arithmetic)} {unit}, {human(report.totals.params)} params, "
               f"peak live memory {human_bytes(memory.peak_bytes)} at {memory.peak_layer} "
               f"(sum of all layer outputs {human_bytes(report.totals.activation_bytes)})")
    text = Text(no_wrap=True, overflow="ignore")
    text.append(f"{spec.name}: {spec.description}\n", style="bold")
    text.append(f"{describe_config(report)}\n\n")
    text.append(f"{header}\n", style="bold")
    text.append("\n".join([rule, *rows, rule]) + "\n")
    text.append(f"{totals}\n\n", style="bold")
    text.append(summary, style="bold")
    return text
