"""Where SQLite and PostgreSQL differ: connection set-up, bulk upsert of statements, disk size.

Everything else is dialect-neutral SQLAlchemy Core in `nexus.store.sql` and the parts it joins.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event, text
from sqlalchemy.engine import Connection

from nexus.exceptions import StoreError

STATEMENT_COLUMNS = (
    "id",
    "entity_id",
    "schema",
    "prop",
    "prop_type",
    "value",
    "original_value",
    "lang",
    "dataset",
    "origin",
    "marking_id",
    "first_seen",
    "last_seen",
    "run_id",
)
# On re-ingest a statement keeps its first-seen time and first origin; the source's latest
# word decides its marking (a re-sent file may be reclassified) and the run that last saw it.
_REFRESHED = ("marking_id", "last_seen", "run_id")

StatementRow = tuple[Any, ...]


class Dialect(ABC):
    name: str

    def prepare(self, engine: Engine) -> None:  # noqa: B027 (a hook; most dialects need none)
        """Connection settings applied to every new connection of the engine."""

    @contextmanager
    def bulk_write(self, conn: Connection) -> Iterator[None]:
        """Connection state for one bulk-writing transaction, entered before it begins."""
        yield

    def serialise(self, conn: Connection, task: str) -> None:  # noqa: B027 (a hook)
        """Hold back other transactions doing `task` until this one ends. SQLite needs nothing:
        its writers already queue on the store's write lock."""

    @abstractmethod
    def upsert_statements(self, conn: Connection, rows: Sequence[StatementRow]) -> None:
        """Insert rows (no duplicate ids among them); on an existing id refresh _REFRESHED."""

    @abstractmethod
    def size_on_disk(self, conn: Connection, url_database: str | None) -> int: ...


def _busy_timeout_ms() -> int:
    """How long SQLite waits for a lock held by another connection (writers queue on
    nexus.store.locking first, so this is only a backstop): `NEXUS_SQLITE_BUSY_TIMEOUT_MS`,
    30 s unless set."""
    value = os.environ.get("NEXUS_SQLITE_BUSY_TIMEOUT_MS", "30000")
    try:
        return max(0, int(value))
    except ValueError:
        raise StoreError(
            f"NEXUS_SQLITE_BUSY_TIMEOUT_MS must be a whole number of milliseconds, not {value!r}"
        ) from None


class SQLiteDialect(Dialect):
    name = "sqlite"

    _UPSERT = (
        f"INSERT INTO statements ({', '.join(STATEMENT_COLUMNS)}) "
        f"VALUES ({', '.join('?' for _ in STATEMENT_COLUMNS)}) "
        f"ON CONFLICT(id) DO UPDATE SET "
        + ", ".join(f"{col} = excluded.{col}" for col in _REFRESHED)
    )

    def prepare(self, engine: Engine) -> None:
        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            # WAL lets readers (the web app, analyses) run while an ingest writes;
            # NORMAL sync is durable across application crashes, which is what WAL needs.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={_busy_timeout_ms()}")
            cursor.execute("PRAGMA cache_size=-262144")
            # Upserts keep a statement journal per row; in memory it costs a third less time.
            cursor.execute("PRAGMA temp_store=MEMORY")
            cursor.close()

    @contextmanager
    def bulk_write(self, conn: Connection) -> Iterator[None]:
        # The foreign-key check doubles the cost of an upsert. A writer only references
        # markings it has just looked up or created in the same transaction, so the check
        # can be left out while it writes. The pragma is ignored inside a transaction,
        # hence set on the raw connection before SQLAlchemy begins one.
        raw = conn.connection.dbapi_connection
        assert raw is not None
        raw.execute("PRAGMA foreign_keys=OFF")
        try:
            yield
        finally:
            raw.execute("PRAGMA foreign_keys=ON")

    def upsert_statements(self, conn: Connection, rows: Sequence[StatementRow]) -> None:
        conn.exec_driver_sql(self._UPSERT, list(rows))

    def size_on_disk(self, conn: Connection, url_database: str | None) -> int:
        if not url_database or url_database == ":memory:":
            return 0
        return sum(
            os.path.getsize(url_database + suffix)
            for suffix in ("", "-wal", "-shm")
            if os.path.exists(url_database + suffix)
        )


class PostgresDialect(Dialect):
    name = "postgresql"

    _STAGE = "statements_stage"

    def serialise(self, conn: Connection, task: str) -> None:
        # A transaction-scoped advisory lock: released at commit or rollback, never left behind.
        conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:task))"), {"task": task})

    def upsert_statements(self, conn: Connection, rows: Sequence[StatementRow]) -> None:
        # COPY into a session-local staging table, then one set-based upsert: an order of
        # magnitude faster than multi-row INSERTs for large batches.
        conn.exec_driver_sql(
            f"CREATE TEMP TABLE IF NOT EXISTS {self._STAGE} "
            "(LIKE statements INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        copy_rows(conn, self._STAGE, STATEMENT_COLUMNS, rows)
        columns = ", ".join(STATEMENT_COLUMNS)
        updates = ", ".join(f"{col} = excluded.{col}" for col in _REFRESHED)
        conn.exec_driver_sql(
            f"INSERT INTO statements ({columns}) SELECT {columns} FROM {self._STAGE} "
            f"ON CONFLICT (id) DO UPDATE SET {updates}"
        )
        conn.exec_driver_sql(f"TRUNCATE {self._STAGE}")

    def size_on_disk(self, conn: Connection, url_database: str | None) -> int:
        total = 0
        for table in (
            "statements",
            "markings",
            "canonical",
            "quarantine",
            "runs",
            "users",
            "audit",
            "search_index",
        ):
            size = conn.execute(
                text("SELECT pg_total_relation_size(CAST(:t AS regclass))"), {"t": table}
            ).scalar()
            total += int(size or 0)
        return total


def copy_rows(
    conn: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> None:
    """PostgreSQL: COPY rows into a table, an order of magnitude faster than INSERTs."""
    raw = conn.connection.driver_connection
    assert raw is not None
    with (
        raw.cursor() as cursor,
        cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def dialect_for(engine: Engine) -> Dialect:
    name = engine.dialect.name
    if name == "sqlite":
        return SQLiteDialect()
    if name in ("postgresql", "postgres"):
        return PostgresDialect()
    raise ValueError(f"unsupported database {name!r}: use SQLite or PostgreSQL")
