"""Several outputs, and the warning for an op whose output nobody reads (docs/outputs-and-depth.md).

A spec names its outputs with `outputs: [a, b, ...]` (or `output: a`); without either, the last
layer is the output. Every output is kept alive to the end of the run under every memory model,
the report lists them (`outputs` in the JSON, an `outputs:` line in the table when there are
several), and a layer that is neither an output nor read by any layer draws a one-line warning on
stderr (exit code unchanged; the layer is still counted).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from mncost import Config, evaluate, load
from mncost.bundled import bundled_names
from mncost.cli import main
from mncost.conventions import MemoryModel
from mncost.graph import unread_warnings
from mncost.ops import OPS

ROOT = Path(__file__).resolve().parent.parent
SPECS = [*bundled_names(), *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "tests" / "specs").glob("*.yaml"))]
HEAD = ("name: t\ndescription: test net\nsource: none\ninput: {resolution: 32, channels: 3}\n")
BRANCHES = ("  - {name: stem, op: conv, kernel: 3, stride: 2, out: 8}\n"
            "  - {name: big, op: conv, kernel: 3, out: 64, inputs: [stem]}\n"     # 16x16x64: 64 kB
            "  - {name: small, op: conv, kernel: 3, stride: 2, out: 8, inputs: [stem]}\n"
            "  - {name: tail, op: conv, kernel: 1, out: 8}\n")


def path_of(spec: str) -> str:
    return str(ROOT / spec) if spec.endswith(".yaml") else spec


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "net.yaml"
    path.write_text(HEAD + text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("spec", SPECS)
def test_no_bundled_spec_has_an_unread_op(spec: str) -> None:
    assert unread_warnings(load(path_of(spec))) == ()


@pytest.mark.parametrize("model", list(MemoryModel))
@pytest.mark.parametrize("spec", SPECS)
def test_every_output_is_alive_at_the_last_layer(spec: str, model: MemoryModel) -> None:
    # Law: the last layer's live bytes hold every output tensor (each once; an in-place output, such
    # as an activation row, shares its input's buffer and so is the same tensor as a row before it).
    report = evaluate(load(path_of(spec)), Config(memory_model=model))
    rows = {row.name: row for row in report.layers}
    assert report.outputs and all(name in rows for name in report.outputs)
    materialized = {name for name in report.outputs if not OPS[rows[name].op].inplace}
    assert report.layers[-1].live_bytes >= sum(rows[name].activation_bytes for name in materialized)


def test_outputs_are_kept_alive_and_listed(tmp_path: Path, runner: CliRunner) -> None:
    single = evaluate(load(write(tmp_path, "layers:\n" + BRANCHES)), Config())
    spec = write(tmp_path, "outputs: [big, tail]\nlayers:\n" + BRANCHES)
    several = evaluate(load(spec), Config())
    assert several.outputs == ("big", "tail") and single.outputs == ("tail",)
    assert (several.totals.params, several.totals.macs) == (single.totals.params, single.totals.macs)
    big = next(row for row in several.layers if row.name == "big").activation_bytes
    # `big` is no longer freed after it is written: it is alive while `small` and `tail` run
    for old, new in zip(single.layers[2:], several.layers[2:], strict=True):
        assert new.live_bytes == old.live_bytes + big
    result = runner.invoke(main, ["show", spec, "-f", "json"], catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == ""
    assert '"outputs": [\n    "big",\n    "tail"\n  ]' in result.stdout
    table = runner.invoke(main, ["show", spec], catch_exceptions=False).stdout
    assert "\noutputs: big, tail\n" in table


def test_an_output_through_a_skipped_layer_is_the_layer_it_passes(tmp_path: Path) -> None:
    spec = write(tmp_path, "outputs: [gate, tail]\nlayers:\n" + BRANCHES
                 + "  - {name: gate, op: relu, inputs: [big], when: false}\n")
    assert evaluate(load(spec), Config()).outputs == ("big", "tail")


def test_output_names_one_layer(tmp_path: Path) -> None:
    spec = write(tmp_path, "output: big\nlayers:\n" + BRANCHES)
    assert evaluate(load(spec), Config()).outputs == ("big",)
    assert [w.split(":")[1:3] for w in unread_warnings(load(spec))] == [["10", " layer 'tail' (conv)"]]


UNREAD = "layers:\n" + BRANCHES + "  - {name: head, op: fc, out: 10, inputs: [tail]}\n"


@pytest.mark.parametrize("command", [["show"], ["show", "-f", "json"], ["memory"], ["sweep", "--alpha", "1,0.5"],
                                     ["diff", "SELF"], ["formula"], ["fit", "--max-macs", "10M"], ["check"]])
def test_an_unread_op_warns_on_stderr_and_exits_0(tmp_path: Path, runner: CliRunner, command: list[str]) -> None:
    spec = write(tmp_path, UNREAD)
    args = [command[0], spec, *(spec if a == "SELF" else a for a in command[1:])]
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    warning = (f"Warning: {spec}:7: layer 'big' (conv): its output is never read (not an input of any layer, "
               "not in 'outputs'); still counted in the totals\n")
    assert result.stderr == warning * (2 if command[0] == "diff" else 1)
    assert "Warning" not in result.stdout
    quiet = write(tmp_path, "outputs: [big, head]\n" + UNREAD)
    assert runner.invoke(main, [command[0], quiet, *(quiet if a == "SELF" else a for a in command[1:])],
                         catch_exceptions=False).stderr == ""


def test_the_unread_op_is_counted(tmp_path: Path) -> None:
    with_it = evaluate(load(write(tmp_path, UNREAD)), Config())
    without = evaluate(load(write(tmp_path, UNREAD.replace("  - {name: big, op: conv, kernel: 3, out: 64, "
                                                           "inputs: [stem]}\n", ""))), Config())
    big = next(row for row in with_it.layers if row.name == "big")
    assert with_it.totals.macs == without.totals.macs + big.macs > without.totals.macs


def test_a_template_row_is_named_once(tmp_path: Path) -> None:
    spec = write(tmp_path, "blocks:\n  b:\n    ops:\n"
                 "      - {name: side, op: conv, kernel: 1, out: 4}\n"
                 "      - {name: main, op: conv, kernel: 1, out: 8, inputs: [in]}\n"
                 "layers:\n  - {name: b1, block: b}\n  - {name: b2, block: b}\n  - {name: b3, block: b}\n")
    assert unread_warnings(load(spec)) == (
        f"{spec}:8: layer 'b1.side' (and 2 more instances) (conv): its output is never read (not an input of any "
        "layer, not in 'outputs'); still counted in the totals",)


DOC = (ROOT / "docs" / "outputs-and-depth.md").read_text(encoding="utf-8")


def test_the_docs_warning_example_is_what_mncost_prints(tmp_path: Path, runner: CliRunner,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    section = DOC.split("## A layer whose output nobody reads", 1)[1].split("\n## ", 1)[0]
    spec = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.yaml").write_text(spec, encoding="utf-8")
    result = runner.invoke(main, ["show", "t.yaml"], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout.startswith("t: a dangling branch\n")
    assert result.stderr == shown


def test_onnx_export_has_every_output_and_the_channel_ops(tmp_path: Path) -> None:
    # The exported graph computes what the spec says: x[:, :2] + x[:, :2] on the first channels, the
    # rest of x unchanged; split sizes [1, 2] part 2 = x[:, 1:3]; slice start 1 stop 2 = x[:, 1:2].
    onnx = pytest.importorskip("onnx")
    numpy = pytest.importorskip("numpy")
    from onnx.reference import ReferenceEvaluator

    from mncost.onnx_export import export_onnx

    spec = write(tmp_path, "outputs: [first, sum, part, mid]\nlayers:\n"
                 "  - {name: first, op: slice, stop: 2, inputs: [in]}\n"
                 "  - {name: sum, op: add, channels: first, inputs: [in, first]}\n"
                 "  - {name: part, op: split, sizes: [1, 2], part: 2, inputs: [in]}\n"
                 "  - {name: mid, op: slice, start: 1, stop: 2, inputs: [in]}\n")
    model = onnx.load_from_string(export_onnx(load(spec), Config()))
    assert [o.name.split("/")[0] for o in model.graph.output] == ["first", "sum", "part", "mid"]
    x = numpy.random.default_rng(0).random((1, 3, 32, 32), dtype=numpy.float32)
    first, total, part, mid = ReferenceEvaluator(model).run(None, {model.graph.input[0].name: x})
    assert numpy.array_equal(first, x[:, :2])
    assert numpy.array_equal(total, numpy.concatenate([2 * x[:, :2], x[:, 2:]], axis=1))
    assert numpy.array_equal(part, x[:, 1:]) and numpy.array_equal(mid, x[:, 1:2])
