"""The specs shipped with mncost (`mncost show v1`): where they are and how to name them."""

from __future__ import annotations

from pathlib import Path

from .errors import SpecError


def specs_dir() -> Path:
    """Bundled specs: `mncost/specs` inside an installed wheel, `specs/` in a source checkout."""
    package = Path(__file__).resolve().parent
    installed = package / "specs"
    if installed.is_dir():
        return installed
    return package.parent / "specs"


def bundled_names() -> list[str]:
    return sorted(p.stem for p in specs_dir().glob("*.yaml"))


def locate(spec: str) -> tuple[Path, str]:
    """A spec argument as (path, name shown in messages): a bundled name or a file path."""
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
