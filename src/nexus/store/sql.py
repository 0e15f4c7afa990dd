"""The SQL statement store (SQLite by default, PostgreSQL by URL), on SQLAlchemy Core.

All queries of the SQL backends live here; dialect differences live in `nexus.store.dialect`.
"""

from __future__ import annotations

import hashlib
import os
import socket
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Engine,
    Select,
    and_,
    create_engine,
    delete,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from nexus.exceptions import StoreError
from nexus.store import tables as t
from nexus.store.auditlog import AuditLog, audit_hash
from nexus.store.base import StatementStore, StoreWriter
from nexus.store.clusters import canonical_ids, cluster
from nexus.store.dialect import StatementRow, dialect_for
from nexus.store.locking import write_lock
from nexus.store.records import (
    AlertEvent,
    AlertRecord,
    AuditEntry,
    JudgementRecord,
    LinkRecord,
    Marking,
    NewStatement,
    QuarantineRecord,
    Rejection,
    RunRecord,
    Scope,
    ScreeningRun,
    SharedRun,
    StoredStatement,
    UserRecord,
    caveat_text,
    evidence_text,
    parse_caveats,
    parse_evidence,
    utc_now,
)

_MIGRATIONS = Path(__file__).parent / "migrations"
# The newest migration (a test holds it to Alembic's head): a store already there opens without
# loading Alembic, which is a fifth of a simple command's start-up.
SCHEMA_REVISION = "0006"
# SQLite allows 32k bound parameters; id lists longer than this are queried in chunks.
_IN_CHUNK = 5_000


def _canonical_of(column: ColumnElement[str]) -> ColumnElement[str]:
    return func.coalesce(t.canonical.c.canonical_id, column)


class SQLStore(StatementStore):
    """Statements in SQLite or PostgreSQL; see `StatementStore` for the contract."""

    def __init__(self, url: str, *, batch_size: int = 20_000) -> None:
        self.url = url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(url, future=True)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StoreError(f"cannot open the store at {parsed!r}: {exc}") from exc
        self.dialect = dialect_for(self.engine)
        self.dialect.prepare(self.engine)
        self.backend = self.dialect.name
        self.batch_size = batch_size
        self._database = parsed.database
        self._lock_database = parsed.database if self.backend == "sqlite" else None
        self.audit_log = AuditLog(self.engine, self.backend, parsed.database)

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

    # -- writing -------------------------------------------------------------------------------
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        # Every write transaction queues on the store's write lock (SQLite), so concurrent
        # writers wait for each other instead of failing after the busy timeout.
        with write_lock(self._lock_database), self.engine.begin() as conn:
            yield conn

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

    # -- markings ------------------------------------------------------------------------------
    def markings(self) -> dict[int, Marking]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.markings)).all()
        return {
            row.id: Marking(row.agency, row.classification, parse_caveats(row.caveats))
            for row in rows
        }

    # -- scoped reads --------------------------------------------------------------------------
    def _visible(self, scope: Scope) -> ColumnElement[bool]:
        if not scope.marking_ids:
            return literal(False)
        return t.statements.c.marking_id.in_(sorted(scope.marking_ids))

    def _filtered(
        self,
        query: Select[Any],
        scope: Scope,
        schemata: Collection[str] | None = None,
        datasets: Collection[str] | None = None,
    ) -> Select[Any]:
        query = query.where(self._visible(scope))
        if schemata is not None:
            query = query.where(t.statements.c.schema.in_(sorted(schemata)))
        if datasets is not None:
            query = query.where(t.statements.c.dataset.in_(sorted(datasets)))
        return query

    def _with_canonical(self, query: Select[Any], scope: Scope) -> Select[Any]:
        return query.select_from(
            t.statements.outerjoin(
                t.canonical,
                and_(
                    t.canonical.c.entity_id == t.statements.c.entity_id,
                    t.canonical.c.scope_key == scope.key,
                ),
            )
        )

    def _members(self, conn: Connection, scope: Scope, canonical_ids: list[str]) -> list[str]:
        members = set(canonical_ids)
        for start in range(0, len(canonical_ids), _IN_CHUNK):
            chunk = canonical_ids[start : start + _IN_CHUNK]
            rows = conn.execute(
                select(t.canonical.c.entity_id).where(
                    t.canonical.c.scope_key == scope.key, t.canonical.c.canonical_id.in_(chunk)
                )
            )
            members.update(row[0] for row in rows)
        return sorted(members)

    def iter_statements(
        self,
        scope: Scope,
        *,
        canonical_ids: Collection[str] | None = None,
        datasets: Collection[str] | None = None,
        schemata: Collection[str] | None = None,
    ) -> Iterator[StoredStatement]:
        markings = self.markings()
        canonical = _canonical_of(t.statements.c.entity_id).label("canonical_id")
        base = self._with_canonical(select(t.statements, canonical), scope)
        base = self._filtered(base, scope, schemata=schemata, datasets=datasets).order_by(
            canonical, t.statements.c.entity_id, t.statements.c.prop, t.statements.c.value
        )
        with self.engine.connect() as conn:
            if canonical_ids is None:
                queries = [base]
            else:
                members = self._members(conn, scope, sorted(set(canonical_ids)))
                queries = [
                    base.where(t.statements.c.entity_id.in_(members[i : i + _IN_CHUNK]))
                    for i in range(0, len(members), _IN_CHUNK)
                ]
            for query in queries:
                result = conn.execution_options(stream_results=True, yield_per=10_000).execute(
                    query
                )
                for row in result:
                    yield _statement_from_row(row, markings)

    def entity_ids(
        self,
        scope: Scope,
        *,
        schemata: Collection[str] | None = None,
        datasets: Collection[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[str]:
        canonical = _canonical_of(t.statements.c.entity_id).label("cid")
        query = self._filtered(
            self._with_canonical(select(canonical).distinct(), scope), scope, schemata, datasets
        )
        query = query.order_by(canonical).offset(offset)
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [row[0] for row in conn.execute(query)]

    def count_entities(
        self,
        scope: Scope,
        *,
        schemata: Collection[str] | None = None,
        datasets: Collection[str] | None = None,
    ) -> int:
        if schemata is None and datasets is None:
            # The whole scope's count is a distinct over every visible statement: kept with
            # the data version it was counted at, it is not counted again until that moves.
            return int(self._summary(scope, "entities", lambda: str(self._count_entities(scope))))
        return self._count_entities(scope, schemata=schemata, datasets=datasets)

    def _count_entities(
        self,
        scope: Scope,
        *,
        schemata: Collection[str] | None = None,
        datasets: Collection[str] | None = None,
    ) -> int:
        canonical = _canonical_of(t.statements.c.entity_id)
        query = self._filtered(
            self._with_canonical(select(func.count(canonical.distinct())), scope),
            scope,
            schemata,
            datasets,
        )
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def count_statements(self, scope: Scope, *, datasets: Collection[str] | None = None) -> int:
        counts = self.datasets(scope)
        return sum(n for name, n in counts.items() if datasets is None or name in datasets)

    def referencing_ids(self, scope: Scope, canonical_ids: Collection[str]) -> list[str]:
        found: set[str] = set()
        canonical = _canonical_of(t.statements.c.entity_id)
        with self.engine.connect() as conn:
            members = self._members(conn, scope, sorted(set(canonical_ids)))
            for start in range(0, len(members), _IN_CHUNK):
                query = self._filtered(
                    self._with_canonical(select(canonical).distinct(), scope), scope
                ).where(
                    t.statements.c.prop_type == "entity",
                    t.statements.c.value.in_(members[start : start + _IN_CHUNK]),
                )
                found.update(row[0] for row in conn.execute(query))
        return sorted(found - set(canonical_ids))

    def datasets(self, scope: Scope) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _marking, dataset, count, _first_seen in self._counts(scope):
            counts[dataset] = counts.get(dataset, 0) + count
        return dict(sorted(counts.items()))

    def _counts(self, scope: Scope) -> list[tuple[int, str, int, str]]:
        """(marking id, dataset, statements, newest first-seen) of the markings the scope sees."""
        ids = sorted(scope.marking_ids)
        query = (
            select(
                t.statement_counts.c.marking_id,
                t.statement_counts.c.dataset,
                t.statement_counts.c.statements,
                t.statement_counts.c.first_seen,
            )
            .where(t.statement_counts.c.marking_id.in_(ids) if ids else literal(False))
            .order_by(t.statement_counts.c.marking_id, t.statement_counts.c.dataset)
        )
        with self.engine.connect() as conn:
            return [(int(m), str(d), int(n), str(f)) for m, d, n, f in conn.execute(query)]

    def _summary(self, scope: Scope, name: str, compute: Callable[[], str]) -> str:
        """A summary of the scope kept with the data version it was computed at."""
        version = self.data_version(scope)
        found = select(t.scope_summaries.c.value).where(
            t.scope_summaries.c.scope_key == scope.key,
            t.scope_summaries.c.name == name,
            t.scope_summaries.c.version == version,
        )
        with self.engine.connect() as conn:
            value = conn.execute(found).scalar()
        if value is not None:
            return str(value)
        value = compute()
        # Keeping it is optional: a reader never waits for an ingest to do it.
        with write_lock(self._lock_database, wait=False) as free:
            if free:
                with self.engine.begin() as conn:
                    self.dialect.serialise(conn, "summaries")
                    conn.execute(
                        delete(t.scope_summaries).where(
                            t.scope_summaries.c.scope_key == scope.key,
                            t.scope_summaries.c.name == name,
                        )
                    )
                    conn.execute(
                        insert(t.scope_summaries).values(
                            scope_key=scope.key, name=name, version=version, value=value
                        )
                    )
        return value

    def data_version(self, scope: Scope) -> str:
        # Statements are only ever added or re-marked: their count and the sum of their marking
        # ids move with either. The digest of the scope's canonical ids stands for the links
        # and judgements it may see (ensure_canonical has materialised them before any read).
        counts = self._counts(scope)
        count = sum(n for _m, _d, n, _f in counts)
        marking_sum = sum(m * n for m, _d, n, _f in counts)
        with self.engine.connect() as conn:
            canonical = conn.execute(
                select(t.canonical_scopes.c.digest).where(
                    t.canonical_scopes.c.scope_key == scope.key
                )
            ).scalar()
            if canonical is None:  # materialised before the digest was kept
                canonical = _canonical_digest(
                    conn.execute(
                        select(t.canonical.c.entity_id, t.canonical.c.canonical_id).where(
                            t.canonical.c.scope_key == scope.key
                        )
                    )
                )
        digest = hashlib.sha1(f"{int(count)} {int(marking_sum)} {canonical}".encode())
        return f"{scope.key[:16]}:{digest.hexdigest()[:16]}"

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

    # -- resolution ----------------------------------------------------------------------------
    def _bump_resolution(self, conn: Connection) -> None:
        conn.execute(update(t.resolution_state).values(version=t.resolution_state.c.version + 1))

    def add_links(self, links: Iterable[LinkRecord]) -> int:
        rows = [
            {
                "left_id": min(link.left_id, link.right_id),
                "right_id": max(link.left_id, link.right_id),
                "probability": link.probability,
                "verdict": link.verdict,
                "evidence": evidence_text(link.evidence),
                "explanation": orjson.dumps(list(link.explanation)).decode(),
                "created_at": link.created_at or utc_now(),
                "run": link.run,
            }
            for link in links
        ]
        if not rows:
            return 0
        with self._write() as conn:
            for row in rows:
                key = and_(
                    t.match_links.c.left_id == row["left_id"],
                    t.match_links.c.right_id == row["right_id"],
                    t.match_links.c.evidence == row["evidence"],
                )
                if conn.execute(update(t.match_links).where(key).values(**row)).rowcount == 0:
                    conn.execute(insert(t.match_links).values(**row))
            self._bump_resolution(conn)
        return len(rows)

    def links(
        self,
        scope: Scope,
        *,
        verdicts: Collection[str] | None = None,
        entity_ids: Collection[str] | None = None,
    ) -> list[LinkRecord]:
        query = select(t.match_links).order_by(t.match_links.c.id)
        if verdicts is not None:
            query = query.where(t.match_links.c.verdict.in_(sorted(verdicts)))
        if entity_ids is not None:
            ids = sorted(entity_ids)
            query = query.where(
                or_(t.match_links.c.left_id.in_(ids), t.match_links.c.right_id.in_(ids))
            )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        found = []
        for row in rows:
            evidence = parse_evidence(row.evidence)
            if scope.allows(evidence):
                found.append(
                    LinkRecord(
                        row.left_id,
                        row.right_id,
                        row.probability,
                        row.verdict,
                        evidence,
                        tuple(orjson.loads(row.explanation)),
                        row.run,
                        row.created_at,
                    )
                )
        return found

    def add_judgement(self, judgement: JudgementRecord) -> JudgementRecord:
        left, right = sorted((judgement.left_id, judgement.right_id))
        at = judgement.at or utc_now()
        with self._write() as conn:
            key = conn.execute(
                insert(t.judgements).values(
                    left_id=left,
                    right_id=right,
                    verdict=judgement.verdict,
                    user=judgement.user,
                    at=at,
                    evidence=evidence_text(judgement.evidence),
                    note=judgement.note,
                )
            ).inserted_primary_key
            self._bump_resolution(conn)
        assert key is not None
        return JudgementRecord(
            left,
            right,
            judgement.verdict,
            judgement.user,
            judgement.evidence,
            at,
            judgement.note,
            int(key[0]),
        )

    def judgements(self, scope: Scope, *, latest: bool = True) -> list[JudgementRecord]:
        """Judgements whose evidence the scope may see; by default only the latest per pair."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.judgements).order_by(t.judgements.c.id)).all()
        found: dict[tuple[str, str], JudgementRecord] = {}
        history = []
        for row in rows:
            evidence = parse_evidence(row.evidence)
            if not scope.allows(evidence):
                continue
            record = JudgementRecord(
                row.left_id, row.right_id, row.verdict, row.user, evidence, row.at, row.note, row.id
            )
            found[(row.left_id, row.right_id)] = record
            history.append(record)
        return list(found.values()) if latest else history

    def visible_entity_ids(self, scope: Scope, entity_ids: Collection[str]) -> set[str]:
        ids = sorted(set(entity_ids))
        visible: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(ids), _IN_CHUNK):
                query = self._filtered(select(t.statements.c.entity_id).distinct(), scope).where(
                    t.statements.c.entity_id.in_(ids[start : start + _IN_CHUNK])
                )
                visible.update(row[0] for row in conn.execute(query))
        return visible

    def canonical_of(self, scope: Scope, entity_ids: Collection[str]) -> dict[str, str]:
        ids = sorted(set(entity_ids))
        found = {i: i for i in ids}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), _IN_CHUNK):
                query = select(t.canonical.c.entity_id, t.canonical.c.canonical_id).where(
                    t.canonical.c.scope_key == scope.key,
                    t.canonical.c.entity_id.in_(ids[start : start + _IN_CHUNK]),
                )
                found.update((row[0], row[1]) for row in conn.execute(query))
        return found

    def add_resolution_run(
        self,
        user: str,
        started_at: str,
        counts: dict[str, int],
        scored: Collection[str],
        *,
        shared: SharedRun | None = None,
    ) -> None:
        """Record a run and the source entities it scored, in one transaction."""
        values: dict[str, Any] = {"user": user, "started_at": started_at, **counts}
        if shared is not None:
            values |= {
                "input_version": shared.input_version,
                "config": shared.config,
                "kinds": orjson.dumps(shared.kinds).decode(),
            }
        with self._write() as conn:
            conn.execute(insert(t.resolution_runs).values(**values))
            seen = self._resolved_ids(conn, user)
            fresh = sorted(set(scored) - seen)
            if fresh:
                conn.execute(
                    insert(t.resolution_seen), [{"user": user, "entity_id": e} for e in fresh]
                )

    def statements_version(self, scope: Scope) -> str:
        """Changes whenever a statement the scope may see is added, re-marked or removed; the
        same for two scopes that see the same statements, however their markings differ. A
        source re-sending the same statements only refreshes their times: the version stands
        (values carry their content in their ids, so a changed value is an added statement)."""
        groups: dict[int, tuple[int, str]] = {}
        for marking, _dataset, count, first_seen in self._counts(scope):
            seen, newest = groups.get(marking, (0, ""))
            groups[marking] = (seen + count, max(newest, first_seen))
        digest = hashlib.sha1()
        for marking, (count, newest) in sorted(groups.items()):
            digest.update(f"|{marking} {count} {newest}".encode())
        return digest.hexdigest()

    def shared_resolution_run(
        self, input_version: str, config: str
    ) -> tuple[str, SharedRun] | None:
        """The newest run (its viewer and record) that scored these statements with these
        settings, if any."""
        query = (
            select(t.resolution_runs.c.user, t.resolution_runs.c.kinds)
            .where(
                t.resolution_runs.c.input_version == input_version,
                t.resolution_runs.c.config == config,
            )
            .order_by(t.resolution_runs.c.id.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            return None
        return row.user, SharedRun(input_version, config, orjson.loads(row.kinds or "{}"))

    def copy_resolved_ids(self, from_user: str, to_user: str, scope: Scope) -> int:
        """Mark what `from_user`'s runs scored as scored for `to_user` too, as far as `scope`
        sees it (a viewer sharing another's run); returns how many were new to `to_user`."""
        with self.engine.connect() as conn:
            theirs = self._resolved_ids(conn, from_user)
            mine = self._resolved_ids(conn, to_user)
        fresh = sorted(self.visible_entity_ids(scope, theirs - mine))
        if fresh:
            with self._write() as conn:
                conn.execute(
                    insert(t.resolution_seen), [{"user": to_user, "entity_id": e} for e in fresh]
                )
        return len(fresh)

    def _resolved_ids(self, conn: Connection, user: str) -> set[str]:
        query = select(t.resolution_seen.c.entity_id).where(t.resolution_seen.c.user == user)
        return {row[0] for row in conn.execute(query)}

    def resolved_ids(self, user: str) -> set[str]:
        """Source entities this viewer's earlier runs have scored."""
        with self.engine.connect() as conn:
            return self._resolved_ids(conn, user)

    def _canonical_version(self, conn: Connection, scope: Scope) -> int | None:
        """The links' version the scope's canonical ids were last computed at (None for ids
        computed before their digest was kept: they are computed again, once)."""
        query = select(t.canonical_scopes.c.version).where(
            t.canonical_scopes.c.scope_key == scope.key, t.canonical_scopes.c.digest.is_not(None)
        )
        return conn.execute(query).scalar()

    def ensure_canonical(self, scope: Scope) -> None:
        """Materialise the scope's canonical ids if links or judgements changed since."""
        with self.engine.connect() as conn:
            version = conn.execute(select(t.resolution_state.c.version)).scalar_one()
            if self._canonical_version(conn, scope) == version:
                return
        matches = self.links(scope, verdicts=["match"])
        decided = {(j.left_id, j.right_id): j for j in self.judgements(scope)}
        endpoints = {i for link in matches for i in (link.left_id, link.right_id)}
        endpoints |= {i for pair in decided for i in pair}
        visible = self.visible_entity_ids(scope, endpoints)
        positives = [
            (link.left_id, link.right_id, link.probability)
            for link in matches
            if decided.get((link.left_id, link.right_id)) is None
            or decided[(link.left_id, link.right_id)].verdict == "unsure"
        ]
        positives += [(a, b, 2.0) for (a, b), j in decided.items() if j.verdict == "same"]
        positives = [p for p in positives if p[0] in visible and p[1] in visible]
        negatives = [pair for pair, j in decided.items() if j.verdict == "not_same"]
        groups = cluster(positives, negatives)
        members = [m for group in groups for m in group]
        with self._write() as conn:
            # Two readers of one scope may both find it stale (PostgreSQL lets them run at
            # once): the second waits here, then finds the first one's result and keeps it.
            self.dialect.serialise(conn, "canonical")
            if self._canonical_version(conn, scope) == version:
                return
            previous: dict[str, str] = {}
            for start in range(0, len(members), _IN_CHUNK):
                chunk = members[start : start + _IN_CHUNK]
                query = select(t.canonical_history).where(
                    t.canonical_history.c.entity_id.in_(chunk)
                )
                previous.update((row.entity_id, row.canonical_id) for row in conn.execute(query))
            assigned = canonical_ids(groups, previous)
            conn.execute(delete(t.canonical).where(t.canonical.c.scope_key == scope.key))
            if assigned:
                conn.execute(
                    insert(t.canonical),
                    [
                        {"scope_key": scope.key, "entity_id": e, "canonical_id": c}
                        for e, c in sorted(assigned.items())
                    ],
                )
            changed = {e: c for e, c in assigned.items() if previous.get(e) != c}
            for entity_id, canonical_id in sorted(changed.items()):
                updated = conn.execute(
                    update(t.canonical_history)
                    .where(t.canonical_history.c.entity_id == entity_id)
                    .values(canonical_id=canonical_id)
                ).rowcount
                if not updated:
                    conn.execute(
                        insert(t.canonical_history).values(
                            entity_id=entity_id, canonical_id=canonical_id
                        )
                    )
            conn.execute(
                delete(t.canonical_scopes).where(t.canonical_scopes.c.scope_key == scope.key)
            )
            conn.execute(
                insert(t.canonical_scopes).values(
                    scope_key=scope.key,
                    version=version,
                    computed_at=utc_now(),
                    digest=_canonical_digest(assigned.items()),
                )
            )

    # -- alerts --------------------------------------------------------------------------------
    def save_alerts(self, items: Sequence[tuple[AlertRecord, AlertEvent]]) -> list[AlertRecord]:
        now = utc_now()
        ids = []
        with self._write() as conn:
            for alert, event in items:
                values = {
                    "key": alert.key,
                    "kind": alert.kind,
                    "status": alert.status,
                    "score": float(alert.score),
                    "reasons": orjson.dumps(list(alert.reasons)).decode(),
                    "transactions": orjson.dumps(list(alert.transactions)).decode(),
                    "entities": orjson.dumps(list(alert.entities)).decode(),
                    "details": orjson.dumps(alert.details, default=str).decode(),
                    "evidence": evidence_text(alert.evidence),
                    "agency": alert.agency,
                    "created_by": alert.created_by,
                    "updated_at": now,
                }
                if alert.id:
                    conn.execute(update(t.alerts).where(t.alerts.c.id == alert.id).values(**values))
                    alert_id = alert.id
                else:
                    key = conn.execute(
                        insert(t.alerts).values(created_at=alert.created_at or now, **values)
                    ).inserted_primary_key
                    assert key is not None
                    alert_id = int(key[0])
                self._add_alert_event(conn, alert_id, event, now)
                ids.append(alert_id)
        saved: dict[int, AlertRecord] = {}
        for start in range(0, len(ids), _IN_CHUNK):
            chunk = t.alerts.c.id.in_(ids[start : start + _IN_CHUNK])
            saved.update((a.id, a) for a in self._alerts_where(chunk, history=True))
        return [saved[i] for i in ids]

    def _add_alert_event(self, conn: Connection, alert_id: int, event: AlertEvent, at: str) -> None:
        conn.execute(
            insert(t.alert_events).values(
                alert_id=alert_id,
                at=event.at or at,
                user=event.user,
                action=event.action,
                status=event.status,
                note=event.note,
                agency=event.agency,
            )
        )

    def share_alert(self, alert_id: int, agency: str, event: AlertEvent) -> None:
        now = utc_now()
        with self._write() as conn:
            known = conn.execute(
                select(t.alert_recipients.c.agency).where(
                    t.alert_recipients.c.alert_id == alert_id,
                    t.alert_recipients.c.agency == agency,
                )
            ).first()
            if known is None:
                conn.execute(insert(t.alert_recipients).values(alert_id=alert_id, agency=agency))
            conn.execute(update(t.alerts).where(t.alerts.c.id == alert_id).values(updated_at=now))
            self._add_alert_event(conn, alert_id, event, now)

    def alerts(
        self,
        scope: Scope,
        *,
        ids: Collection[int] | None = None,
        keys: Collection[str] | None = None,
        kinds: Collection[str] | None = None,
        statuses: Collection[str] | None = None,
        history: bool = False,
    ) -> list[AlertRecord]:
        conditions: list[ColumnElement[bool]] = []
        if kinds is not None:
            conditions.append(t.alerts.c.kind.in_(sorted(set(kinds))))
        if statuses is not None:
            conditions.append(t.alerts.c.status.in_(sorted(set(statuses))))
        # Long id or key lists are asked for in chunks (SQLite's limit on bound parameters).
        chunks: list[ColumnElement[bool]] = [literal(True)]
        wanted: list[tuple[Any, list[Any]]] = []
        if ids is not None:
            wanted.append((t.alerts.c.id, sorted(set(ids))))
        if keys is not None:
            wanted.append((t.alerts.c.key, sorted(set(keys))))
        for column, values in wanted:
            parts = [values[i : i + _IN_CHUNK] for i in range(0, len(values), _IN_CHUNK)]
            chunks = [and_(c, column.in_(part)) for c in chunks for part in parts]
        found = [a for c in chunks for a in self._alerts_where(and_(c, *conditions), history=False)]
        found.sort(key=lambda a: (-a.score, -a.id))
        # Evidence is checked here, in Python, as for match links: an alert whose evidence the
        # scope may not fully see does not exist for it (nor does its history).
        visible = [a for a in found if scope.allows(a.evidence)]
        if history and visible:
            events = self._alert_events([a.id for a in visible])
            visible = [_with_history(a, events.get(a.id, ())) for a in visible]
        return visible

    def _alerts_where(self, condition: ColumnElement[bool], *, history: bool) -> list[AlertRecord]:
        query = (
            select(t.alerts)
            .where(condition)
            .order_by(t.alerts.c.score.desc(), t.alerts.c.id.desc())
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            ids = [row.id for row in rows]
            recipients: dict[int, set[str]] = {}
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start : start + _IN_CHUNK]
                shared = select(t.alert_recipients).where(t.alert_recipients.c.alert_id.in_(chunk))
                for row in conn.execute(shared):
                    recipients.setdefault(row.alert_id, set()).add(row.agency)
        alerts = [_alert_from_row(row, frozenset(recipients.get(row.id, ()))) for row in rows]
        if history and alerts:
            events = self._alert_events(ids)
            alerts = [_with_history(a, events.get(a.id, ())) for a in alerts]
        return alerts

    def _alert_events(self, alert_ids: list[int]) -> dict[int, list[AlertEvent]]:
        events: dict[int, list[AlertEvent]] = {}
        with self.engine.connect() as conn:
            for start in range(0, len(alert_ids), _IN_CHUNK):
                chunk = alert_ids[start : start + _IN_CHUNK]
                query = (
                    select(t.alert_events)
                    .where(t.alert_events.c.alert_id.in_(chunk))
                    .order_by(t.alert_events.c.id)
                )
                for row in conn.execute(query):
                    events.setdefault(row.alert_id, []).append(
                        AlertEvent(
                            action=row.action,
                            user=row.user,
                            status=row.status,
                            note=row.note,
                            agency=row.agency,
                            at=row.at,
                            alert_id=row.alert_id,
                            id=row.id,
                        )
                    )
        return events

    # -- screening runs ------------------------------------------------------------------------
    def screened(self, user: str) -> dict[str, str]:
        query = select(t.screening_seen.c.entity_id, t.screening_seen.c.digest).where(
            t.screening_seen.c.user == user
        )
        with self.engine.connect() as conn:
            return {row[0]: row[1] for row in conn.execute(query)}

    def add_screening_run(self, run: ScreeningRun, digests: Mapping[str, str]) -> ScreeningRun:
        with self._write() as conn:
            key = conn.execute(
                insert(t.screening_runs).values(
                    user=run.user,
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    full=int(run.full),
                    counts=orjson.dumps(run.counts).decode(),
                )
            ).inserted_primary_key
            ids = sorted(digests)
            for start in range(0, len(ids), _IN_CHUNK):
                chunk = ids[start : start + _IN_CHUNK]
                conn.execute(
                    delete(t.screening_seen).where(
                        t.screening_seen.c.user == run.user,
                        t.screening_seen.c.entity_id.in_(chunk),
                    )
                )
                conn.execute(
                    insert(t.screening_seen),
                    [{"user": run.user, "entity_id": e, "digest": digests[e]} for e in chunk],
                )
        assert key is not None
        return ScreeningRun(
            run.user, run.started_at, run.finished_at, dict(run.counts), run.full, int(key[0])
        )

    def screening_runs(self, user: str, limit: int = 20) -> list[ScreeningRun]:
        query = (
            select(t.screening_runs)
            .where(t.screening_runs.c.user == user)
            .order_by(t.screening_runs.c.id.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [
                ScreeningRun(
                    row.user,
                    row.started_at,
                    row.finished_at,
                    orjson.loads(row.counts),
                    bool(row.full),
                    row.id,
                )
                for row in conn.execute(query)
            ]

    # -- runs, users, audit --------------------------------------------------------------------
    def runs(self, limit: int = 50) -> list[RunRecord]:
        query = select(t.runs).order_by(t.runs.c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            return [_run_from_row(row) for row in conn.execute(query)]

    def get_run(self, run_id: int) -> RunRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.runs).where(t.runs.c.id == run_id)).first()
        return None if row is None else _run_from_row(row)

    def put_user(self, user: UserRecord) -> None:
        values = {
            "agency": user.agency,
            "clearance": user.clearance,
            "compartments": caveat_text(user.compartments),
            "partner": user.partner,
            "roles": caveat_text(user.roles),
        }
        with self._write() as conn:
            exists = conn.execute(select(t.users.c.name).where(t.users.c.name == user.name)).first()
            if exists:
                conn.execute(update(t.users).where(t.users.c.name == user.name).values(**values))
            else:
                conn.execute(insert(t.users).values(name=user.name, **values))

    def get_user(self, name: str) -> UserRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.users).where(t.users.c.name == name)).first()
        return None if row is None else _user_from_row(row)

    def users(self) -> list[UserRecord]:
        with self.engine.connect() as conn:
            return [
                _user_from_row(r) for r in conn.execute(select(t.users).order_by(t.users.c.name))
            ]

    def append_audit(self, actor: str, action: str, detail: dict[str, Any]) -> AuditEntry:
        return self.audit_log.append(actor, action, detail)

    def audit_entries(self, *, after_id: int = 0, limit: int | None = None) -> Iterator[AuditEntry]:
        return self.audit_log.entries(after_id=after_id, limit=limit)

    def audit_head(self) -> AuditEntry | None:
        return self.audit_log.head()


class _SQLWriter(StoreWriter):
    def __init__(self, store: SQLStore, conn: Connection, run: RunRecord) -> None:
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
    for start in range(0, len(datasets), _IN_CHUNK):
        chunk = sorted(datasets)[start : start + _IN_CHUNK]
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


def _canonical_digest(pairs: Iterable[Any]) -> str:
    """One digest of a scope's (entity id, canonical id) pairs, whatever order they come in."""
    digest = hashlib.sha1()
    for entity_id, canonical_id in sorted((str(a), str(b)) for a, b in pairs):
        digest.update(f"|{entity_id}={canonical_id}".encode())
    return digest.hexdigest()


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


def _user_from_row(row: Any) -> UserRecord:
    return UserRecord(
        name=row.name,
        agency=row.agency,
        clearance=row.clearance,
        compartments=parse_caveats(row.compartments),
        partner=row.partner,
        roles=parse_caveats(row.roles),
    )


def _alert_from_row(row: Any, shared_with: frozenset[str]) -> AlertRecord:
    return AlertRecord(
        key=row.key,
        kind=row.kind,
        score=float(row.score),
        reasons=tuple(orjson.loads(row.reasons)),
        evidence=parse_evidence(row.evidence),
        agency=row.agency,
        created_by=row.created_by,
        status=row.status,
        transactions=tuple(orjson.loads(row.transactions)),
        entities=tuple(orjson.loads(row.entities)),
        details=orjson.loads(row.details),
        shared_with=shared_with,
        created_at=row.created_at,
        updated_at=row.updated_at,
        id=row.id,
    )


def _with_history(alert: AlertRecord, events: Iterable[AlertEvent]) -> AlertRecord:
    return replace(alert, history=tuple(events))


def _statement_from_row(row: Any, markings: dict[int, Marking]) -> StoredStatement:
    return StoredStatement(
        id=row.id,
        entity_id=row.entity_id,
        canonical_id=row.canonical_id,
        schema=row.schema,
        prop=row.prop,
        prop_type=row.prop_type,
        value=row.value,
        original_value=row.original_value,
        lang=row.lang,
        dataset=row.dataset,
        origin=row.origin,
        marking=markings[row.marking_id],
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        run_id=row.run_id,
        marking_id=row.marking_id,
    )


def open_store(url: str, *, batch_size: int = 20_000, migrate: bool = True) -> SQLStore:
    """Open (and by default migrate) the store at a SQLAlchemy URL."""
    store = SQLStore(url, batch_size=batch_size)
    if migrate:
        store.migrate()
    return store


__all__ = ["SQLStore", "audit_hash", "open_store"]
