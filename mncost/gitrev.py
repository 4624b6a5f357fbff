"""Spec files read from a git revision: `REV:PATH` as in `git show main:specs/net.yaml`.

PATH follows git's rules: relative to the repository's top folder, or to the current folder when
it starts with `./` or `../`. A path that does not exist at a valid revision is not an error: the
caller treats that side as absent (a spec added or removed by the change under review). Every
other failure (no git, not a repository, an unknown revision, a folder) is one MncostError line.
"""

from __future__ import annotations

import os
import re
import subprocess

from .errors import Location, MncostError, SpecError
from .yamlload import MAX_BYTES, read_text

_REVISION = re.compile(r"^[^\s:]+$")


class GitError(MncostError):
    """A `REV:PATH` side could not be read from git (exit code 2)."""


def split_revision(text: str) -> tuple[str, str] | None:
    """`main:specs/net.yaml` -> ('main', 'specs/net.yaml'); None when `text` is not REV:PATH.

    An existing file is a file even with ':' in its name; a single letter before ':' followed by
    a slash is a Windows drive (`C:/specs/net.yaml`), not a revision."""
    if ":" not in text or os.path.exists(text):
        return None
    rev, _, path = text.partition(":")
    if not rev or not path or not _REVISION.match(rev):
        return None
    if len(rev) == 1 and rev.isalpha() and path.startswith(("/", "\\")):
        return None
    return rev, path


def _git(args: list[str], shown: str) -> subprocess.CompletedProcess[bytes]:
    env = {**os.environ, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
    try:
        return subprocess.run(["git", *args], capture_output=True, env=env, check=False)
    except FileNotFoundError:
        raise GitError(f"{shown}: cannot read a git revision: git is not installed (or not on PATH)") from None
    except OSError as exc:
        raise GitError(f"{shown}: cannot run git ({exc.strerror or exc})") from None


def _first_line(data: bytes) -> str:
    lines = data.decode("utf-8", "replace").strip().splitlines()
    return lines[0].removeprefix("fatal: ") if lines else "no message"


def read_revision(rev: str, path: str) -> str | None:
    """The text of PATH at revision REV, or None when PATH does not exist there.

    Raises GitError when git is missing, the folder is not in a repository, REV is not a commit or
    PATH is a folder at REV; SpecError (FILE:1) when the file is too large, binary or not UTF-8."""
    shown = f"{rev}:{path}"
    inside = _git(["rev-parse", "--is-inside-work-tree"], shown)
    if inside.returncode != 0:
        raise GitError(f"{shown}: not inside a git repository (REV:PATH reads PATH at git revision REV)")
    if _git(["rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}"], shown).returncode != 0:
        raise GitError(f"{shown}: unknown git revision '{rev}' (a branch, tag or commit, e.g. main or HEAD~1)")
    kind = _git(["cat-file", "-t", shown], shown)
    if kind.returncode != 0:
        return None  # a valid revision without this path: the spec is new (or gone) in the change
    if kind.stdout.strip() != b"blob":
        raise GitError(f"{shown}: is a {kind.stdout.decode().strip()} at {rev}, not a spec file")
    size = _git(["cat-file", "-s", shown], shown)
    if size.returncode == 0 and int(size.stdout) > MAX_BYTES:
        raise SpecError(Location(shown, 1), f"file is {int(size.stdout):,} bytes; the limit is {MAX_BYTES:,}")
    shown_file = _git(["show", shown], shown)
    if shown_file.returncode != 0:
        raise GitError(f"{shown}: git show failed: {_first_line(shown_file.stderr)}")
    return read_text(shown, shown_file.stdout)
