"""Ingestion runs: the writer that loads a run's statements and rejects in one transaction.

Also what runs leave on record: each run's outcome, and the quarantine of rejected rows.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Collection, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

import orjson
from sqlalchemy import Select, delete, func, insert, literal, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from nexus.store import tables as t
from nexus.store.base import StoreWriter
from nexus.store.dialect import StatementRow
from nexus.store.locking import write_lock
from nexus.store.records import (
    Marking,
    NewStatement,
    QuarantineRecord,
    Rejection,
    RunRecord,
    Scope,
    caveat_text,
    utc_now,
)
from nexus.store.sqlbase import IN_CHUNK, SQLBase


class SQLRuns(SQLBase):
    """Writes statements run by run; reads the runs and what they quarantined."""

    # -- writing -------------------------------------------------------------------------------
    def writer(self, user: str, source: str) -> AbstractContextManager[StoreWriter]:
        return self._writer(user, source)

    @contextmanager
    def _writer(self, user: str, source: str) -> Iterator[StoreWriter]:
        with write_lock(self._lock_database):
            # The run is on record before its data arrives (its own transaction), so a run
            # killed half-way stays visible as interrupted instead of vanishing with its rows.
            run = self._start_run(user, source)
            with self.engine.connect() as conn, self.dialect.bulk_write(conn):
                trans = conn.begin()
                # pysqlite opens the transaction only at the first write; open it now, or the
                # writer's first savepoint (a new marking) would commit on its own.
                conn.execute(update(t.runs).where(t.runs.c.id == run.id).values(status="running"))
                writer = _SQLWriter(self, conn, run)
                try:
                    yield writer
                    _recount(conn, writer.datasets)
                    run.status = "committed"
                    run.finished_at = utc_now()
                    conn.execute(
                        update(t.runs).where(t.runs.c.id == run.id).values(**_run_values(run))
                    )
                    trans.commit()
                except BaseException as exc:
                    trans.rollback()
                    run.status = "failed"
                    run.finished_at = utc_now()
                    run.error = f"{type(exc).__name__}: {exc}"
                    run.statements = run.rows_loaded = run.rows_quarantined = 0
                    self._finish_run(run)
                    raise

    def _start_run(self, user: str, source: str) -> RunRecord:
        run = RunRecord(
            id=0,
            user=user,
            source=source,
            started_at=utc_now(),
            host=socket.gethostname(),
            pid=os.getpid(),
        )
        with self._write() as conn:
            key = conn.execute(insert(t.runs).values(**_run_values(run))).inserted_primary_key
        assert key is not None
        run.id = int(key[0])
        return run

    def _finish_run(self, run: RunRecord) -> None:
        # The failed run's own changes are gone; only the fact that it failed is kept.
        with self._write() as conn:
            conn.execute(update(t.runs).where(t.runs.c.id == run.id).values(**_run_values(run)))

    def marking_id(self, conn: Connection, marking: Marking) -> int:
        caveats = caveat_text(marking.caveats)
        query = select(t.markings.c.id).where(
            t.markings.c.agency == marking.agency,
            t.markings.c.classification == marking.classification,
            t.markings.c.caveats == caveats,
        )
        found = conn.execute(query).scalar()
        if found is not None:
            return int(found)
        nested = conn.begin_nested()
        try:
            conn.execute(
                insert(t.markings).values(
                    agency=marking.agency, classification=marking.classification, caveats=caveats
                )
            )
            nested.commit()
        except IntegrityError:
            nested.rollback()  # another writer added it first
        return int(conn.execute(query).scalar_one())

    # -- runs and quarantine -------------------------------------------------------------------
    def runs(self, limit: int = 50) -> list[RunRecord]:
        query = select(t.runs).order_by(t.runs.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [_run_from_row(row) for row in conn.execute(query)]

    def get_run(self, run_id: int) -> RunRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.runs).where(t.runs.c.id == run_id)).first()
        return None if row is None else _run_from_row(row)

    def _quarantine_query(
        self, query: Select[Any], scope: Scope, run_id: int | None
    ) -> Select[Any]:
        ids = sorted(scope.marking_ids)
        query = query.where(t.quarantine.c.marking_id.in_(ids) if ids else literal(False))
        if run_id is not None:
            query = query.where(t.quarantine.c.run_id == run_id)
        return query

    def quarantine(
        self, scope: Scope, *, run_id: int | None = None, limit: int = 100, offset: int = 0
    ) -> list[QuarantineRecord]:
        markings = self.markings()
        query = self._quarantine_query(select(t.quarantine), scope, run_id)
        query = query.order_by(t.quarantine.c.id).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return [
                QuarantineRecord(
                    id=row.id,
                    run_id=row.run_id,
                    dataset=row.dataset,
                    source=row.source,
                    row=row.row,
                    field=row.field,
                    reason=row.reason,
                    record=orjson.loads(row.record),
                    marking=markings[row.marking_id],
                    created_at=row.created_at,
                )
                for row in conn.execute(query)
            ]

    def count_quarantine(self, scope: Scope, *, run_id: int | None = None) -> int:
        query = self._quarantine_query(
            select(func.count()).select_from(t.quarantine), scope, run_id
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())


class _SQLWriter(StoreWriter):
    def __init__(self, store: SQLRuns, conn: Connection, run: RunRecord) -> None:
        self.store = store
        self.conn = conn
        self.run = run
        self.datasets: set[str] = set()  # their counts are taken again at commit
        self._marking_ids: dict[Marking, int] = {}

    def _marking(self, marking: Marking) -> int:
        found = self._marking_ids.get(marking)
        if found is None:
            found = self._marking_ids[marking] = self.store.marking_id(self.conn, marking)
        return found

    def add(self, statements: Iterable[NewStatement]) -> int:
        stamp = self.run.started_at
        datasets = self.datasets
        batch: dict[str, StatementRow] = {}
        written = 0
        for stmt in statements:
            stmt_id = stmt.id
            batch[stmt_id] = (
                stmt_id,
                stmt.entity_id,
                stmt.schema,
                stmt.prop,
                stmt.prop_type,
                stmt.value,
                stmt.original_value,
                stmt.lang,
                stmt.dataset,
                stmt.origin,
                self._marking(stmt.marking),
                stamp,
                stamp,
                self.run.id,
            )
            datasets.add(stmt.dataset)
            if len(batch) >= self.store.batch_size:
                written += self._flush(batch)
        written += self._flush(batch)
        self.run.statements += written
        return written

    def _flush(self, batch: dict[str, StatementRow]) -> int:
        if not batch:
            return 0
        self.store.dialect.upsert_statements(self.conn, list(batch.values()))
        count = len(batch)
        batch.clear()
        return count

    def reject(self, rejections: Iterable[Rejection]) -> int:
        rows = [
            {
                "run_id": self.run.id,
                "dataset": r.dataset,
                "source": r.source,
                "row": r.row,
                "field": r.field,
                "reason": r.reason,
                "record": orjson.dumps(r.record, default=str).decode(),
                "marking_id": self._marking(r.marking),
                "created_at": self.run.started_at,
            }
            for r in rejections
        ]
        if rows:
            self.conn.execute(insert(t.quarantine), rows)
        return len(rows)


def _run_values(run: RunRecord) -> dict[str, Any]:
    return {
        "user": run.user,
        "source": run.source,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "status": run.status,
        "statements": run.statements,
        "rows_loaded": run.rows_loaded,
        "rows_quarantined": run.rows_quarantined,
        "error": run.error,
        "host": run.host,
        "pid": run.pid,
    }


def _recount(conn: Connection, datasets: Collection[str]) -> None:
    """Count the statements of these datasets per marking again, in the writer's transaction
    (off ix_statements_counted): a re-marked statement moves between markings of its dataset,
    so adding up only what was sent would drift."""
    statements = t.statements.c
    for start in range(0, len(datasets), IN_CHUNK):
        chunk = sorted(datasets)[start : start + IN_CHUNK]
        conn.execute(delete(t.statement_counts).where(t.statement_counts.c.dataset.in_(chunk)))
        conn.execute(
            insert(t.statement_counts).from_select(
                ["marking_id", "dataset", "statements", "first_seen"],
                select(
                    statements.marking_id,
                    statements.dataset,
                    func.count(),
                    func.max(statements.first_seen),
                )
                .where(statements.dataset.in_(chunk))
                .group_by(statements.dataset, statements.marking_id),
            )
        )


def _run_from_row(row: Any) -> RunRecord:
    status = row.status
    if status == "running" and not _process_alive(row.host, row.pid):
        status = "interrupted"
    return RunRecord(
        id=row.id,
        user=row.user,
        source=row.source,
        started_at=row.started_at,
        status=status,
        finished_at=row.finished_at,
        statements=row.statements,
        rows_loaded=row.rows_loaded,
        rows_quarantined=row.rows_quarantined,
        error=row.error,
        host=row.host,
        pid=row.pid,
    )


def _process_alive(host: str | None, pid: int | None) -> bool:
    """Whether the process that started a run may still be running it. A run of another host
    is taken as alive (we cannot look); one without a process (older stores recorded runs only
    as they committed) or whose process is gone is not."""
    if host is None or pid is None:
        return False
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


__all__ = ["SQLRuns"]
