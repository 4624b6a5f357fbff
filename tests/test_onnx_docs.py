"""docs/onnx.md cannot drift: its console examples run in order in one folder, at 80 columns.

An expected output ending in `...` is an excerpt (its lines must start the output); the latencies
of `mncost bench` vary from run to run, so their figures are compared as `N ms`.
"""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from mncost.cli import main

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from .conftest import cli_runner  # noqa: E402

HERE = Path(__file__).parent
DOC = (HERE.parent / "docs" / "onnx.md").read_text(encoding="utf-8")


def examples() -> list[tuple[str, str]]:
    """(`mncost ...` command, expected output) in the order of the page."""
    found = []
    for block in re.findall(r"```console\n(.*?)```", DOC, flags=re.S):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if line.startswith("$ mncost "):
                output = []
                for follow in lines[i + 1:]:
                    if follow.startswith("$ "):
                        break
                    output.append(follow)
                found.append((line[2:], "".join(f"{o}\n" for o in output)))
    return found


def _models(folder: Path) -> None:
    shutil.copy(HERE / "onnx" / "torchvision-mobilenet_v2.onnx", folder / "mobilenet_v2.onnx")
    scales = numpy_helper.from_array(__import__("numpy").array([1, 1, 2, 2], dtype="float32"), "scales")
    up = helper.make_graph([helper.make_node("Resize", ["x", "", "scales"], ["y"], name="up", mode="cubic")], "up",
                           [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                           [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=[scales])
    weight = numpy_helper.from_array(__import__("numpy").zeros((8, 3, 3, 3), dtype="float32"), "w")
    dyn = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], name="conv", kernel_shape=[3, 3])], "dyn",
                            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, "h", "w"])],
                            [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=[weight])
    shape = numpy_helper.from_array(__import__("numpy").array([1, 2, 2, 16], dtype="int64"), "heads")
    scores = helper.make_graph(  # q k^T as PyTorch writes it: not the token layout mncost reads
        [helper.make_node("Reshape", ["x", "heads"], ["q"], name="q"),
         helper.make_node("Transpose", ["q"], ["q_t"], name="q_t", perm=[0, 1, 3, 2]),
         helper.make_node("Reshape", ["x", "heads"], ["k"], name="k"),
         helper.make_node("MatMul", ["q_t", "k"], ["y"], name="scores")], "scores",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, 4, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializer=[shape])
    for name, graph in (("upsampler", up), ("dynamic", dyn), ("scores", scores)):
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        onnx.save(model, str(folder / f"{name}.onnx"))


def _masked(text: str) -> str:
    return re.sub(r"\d+\.\d+(?=-| ms)", "N", text)


def test_console_examples(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _models(tmp_path)
    monkeypatch.chdir(tmp_path)
    runner = cli_runner(env={"COLUMNS": "80", "NO_COLOR": "1", "TERM": "dumb"})
    ran = 0
    for command, expected in examples():
        args = shlex.split(command)[1:]
        result = runner.invoke(main, args, prog_name="mncost")
        assert result.exit_code in (0, 2), (command, result.output)
        got = "".join(line.rstrip() + "\n" for line in (result.stdout + result.stderr).splitlines())
        if args[0] == "bench":
            got, expected = _masked(got), _masked(expected)
        if expected.endswith("...\n"):
            assert got.startswith(expected[: -len("...\n")]), command
        elif expected:
            assert got == expected, command
        ran += 1
    assert ran >= 9


def test_yaml_excerpt_is_what_import_writes(tmp_path: Path) -> None:
    _models(tmp_path)
    excerpt = re.search(r"`mine.yaml` starts like this:\n\n```yaml\n(.*?)```", DOC, flags=re.S)
    assert excerpt is not None
    result = cli_runner().invoke(main, ["import", str(tmp_path / "mobilenet_v2.onnx")])
    assert result.stdout.startswith(excerpt[1])
