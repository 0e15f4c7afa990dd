"""What every part of the SQL store shares: its engine, its dialect and its write transactions.

Its parts (statements, runs, resolution, alerts, users, credentials) are mixins `SQLStore` joins.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.engine import Connection

from nexus.store.base import StatementStore
from nexus.store.dialect import Dialect
from nexus.store.locking import write_lock

# SQLite allows 32k bound parameters; id lists longer than this are queried in chunks.
IN_CHUNK = 5_000


class SQLBase(StatementStore):
    """The state the parts of the SQL store work on, set up by `SQLStore`."""

    engine: Engine
    dialect: Dialect
    batch_size: int
    _lock_database: str | None

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        # Every write transaction queues on the store's write lock (SQLite), so concurrent
        # writers wait for each other instead of failing after the busy timeout.
        with write_lock(self._lock_database), self.engine.begin() as conn:
            yield conn


__all__ = ["IN_CHUNK", "SQLBase"]
