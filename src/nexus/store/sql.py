"""The SQL statement store (SQLite by default, PostgreSQL by URL), on SQLAlchemy Core.

`SQLStore` opens and migrates the database and joins the parts that hold its queries.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from nexus.exceptions import StoreError
from nexus.store.alerts import SQLAlerts
from nexus.store.auditlog import AuditLog, audit_hash
from nexus.store.credentials import SQLCredentials
from nexus.store.dialect import dialect_for
from nexus.store.records import AuditEntry
from nexus.store.resolution import SQLResolution
from nexus.store.runs import SQLRuns
from nexus.store.search import SearchPages, SQLSearch
from nexus.store.statements import SQLStatements
from nexus.store.users import SQLUsers

_MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration (a test holds it to Alembic's head): a store already there opens without
# loading Alembic, which is a fifth of a simple command's start-up.
SCHEMA_REVISION = "0008"


class SQLStore(
    SQLStatements, SQLRuns, SQLResolution, SQLAlerts, SQLUsers, SQLCredentials, SQLSearch
):
    """Statements in SQLite or PostgreSQL; see `StatementStore` for the contract."""

    def __init__(self, url: str, *, batch_size: int = 20_000) -> None:
        self.url = url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine = create_engine(url, future=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"cannot open the store at {parsed!r}: {exc}") from exc
        self.dialect = dialect_for(self.engine)
        self.dialect.prepare(self.engine)
        self.backend = self.dialect.name
        self.batch_size = batch_size
        self._database = parsed.database
        self._lock_database = parsed.database if self.backend == "sqlite" else None
        self.audit_log = AuditLog(self.engine, self.backend, parsed.database)
        self.search_pages = SearchPages()

    # -- lifecycle -----------------------------------------------------------------------------
    def migrate(self) -> None:
        try:
            # Not under the write lock: opening an up-to-date store must not wait for an ingest.
            with self.engine.begin() as conn:
                if _revision(conn) != SCHEMA_REVISION:
                    _upgrade(conn)
        except OperationalError as exc:
            raise StoreError(
                f"cannot reach the store at {make_url(self.url)!r}: {exc.orig}"
            ) from exc
        self.audit_log.migrate()

    def close(self) -> None:
        self.audit_log.close()
        self.engine.dispose()

    def size_on_disk(self) -> int:
        with self.engine.connect() as conn:
            if self.backend == "sqlite":
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            return self.dialect.size_on_disk(conn, self._database)

    # -- audit ---------------------------------------------------------------------------------
    def append_audit(self, actor: str, action: str, detail: dict[str, Any]) -> AuditEntry:
        return self.audit_log.append(actor, action, detail)

    def audit_entries(self, *, after_id: int = 0, limit: int | None = None) -> Iterator[AuditEntry]:
        return self.audit_log.entries(after_id=after_id, limit=limit)

    def audit_head(self) -> AuditEntry | None:
        return self.audit_log.head()


def _revision(conn: Connection) -> str | None:
    """The store's Alembic revision, or None for a store not made yet."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _upgrade(conn: Connection) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def open_store(url: str, *, batch_size: int = 20_000, migrate: bool = True) -> SQLStore:
    """Open (and by default migrate) the store at a SQLAlchemy URL."""
    store = SQLStore(url, batch_size=batch_size)
    if migrate:
        store.migrate()
    return store


__all__ = ["SQLStore", "audit_hash", "open_store"]
