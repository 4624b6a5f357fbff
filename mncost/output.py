"""Writing an output file without ever losing data: all or nothing.

Rules (docs/output.md says the same for users):

- A regular file (or a name that does not exist yet) is written to a temporary file in the
  target's folder and renamed over the target (`os.replace`, atomic on POSIX), so a failure or an
  interruption (disk full, Ctrl-C, SIGTERM) leaves the target as it was and removes the
  temporary file.
- A symbolic link is followed: the file it points to is replaced and the link stays.
- A file with several hard links is replaced under the name given; its other names keep the old
  content (a rename cannot change every name at once).
- The new file gets the permission bits of the file it replaces, without setuid, setgid or
  sticky bits, and (when mncost may) its owner and group.
- A special file (a device such as /dev/null, a FIFO, a socket) and every path under /dev/ or
  /proc/ (/dev/stdout, /dev/fd/1, ...) is written by opening it, never replaced; a regular file
  reached that way (`-o /dev/stdout > out.txt`) is appended to, as the shell's redirection asks.
- Refused with a one-line error before anything is computed: an input of the command (the spec
  file, also through a link), a folder, a missing folder, a read-only file or folder, and a name
  longer than the file system allows.

`click.open_file(atomic=True)` is not used: it replaces the target even when the block writing
it raised.
"""

from __future__ import annotations

import os
import signal
import stat
import tempfile
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from types import FrameType

from .errors import MncostError, Terminated

BUFFER = 1 << 16
"""Bytes gathered before one `os.write` when output is streamed."""


class OutputError(MncostError):
    """An output file could not be written (exit code 2; the target is left as it was)."""


def _shown(path: str | os.PathLike[str]) -> str:
    return os.fspath(path)


def _written_in_place(path: str) -> bool:
    """Devices, FIFOs, sockets and everything under /dev/ and /proc/ are opened, never replaced."""
    absolute = os.path.abspath(path)
    if absolute.startswith(("/dev/", "/proc/")):
        return True
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _name_max(folder: str) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def _read_only(mode: int) -> bool:
    return mode & 0o222 == 0


def check_target(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Fail early (before a long computation) when `path` cannot be an output file, or is one of
    the command's `inputs`."""
    shown = _shown(path)
    name = os.fspath(path)
    if not name:
        raise OutputError("the output file name is empty")
    if os.path.isdir(name):
        raise OutputError(f"{shown}: cannot write: it is a folder")
    for source in inputs:
        try:
            same = os.path.samefile(name, source)
        except OSError:
            continue
        if same:
            raise OutputError(f"{shown}: refusing to write over {_shown(source)}, an input of this command "
                              f"(give another -o file)")
    if _written_in_place(name):
        if os.path.exists(name) and not os.access(name, os.W_OK):
            raise OutputError(f"{shown}: cannot write: permission denied")
        return
    real = os.path.realpath(name)
    folder = os.path.dirname(real)
    if not os.path.isdir(folder):
        raise OutputError(f"{shown}: cannot write: folder {os.path.dirname(name) or '.'!r} does not exist")
    limit = _name_max(folder)
    if len(os.fsencode(os.path.basename(real))) > limit:
        raise OutputError(f"{shown}: cannot write: the file name is longer than {limit} bytes")
    try:
        mode = os.stat(real).st_mode
    except FileNotFoundError:
        pass
    else:
        if _read_only(mode) or not os.access(real, os.W_OK):
            raise OutputError(f"{shown}: cannot write: the file is read-only (make it writable or choose another)")
    if _read_only(os.stat(folder).st_mode) or not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"{shown}: cannot write: folder {folder!r} is read-only")


@contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While the block runs, SIGTERM raises Terminated (so the temporary file is cleaned up)
    instead of killing the process. Only in the main thread, and only over the default action."""
    if threading.current_thread() is not threading.main_thread() or \
            signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
        yield
        return

    def terminated(signum: int, frame: FrameType | None) -> None:
        raise Terminated(signum)

    signal.signal(signal.SIGTERM, terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


class Sink:
    """Where streamed output goes: `write` text (UTF-8) or bytes; gathered into BUFFER-sized writes."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._parts: list[bytes] = []
        self._size = 0

    def write(self, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        self._parts.append(data)
        self._size += len(data)
        if self._size >= BUFFER:
            self.flush()

    def flush(self) -> None:
        if self._parts:
            _write_all(self._fd, b"".join(self._parts))
            self._parts, self._size = [], 0


def _error(path: str | os.PathLike[str], exc: OSError) -> OutputError:
    return OutputError(f"{_shown(path)}: cannot write: {exc.strerror or exc}")


@contextmanager
def open_output(path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()) -> Iterator[Sink]:
    """A Sink for `path`: a regular target is replaced by what was written only when the block
    ends normally; on any exception (or SIGTERM, raised as Terminated) it is left as it was and
    the temporary file is removed. A special file is written as the block goes."""
    check_target(path, inputs)
    name = os.fspath(path)
    with _sigterm_raises():
        if _written_in_place(name):
            try:
                regular = stat.S_ISREG(os.stat(name).st_mode)
            except OSError:
                regular = False
            try:
                fd = os.open(name, os.O_WRONLY | os.O_CREAT | (os.O_APPEND if regular else 0), 0o666)
            except OSError as exc:
                raise _error(path, exc) from exc
            try:
                sink = Sink(fd)
                yield sink
                sink.flush()
            except OSError as exc:
                raise _error(path, exc) from exc
            finally:
                os.close(fd)
            return
        real = os.path.realpath(name)
        folder, base = os.path.split(real)
        try:
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{base[:64]}.", suffix=".tmp")
        except OSError as exc:
            raise _error(path, exc) from exc
        try:
            try:
                sink = Sink(fd)
                yield sink
                sink.flush()
                os.fsync(fd)
            finally:
                os.close(fd)
            _copy_metadata(real, tmp)
            os.replace(tmp, real)
        except BaseException as exc:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            if isinstance(exc, OSError):
                raise _error(path, exc) from exc
            raise


def _copy_metadata(real: str, tmp: str) -> None:
    """The replaced file's permission bits (never setuid/setgid/sticky) and, when allowed, owner."""
    try:
        old = os.stat(real)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        return
    if hasattr(os, "chown"):
        try:
            os.chown(tmp, old.st_uid, old.st_gid)
        except PermissionError:
            pass
    os.chmod(tmp, old.st_mode & 0o777)


def write_atomic(path: str | os.PathLike[str], content: str | bytes,
                 inputs: Iterable[str | os.PathLike[str]] = ()) -> None:
    """Replace `path` with `content` (text is written as UTF-8) atomically; on any failure leave
    it as it was. Special files are written by opening them (see the module's rules)."""
    with open_output(path, inputs) as sink:
        sink.write(content)
