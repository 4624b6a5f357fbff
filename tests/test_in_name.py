"""`in` names the channels of the input of the row it is written in (issue 13, item 4).

At the top level that is the row's own input (not the image's channels); inside a block
template it is the block instance's input; in a block row's arguments and a stage-table cell at
the top level, the input of that block instance. Every domain (evaluate, formula, sweep) agrees.
"""

from __future__ import annotations

from fractions import Fraction

from mncost import Config, build_graph, check_paper_sizes, evaluate
from mncost.formula import formula
from mncost.report import Report
from mncost.spec import parse_spec
from mncost.sweep import sweep_rows

HEADER = """\
name: t
description: test
source: test
input: {resolution: 8, channels: 3}
defaults: {padding: half}
"""


def run(text: str) -> Report:
    graph = build_graph(parse_spec(HEADER + text, "t.yaml"))
    check_paper_sizes(graph)
    report = evaluate(graph, Config())
    f = formula(graph, Config())
    assert f.value("arithmetic", Fraction(1), 8) == report.arithmetic
    assert f.value("params", Fraction(1), 8) == report.totals.params
    fast = sweep_rows(graph, [1.0], [8], Config())
    assert fast.evaluated_alone == 0 and fast.rows[0].macs == report.totals.macs
    return report


def test_in_at_the_top_level_is_the_rows_input() -> None:
    # The case from the issue: `show` used to report 6 output channels (2 × the image's 3).
    report = run("""\
layers:
  - {name: a, op: conv, kernel: 3, out: 16}
  - {name: b, op: conv, kernel: 1, out: "2 * in", input: 8x8x16}
""")
    assert report.layers[1].output_shape.c == 32
    assert report.layers[1].params == 16 * 32


def test_in_in_a_top_level_condition_and_a_later_row() -> None:
    report = run("""\
layers:
  - {name: a, op: conv, kernel: 3, out: 16}
  - {name: b, op: pwconv, out: 24, when: "in == 16"}
  - {name: c, op: pwconv, out: "in + 8"}
""")
    assert [r.output_shape.c for r in report.layers] == [16, 24, 32]


def test_in_in_block_arguments_and_stage_cells_is_that_instances_input() -> None:
    report = run("""\
blocks:
  grow:
    params: {c: channels}
    ops:
      - {name: pw, op: pwconv, out: c}
layers:
  - {name: a, op: conv, kernel: 3, out: 16}
  - {name: b, block: grow, c: "in * 2"}
  - table: grow
    name: stage
    columns: [c]
    rows:
      - ["in + 8"]
      - ["in + 8"]
""")
    assert [r.output_shape.c for r in report.layers] == [16, 32, 40, 48]


def test_in_inside_a_block_is_the_blocks_input() -> None:
    report = run("""\
blocks:
  ir:
    params: {t: int}
    ops:
      - {name: expand, op: pwconv, out: "in * t"}
      - {name: project, op: pwconv, out: in}
layers:
  - {name: a, op: conv, kernel: 3, out: 16}
  - {name: b, block: ir, t: 6}
""")
    assert [r.output_shape.c for r in report.layers] == [16, 96, 16]
