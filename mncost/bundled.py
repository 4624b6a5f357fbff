"""The specs shipped with mncost (`mncost show v1`): where they are and how to name them."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from .errors import SpecError


def specs_dir() -> Path:
    """Bundled specs: `mncost/specs` inside an installed wheel, `specs/` in a source checkout."""
    installed = Path(str(resources.files("mncost"))) / "specs"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "specs"


def bundled_names() -> list[str]:
    return sorted(p.stem for p in specs_dir().glob("*.yaml"))


def locate(spec: str) -> tuple[Path, str]:
    """A spec argument as (path, name shown in messages): a bundled name or a file path."""
    if not spec.strip():
        raise SpecError(None, "the spec argument is empty (give a bundled name such as v1, or a YAML file)")
    path = Path(spec)
    looks_like_path = path.suffix in (".yaml", ".yml") or "/" in spec or "\\" in spec
    if not looks_like_path:
        bundled = specs_dir() / f"{spec}.yaml"
        if bundled.is_file():
            return bundled, f"specs/{spec}.yaml"
        if not path.exists():
            known = ", ".join(bundled_names())
            raise SpecError(None, f"unknown spec '{spec}': not a bundled name ({known}) nor a file")
    return path, spec
