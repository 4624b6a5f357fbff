"""A sign of life on stderr for long runs: a spinner, what is being done, and the time taken.

Shown only when stderr is a terminal and the work has taken more than DELAY seconds (a quick
command never flashes one); silent under a pipe, a file, CI logs and tests. The display is
transient: it is erased before any output is written (`finish`, called by every output path in
mncost.cli.emit and mncost.cli.console), so stdout is never mixed with it, and it never touches
stdout (no redirection), so `mncost sweep ... > out.csv` gets exactly the CSV.
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar, cast

if TYPE_CHECKING:
    from rich.console import Console

DELAY = 1.0
"""Seconds of work before the display appears."""

_active: list[Callable[[], None]] = []  # the `stop` of the display running now, if any
_steps: list[Callable[[str], None]] = []  # its `step`


def _console() -> Console | None:
    """A console on stderr when stderr is a terminal, else None (no display)."""
    stream = sys.stderr
    if stream is None or not getattr(stream, "isatty", lambda: False)():
        return None
    from rich.console import Console

    console = Console(file=stream, highlight=False)
    return console if console.is_interactive else None  # TERM=dumb: no cursor control, no display


@contextmanager
def working(description: str) -> Iterator[Callable[[str], None]]:
    """Run the block with a delayed, transient spinner saying `description`; yields `step(text)`
    to say what the block is doing now."""
    console = _console()
    if console is None:
        yield lambda text: None
        return
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console,
                        transient=True, redirect_stdout=False, redirect_stderr=False)
    task = progress.add_task(description, total=None)
    lock = threading.Lock()
    state = {"started": False, "finished": False}

    def start() -> None:
        with lock:
            if not state["finished"]:
                state["started"] = True
                progress.start()

    def stop() -> None:
        with lock:
            if not state["finished"]:
                state["finished"] = True
                if state["started"]:  # a display that never appeared leaves nothing behind
                    progress.stop()
        if stop in _active:
            _active.remove(stop)

    timer: Any = None
    if DELAY <= 0:
        start()
    else:
        timer = threading.Timer(DELAY, start)
        timer.daemon = True
        timer.start()
    def update(text: str) -> None:
        progress.update(task, description=text)

    _active.append(stop)
    _steps.append(update)
    try:
        yield update
    finally:
        if timer is not None:
            timer.cancel()
        stop()
        _steps.remove(update)


def step(text: str) -> None:
    """Say what the command is doing now (`rendering 10,000 rows`); nothing without a display."""
    for update in _steps:
        update(text)


F = TypeVar("F", bound=Callable[..., Any])


def shows_progress(description: str) -> Callable[[F], F]:
    """Run a command under `working(description)`, the description formatted with the command's
    arguments (`"mncost sweep {spec}"`)."""
    def decorate(command: F) -> F:
        @functools.wraps(command)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with working(description.format(**kwargs)):
                return command(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def showing() -> bool:
    """Whether a display is on the screen now (or due to appear)."""
    return bool(_active)


def finish() -> None:
    """Erase the display (if any) before output is written."""
    for stop in list(_active):
        stop()
