"""Writing an output file safely: all or nothing.

The caller renders the whole output first. `write_atomic` then writes it to a temporary file in
the target's folder and renames it over the target (`os.replace`, atomic on POSIX and Windows).
If anything fails or is interrupted (disk full, permission denied, Ctrl-C), the temporary file is
removed and the target keeps its old content, or stays absent. `click.open_file(atomic=True)` is
not used: it replaces the target even when the block writing it raised.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import MncostError


class OutputError(MncostError):
    """An output file could not be written (exit code 2; the target is left as it was)."""


def check_target(path: str | os.PathLike[str]) -> None:
    """Fail early (before a long computation) when `path` cannot be an output file."""
    target = Path(path)
    folder = target.parent
    if not folder.is_dir():
        raise OutputError(f"{os.fspath(path)}: cannot write: folder {os.fspath(folder)!r} does not exist")
    if target.is_dir():
        raise OutputError(f"{os.fspath(path)}: cannot write: it is a folder")


def _new_file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777  # keep the permissions of the file being replaced
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def write_atomic(path: str | os.PathLike[str], content: str | bytes) -> None:
    """Replace `path` with `content` (text is written as UTF-8) atomically; on any failure leave
    it as it was."""
    target = Path(path)
    check_target(target)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.chmod(tmp, _new_file_mode(target))
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        if isinstance(exc, OSError):
            raise OutputError(f"{os.fspath(path)}: cannot write: {exc.strerror or exc}") from exc
        raise
