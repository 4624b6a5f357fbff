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


def specs_path() -> str:
    """Bundled specs: `mncost/specs` inside an installed wheel, `specs/` in a source checkout."""
    package = os.path.dirname(os.path.realpath(__file__))
    installed = os.path.join(package, "specs")
    if os.path.isdir(installed):
        return installed
    return os.path.join(os.path.dirname(package), "specs")


def specs_dir() -> Path:
    """`specs_path()` as a Path."""
    from pathlib import Path

    return Path(specs_path())


def bundled_names() -> list[str]:
    return sorted(name[:-5] for name in os.listdir(specs_path()) if name.endswith(".yaml"))


def is_onnx(path: str) -> bool:
    """An ONNX model file (read by mncost.onnx_import) rather than a YAML spec: by its suffix."""
    return path.lower().endswith(".onnx")


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
            known = ", ".join(bundled_names())
            raise SpecError(None, f"unknown spec '{spec}': not a bundled name ({known}) nor a file")
    return spec, spec
