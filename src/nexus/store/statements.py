"""The scoped reads of statements: visible statements, entity ids, counts and data versions.

Reads join the scope's canonical ids, which `nexus.store.resolution` materialises.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Iterator
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, insert, literal, select
from sqlalchemy.engine import Connection

from nexus.store import tables as t
from nexus.store.locking import write_lock
from nexus.store.records import Marking, Scope, StoredStatement, parse_caveats
from nexus.store.resolution import canonical_digest
from nexus.store.sqlbase import IN_CHUNK, SQLBase


class SQLStatements(SQLBase):
    """Reads of the statements a scope may see."""

    def markings(self) -> dict[int, Marking]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.markings)).all()
        return {
            row.id: Marking(row.agency, row.classification, parse_caveats(row.caveats))
            for row in rows
        }

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
        for start in range(0, len(canonical_ids), IN_CHUNK):
            chunk = canonical_ids[start : start + IN_CHUNK]
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
                    base.where(t.statements.c.entity_id.in_(members[i : i + IN_CHUNK]))
                    for i in range(0, len(members), IN_CHUNK)
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
            for start in range(0, len(members), IN_CHUNK):
                query = self._filtered(
                    self._with_canonical(select(canonical).distinct(), scope), scope
                ).where(
                    t.statements.c.prop_type == "entity",
                    t.statements.c.value.in_(members[start : start + IN_CHUNK]),
                )
                found.update(row[0] for row in conn.execute(query))
        return sorted(found - set(canonical_ids))

    def visible_entity_ids(self, scope: Scope, entity_ids: Collection[str]) -> set[str]:
        ids = sorted(set(entity_ids))
        visible: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(ids), IN_CHUNK):
                query = self._filtered(select(t.statements.c.entity_id).distinct(), scope).where(
                    t.statements.c.entity_id.in_(ids[start : start + IN_CHUNK])
                )
                visible.update(row[0] for row in conn.execute(query))
        return visible

    def datasets(self, scope: Scope) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _marking, dataset, count, _first_seen in self._counts(scope):
            counts[dataset] = counts.get(dataset, 0) + count
        return dict(sorted(counts.items()))

    def dataset_markings(self, scope: Scope) -> dict[str, dict[int, int]]:
        counts: dict[str, dict[int, int]] = {}
        for marking, dataset, count, _first_seen in self._counts(scope):
            counts.setdefault(dataset, {})[marking] = count
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

    # -- versions and summaries ----------------------------------------------------------------
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
                canonical = canonical_digest(
                    conn.execute(
                        select(t.canonical.c.entity_id, t.canonical.c.canonical_id).where(
                            t.canonical.c.scope_key == scope.key
                        )
                    )
                )
        digest = hashlib.sha1(f"{int(count)} {int(marking_sum)} {canonical}".encode())
        return f"{scope.key[:16]}:{digest.hexdigest()[:16]}"


def _canonical_of(column: ColumnElement[str]) -> ColumnElement[str]:
    return func.coalesce(t.canonical.c.canonical_id, column)


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


__all__ = ["SQLStatements"]
