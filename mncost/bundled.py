"""The specs shipped with mncost (`mncost show v1`): where they are and how to name them.

Paths are plain strings (os.path) here: pathlib and what it imports would add a tenth to every
command's start-up time.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .errors import SpecError

if TYPE_CHECKING:
    from pathlib import Path


def data_path(folder: str) -> str:
    """A folder shipped with mncost (`specs`, `devices`, `schemas`): `mncost/FOLDER` inside an
    installed wheel, `FOLDER/` at the top of a source checkout."""
    package = os.path.dirname(os.path.realpath(__file__))
    installed = os.path.join(package, folder)
    if os.path.isdir(installed):
        return installed
    return os.path.join(os.path.dirname(package), folder)


def specs_path() -> str:
    """Bundled specs."""
    return data_path("specs")


def specs_dir() -> Path:
    """`specs_path()` as a Path."""
    from pathlib import Path

    return Path(specs_path())


def bundled_names() -> list[str]:
    return sorted(name[:-5] for name in os.listdir(specs_path()) if name.endswith(".yaml"))


def is_onnx(path: str) -> bool:
    """An ONNX model file (read by mncost.onnx_import) rather than a YAML spec: by its suffix."""
    return path.lower().endswith(".onnx")


def _normal(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def nearest_bundled(word: str) -> str | None:
    """The bundled spec a mistyped or long-form name most likely means: `mobilenet-v2` -> v2,
    `MobileNetV3-Large` -> v3-large (a spec's family joined with its name), else the closest name."""
    import re

    from .hints import nearest

    aliases: dict[str, set[str]] = {}
    for name in bundled_names():
        with open(os.path.join(specs_path(), f"{name}.yaml"), encoding="utf-8") as handle:
            found = re.search(r"^family:\s*(.+?)\s*$", handle.read(), re.M)
        family, short = _normal(found[1]) if found else "", _normal(name)
        version = re.search(r"v\d+$", family)
        joined = family + short.removeprefix(version[0]) if version and short.startswith(version[0]) else family + short
        for alias in {short, family, joined} - {""}:
            aliases.setdefault(alias, set()).add(name)
    close = nearest(_normal(word), aliases, cutoff=0.7)
    if close is None:
        return nearest(word, bundled_names())
    return next(iter(aliases[close])) if len(aliases[close]) == 1 else None  # MobileNet V3: four specs


def locate(spec: str) -> tuple[str, str]:
    """A spec argument as (path, name shown in messages): a bundled name or a file path."""
    if not spec.strip():
        raise SpecError(None, "the spec argument is empty (give a bundled name such as v1, or a YAML file)")
    looks_like_path = spec.endswith((".yaml", ".yml")) or is_onnx(spec) or "/" in spec or "\\" in spec
    if not looks_like_path:
        bundled = os.path.join(specs_path(), f"{spec}.yaml")
        if os.path.isfile(bundled):
            return bundled, f"specs/{spec}.yaml"
        if not os.path.exists(spec):
            close = nearest_bundled(spec)
            hint = f"; did you mean '{close}'?" if close else " ('mncost list' names the bundled specs)"
            raise SpecError(None, f"unknown spec '{spec}': not a bundled name nor a file{hint}")
    return spec, spec
