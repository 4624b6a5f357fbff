"""Docs that cannot drift: the README's set-up commands, op and convention lists, and examples."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from mncost.cli import main
from mncost.conventions import BnParams, Counting, Dtype, OpsCounted, Rounding
from mncost.ops import OPS

from .conftest import cli_runner

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_setup_block_has_the_two_commands_ci_runs() -> None:
    block = README.split("<!-- setup:begin -->")[1].split("<!-- setup:end -->")[0]
    commands = [line for line in block.splitlines() if re.match(r"^(python|pip|mncost) ", line)]
    assert commands == [
        "python -m pip install . && mncost show v1 --alpha 0.5 --rho 0.714",
        "python -m pip install '.[test]' && python -m pytest -q",
    ]
    assert README.index("<!-- setup:begin -->") < README.index("## Quick tour")  # the README starts with them


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_op_is_documented(op: str) -> None:
    assert f"`{op}`" in README


@pytest.mark.parametrize("member", [m for enum in (Rounding, Counting, OpsCounted, BnParams, Dtype) for m in enum])
def test_every_convention_is_documented(member: object) -> None:
    assert f"`{member}`" in README or f" {member} " in README


def console_examples() -> list[tuple[str, str]]:
    """(`mncost ...` command, expected output) pairs from ```console blocks that show output."""
    examples = []
    for block in re.findall(r"```console\n(.*?)```", README, flags=re.S):
        lines = block.splitlines()
        for i, line in enumerate(lines):
            if not line.startswith("$ mncost "):
                continue
            output = []
            for follow in lines[i + 1:]:
                if follow.startswith("$ "):
                    break
                output.append(follow)
            if output:
                examples.append((line[2:], "\n".join(output) + "\n"))
    return examples


@pytest.mark.parametrize(("command", "expected"), console_examples())
def test_console_examples_match(command: str, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = shlex.split(command)[1:]
    monkeypatch.chdir(tmp_path)
    if "my-net.yaml" in args:  # the README's bad-spec example
        (tmp_path / "my-net.yaml").write_text(
            "name: my-net\ndescription: x\nsource: y\ninput: {resolution: 32, channels: 3}\nlayers:\n"
            "  - {name: c1, op: conv, kernel: 3, strid: 2, out: 16}\n")
    result = cli_runner(env={"COLUMNS": "120"}).invoke(main, args, prog_name="mncost")
    got = "".join(line.rstrip() + "\n" for line in (result.stdout + result.stderr).splitlines())
    assert got == expected
