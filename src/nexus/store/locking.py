"""The write queue of an embedded SQLite store: an advisory file lock beside the database.

Writers take it for their whole transaction, so a second writer waits its turn instead of dying
on SQLite's busy timeout; PostgreSQL and in-memory stores need no lock and get a no-op.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# flock locks belong to an open file, so a second open in the same thread would wait on
# itself: nested writes of one thread (a writer that audits) share the first holder's lock.
_guard = threading.RLock()
_held: dict[tuple[str, int], tuple[int, int]] = {}


def lock_path(database: str) -> Path:
    """The lock file of the SQLite database at `database`."""
    return Path(f"{database}.write-lock")


@contextmanager
def write_lock(database: str | None, *, wait: bool = True) -> Iterator[bool]:
    """Hold the store's write lock while the block runs, waiting for it; with `wait=False` the
    block runs at once and is told False when another writer holds the lock (it must not write:
    for optional writes, such as caching a summary, that must not hold a reader up)."""
    if database in (None, "", ":memory:"):
        yield True
        return
    assert database is not None
    path = str(lock_path(database).resolve())
    # Per thread: another thread of this process must queue like another process.
    key = (path, threading.get_ident())
    with _guard:
        entry = _held.get(key)
        if entry is not None:
            _held[key] = (entry[0], entry[1] + 1)
            fd = -1
        else:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    if fd >= 0 and not wait:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            yield False
            return
        with _guard:
            _held[key] = (fd, 1)
        fd = -1
    try:
        if fd >= 0:
            # Blocking wait: the queue is as long as the writers ahead of us, never a timeout.
            fcntl.flock(fd, fcntl.LOCK_EX)
            with _guard:
                _held[key] = (fd, 1)
        yield True
    finally:
        with _guard:
            held_fd, depth = _held[key]
            if depth > 1:
                _held[key] = (held_fd, depth - 1)
            else:
                del _held[key]
                fcntl.flock(held_fd, fcntl.LOCK_UN)
                os.close(held_fd)


__all__ = ["lock_path", "write_lock"]
