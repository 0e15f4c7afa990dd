"""Entity resolution's records: match links, analysts' judgements, resolution runs, and the
canonical ids materialised per scope from the links and judgements that scope may see.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable
from typing import Any

import orjson
from sqlalchemy import and_, delete, insert, or_, select, update
from sqlalchemy.engine import Connection

from nexus.store import tables as t
from nexus.store.clusters import canonical_ids, cluster
from nexus.store.records import (
    JudgementRecord,
    LinkRecord,
    Scope,
    SharedRun,
    evidence_text,
    parse_evidence,
    utc_now,
)
from nexus.store.sqlbase import IN_CHUNK, SQLBase


class SQLResolution(SQLBase):
    """Links, judgements and resolution runs, and the canonical ids they make per scope."""

    # -- links and judgements ------------------------------------------------------------------
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

    # -- resolution runs -----------------------------------------------------------------------
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

    # -- canonical ids -------------------------------------------------------------------------
    def canonical_of(self, scope: Scope, entity_ids: Collection[str]) -> dict[str, str]:
        ids = sorted(set(entity_ids))
        found = {i: i for i in ids}
        with self.engine.connect() as conn:
            for start in range(0, len(ids), IN_CHUNK):
                query = select(t.canonical.c.entity_id, t.canonical.c.canonical_id).where(
                    t.canonical.c.scope_key == scope.key,
                    t.canonical.c.entity_id.in_(ids[start : start + IN_CHUNK]),
                )
                found.update((row[0], row[1]) for row in conn.execute(query))
        return found

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
            for start in range(0, len(members), IN_CHUNK):
                chunk = members[start : start + IN_CHUNK]
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
                    digest=canonical_digest(assigned.items()),
                )
            )


def canonical_digest(pairs: Iterable[Any]) -> str:
    """One digest of a scope's (entity id, canonical id) pairs, whatever order they come in."""
    digest = hashlib.sha1()
    for entity_id, canonical_id in sorted((str(a), str(b)) for a, b in pairs):
        digest.update(f"|{entity_id}={canonical_id}".encode())
    return digest.hexdigest()


__all__ = ["SQLResolution", "canonical_digest"]
