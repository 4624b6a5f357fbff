"""How fast each resource limit is reached, and with how much memory.

    python benchmarks/limits.py

Each case is a hostile input that must end in one clear SpecError/ConfigError (docs/limits.md).
Prints the time to the error and the peak memory traced while reaching it (tracemalloc, so the
times include its overhead). Targets: well under a second and a few tens of MB each.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

from mncost import Config, MncostError, build_graph, evaluate
from mncost import expr as expr_module
from mncost.errors import Location
from mncost.spec import parse_spec
from mncost.yamlload import MAX_BYTES, read_text

HEADER = "name: t\ndescription: d\nsource: s\ninput: {resolution: 32, channels: 3}\n"


def spec_text(text: str) -> Callable[[], object]:
    return lambda: evaluate(build_graph(parse_spec(text, "t.yaml")), Config())


def billion_laughs() -> str:
    lines = ["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def template_chain(length: int) -> str:
    blocks = "".join(f"  b{i}:\n    ops:\n      - {{name: x, block: b{i + 1}}}\n" for i in range(length - 1))
    blocks += f"  b{length - 1}:\n    ops:\n      - {{name: r, op: relu}}\n"
    return HEADER + "blocks:\n" + blocks + "layers:\n  - {name: top, block: b0}\n"


CASES: dict[str, Callable[[], object]] = {
    "billion laughs (10^9 nodes by aliases)": spec_text(billion_laughs()),
    "file over the size limit": lambda: read_text("t.yaml", b"#" * (MAX_BYTES + 1)),
    "flow nesting 1,000,000 deep": spec_text("[" * 1_000_000),
    "block nesting 2,000 deep": spec_text("".join(" " * i + f"k{i}:\n" for i in range(2_000))),
    "4 MB of empty mappings": spec_text("[" + "{}," * (MAX_BYTES // 3 - 1) + "]"),
    "stage table 101 rows x n=1000": spec_text(
        HEADER + "blocks:\n  one:\n    ops:\n      - {name: r, op: relu}\n"
        + "layers:\n  - table: one\n    columns: [n]\n    rows:\n" + "      - [1000]\n" * 101),
    "nested tables 1000 x 1000": spec_text(
        HEADER + "blocks:\n  one:\n    ops:\n      - {name: r, op: relu}\n  many:\n    ops:\n"
        + "      - {table: one, columns: [n], rows: [[1000]]}\n"
        + "layers:\n  - {table: many, columns: [n], rows: [[1000]]}\n"),
    "template chain 1,000 long": spec_text(template_chain(1_000)),
    "expression 10**15 ** 64": lambda: expr_module.parse("(10 ** 15) ** 64", [], Location("t", 1))({}),
    "expression 300 parentheses": lambda: expr_module.parse("(" * 300 + "1", [], Location("t", 1)),
    "expression 1+1+...+1 (250 terms)": lambda: expr_module.parse("1" + "+1" * 249, [], Location("t", 1)),
    "channels 2 x 600,000 concatenated": spec_text(
        HEADER + "layers:\n  - {name: c1, op: conv, kernel: 1, out: 600000}\n"
        + "  - {name: cat, op: concat, inputs: [c1, c1]}\n"),
}


def main() -> None:
    width = max(map(len, CASES))
    print(f"{'case':<{width}}  {'seconds':>8}  {'peak MB':>8}  error")
    for name, case in CASES.items():
        start = time.perf_counter()
        try:
            case()
            error = "NO ERROR"
        except MncostError as exc:
            error = str(exc)[:70]
        seconds = time.perf_counter() - start
        tracemalloc.start()
        try:
            case()
        except MncostError:
            pass
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        print(f"{name:<{width}}  {seconds:8.3f}  {peak:8.1f}  {error}")


if __name__ == "__main__":
    main()
