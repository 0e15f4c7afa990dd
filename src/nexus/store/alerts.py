"""Alerts (findings in a queue, each with its evidence's markings, recipients and history) and
the screening runs that raise them, with the digests of what each viewer last screened.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import orjson
from sqlalchemy import ColumnElement, and_, delete, insert, literal, select, update
from sqlalchemy.engine import Connection

from nexus.store import tables as t
from nexus.store.records import (
    AlertEvent,
    AlertRecord,
    Scope,
    ScreeningRun,
    evidence_text,
    parse_evidence,
    utc_now,
)
from nexus.store.sqlbase import IN_CHUNK, SQLBase


class SQLAlerts(SQLBase):
    """The alert queue and the screening runs behind it."""

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
        for start in range(0, len(ids), IN_CHUNK):
            chunk = t.alerts.c.id.in_(ids[start : start + IN_CHUNK])
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
            parts = [values[i : i + IN_CHUNK] for i in range(0, len(values), IN_CHUNK)]
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
            for start in range(0, len(ids), IN_CHUNK):
                chunk = ids[start : start + IN_CHUNK]
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
            for start in range(0, len(alert_ids), IN_CHUNK):
                chunk = alert_ids[start : start + IN_CHUNK]
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
            for start in range(0, len(ids), IN_CHUNK):
                chunk = ids[start : start + IN_CHUNK]
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


__all__ = ["SQLAlerts"]
