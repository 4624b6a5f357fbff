"""The `mncost` console command and `python -m mncost`.

A command-line run is short and its start-up objects (modules, classes, the op registry) live
until it exits, so the cyclic garbage collector has nothing to find among them: they are imported
with the collector off, then frozen into its permanent generation (`gc.freeze`) and the collector
is switched back on for the command itself. That is about 5% of the start-up of `mncost show`
(issue 8). Importing mncost as a library leaves the collector alone.

Standard output is made safe here, once for every command (issue 12):
- a closed stdout (`>&-`) is an error when something is printed, not output silently lost;
- what cannot be encoded in stdout's encoding (`PYTHONIOENCODING=latin-1`, a Latin-1 locale) is
  written in ASCII (`α` → `alpha`, `→` → `->`, box and bar characters → `-`, `|`, `#`), else `?`;
- a broken pipe (`mncost show v1 | head -1`) ends the process quietly by SIGPIPE (the shell
  sees 141), as for `cat`; a BrokenPipeError that still reaches mncost exits 141 too;
- a failing final write (stdout on a full disk, `> /dev/full`) is a one-line error, exit 2;
- Ctrl-C while starting up prints one line and exits 130, like Ctrl-C during a command. Until
  `run` is entered nothing is imported but this module, the package's `__init__` and `gc` (a test
  keeps it so); before that, a Ctrl-C falls in Python's own start-up or the console script's
  (pip's wrapper imports `re` first), where Python prints its own traceback; `python -m mncost`
  has no such wrapper.
"""

from __future__ import annotations

import gc
import sys

TYPE_CHECKING = False  # typing is not imported before run() can catch Ctrl-C
if TYPE_CHECKING:
    from typing import Any

BROKEN_PIPE = 141
"""Exit code when the reader of standard output went away (128 + SIGPIPE)."""

ASCII = {
    "α": "alpha", "ρ": "rho", "→": "->", "←": "<-", "≤": "<=", "≥": ">=", "×": "x", "·": "*", "—": "-",
    "–": "-", "Δ": "d", "…": "...", "±": "+-", "█": "#", "▏": "#", "▎": "#", "▍": "#", "▌": "#",
    "▋": "#", "▊": "#", "▉": "#", "²": "^2", "³": "^3", "⁰": "^0", "¹": "^1", "⁴": "^4", "⁵": "^5",
    "⁶": "^6", "⁷": "^7", "⁸": "^8", "⁹": "^9", "─": "-", "━": "-", "│": "|", "┃": "|",
}
"""ASCII for the non-ASCII characters mncost itself prints, where stdout cannot encode them."""


def _ascii_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeEncodeError):
        raise error
    bad = error.object[error.start:error.end]
    return "".join(ASCII.get(ch, "?") for ch in bad), error.end


def _prepare_streams() -> None:
    import codecs
    import io
    import signal

    if hasattr(signal, "SIGPIPE"):  # a vanished reader ends the process quietly, as for `cat`
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    codecs.register_error("mncost-ascii", _ascii_fallback)
    if sys.stdout is None:  # file descriptor 1 was closed
        sys.stdout = io.TextIOWrapper(_ClosedOutput(), encoding="utf-8")
    for stream in (sys.stdout, sys.stderr):
        if stream is None or not hasattr(stream, "reconfigure"):
            continue
        try:
            "α→≤█…".encode(stream.encoding)
        except (UnicodeEncodeError, LookupError):
            stream.reconfigure(errors="mncost-ascii")


class _ClosedOutput:
    """A raw stream for a closed stdout: writing to it fails (EBADF), so output is never lost silently."""

    closed = False

    def readable(self) -> bool:
        return False

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, data: bytes) -> int:
        import errno

        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def fileno(self) -> int:
        import errno

        raise OSError(errno.EBADF, "standard output is closed")

    def isatty(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        return 0


def _quiet_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the interpreter's last flush is silent."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _finish(code: Any) -> int:
    """Flush standard output; a write that fails now is reported like one that failed earlier."""
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except BrokenPipeError:
        _quiet_stdout()
        return BROKEN_PIPE
    except (OSError, ValueError) as exc:
        _quiet_stdout()
        reason = getattr(exc, "strerror", None) or exc
        print(f"Error: cannot write to standard output: {reason}", file=sys.stderr)
        return 2
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def run(*args: Any, **kwargs: Any) -> Any:
    """Run the command line (arguments as for click's `main`); exits the process."""
    try:
        _prepare_streams()
        enabled = gc.isenabled()
        gc.disable()
        try:
            from .cli import main
        finally:
            gc.freeze()
            if enabled:
                gc.enable()
    except KeyboardInterrupt:
        print("Aborted (interrupted).", file=sys.stderr)
        sys.exit(130)
    try:
        main(*args, **kwargs)
        code: Any = 0
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:  # between click's handling and here
        print("Aborted (interrupted).", file=sys.stderr)
        code = 130
    sys.exit(_finish(code))
