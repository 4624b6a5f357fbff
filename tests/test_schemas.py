"""JSON Schemas (issue 18, item 4): the shipped files are current, valid draft-07 (and 2020-12) schemas,
accept every bundled spec and every JSON document mncost writes, reject what mncost rejects where a
schema can tell, match the field tables in docs/, and are printed by `mncost schema`.

(tests/conftest.py also checks every document and every accepted spec the whole suite produces.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from jsonschema import Draft7Validator, Draft202012Validator

from mncost.bundled import bundled_names, specs_dir
from mncost.cli import main
from mncost.diff import Metric
from mncost.errors import SpecError
from mncost.schema import BUILDERS, DOCUMENTS, NAMES, render, schema_file, schema_text, schemas_path
from mncost.spec import parse_spec

from .conftest import check_against_schema
from .docs import page
from .docs import section as doc_section

ROOT = Path(__file__).parent.parent
MODELINE = "# yaml-language-server: $schema=../schemas/spec.json"


def schema(name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(schema_text(name))
    return loaded


@pytest.mark.parametrize("name", NAMES)
def test_shipped_schema_is_current(name: str) -> None:
    assert schema_text(name) == render(BUILDERS[name]()), f"{schema_file(name)} is out of date: python -m mncost.schema"


@pytest.mark.parametrize("name", NAMES)
def test_schema_is_a_valid_draft_07_schema(name: str) -> None:
    assert schema(name)["$schema"] == "http://json-schema.org/draft-07/schema#"
    Draft7Validator.check_schema(schema(name))
    Draft202012Validator.check_schema(schema(name))  # the keywords used mean the same in 2020-12
    if name in DOCUMENTS:
        assert schema(name)["properties"]["schema"] == {"const": DOCUMENTS[name],  # type: ignore[index]
                                                        "description": "document type and version"}


def test_every_schema_file_is_known() -> None:
    assert sorted(p.stem for p in Path(schemas_path()).glob("*.json")) == sorted(NAMES)


# -- specs ------------------------------------------------------------------------------------------

SPEC_FILES = sorted([*specs_dir().glob("*.yaml"), *(ROOT / "tests/specs").glob("*.yaml"),
                     *(ROOT / "tests/diff_specs").glob("*.yaml")])


@pytest.mark.parametrize("path", SPEC_FILES, ids=lambda p: p.name)
def test_every_good_spec_matches_the_spec_schema(path: Path) -> None:
    check_against_schema("spec", yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("name", bundled_names())
def test_bundled_specs_name_the_schema_for_editors(name: str) -> None:
    path = specs_dir() / f"{name}.yaml"
    assert path.read_text(encoding="utf-8").splitlines()[0] == MODELINE
    target = (path.parent / MODELINE.split("=", 1)[1]).resolve()
    assert target == Path(schema_file("spec")).resolve()  # the relative path holds in the checkout and the wheel


BASE = ("name: t\ndescription: d\nsource: s\ninput: {resolution: 32, channels: 3}\n"
        "blocks:\n  sep:\n    params: {c: channels}\n    ops:\n      - {name: dw, op: dwconv, kernel: 3}\n"
        "      - {name: pw, op: conv, kernel: 1, out: c}\n"
        "layers:\n  - {name: stem, op: conv, kernel: 3, stride: 2, out: 16}\n"
        "  - {table: sep, columns: [c, n], rows: [[32, 2]]}\n  - {name: b, block: sep, c: 64}\n"
        "  - {name: fc, op: fc, filter: 64x10}\n")


@pytest.mark.parametrize(("old", "new"), [
    ("source: s\n", "source: s\nauthor: me\n"),  # unknown top-level key
    ("op: conv, kernel: 3, stride: 2", "op: conv, kernel: 3, strid: 2"),  # unknown key in a row
    ("op: conv, kernel: 3, stride: 2", "op: konv, kernel: 3, stride: 2"),  # unknown op
    ("op: dwconv, kernel: 3}", "op: dwconv}"),  # a required attribute
    ("op: conv, kernel: 3, stride: 2, out: 16}", "op: conv, kernel: 3, stride: 2, out: 16, bias: 1}"),
    ("columns: [c, n]", "columns: [c, n], repeat: 2"),  # unknown key in a stage table
    ("input: {resolution: 32", "input: {resolution: 0"),
    ("params: {c: channels}", "params: {c: chanels}"),
    ("    params: {c: channels}", "    description: {}\n    params: {c: channels}"),  # found by the long fuzz run
    ("{name: stem,", "{name: 'st em',"),
    ("  - {name: fc, op: fc, filter: 64x10}\n", "  - {name: fc, op: fc, filter: 64x10, act: mish}\n"),
])
def test_the_schema_rejects_what_mncost_rejects(old: str, new: str) -> None:
    assert old in BASE
    parse_spec(BASE, "t.yaml")
    check_against_schema("spec", yaml.safe_load(BASE))
    text = BASE.replace(old, new, 1)
    with pytest.raises(SpecError):
        parse_spec(text, "t.yaml")
    errors = list(Draft7Validator(schema("spec")).iter_errors(yaml.safe_load(text)))
    assert errors, new


# -- documents --------------------------------------------------------------------------------------

@pytest.mark.parametrize("args", [
    ["show", "v1", "-f", "json"],
    ["show", "v3-large", "-f", "json", "--count", "flops", "--memory-model", "streamed"],
    ["sweep", "v1", "--alpha", "1,0.5", "--resolution", "224,160", "-f", "json", "--pivot", "macs"],
    ["sweep", "v2", "--alpha", "0.5", "--rho", "1", "-f", "json", "--count", "flops"],
    ["diff", "v1", "v1@alpha=0.75", "-f", "json", "--fail-on", "macs>+5%", "--fail-on", "params>-1.5M"],
    ["diff", "v1", "v2", "-f", "json", "--all", "--count", "flops"],
    ["memory", "v2", "-f", "json"],
    ["fit", "v2", "--max-macs", "150M", "-f", "json"],
    ["fit", "v1", "--max-macs", "100M", "--vary", "rho", "-f", "json", "--count", "flops"],
    ["fit", "v1", "--max-macs", "100M", "--max-params", "2M", "--vary", "both", "-f", "json"],
    ["formula", "v1", "-f", "json"],
    ["formula", "v2", "-f", "json", "--count", "flops"],
])
def test_every_json_document_matches_its_schema(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(main, args, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.stderr  # 1: a diff threshold exceeded
    document = json.loads(result.stdout)
    check_against_schema(document["schema"], document)
    assert document["schema"] == DOCUMENTS[args[0] if args[0] != "show" else "report"]


def test_a_broken_document_is_caught(runner: CliRunner) -> None:
    document = json.loads(runner.invoke(main, ["show", "v1", "-f", "json"]).stdout)
    document["totals"]["macs"] = "568M"
    assert list(Draft7Validator(schema("report")).iter_errors(document))
    del document["totals"]
    document["totals2"] = {}
    assert len(list(Draft7Validator(schema("report")).iter_errors(document))) == 2


# -- the field tables in docs/ name exactly the schema's fields ----------------------------------------

def fields(node: dict[str, object], defs: dict[str, object], prefix: str = "", leaves: bool = False) -> set[str]:
    """Every field path of a schema: `totals.macs`, `layers[].name` (shared definitions followed);
    with `leaves`, only those that are not objects with fields of their own."""
    if "$ref" in node:
        return fields(defs[str(node["$ref"]).rsplit("/", 1)[1]], defs, prefix, leaves)  # type: ignore[arg-type]
    for option in node.get("anyOf", []):  # type: ignore[attr-defined]
        if isinstance(option, dict) and option.get("type") == "object":
            return fields(option, defs, prefix, leaves)
    if node.get("type") == "array" and isinstance(node.get("items"), dict):
        items: dict[str, object] = node["items"]  # type: ignore[assignment]
        return fields(items, defs, prefix + "[]", leaves) if items.get("type") == "object" else set()
    found = set()
    for key, value in node.get("properties", {}).items():  # type: ignore[attr-defined]
        path = f"{prefix}.{key}" if prefix else key
        inner = fields(value, defs, path, leaves)
        found |= inner | ({path} if not (leaves and inner) else set())
    return found


def readme_fields(where: tuple[str, str]) -> set[str]:
    name, heading = where
    section = doc_section(page(name), heading)
    documented = set()
    for path in re.findall(r"^\| `([^`]+)` \|", section, re.M):
        if "METRIC" in path:
            documented |= {path.replace("METRIC", m.value) for m in Metric}
        else:
            documented.add(path)
    return documented


@pytest.mark.parametrize(("name", "heading"), [
    ("report", ("json", "## `mncost.report/1`")), ("sweep", ("json", "## `mncost.sweep/1`")),
    ("diff", ("diff", "## The mncost.diff/1 JSON document")),
])
def test_docs_document_every_schema_field(name: str, heading: tuple[str, str]) -> None:
    document = schema(name)
    defs: dict[str, object] = document["definitions"]  # type: ignore[assignment]
    documented = readme_fields(heading)
    assert documented - fields(document, defs) == set()  # nothing documented that is not there
    assert fields(document, defs, leaves=True) - documented == set()  # every value documented


# -- mncost schema ----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [*NAMES, *DOCUMENTS.values()])
def test_mncost_schema_prints_the_file(runner: CliRunner, name: str) -> None:
    result = runner.invoke(main, ["schema", name], catch_exceptions=False)
    assert result.exit_code == 0 and result.stdout == schema_text(name)
    path = runner.invoke(main, ["schema", "--path", name]).stdout.strip()
    assert Path(path).read_text(encoding="utf-8") == schema_text(name)


def test_mncost_schema_lists_and_suggests(runner: CliRunner) -> None:
    listed = runner.invoke(main, ["schema"], catch_exceptions=False).stdout
    assert [line.split()[0] for line in listed.splitlines()] == list(NAMES)
    result = runner.invoke(main, ["schema", "reprot"])
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == ("Error: unknown schema 'reprot'; did you mean 'report'? "
                             f"(schemas: {', '.join(NAMES)})\n")


def test_the_docs_python_example_runs(tmp_path: Path) -> None:
    """docs/schemas.md's example, as written, as a script (it runs the installed `mncost`)."""
    import shutil
    import subprocess
    import sys

    if shutil.which("mncost") is None:
        pytest.skip("no mncost on PATH")
    page = (ROOT / "docs/schemas.md").read_text(encoding="utf-8")
    [code] = re.findall(r"```python\n(.*?)```", page, re.S)
    script = tmp_path / "example.py"
    script.write_text(code + "print('valid')\n", encoding="utf-8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, cwd=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (0, "valid\n", "")
