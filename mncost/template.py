"""Starting points for a new spec (`mncost init`): a commented minimal spec, or a bundled spec
renamed. Pure text functions; the command writes the file."""

from __future__ import annotations

import re

from .errors import MncostError

MODELINE = "# yaml-language-server: $schema="
"""The first line editors read the spec schema from (see docs/schemas.md)."""

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_\-]*$")


class TemplateError(MncostError):
    """A spec name that cannot be used (exit code 2)."""


def check_name(name: str) -> str:
    if not _NAME.match(name):
        raise TemplateError(f"'{name}' cannot be a spec name: use letters, digits, '_' or '-', starting with a "
                            f"letter or '_' (e.g. my-net)")
    return name


MINIMAL = """\
{modeline}
# {name}: a new mncost spec. Edit it, then run:  mncost show {file}
# Layers are rows (op: conv, dwconv, fc, ...), block templates repeated by block rows or stage
# tables, and expressions of alpha (the width multiplier), classes and in (input channels).
# `mncost init NAME --from v2` starts from a bundled spec instead; `mncost list` shows them.
name: {name}
description: A small depthwise separable network (describe yours here)
source: where the architecture comes from (paper and table, or code)
input: {{resolution: 224, channels: 3}}
classes: 1000
defaults:
  rounding: none   # round8: every width a multiple of 8 (TF-slim, torchvision)
  padding: same
  bn: true         # conv rows get batch norm...
  act: relu        # ...and this activation, unless a row says otherwise (act: none)

blocks:
  separable:       # a template: a depthwise 3x3 conv, then a pointwise 1x1 conv
    params: {{c: channels, s: int}}   # declare every name the ops use
    ops:
      - {{name: dw, op: dwconv, kernel: 3, stride: s}}
      - {{name: pw, op: conv, kernel: 1, out: c}}

layers:
  - {{name: stem, op: conv, kernel: 3, stride: 2, out: 32}}
  - table: separable   # one row per stage: c channels, n blocks, the first with stride s
    columns: [c, n, s]
    rows:
      - [64, 1, 1]
      - [128, 2, 2]
      - [256, 2, 2]
  - {{name: pool, op: global_avgpool}}
  - {{name: fc, op: fc, out: classes}}
"""


def minimal(name: str, file: str, schema: str) -> str:
    """The commented minimal spec named `name`, to be written to `file`; `schema` is the spec
    schema's location for the editor modeline."""
    return MINIMAL.format(modeline=MODELINE + schema, name=check_name(name), file=file)


def from_bundled(text: str, name: str, origin: str, schema: str) -> str:
    """A bundled spec's text as a new spec: renamed, its modeline pointing at `schema`, with one
    comment line saying where it came from."""
    check_name(name)
    lines = text.splitlines(keepends=True)
    if lines and lines[0].startswith(MODELINE):
        lines = lines[1:]
    renamed = False
    for i, line in enumerate(lines):
        if not renamed and re.match(r"^name:\s", line):
            lines[i] = f"name: {name}\n"
            renamed = True
    if not renamed:
        raise TemplateError(f"bundled spec '{origin}' has no top-level 'name:' line")
    header = [f"{MODELINE}{schema}\n", f"# {name}: made by `mncost init {name} --from {origin}`; edit the name, "
                                        f"description, source and layers.\n"]
    return "".join(header + lines)
