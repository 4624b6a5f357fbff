"""The command line as a user runs it: stdout and stderr asserted separately."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from mncost import __version__
from mncost.cli import main


def run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, list(args), prog_name="mncost")
    return result.exit_code, result.stdout, result.stderr


def test_show_v1_050_160_golden(runner: CliRunner, golden) -> None:  # type: ignore[no-untyped-def]
    # The brief's call: the V1 paper's "0.50 MobileNet-160" (Table 9: 76 M Mult-Adds, 1.32 M params).
    result = runner.invoke(main, ["show", "v1", "--alpha", "0.5", "--rho", "0.714"], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.stderr == ""
    assert "Total" in result.stdout and "1,320,648" in result.stdout and "76,524,800" in result.stdout
    assert "76.5M MACs, 1.32M params" in result.stdout
    golden("show_v1_a0.5_r0.714.out", result.stdout)


def test_show_v2_json(runner: CliRunner) -> None:
    code, out, err = run(runner, "show", "v2", "--format", "json")
    assert (code, err) == (0, "")
    doc = json.loads(out)
    assert doc["schema"] == "mncost.report/1"
    assert doc["totals"]["macs"] == 300_774_272  # published.md §4 [C]; torchvision _ops 0.301
    assert doc["config"] == {"alpha": 1.0, "rho": 1.0, "resolution": 224, "classes": 1000, "depth_multiplier": 1.0}
    assert doc["conventions"]["rounding"] == "round8"
    first = doc["layers"][0]
    assert first["input_shape"] == [224, 224, 3] and first["output_shape"] == [112, 112, 32]
    assert sum(layer["macs"] for layer in doc["layers"]) == doc["totals"]["macs"]
    assert sum(layer["params"] for layer in doc["layers"]) == doc["totals"]["params"]


def test_show_flops_and_conventions(runner: CliRunner) -> None:
    code, out, _ = run(runner, "show", "v1", "--count", "flops", "--bn-params", "all", "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["totals"]["flops"] == 2 * 568_740_352
    assert doc["totals"]["params"] == 4_253_864  # keras.io: MobileNet count_params()
    assert doc["conventions"] == {"rounding": "none", "counting": "flops", "ops": "conv-fc-matmul",
                                  "bn_params": "all", "ln_params": "affine", "dtype": "fp32", "padding": "same",
                                  "weight_dtype": "fp32", "memory_model": "naive", "first_layer_trick": False,
                                  "device": None, "fusion": "tflite", "depth_rounding": "ceil"}


def test_show_resolution_and_classes(runner: CliRunner) -> None:
    code, out, _ = run(runner, "show", "v2", "--resolution", "192", "--classes", "1001", "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert doc["config"]["resolution"] == 192 and doc["config"]["classes"] == 1001
    assert doc["totals"]["macs"] // 10**6 == 221  # TF-slim V2 README: mobilenet_v2_1.0_192, 221 MACs (M)


def test_show_spec_file(runner: CliRunner, tmp_path: Path) -> None:
    spec = tmp_path / "tiny.yaml"
    spec.write_text(
        "name: tiny\ndescription: two convs\nsource: a test\ninput: {resolution: 32, channels: 3}\n"
        "classes: 10\nlayers:\n"
        "  - {name: c1, op: conv, kernel: 3, stride: 2, out: 16}\n"
        "  - {name: pool, op: global_avgpool}\n"
        "  - {name: fc, op: fc, out: classes}\n"
    )
    code, out, err = run(runner, "show", str(spec), "--format", "json", "--alpha", "0.5")
    assert (code, err) == (0, "")
    layers = json.loads(out)["layers"]
    # conv: 16x16 output, k²·Cin·Cout = 9·3·8 weights; fc: 8·10 + 10
    assert [(x["name"], x["params"], x["macs"]) for x in layers] == [
        ("c1", 216, 16 * 16 * 216), ("pool", 0, 0), ("fc", 90, 80)]


def test_list(runner: CliRunner) -> None:
    code, out, err = run(runner, "list")
    assert (code, err) == (0, "")
    assert "v1" in out and "MobileNet V1" in out and "arXiv:1704.04861" in out
    assert "v2" in out and "arXiv:1801.04381" in out


def test_version(runner: CliRunner) -> None:
    code, out, _ = run(runner, "--version")
    assert code == 0 and out == f"mncost, version {__version__}\n"


def test_python_dash_m() -> None:
    env = dict(os.environ, COLUMNS="120")
    done = subprocess.run([sys.executable, "-m", "mncost", "show", "v1", "--format", "json"],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["totals"]["params"] == 4_210_088


@pytest.mark.parametrize(("args", "message"), [
    (["--alpha", "0"], "Invalid value for '--alpha' / '-a': '0' must be a finite number > 0"),
    (["--alpha", "-1"], "Invalid value for '--alpha' / '-a': '-1' must be a finite number > 0"),
    (["--alpha", "nan"], "Invalid value for '--alpha' / '-a': 'nan' must be a finite number > 0"),
    (["--alpha", "x"], "Invalid value for '--alpha' / '-a': 'x' is not a number"),
    (["--rho", "0"], "Invalid value for '--rho' / '-r': '0' must be a finite number > 0"),
    (["--resolution", "0"], "Invalid value for '--resolution': 0 is not in the range x>=1."),
    (["--rho", "0.5", "--resolution", "100"], "give either --rho or --resolution, not both"),
    (["--rounding", "round7"], "Invalid value for '--rounding'"),
])
def test_usage_errors(runner: CliRunner, args: list[str], message: str) -> None:
    code, out, err = run(runner, "show", "v1", *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err


def test_unknown_bundled_name(runner: CliRunner) -> None:
    code, out, err = run(runner, "show", "v9")
    assert (code, out) == (2, "")
    assert err == "Error: unknown spec 'v9': not a bundled name nor a file ('mncost list' names the bundled specs)\n"
    code, out, err = run(runner, "show", "xyzzy")
    assert err == "Error: unknown spec 'xyzzy': not a bundled name nor a file ('mncost list' names the bundled specs)\n"


def test_missing_file(runner: CliRunner, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    code, out, err = run(runner, "show", str(missing))
    assert (code, out, err) == (2, "", f"Error: {missing}: no such file\n")


def test_bad_spec_names_file_and_line(runner: CliRunner, tmp_path: Path) -> None:
    spec = tmp_path / "bad.yaml"
    spec.write_text("name: bad\ndescription: x\nsource: y\ninput: {resolution: 32, channels: 3}\nlayers:\n"
                    "  - {name: c1, op: conv, kernel: 3, strid: 2, out: 16}\n")
    code, out, err = run(runner, "show", str(spec))
    assert (code, out) == (2, "")
    assert err == f"Error: {spec}:6: unknown key 'strid' in a 'conv' layer; did you mean 'stride'?\n"


def test_alpha_too_small_is_an_input_error(runner: CliRunner) -> None:
    code, out, err = run(runner, "show", "v1", "--alpha", "0.01")
    assert (code, out) == (2, "")
    assert err.startswith("Error: specs/v1.yaml:")
    assert "at alpha=0.01; it must be >= 1" in err


def test_piped_table_keeps_every_digit() -> None:
    # Without a terminal rich would fall back to 80 columns and cut "300,774,272" to "300,7…".
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    done = subprocess.run([sys.executable, "-m", "mncost", "show", "v2"], capture_output=True, text=True,
                          env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert "300,774,272" in done.stdout and "3,470,760" in done.stdout
    assert "stage2.block1.expand" in done.stdout
    assert "…" not in done.stdout
