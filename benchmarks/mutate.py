"""Mutation testing of the modules that produce figures, with a small AST mutator (opt-in, slow).

    nice -n 10 python benchmarks/mutate.py ops              # every mutant of mncost/ops.py
    nice -n 10 python benchmarks/mutate.py ops --list       # the mutants, without running tests
    nice -n 10 python benchmarks/mutate.py ops --only 120:11:Add-Sub,88:4:not
    python benchmarks/mutate.py --modules                   # the modules and their test subsets

Each mutant is one small change to one module (an arithmetic operator swapped, a comparison
flipped, `and`/`or` swapped, a `not` dropped, an integer constant + 1, True/False swapped, an `if`
condition negated, a returned value replaced by None). The module is rewritten from its syntax tree
(comments and formatting are lost, which changes nothing the tests see) into a copy of the
worktree under a temporary directory, and the module's fast test subset (`SUBSETS`) runs there
with `pytest -x` and a time-out. A mutant is *killed* when the tests fail or time out, *survives*
when they pass. Mutants listed in `benchmarks/mutants_equivalent.txt` (`module id  reason`) cannot
change any result and are left out of the score.

Prints one line per surviving mutant and the score (killed / (mutants − equivalent)); writes every
outcome to `--out` (JSON lines) when given. One module at a time, one test process at a time: the
machine is shared. Not part of the default test run.
"""

from __future__ import annotations

import argparse
import ast
import copy
import importlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENT = ROOT / "benchmarks" / "mutants_equivalent.txt"

SUBSETS: dict[str, list[str]] = {
    "ops": ["tests/test_registry.py", "tests/test_reference_v1.py", "tests/test_reference_v2.py",
            "tests/test_bad_specs.py", "tests/test_spec_extensions.py", "tests/test_zoo.py"],
    "walk": ["tests/test_reference_v1.py", "tests/test_reference_v2.py", "tests/test_bad_specs.py",
             "tests/test_spec_language.py"],
    "evaluate": ["tests/test_reference_v1.py", "tests/test_reference_v2.py", "tests/test_bad_specs.py",
                 "tests/test_memory.py", "tests/test_spec_language.py"],
    "domain": ["tests/test_reference_v1.py", "tests/test_formula.py", "tests/test_sweep.py"],
    "expr": ["tests/test_spec_language.py", "tests/test_bad_specs.py", "tests/test_reference_v1.py",
             "tests/test_numbers.py"],
    "liveness": ["tests/test_memory.py", "tests/test_memory_invariants.py", "tests/test_table3.py"],
    "conventions": ["tests/test_reference_v1.py", "tests/test_reference_v2.py", "tests/test_zoo.py"],
    "formula": ["tests/test_formula.py"],
    "sweep": ["tests/test_sweep.py", "tests/test_sweep_tables.py", "tests/test_stream.py"],
    "thresholds": ["tests/test_thresholds.py"],
    "diff": ["tests/test_diff.py", "tests/test_diff_readme.py"],
    "space_batch": ["tests/test_space_batch.py"],
}
"""Per module, the test files that exercise it and run in seconds (the whole suite takes minutes)."""

SWAPS: dict[type[ast.AST], type[ast.AST]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Add, ast.FloorDiv: ast.Mult, ast.Div: ast.Mult,
    ast.Mod: ast.FloorDiv, ast.Pow: ast.Mult, ast.BitOr: ast.BitAnd, ast.BitAnd: ast.BitOr,
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In, ast.And: ast.Or, ast.Or: ast.And,
}


def _docstring_ids(tree: ast.AST) -> set[int]:
    """ids of the docstring expressions (never mutated)."""
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                out.add(id(body[0].value))
        # attribute docstrings: a string expression statement after an assignment
        for field in ("body", "orelse"):
            stmts = getattr(node, field, None)
            for stmt in stmts if isinstance(stmts, list) else []:
                if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                    out.add(id(stmt.value))
    return out


def _skipped(tree: ast.AST) -> set[int]:
    """ids of nodes inside annotations, `__all__` and `if TYPE_CHECKING:` (no run-time effect)."""
    out: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            out.update(id(n) for n in ast.walk(node))

    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            mark(node.returns)
            for a in node.args.args + node.args.kwonlyargs + node.args.posonlyargs:
                mark(a.annotation)
            for a in (node.args.vararg, node.args.kwarg):
                mark(a.annotation if a else None)
        elif isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        elif isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            mark(node)
        elif isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            mark(node)
    return out


def mutants(source: str) -> Iterator[tuple[str, str]]:
    """(id, mutated source) for every mutant of `source`. The id is `line:column:what`."""
    tree = ast.parse(source)
    skip = _docstring_ids(tree) | _skipped(tree)
    sites: list[tuple[str, int]] = []  # (id, position of the node in ast.walk order)
    for position, node in enumerate(ast.walk(tree)):
        if id(node) in skip:
            continue
        where = f"{getattr(node, 'lineno', 0)}:{getattr(node, 'col_offset', 0)}"
        if isinstance(node, ast.BinOp | ast.BoolOp | ast.AugAssign) and type(node.op) in SWAPS:
            sites.append((f"{where}:{type(node.op).__name__}-{SWAPS[type(node.op)].__name__}", position))
        elif isinstance(node, ast.Compare):
            for k, op in enumerate(node.ops):
                if type(op) in SWAPS:
                    sites.append((f"{where}:{k}:{type(op).__name__}-{SWAPS[type(op)].__name__}", position))
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not | ast.USub):
            sites.append((f"{where}:drop-{type(node.op).__name__}", position))
        elif isinstance(node, ast.Constant) and type(node.value) is int:
            sites.append((f"{where}:{node.value}+1", position))
        elif isinstance(node, ast.Constant) and type(node.value) is bool:
            sites.append((f"{where}:{node.value}-{not node.value}", position))
        elif isinstance(node, ast.If | ast.IfExp | ast.While) and not isinstance(node.test, ast.Compare | ast.UnaryOp):
            sites.append((f"{where}:negate", position))
        elif isinstance(node, ast.Return) and node.value is not None \
                and not (isinstance(node.value, ast.Constant) and node.value.value is None):
            sites.append((f"{where}:return-None", position))
    seen: dict[str, int] = {}
    for name, position in sites:
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:  # nested operators that start at the same column: `a * b * c`
            name = f"{name}#{seen[name]}"
        mutated = copy.deepcopy(tree)
        nodes = list(ast.walk(mutated))
        _apply(mutated, nodes[position], name)
        yield name, ast.unparse(mutated) + "\n"


def _replace(tree: ast.AST, old: ast.AST, new: ast.AST) -> None:
    """Put `new` where `old` is in the tree."""
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if value is old:
                setattr(parent, field, new)
                return
            if isinstance(value, list):
                for k, item in enumerate(value):
                    if item is old:
                        value[k] = new
                        return


def _apply(tree: ast.AST, node: ast.AST, name: str) -> None:
    if isinstance(node, ast.BinOp | ast.BoolOp | ast.AugAssign):
        node.op = SWAPS[type(node.op)]()
    elif isinstance(node, ast.Compare):
        k = int(name.split(":")[2])
        node.ops[k] = SWAPS[type(node.ops[k])]()
    elif isinstance(node, ast.UnaryOp):  # `not x` -> `x`, `-x` -> `x`
        _replace(tree, node, node.operand)
    elif isinstance(node, ast.Constant):
        node.value = (not node.value) if type(node.value) is bool else node.value + 1
    elif isinstance(node, ast.If | ast.IfExp | ast.While):
        node.test = ast.UnaryOp(ast.Not(), node.test)
    elif isinstance(node, ast.Return):
        node.value = ast.Constant(None)


def equivalent(module: str) -> dict[str, str]:
    """The mutants marked equivalent for a module: id -> reason."""
    out = {}
    if EQUIVALENT.exists():
        for line in EQUIVALENT.read_text(encoding="utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                mod, ident, *reason = line.split(maxsplit=2)
                if mod == module:
                    out[ident] = reason[0] if reason else ""
    return out


PRELOAD = ("pytest", "hypothesis", "hypothesis.strategies", "click", "click.testing", "rich.console", "rich.table",
           "yaml", "jsonschema")
"""Imported once by this process; each mutant's tests run in a fork of it (saves the seconds of
start-up per mutant). mncost itself is never imported here, so each fork imports the mutated copy."""


def run_tests(work: Path, tests: list[str], timeout: float) -> tuple[str, float]:
    """Run `tests` in a fork that imports mncost from `work`: 'passed', 'failed' or 'timeout'."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # the child
        try:
            os.chdir(work)
            sys.path.insert(0, str(work))
            os.environ.update(PYTHONPATH=str(work), PYTHONDONTWRITEBYTECODE="1", COLUMNS="120")
            sys.dont_write_bytecode = True
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, 1)
            os.dup2(null, 2)
            import pytest

            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", "-W", "ignore", *tests])
        except BaseException:  # noqa: BLE001 - anything in the child is a failure
            code = 3
        os._exit(int(code))
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return ("passed" if code == 0 else "failed"), time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout", time.perf_counter() - start
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("module", nargs="?", help="a module of mncost (e.g. ops)")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--modules", action="store_true", help="list the modules and their test subsets")
    parser.add_argument("--only", default="", help="comma-separated mutant ids to run")
    parser.add_argument("--every", type=int, default=1, help="run every N-th mutant only (a sample)")
    parser.add_argument("--tests", default="", help="comma-separated test files instead of the module's subset")
    parser.add_argument("--out", help="write every outcome here (JSON lines)")
    args = parser.parse_args()
    if args.modules or not args.module:
        for module, tests in SUBSETS.items():
            print(f"{module}: {' '.join(tests)}")
        return 0
    module = args.module
    source = (ROOT / "mncost" / f"{module}.py").read_text(encoding="utf-8")
    everything = list(mutants(source))
    if args.only:
        wanted = set(args.only.split(","))
        everything = [m for m in everything if m[0] in wanted]
    everything = everything[::args.every]
    marked = equivalent(module)
    if args.list:
        for name, _ in everything:
            print(name + (f"  (equivalent: {marked[name]})" if name in marked else ""))
        print(f"{len(everything)} mutants")
        return 0
    tests = args.tests.split(",") if args.tests else SUBSETS[module]
    for name in PRELOAD:
        importlib.import_module(name)
    out = open(args.out, "w", encoding="utf-8") if args.out else None  # noqa: SIM115
    with tempfile.TemporaryDirectory(prefix="mncost-mutate-") as tmp:
        work = Path(tmp) / "tree"
        shutil.copytree(ROOT, work, ignore=shutil.ignore_patterns(".git", "__pycache__", "*.pyc", ".mypy_cache",
                                                                   ".ruff_cache", ".pytest_cache", ".hypothesis"))
        target = work / "mncost" / f"{module}.py"
        target.write_text(ast.unparse(ast.parse(source)) + "\n", encoding="utf-8")
        outcome, seconds = run_tests(work, tests, 600)
        if outcome != "passed":
            print(f"the tests fail on the unmutated (re-printed) module: {outcome}", file=sys.stderr)
            return 2
        timeout = 3 * seconds + 10
        print(f"{module}: {len(everything)} mutants, tests {' '.join(tests)} ({seconds:.1f} s unmutated)", flush=True)
        killed = survived = skipped = 0
        for name, mutated in everything:
            if name in marked:
                skipped += 1
                continue
            target.write_text(mutated, encoding="utf-8")
            outcome, seconds = run_tests(work, tests, timeout)
            if outcome == "passed":
                survived += 1
                print(f"SURVIVED {module} {name}", flush=True)
            else:
                killed += 1
            if out:
                out.write(json.dumps({"module": module, "id": name, "outcome": outcome,
                                      "seconds": round(seconds, 2)}) + "\n")
                out.flush()
        target.write_text(source, encoding="utf-8")
    total = killed + survived
    score = 100 * killed / total if total else 100.0
    print(f"{module}: {killed} of {total} mutants killed ({score:.1f} %), {survived} survived, "
          f"{skipped} marked equivalent")
    return 0


if __name__ == "__main__":
    sys.exit(main())
