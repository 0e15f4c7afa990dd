"""Files that every stage writes whole or not at all: written beside the target and renamed over
it on success, so that a failure leaves the old file (or none) untouched, never half a file.

The file is readable by its owner only (the temporary file's 0600): what Nexus writes holds
marked records.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

__all__ = ["atomic_binary", "atomic_text", "owner_only"]


@contextmanager
def _beside(path: Path) -> Iterator[tuple[int, str]]:
    """A temporary file in `path`'s folder, renamed over `path` when the block succeeds."""
    directory = path.parent if str(path.parent) else Path(".")
    fd, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".part")
    try:
        yield fd, temporary
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_text(path: Path) -> Iterator[IO[str]]:
    """UTF-8 text, newlines as written (CSV's own)."""
    with _beside(path) as (fd, _), os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        yield fh


@contextmanager
def atomic_binary(path: Path) -> Iterator[IO[bytes]]:
    with _beside(path) as (fd, _), os.fdopen(fd, "wb") as fh:
        yield fh


def owner_only(home: Path) -> list[Path]:
    """Make the home folder 0700 and the files in it 0600 where others could read them (a store
    made before this rule); returns what was tightened."""
    tightened: list[Path] = []
    for path in (home, *sorted(home.iterdir())):
        mode = stat.S_IMODE(path.lstat().st_mode)
        if path.is_symlink() or not mode & 0o077:
            continue
        path.chmod(mode & 0o700)
        tightened.append(path)
    return tightened
