"""Every output format of `show` and `sweep`: goldens for the human formats, parsed checks for CSV
and JSON, escaping, units, determinism, and a real pdflatex run where one is installed."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mncost.cli import main
from mncost.record import replace
from mncost.render.csv import neutralise, to_csv
from mncost.render.latex import escape as latex_escape
from mncost.render.latex import to_latex
from mncost.render.markdown import escape as markdown_escape
from mncost.render.markdown import to_markdown
from mncost.render.sheet import LAYER_COLUMNS, View, report_sheet

from .conftest import report

HALF_160 = ["v1", "--alpha", "0.5", "--rho", "0.714"]
PAPER_GRID = ["v1", "-a", "1,0.75,0.5,0.25", "--resolution", "224,192,160,128"]


def out(runner, *args: str) -> str:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout_bytes.decode("utf-8")  # .stdout would turn CRLF into LF


def parse_csv(text: str, names_with_line_breaks: bool = False) -> list[dict[str, str]]:
    assert text.endswith("\r\n")  # RFC 4180: CRLF ends each record (a quoted field may hold line breaks)
    assert names_with_line_breaks or "\n" not in text.replace("\r\n", "")
    return list(csv.DictReader(io.StringIO(text, newline="")))


# -- goldens for the human formats ---------------------------------------------------------------

@pytest.mark.parametrize(("name", "args"), [
    ("show_v1_half_160.table", ["show", *HALF_160]),
    ("show_v1_half_160.md", ["show", *HALF_160, "-f", "markdown"]),
    ("show_v1_half_160.tex", ["show", *HALF_160, "-f", "latex"]),
    ("show_v1_summary.table", ["show", "v1", "--summary"]),
    ("show_v1_summary_raw.md", ["show", "v1", "--summary", "-f", "markdown", "--units", "raw"]),
    ("show_v1_by_type.table", ["show", "v1", "--group-by", "op"]),
    ("show_v1_by_type.md", ["show", "v1", "--group-by", "op", "-f", "markdown"]),
    ("show_v1_by_type.tex", ["show", "v1", "--group-by", "op", "-f", "latex"]),
    ("show_v2_flops_M.md", ["show", "v2", "--count", "flops", "--units", "M", "-f", "markdown"]),
    ("sweep_v1.table", ["sweep", *PAPER_GRID]),
    ("sweep_v1.md", ["sweep", *PAPER_GRID, "-f", "markdown"]),
    ("sweep_v1.tex", ["sweep", *PAPER_GRID, "-f", "latex"]),
    ("sweep_v1_pivot_macs.table", ["sweep", *PAPER_GRID, "--pivot", "macs", "--units", "M"]),
    ("sweep_v1_pivot_macs.md", ["sweep", *PAPER_GRID, "--pivot", "macs", "--units", "M", "-f", "markdown"]),
    ("sweep_v1_pivot_params.tex", ["sweep", *PAPER_GRID, "--pivot", "params", "--units", "M", "-f", "latex"]),
])
def test_golden(runner, golden, name: str, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    golden(name, out(runner, *args))


def test_markdown_shape(runner) -> None:  # type: ignore[no-untyped-def]
    lines = out(runner, "show", *HALF_160, "-f", "markdown").splitlines()
    table = [line for line in lines if line.startswith("|")]
    assert table[1] == "|---:|:---|:---|---:|---:|---:|---:|---:|---:|"  # numbers right-aligned
    assert len(table) == 2 + 30 + 1  # header, rule, 30 layers, total
    assert {line.count(" | ") for line in table if line != table[1]} == {8}
    assert any(line.startswith("config: alpha=0.5 resolution=160") for line in lines)
    assert any(line.startswith("conventions: rounding=none count=macs") for line in lines)


def test_latex_is_booktabs_and_names_conventions(runner) -> None:  # type: ignore[no-untyped-def]
    text = out(runner, "show", *HALF_160, "-f", "latex")
    for command in (r"\toprule", r"\midrule", r"\bottomrule", r"\begin{tabular}", r"\caption{"):
        assert command in text
    assert "Conv2d\\_1\\_depthwise" in text
    assert "rounding=none count=macs ops=conv-fc-matmul" in text


@pytest.mark.parametrize(("raw", "escaped"), [
    ("a_b", r"a\_b"), ("50%", r"50\%"), ("a&b", r"a\&b"), ("#1", r"\#1"), ("$x", r"\$x"),
    ("{x}", r"\{x\}"), ("~", r"\textasciitilde{}"), ("^", r"\textasciicircum{}"), ("a\\b", r"a\textbackslash{}b"),
    ("α×ρ", r"$\alpha$$\times$$\rho$"),
])
def test_latex_escape(raw: str, escaped: str) -> None:
    assert latex_escape(raw) == escaped


def weird_report():  # type: ignore[no-untyped-def]
    """v1 at 0.5 with layer names no spec can have today but a user's file might tomorrow."""
    r = report("v1", alpha=0.5, resolution=160)
    names = ["=HYPERLINK(\"http://x\")", "+1", "-2", "@SUM(A1)", "\tTab", "a_b%&#$", "pipe|star*", "{x}~^\\"]
    layers = tuple(replace(layer, name=names[i]) if i < len(names) else layer for i, layer in enumerate(r.layers))
    return replace(r, layers=layers), names


def test_csv_neutralises_formulas() -> None:
    r, names = weird_report()
    rows = parse_csv(to_csv(report_sheet(r, View.LAYERS, machine=True)))
    got = [row["name"] for row in rows[:len(names)]]
    assert got[:5] == ["'" + n for n in names[:5]]
    assert got[5:] == names[5:]  # only leading = + - @ tab CR are neutralised
    assert all(not row["macs"].startswith("'") for row in rows)


def test_markdown_escapes_names() -> None:
    r, _ = weird_report()
    text = to_markdown(report_sheet(r))
    assert r"pipe\|star\*" in text
    assert {line.count(" | ") for line in text.splitlines() if line.startswith("| ")} == {8}


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no pdflatex on this machine")
def test_latex_compiles(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    r, _ = weird_report()
    tables = [
        to_latex(report_sheet(r)),  # the special characters must be escaped
        out(runner, "show", "v1", "--group-by", "op", "-f", "latex"),
        out(runner, "sweep", *PAPER_GRID, "--pivot", "macs", "--units", "M", "-f", "latex"),
        out(runner, "sweep", "v2", "-a", "1,0.35", "--rho", "1,0.5", "-f", "latex", "--count", "flops"),
    ]
    doc = "\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n" + "\n".join(tables) + \
        "\\end{document}\n"
    (tmp_path / "t.tex").write_text(doc, encoding="utf-8")
    run = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:]
    assert (tmp_path / "t.pdf").exists()


# -- CSV: parsed checks ------------------------------------------------------------------------------

CONTEXT = ["spec", "alpha", "resolution", "rho", "classes", "depth_multiplier", "rounding", "counting", "ops",
           "bn_params", "ln_params", "dtype", "padding", "weight_dtype", "memory_model", "first_layer_trick", "device",
           "fusion"]


def test_csv_layers(runner) -> None:  # type: ignore[no-untyped-def]
    text = out(runner, "show", *HALF_160, "-f", "csv")
    rows = parse_csv(text)
    header = text.split("\r\n", 1)[0].split(",")
    assert header == ["row", *(c.key for c in LAYER_COLUMNS if not c.detail and c.key != "latency_ms"), *CONTEXT]
    r = report("v1", alpha=0.5, rho=0.714)
    layers, total = rows[:-1], rows[-1]
    assert [row["row"] for row in layers] == ["layer"] * len(r.layers) and total["row"] == "total"
    assert [row["name"] for row in layers] == [layer.name for layer in r.layers]
    for key in ("params", "macs", "activation_bytes"):
        assert sum(int(row[key]) for row in layers) == int(total[key]) == getattr(r.totals, key)
    assert int(total["live_bytes"]) == max(int(row["live_bytes"]) for row in layers) == r.memory.peak_bytes
    assert {(row["spec"], row["alpha"], row["resolution"], row["rounding"], row["counting"]) for row in rows} == {
        ("v1", "0.5", "160", "none", "macs")}


def test_csv_detail_adds_memory_traffic(runner) -> None:  # type: ignore[no-untyped-def]
    rows = parse_csv(out(runner, "show", "v1", "--detail", "--weight-dtype", "int8", "-f", "csv"))
    layers, total = rows[:-1], rows[-1]
    # V1 has 4,210,088 params (V1 paper / TF-slim, published.md §2.2): 1 byte each at int8.
    assert int(total["param_bytes"]) == sum(int(r["param_bytes"]) for r in layers) == 4_210_088
    first = layers[0]  # Conv2d_0: reads the 224x224x3 fp32 image and 864 int8 weights, writes 112x112x32 fp32
    assert (int(first["bytes_read"]), int(first["bytes_written"])) == (224 * 224 * 3 * 4 + 864, 112 * 112 * 32 * 4)
    assert float(first["arithmetic_intensity"]) == pytest.approx(10_838_016 / (602_112 + 864 + 1_605_632))


def test_csv_flops_keeps_macs_and_adds_flops(runner) -> None:  # type: ignore[no-untyped-def]
    rows = parse_csv(out(runner, "show", "v1", "--count", "flops", "-f", "csv"))
    assert all(int(row["flops"]) == 2 * int(row["macs"]) for row in rows)
    assert rows[-1]["macs"] == "568740352"


def test_csv_summary_and_by_type(runner) -> None:  # type: ignore[no-untyped-def]
    (summary,) = parse_csv(out(runner, "show", "v1", "--summary", "-f", "csv"))
    assert (summary["row"], summary["params"], summary["macs"]) == ("total", "4210088", "568740352")
    types = parse_csv(out(runner, "show", "v1", "--group-by", "op", "-f", "csv"))
    assert [t["type"] for t in types[:-1]] == [t.type for t in report("v1").by_type()]
    assert sum(int(t["macs"]) for t in types[:-1]) == int(types[-1]["macs"]) == 568_740_352
    assert types[-1]["macs_share"] == "1.0"


def test_csv_units_are_exact_decimals(runner) -> None:  # type: ignore[no-untyped-def]
    rows = parse_csv(out(runner, "sweep", "v1", "-a", "1,0.5", "-f", "csv", "--units", "M"))
    assert [(r["macs_M"], r["params_M"], r["peak_MB"]) for r in rows] == [
        ("568.740352", "4.210088", "4.816896"), ("149.497088", "1.320648", "2.408448")]


def test_csv_sweep_rows(runner) -> None:  # type: ignore[no-untyped-def]
    rows = parse_csv(out(runner, "sweep", *PAPER_GRID, "-f", "csv"))
    assert [(float(r["alpha"]), int(r["resolution"])) for r in rows] == [
        (a, s) for a in (1, 0.75, 0.5, 0.25) for s in (224, 192, 160, 128)]
    assert rows[0]["macs"] == "568740352" and rows[0]["params"] == "4210088"
    pivot = parse_csv(out(runner, "sweep", *PAPER_GRID, "-f", "csv", "--pivot", "params"))
    assert list(pivot[0]) == ["row", "alpha", "params_224", "params_192", "params_160", "params_128",
                              "spec", "classes", "depth_multiplier", "rounding", "counting", "ops", "bn_params",
                              "ln_params", "dtype", "padding", "weight_dtype", "memory_model", "first_layer_trick",
                              "device", "fusion"]
    assert {pivot[0][f"params_{s}"] for s in (224, 192, 160, 128)} == {"4210088"}


# -- JSON: every document against the README's field-by-field description ---------------------

NUM, INT, STR, SHAPE, BOOL = "number", "int", "str", "shape", "bool"
CONVENTIONS = {"rounding": ("none", "round8"), "counting": ("macs", "flops"),
               "ops": ("conv-fc-matmul", "conv-fc", "all"), "bn_params": ("none", "affine", "all"),
               "ln_params": ("affine", "none"), "dtype": ("fp32", "fp16", "bf16", "int8"), "padding": STR,
               "weight_dtype": ("fp32", "fp16", "bf16", "int8"), "memory_model": ("naive", "streamed"),
               "first_layer_trick": BOOL, "device": (None,),
               "fusion": ("none", "conv-bn", "tflite", "conv-bn-act"), "depth_rounding": ("ceil", "round")}
SPEC = {"name": STR, "description": STR, "family": STR, "source": STR, "file": STR}
REPORT_DOC = {
    "schema": ("mncost.report/1",),
    "spec": SPEC,
    "config": {"alpha": NUM, "rho": NUM, "resolution": INT, "classes": INT, "depth_multiplier": NUM},
    "conventions": CONVENTIONS,
    "layers": [{"name": STR, "op": STR, "type": STR, "input_shape": SHAPE, "output_shape": SHAPE, "params": INT,
                "macs": INT, "flops?": INT, "activation_bytes": INT, "live_bytes": INT,
                "kind": ("conv", "depthwise", "fc", "pool", "elementwise", "free"), "kernel": "window?",
                "stride": "int?", "groups": "int?", "dilation": "int?", "activation": STR, "bn": BOOL,
                "bn_fused": BOOL, "act_fused": BOOL, "streamed": BOOL,
                "param_bytes": INT, "bytes_read": INT, "bytes_written": INT, "arithmetic_intensity": NUM,
                "latency_ms?": NUM}],
    "outputs": [STR],
    "totals": {"params": INT, "macs": INT, "flops?": INT, "param_bytes": INT, "activation_bytes": INT,
               "peak_bytes": INT,
               "peak_layer": STR, "largest_tensor_bytes": INT, "largest_tensor_layer": STR, "latency_ms?": NUM},
    "by_type": [{"type": STR, "layers": INT, "params": INT, "macs": INT, "params_share": NUM, "macs_share": NUM}],
    "groups?": {"by": ("stage", "block"),
                "rows": [{"group": STR, "layers": INT, "params": INT, "macs": INT, "flops?": INT,
                          "activation_bytes": INT, "live_bytes": INT, "latency_ms?": NUM, "param_bytes?": INT,
                          "bytes_read?": INT, "bytes_written?": INT, "macs_share": NUM, "params_share": NUM}]},
}
SWEEP_DOC = {
    "schema": ("mncost.sweep/1",),
    "spec": SPEC,
    "config": {"classes": INT, "depth_multiplier": NUM, "base_resolution": INT},
    "conventions": CONVENTIONS,
    "alphas": [NUM],
    "resolutions": [INT],
    "rows": [{"alpha": NUM, "resolution": INT, "rho": NUM, "params": INT, "macs": INT, "flops?": INT,
              "activation_bytes": INT, "peak_bytes": INT, "latency_ms?": NUM}],
    "pivot?": {"field": ("params", "macs", "activation_bytes", "peak_bytes"), "values": [[INT]]},
    "pivots?": [{"field": ("params", "macs", "activation_bytes", "peak_bytes"), "values": [[INT]]}],
}


def check(value: object, description: object, path: str = "$") -> None:
    """Fail unless `value` has exactly the fields and types of `description` ("key?" = optional)."""
    if isinstance(description, dict):
        assert isinstance(value, dict), path
        required = {k for k in description if not k.endswith("?")}
        known = {k.rstrip("?"): v for k, v in description.items()}
        assert required <= value.keys() <= known.keys(), (path, sorted(value.keys() ^ known.keys()))
        for key, item in value.items():
            check(item, known[key], f"{path}.{key}")
    elif isinstance(description, list):
        assert isinstance(value, list), path
        for i, item in enumerate(value):
            check(item, description[0], f"{path}[{i}]")
    elif isinstance(description, tuple):
        assert value in description, (path, value)
    elif description == INT:
        assert isinstance(value, int) and not isinstance(value, bool) and value >= 0, (path, value)
    elif description == NUM:
        assert isinstance(value, int | float) and not isinstance(value, bool) and value >= 0, (path, value)
    elif description == STR:
        assert isinstance(value, str), path
    elif description == BOOL:
        assert isinstance(value, bool), path
    elif description == SHAPE:
        assert isinstance(value, list) and len(value) == 3 and all(isinstance(x, int) and x > 0 for x in value), path
    elif description == "window?":  # [h, w] or null (no window)
        assert value is None or (isinstance(value, list) and len(value) == 2 and all(x > 0 for x in value)), path
    elif description == "int?":
        assert value is None or (isinstance(value, int) and not isinstance(value, bool) and value > 0), (path, value)
    else:
        raise AssertionError(f"bad description at {path}")


def field_paths(description: object, prefix: str = "") -> list[str]:
    if isinstance(description, dict):
        return [p for k, v in description.items() for p in [f"{prefix}{k.rstrip('?')}",
                                                            *field_paths(v, f"{prefix}{k.rstrip('?')}.")]]
    if isinstance(description, list):
        return field_paths(description[0], prefix.rstrip(".") + "[].")
    return []


@pytest.mark.parametrize("args", [
    ["show", "v1"], ["show", *HALF_160], ["show", "v2", "--count", "flops", "--ops", "all", "--bn-params", "all"],
    ["show", "v2", "--summary"], ["show", "v1", "--group-by", "op", "--dtype", "int8", "-d", "2"],
    ["show", "v2", "--group-by", "stage", "--count", "flops"], ["show", "v3-large", "--group-by", "block", "--detail"],
])
def test_report_json_matches_description(runner, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(out(runner, *args, "-f", "json"))
    check(doc, REPORT_DOC)
    assert doc["layers"] and doc["by_type"]


@pytest.mark.parametrize("args", [
    ["sweep", *PAPER_GRID], ["sweep", "v2", "-a", "0.35:1.4:0.35", "--rho", "0.5:1:0.25", "--count", "flops"],
    ["sweep", *PAPER_GRID, "--pivot", "macs"], ["sweep", "v2", "--pivot", "peak_bytes", "--dtype", "fp16"],
    ["sweep", *PAPER_GRID, "--pivot", "macs,params", "--pivot", "peak_bytes"],
])
def test_sweep_json_matches_description(runner, args: list[str]) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(out(runner, *args, "-f", "json"))
    check(doc, SWEEP_DOC)
    assert len(doc["rows"]) == len(doc["alphas"]) * len(doc["resolutions"])
    if "pivot" in doc:
        assert doc["pivot"] == doc["pivots"][0]
        for pivot in doc["pivots"]:
            flat = [v for row in pivot["values"] for v in row]
            assert flat == [row[pivot["field"]] for row in doc["rows"]]


def test_docs_document_every_json_field() -> None:
    from .docs import page
    from .docs import section as doc_section

    for name, description in (("mncost.report/1", REPORT_DOC), ("mncost.sweep/1", SWEEP_DOC)):
        part = doc_section(page("json"), f"## `{name}`")
        documented = {line.split("`")[1] for line in part.splitlines() if line.startswith("| `")}
        assert documented == set(field_paths(description)), name


# -- formats, suffixes, units, determinism ------------------------------------------------------

@pytest.mark.parametrize(("suffix", "fmt"), [
    (".csv", "csv"), (".json", "json"), (".md", "markdown"), (".tex", "latex"), (".txt", "table"), (".out", "table"),
])
def test_suffix_suggests_format(runner, tmp_path: Path, suffix: str, fmt: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / f"r{suffix}"
    assert runner.invoke(main, ["show", "v1", "--summary", "-o", str(path)]).exit_code == 0
    assert path.read_bytes().decode() == out(runner, "show", "v1", "--summary", "-f", fmt) if fmt != "table" else \
        path.read_text().startswith("v1: MobileNet V1")


def test_format_option_wins_over_suffix(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "r.csv"
    assert runner.invoke(main, ["show", "v1", "-f", "json", "-o", str(path)]).exit_code == 0
    assert json.loads(path.read_text())["schema"] == "mncost.report/1"


def test_units_in_table(runner) -> None:  # type: ignore[no-untyped-def]
    raw = out(runner, "show", "v1", "--summary", "--units", "raw")
    assert "4,210,088" in raw and "568,740,352" in raw
    giga = out(runner, "show", "v1", "--summary", "--units", "G", "-f", "markdown")
    assert "| 0.57 |" in giga and "MACs (G)" in giga


def test_json_rejects_units(runner) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(main, ["show", "v1", "-f", "json", "--units", "M"])
    assert result.exit_code == 2 and "JSON always holds exact integers" in result.stderr


@pytest.mark.parametrize("args", [
    ["show", "v2", "-f", "csv"], ["show", "v2", "-f", "markdown", "--group-by", "op"],
    ["sweep", "v2", "-a", "0.35,1", "--resolution", "96:224:64", "-f", "latex", "--pivot", "macs"],
    ["sweep", "v1", "-f", "json"],
])
def test_deterministic_across_hash_seeds(args: list[str]) -> None:
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "COLUMNS": "120", "NO_COLOR": "1"}
        run = subprocess.run([sys.executable, "-m", "mncost", *args], capture_output=True, env=env, check=True)
        outputs.add(run.stdout)
    assert len(outputs) == 1


def test_same_command_twice_byte_identical(runner, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    texts = []
    for i in range(2):
        path = tmp_path / f"{i}.tex"
        assert runner.invoke(main, ["sweep", *PAPER_GRID, "-o", str(path)]).exit_code == 0
        texts.append(path.read_bytes())
    assert texts[0] == texts[1]


# -- laws over arbitrary names (Hypothesis) --------------------------------------------------------

BASE = report("v1", alpha=0.25, resolution=32)


def named(names: list[str]):  # type: ignore[no-untyped-def]
    return replace(BASE, layers=tuple(replace(layer, name=n) for layer, n in zip(BASE.layers, names, strict=False))
                   + BASE.layers[len(names):])


@given(st.lists(st.text(max_size=12), min_size=1, max_size=4))
def test_csv_round_trips_any_name(names: list[str]) -> None:
    rows = parse_csv(to_csv(report_sheet(named(names), View.LAYERS, machine=True)), names_with_line_breaks=True)
    assert [row["name"] for row in rows[:len(names)]] == [neutralise(n) for n in names]
    assert len(rows) == len(BASE.layers) + 1
    assert not any(row["name"].startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows)


@given(st.lists(st.text(max_size=12), min_size=1, max_size=4))
def test_markdown_rows_keep_their_cells_for_any_name(names: list[str]) -> None:
    text = to_markdown(report_sheet(named(names)))
    table = [line for line in text.split("\n") if line.startswith("| ")]
    assert len(table) == 1 + len(BASE.layers) + 1
    assert {re.sub(r"\\.", "", line).count("|") for line in table} == {10}  # 9 cells: no name splits a cell
    assert all(markdown_escape(n) in text for n in names)


@given(st.text(max_size=20))
def test_latex_escape_leaves_no_bare_special(name: str) -> None:
    escaped = latex_escape(name)
    bare = escaped
    for macro in (r"\textbackslash{}", r"\textasciitilde{}", r"\textasciicircum{}", r"\textless{}",
                  r"\textgreater{}", r"$\alpha$", r"$\rho$", r"$\times$"):
        bare = bare.replace(macro, "")
    for ch in "_%&#${}":
        bare = bare.replace("\\" + ch, "")
    assert not set(bare) & set("\\_%&#${}~^\n\r")


@pytest.mark.parametrize("args", [["show", *HALF_160], ["sweep", *PAPER_GRID, "--pivot", "peak_bytes"]])
def test_table_file_is_the_piped_text_without_trailing_blanks(runner, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                               args: list[str]) -> None:
    path = tmp_path / "t.txt"
    assert runner.invoke(main, [*args, "-o", str(path)]).exit_code == 0
    piped = out(runner, *args)
    assert path.read_text() == "".join(line.rstrip() + "\n" for line in piped.splitlines())
