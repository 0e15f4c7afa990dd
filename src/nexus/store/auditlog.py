"""Where the hash-chained audit log lives: its own SQLite file beside an embedded store.

An ingest's long write transaction then never holds up the audit appends of reads; on
PostgreSQL and in-memory stores the chain stays in the store's own `audit` table.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from nexus.exceptions import StoreError
from nexus.store import tables as t
from nexus.store.dialect import dialect_for
from nexus.store.locking import write_lock
from nexus.store.records import AuditEntry, utc_now

GENESIS = "0" * 64


def audit_hash(prev: str, at: str, actor: str, action: str, detail: dict[str, Any]) -> str:
    """The hash of one audit entry, chained onto the hash of the entry before it."""
    body = orjson.dumps([prev, at, actor, action, detail], option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(body).hexdigest()


def audit_path(database: str) -> Path:
    """The audit database beside the SQLite store `database`: nexus.sqlite → nexus-audit.sqlite."""
    path = Path(database)
    return path.with_name(f"{path.stem}-audit{path.suffix or '.sqlite'}")


class AuditLog:
    """Appends to and reads the audit chain of one store."""

    def __init__(self, store_engine: Engine, backend: str, database: str | None) -> None:
        self._store_engine = store_engine
        self._lock: str | None = None
        if backend == "sqlite" and database not in (None, "", ":memory:"):
            assert database is not None
            path = audit_path(database)
            self.engine = create_engine(f"sqlite:///{path}", future=True)
            dialect_for(self.engine).prepare(self.engine)
            self._lock = str(path)
        else:
            self.engine = store_engine

    @property
    def separate(self) -> bool:
        return self.engine is not self._store_engine

    def migrate(self) -> None:
        """Create the audit database and carry over the entries of the store's old table."""
        if not self.separate:
            return
        with write_lock(self._lock), self.engine.begin() as conn:
            t.audit.create(conn, checkfirst=True)
            if conn.execute(select(func.count()).select_from(t.audit)).scalar_one():
                return
            with self._store_engine.connect() as old:
                if not inspect(old).has_table("audit"):
                    return
                query = select(t.audit).order_by(t.audit.c.id)
                rows = [dict(row._mapping) for row in old.execute(query)]
            if rows:
                conn.execute(insert(t.audit), rows)

    def append(self, actor: str, action: str, detail: dict[str, Any]) -> AuditEntry:
        for _attempt in range(20):
            at = utc_now()
            try:
                # Appends queue on the audit database's own lock so the chain stays linear.
                with write_lock(self._lock), self.engine.begin() as conn:
                    last = conn.execute(
                        select(t.audit.c.hash).order_by(t.audit.c.id.desc()).limit(1)
                    ).scalar()
                    prev = last or GENESIS
                    digest = audit_hash(prev, at, actor, action, detail)
                    result = conn.execute(
                        insert(t.audit).values(
                            at=at,
                            actor=actor,
                            action=action,
                            detail=orjson.dumps(detail, option=orjson.OPT_SORT_KEYS).decode(),
                            prev_hash=prev,
                            hash=digest,
                        )
                    )
            except IntegrityError:
                continue  # a concurrent reader (PostgreSQL) appended first: chain onto its entry
            key = result.inserted_primary_key
            assert key is not None
            return AuditEntry(int(key[0]), at, actor, action, detail, prev, digest)
        raise StoreError("could not append to the audit log: too much contention")

    def entries(self, *, after_id: int = 0, limit: int | None = None) -> Iterator[AuditEntry]:
        query = select(t.audit).where(t.audit.c.id > after_id).order_by(t.audit.c.id)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                yield _entry(row)

    def head(self) -> AuditEntry | None:
        """The newest entry of the chain, if any."""
        query = select(t.audit).order_by(t.audit.c.id.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else _entry(row)

    def close(self) -> None:
        if self.separate:
            self.engine.dispose()


def _entry(row: Any) -> AuditEntry:
    detail = orjson.loads(row.detail)
    return AuditEntry(row.id, row.at, row.actor, row.action, detail, row.prev_hash, row.hash)


__all__ = ["GENESIS", "AuditLog", "audit_hash", "audit_path"]
