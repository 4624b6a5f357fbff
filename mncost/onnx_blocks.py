"""Repeated blocks of an imported ONNX model as block templates and stage tables.

PyTorch's exporter names each node by its module path (`/features/features.3/conv/conv.0/Conv`).
The rows of one numbered module (`features.3`, `layer2.0`, `features.1.0`: the deepest chain of
`name.N` levels) form a block. Blocks whose rows have the same ops, wiring and fixed attributes
share a template; an attribute that differs between them (output channels, stride, kernel,
activation, ...) becomes a parameter, a column of the stage table. Consecutive blocks of one
template form a stage table; a block whose only difference from the one before it is a stride of 1
joins that row (`n`, as in the V2 paper's t/c/n/s table).

Nothing here decides a figure: the importer keeps the result only if it evaluates to exactly the
flat import's layers (shapes, parameters, MACs at α = 1 and 0.5), else it writes the flat rows.
Channel parameters stay literal widths, so α scales them as in the flat spec.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .onnx_import import Entry, row_text
from .ops import OPS

_NUMBERED = re.compile(r"^(.*)\.(\d+)$")
_PREFIX = {"out": "c", "stride": "s", "kernel": "k", "act": "act", "groups": "g", "multiplier": "m",
           "parts": "parts", "part": "part"}
_KIND = {"out": "channels", "act": "act"}
"""Attributes a template may take as parameters, with the parameter's name prefix and kind (int else)."""


def _block_key(node: str) -> tuple[str | None, str]:
    """(the numbered module the node belongs to, the node's name inside it)."""
    parts = [p for p in node.split("/") if p]
    modules, op = parts[:-1], parts[-1] if parts else node
    key, end = None, -1
    for i, part in enumerate(modules):
        m = _NUMBERED.match(part)
        if m is None:
            if key is not None:
                break
            continue
        if key is None and (i == 0 or m[1] == modules[i - 1] or m[1].endswith(modules[i - 1])):
            key, end = part, i
        elif key is not None and m[1] == key:
            key, end = part, i
        elif key is not None:
            break
    rest = modules[end + 1:] if key is not None else modules
    if key is not None:  # the dynamo exporter repeats the whole path at each level
        rest = [p[len(key) + 1:] if p.startswith(key + ".") else p for p in rest]
    kept = [p for p, after in zip(rest, rest[1:] + [""], strict=False) if not after.startswith(p + ".")]
    local = re.sub(r"[^A-Za-z0-9_]+", "_", "_".join(kept + [op])).strip("_") or "op"
    if not re.match(r"[A-Za-z_]", local):
        local = f"n{local}"
    return key, local


@dataclass
class _Block:
    key: str
    entries: list[Entry]
    locals: list[str]
    input: str = ""
    template: int = -1
    residual: bool = False
    skipped: bool = False  # the template's first row (an expansion) is absent: t = 1
    values: dict[str, Any] = field(default_factory=dict)


def _signature(block: _Block, defaults: dict[str, Any]) -> tuple[Any, ...] | None:
    inside = dict(zip((e.output for e in block.entries), block.locals, strict=True))
    sig = []
    for e, local in zip(block.entries, block.locals, strict=True):
        refs = []
        for t in e.inputs:
            if t in inside:
                refs.append(inside[t])
            elif t == block.input:
                refs.append("in")
            else:
                return None  # reads a tensor from outside other than the block's input
        fixed = tuple(sorted((k, v) for k, v in e.fields.items() if k not in _PREFIX))
        settable = OPS[e.fields["op"]].attrs
        sig.append((local, fixed, tuple(refs), tuple(sorted(k for k in _PREFIX if k in settable))))
    return tuple(sig)


def _residual(sig: tuple[Any, ...]) -> tuple[tuple[Any, ...], Any]:
    """A signature without a last `add` of the block input and the row before it (a residual
    connection, present in some blocks of a stage and not in others), and that row or None."""
    if len(sig) >= 2:
        local, fixed, refs, _ = sig[-1]
        if dict(fixed).get("op") == "add" and sorted(refs) == sorted(["in", sig[-2][0]]):
            return sig[:-1], sig[-1]
    return sig, None


def _value(e: Entry, key: str, defaults: dict[str, Any]) -> Any:
    if key in e.fields:
        return e.fields[key]
    return _default(e, key, defaults)


def _default(e: Entry, key: str, defaults: dict[str, Any]) -> Any:
    """The value a row has when it does not write `key`."""
    return {"stride": 1, "groups": 1, "multiplier": 1,
            "act": "none" if e.fields["op"] == "fc" else defaults["act"]}.get(key)


def _canonical(sig: tuple[Any, ...], drop_first: bool = False) -> tuple[Any, ...]:
    """A signature with its rows' local names replaced by positions (the block input: "in");
    `drop_first`: as if its first row were skipped (its readers read the block input)."""
    rows = sig[1:] if drop_first else sig
    position = {row[0]: i for i, row in enumerate(rows)}
    if drop_first:
        position[sig[0][0]] = -1
    return tuple((fixed, tuple(-1 if r == "in" else position[r] for r in refs), varying)
                 for _, fixed, refs, varying in rows)


def _expansion(long: tuple[Any, ...], members: list[_Block], channels: Callable[[str], int] | None,
               defaults: dict[str, Any]) -> list[int] | None:
    """The expansion factors t of a template whose first row is a 1x1 conv to t × its input's
    channels in every member (t = 1 where the row is skipped), or None."""
    if channels is None or dict(long[0][1]).get("op") != "conv" or "out" not in long[0][3]:
        return None
    factors = []
    for b in members:
        if b.skipped:
            factors.append(1)
            continue
        if _value(b.entries[0], "kernel", defaults) != 1:
            return None
        width, out = channels(b.input), b.entries[0].fields.get("out")
        if not isinstance(out, int) or width <= 0 or out % width:
            return None
        factors.append(out // width)
    return factors if max(factors) > 1 else None


def _divisor(vector: tuple[Any, ...], members: list[_Block], channels: Callable[[str], int] | None) -> int | None:
    """q >= 2 when every member's width is max(1, its input width // q), else None."""
    if channels is None or not all(isinstance(v, int) and v > 0 for v in vector):
        return None
    first = channels(members[0].input)
    if first % vector[0]:
        return None
    q = first // vector[0]
    if q < 2 or any(v != max(1, channels(b.input) // q) for v, b in zip(vector, members, strict=True)):
        return None
    return int(q)


def recover(entries: list[Entry], image: str, defaults: dict[str, Any],
            channels: Callable[[str], int] | None = None) -> list[str] | None:
    """The `blocks:` and `layers:` lines of the spec with blocks recovered, or None. `channels`
    gives a tensor's channel count: with it, an expansion width becomes `in * t` (and a block
    without the expansion row joins its template with t = 1) and a residual add that exists
    exactly where the stride is 1 and the widths match becomes that condition, as in the V2
    paper's table."""
    items: list[Entry | _Block] = []
    for e in entries:
        key, local = _block_key(e.path or e.node)
        local += e.suffix
        last = items[-1] if items else None
        if key is not None and isinstance(last, _Block) and last.key == key:
            last.entries.append(e)
            last.locals.append(local)
        elif key is not None:
            if any(isinstance(i, _Block) and i.key == key for i in items):
                return None  # a block's rows are not contiguous
            items.append(_Block(key, [e], [local]))
        else:
            items.append(e)
    previous = image
    for item in items:
        if isinstance(item, _Block):
            item.input = previous
            previous = item.entries[-1].output
        else:
            previous = item.output
    blocks = [i for i in items if isinstance(i, _Block)]
    if not blocks:
        return None
    signatures: list[tuple[Any, ...]] = []
    adds: list[Any] = []  # per template: its residual add row, or None
    for b in blocks:
        if len(set(b.locals)) != len(b.locals):
            return None
        full = _signature(b, defaults)
        if full is None:
            return None
        sig, add = _residual(full)
        b.residual = add is not None
        if sig not in signatures:
            signatures.append(sig)
            adds.append(add)
        adds[signatures.index(sig)] = adds[signatures.index(sig)] or add
        b.template = signatures.index(sig)
    for i, short in enumerate(signatures):  # a block without the template's expansion row (t = 1)
        for j, long in enumerate(signatures):
            if len(long) != len(short) + 1 or _canonical(long, drop_first=True) != _canonical(short):
                continue
            if adds[i] is not None and adds[j] is None:
                continue
            members = [b for b in blocks if b.template in (i, j)]
            trial = [(b, b.skipped) for b in members]
            for b in members:
                b.skipped = b.template == i
            if _expansion(long, members, channels, defaults) is None:
                for b, was in trial:
                    b.skipped = was
                continue
            for b in members:
                b.template = j
            break
    uses = [sum(1 for b in blocks if b.template == t) for t in range(len(signatures))]
    templates: dict[int, tuple[str, list[str], dict[tuple[int, str], str], dict[str, str], bool, dict[str, str]]] = {}
    constants: dict[int, dict[tuple[int, str], Any]] = {}
    extras: dict[int, tuple[str | None, str | None]] = {}  # template -> (expansion `when`, residual `when`)
    for t, sig in enumerate(signatures):
        if uses[t] < 2 or len(sig) < 2:  # a template for one block, or of one row, reads no better
            continue
        members = [b for b in blocks if b.template == t]
        complete = next(b for b in members if not b.skipped)

        def value(b: _Block, k: int, key: str, complete: _Block = complete) -> Any:
            if not b.skipped:
                return _value(b.entries[k], key, defaults)
            return _value(complete.entries[0], key, defaults) if k == 0 else _value(b.entries[k - 1], key, defaults)

        params: dict[tuple[int, str], str] = {}  # (row, attribute) -> parameter name
        kinds: dict[str, str] = {}
        vectors: dict[tuple[Any, ...], str] = {}
        counts: dict[str, int] = {}
        factors = _expansion(sig, members, channels, defaults)
        lets: dict[str, str] = {}
        if factors is not None:
            params[(0, "out")], kinds["t"] = "t", "int"
            lets["expanded"] = "in * t"
        for k, (_, _, _, varying) in enumerate(sig):
            for key in varying:
                if (k, key) in params:
                    continue
                vector = tuple(value(b, k, key) for b in members)
                if key == "out" and factors is not None and channels is not None and \
                        vector == tuple(channels(b.input) * f for b, f in zip(members, factors, strict=True)):
                    params[(k, key)] = "expanded"  # e.g. squeeze-and-excite's gate: the expanded width
                    continue
                divisor = _divisor(vector, members, channels) if key == "out" else None
                if divisor is not None:  # squeeze-and-excite's squeeze: a fraction of the block input
                    params[(k, key)] = "squeezed"
                    lets["squeezed"] = f"max(1, in // {divisor})"
                    continue
                if len(set(vector)) == 1:
                    continue
                if (key, vector) in vectors:
                    params[(k, key)] = vectors[(key, vector)]
                    continue
                counts[key] = counts.get(key, 0) + 1
                name = f"{_PREFIX[key]}{counts[key]}"
                vectors[(key, vector)] = params[(k, key)] = name
                kinds[name] = _KIND.get(key, "int")
        renames = {}
        if counts.get("stride") == 1:  # one stride parameter: `s`, so rows can repeat with `n`
            renames["s1"] = "s"
        if counts.get("out") == 1 and factors is not None:  # t and one width: the V2 paper's t, c
            renames["c1"] = "c"
        if counts.get("kernel") == 1:
            renames["k1"] = "k"
        params = {rk: renames.get(n, n) for rk, n in params.items()}
        kinds = {renames.get(n, n): v for n, v in kinds.items()}
        names = sorted(kinds, key=lambda n: [rk for rk, v in params.items() if v == n][0])
        if factors is not None:  # t first, as in the V2 paper's t, c, n, s
            names = ["t"] + [n for n in names if n != "t"]
        for b in members:
            b.values = {params[(k, key)]: value(b, k, key) for (k, key) in params}
            if factors is not None:
                b.values["t"] = factors[members.index(b)]
        optional = adds[t] is not None and len({b.residual for b in members}) > 1
        residual_when = _residual_condition(sig, members, params, channels) if optional else None
        if optional and residual_when is None:  # the residual add exists in some blocks: a bool column says which
            names.append("res")
            kinds["res"] = "bool"
            for b in members:
                b.values["res"] = "true" if b.residual else "false"
        templates[t] = (f"block{len(templates) + 1}", names, params, kinds, optional, lets)
        extras[t] = ("t != 1" if factors is not None and any(b.skipped for b in members) else None, residual_when)
        constants[t] = {(k, key): value(members[0], k, key)
                        for k, (_, _, _, varying) in enumerate(sig) for key in varying if (k, key) not in params}
    return _write(items, templates, signatures, adds, constants, extras, image, defaults)


def _residual_condition(sig: tuple[Any, ...], members: list[_Block], params: dict[tuple[int, str], str],
                        channels: Callable[[str], int] | None) -> str | None:
    """`s == 1 and in == c` when the residual add exists in exactly the members whose stride is 1
    and whose output width equals their input's (the V2 paper's rule), else None."""
    out = params.get((len(sig) - 1, "out"))
    strides = [name for (_, key), name in params.items() if key == "stride"]
    if channels is None or out is None or len(set(strides)) > 1:
        return None
    stride = strides[0] if strides else None
    for b in members:
        expected = channels(b.input) == channels(b.entries[-1].output) and (stride is None or b.values[stride] == 1)
        if expected != b.residual:
            return None
    return (f"{stride} == 1 and " if stride else "") + f"in == {out}"


def _write(items: list[Entry | _Block], templates: dict[int, Any], signatures: list[Any], adds: list[Any],
           constants: dict[int, dict[tuple[int, str], Any]], extras: dict[int, tuple[str | None, str | None]],
           image: str, defaults: dict[str, Any]) -> list[str] | None:
    lines = ["blocks:"]
    for t, (name, names, params, kinds, optional, lets) in templates.items():
        first = next(i for i in items if isinstance(i, _Block) and i.template == t and not i.skipped)
        with_add = next((i for i in items if isinstance(i, _Block) and i.template == t and i.residual), first)
        expand_when, residual_when = extras[t]
        lines += [f"  {name}:", f"    description: \"rows of {first.key} and the modules like it\""]
        lines.append("    params: {" + ", ".join(f"{n}: {kinds[n]}" for n in names) + "}")
        if lets:  # widths that follow from the block's input width (and t)
            lines.append("    let: {" + ", ".join(f'{n}: "{text}"' for n, text in lets.items()) + "}")
        lines.append("    ops:")
        previous = "in"
        template_rows = list(signatures[t]) + ([adds[t]] if adds[t] is not None else [])
        for k, (local, _, refs, varying) in enumerate(template_rows):
            source = with_add if k == len(signatures[t]) else first
            e = source.entries[k - 1 if source.skipped and k > 0 else k]
            fields = {key: v for key, v in e.fields.items() if key not in varying}
            for key in varying:
                if (k, key) == (0, "out") and params.get((0, "out")) == "t":
                    fields[key] = "expanded"
                elif params.get((k, key)) in lets:
                    fields[key] = params[(k, key)]
                elif (k, key) in params:
                    fields[key] = params[(k, key)]
                elif (k, key) in constants[t] and constants[t][(k, key)] != _default(e, key, defaults):
                    fields[key] = constants[t][(k, key)]
            fields = {key: fields[key] for key in e.fields if key in fields} | \
                {key: v for key, v in fields.items() if key not in e.fields}
            refs = list(refs)
            if k == len(signatures[t]):  # skipped, an op passes its first input on: the block's last row
                refs = [previous, "in"]
            text = row_text(local, fields, None if refs == [previous] else refs, "      ")
            if k == len(signatures[t]) and optional:
                text = text[:-1] + (f', when: "{residual_when}"}}' if residual_when else ", when: res}")
            elif k == 0 and expand_when:
                text = text[:-1] + f', when: "{expand_when}"}}'  # skipped: the block input passes on
            lines.append(text)
            previous = local
    if len(lines) == 1:
        return None
    lines.append("layers:")
    names = {image: "in"}
    previous_name, stage = "in", 0
    k = 0
    while k < len(items):
        item = items[k]
        if isinstance(item, Entry) or item.template not in templates:
            for e in (item.entries if isinstance(item, _Block) else [item]):
                refs = [names.get(x) for x in e.inputs]
                if None in refs:
                    return None
                lines.append(row_text(e.name, e.fields, None if refs == [previous_name] else
                                      [str(r) for r in refs]))
                names[e.output] = previous_name = e.name
            k += 1
            continue
        name, pnames, _, _, _, _ = templates[item.template]
        run = [item]
        while k + len(run) < len(items) and isinstance(items[k + len(run)], _Block) and \
                items[k + len(run)].template == item.template:  # type: ignore[union-attr]
            run.append(items[k + len(run)])  # type: ignore[arg-type]
        rows: list[tuple[dict[str, Any], int]] = []
        for b in run:
            last_row = rows[-1] if rows else None
            same = last_row is not None and "s" in pnames and b.values.get("s") == 1 and \
                all(b.values[n] == last_row[0][n] for n in pnames if n != "s")
            if same and last_row is not None:
                rows[-1] = (last_row[0], last_row[1] + 1)
            else:
                rows.append((b.values, 1))
        repeat = any(n > 1 for _, n in rows)
        columns = [n for n in pnames if n != "s"] + (["n"] if repeat else []) + (["s"] if "s" in pnames else [])
        lines += [f"  - table: {name}", "    name: stage", f"    start: {stage + 1}",
                  "    columns: [" + ", ".join(columns) + "]", "    rows:"]
        for values, n in rows:
            cells = [values[c] if c != "n" else n for c in columns]
            lines.append("      - [" + ", ".join(str(v) for v in cells) + "]")
        # Later rows may read only a table row's output (its last block), by the row's name.
        done = 0
        for i, (_, n) in enumerate(rows):
            done += n
            names[run[done - 1].entries[-1].output] = f"stage{stage + i + 1}"
        stage += len(rows)
        previous_name = names[run[-1].entries[-1].output]
        k += len(run)
    return lines
