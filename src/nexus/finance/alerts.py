"""The alert queue: findings raised as alerts with their evidence markings, an analyst's steps
(new → under review → escalated / closed with a reason), and dissemination under the sharing rules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from followthemoney import StatementEntity

from nexus.exceptions import AccessDenied, NexusError, NotFound
from nexus.finance.findings import Finding
from nexus.policy import AccessLayer, Reader, Viewer, denial_reasons
from nexus.store import ALERT_STATUSES, AlertEvent, AlertRecord

# Which steps an analyst may take from each status. A closed alert may be reopened (back under
# review); a later run reopens it by itself only when it brings evidence the alert did not have.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("under_review", "closed"),
    "under_review": ("escalated", "closed"),
    "escalated": ("closed", "under_review"),
    "closed": ("under_review",),
}
OPEN = ("new", "under_review", "escalated")
# The queue's order: what needs a decision first, then by score.
QUEUE_ORDER = {status: rank for rank, status in enumerate(ALERT_STATUSES)}


class AlertStateError(NexusError):
    """An alert cannot take this step from its current status."""


@dataclass
class RaiseReport:
    """What raising findings did to the queue (alert ids)."""

    new: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    reopened: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.new)} new, {len(self.updated)} updated, {len(self.reopened)} reopened, "
            f"{len(self.unchanged)} unchanged"
        )


def finding_key(finding: Finding) -> str:
    """What an alert is about: the detector's own key (`details["key"]`), else its kind and the
    transactions and entities it names."""
    given = finding.details.get("key")
    if isinstance(given, str) and given:
        return given
    body = "\x1f".join([finding.kind, *sorted(finding.transactions), "", *sorted(finding.entities)])
    return f"{finding.kind}:{hashlib.sha1(body.encode('utf-8')).hexdigest()[:24]}"


def alert_key(finding: Finding, agency: str) -> str:
    """Alerts belong to the agency that raised them: the same finding raised by two agencies is
    two alerts, each in its own queue."""
    return f"{finding_key(finding)}@{agency}"


def _merged(*parts: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(value for part in parts for value in part))


def combine_findings(
    findings: Sequence[Finding], evidence: Sequence[frozenset[int]]
) -> tuple[list[Finding], list[frozenset[int]]]:
    """Findings about one subject (one key) in one run become one: the strongest's score and
    figures, every reason, transaction, entity and marking (two structuring episodes on one
    account are one alert with both)."""
    groups: dict[str, list[int]] = {}
    for index, finding in enumerate(findings):
        groups.setdefault(finding_key(finding), []).append(index)
    combined: list[Finding] = []
    marks: list[frozenset[int]] = []
    for members in groups.values():
        ranked = sorted(members, key=lambda i: -findings[i].score)
        best = findings[ranked[0]]
        if len(ranked) > 1:
            best = replace(
                best,
                reasons=_merged(*(findings[i].reasons for i in ranked)),
                transactions=_merged(*(findings[i].transactions for i in ranked)),
                entities=_merged(*(findings[i].entities for i in ranked)),
            )
        combined.append(best)
        marks.append(frozenset().union(*(evidence[i] for i in members)))
    return combined, marks


def raise_alerts(
    access: AccessLayer,
    viewer: Viewer,
    findings: Sequence[Finding],
    evidence: Sequence[frozenset[int]] | None = None,
) -> RaiseReport:
    """Put findings in the viewer's agency's queue, in one transaction.

    `evidence` gives the marking ids of the statements each finding rests on; without it, the
    markings of every statement the viewer sees about the finding's entities and transactions
    are taken (one read each). A finding already in the queue (same key, visible to the viewer)
    updates its alert: score, reasons and evidence are refreshed and the ids merged; a closed alert
    is reopened only when the finding names something it did not.
    """
    report = RaiseReport()
    if not findings:
        return report
    reader = access.reader(viewer)
    if evidence is None:
        evidence = [reader.evidence([*f.entities, *f.transactions]) for f in findings]
    if len(evidence) != len(findings):
        raise ValueError("one evidence set per finding")
    findings, evidence = combine_findings(findings, evidence)
    visible = access.scope(viewer).marking_ids
    keys = [alert_key(f, viewer.agency) for f in findings]
    existing: dict[str, AlertRecord] = {}
    for known in sorted(reader.alerts(keys=sorted(set(keys))), key=lambda a: a.id):
        existing[known.key] = known
    pending: dict[str, tuple[AlertRecord, AlertEvent | None, str]] = {}  # keys are unique now
    for finding, marks, key in zip(findings, evidence, keys, strict=True):
        if not marks <= visible:
            raise AccessDenied(f"{viewer.name} may not raise an alert on evidence they cannot see")
        base = existing.get(key)
        if base is None:
            record = AlertRecord(
                key=key,
                kind=finding.kind,
                score=finding.score,
                reasons=tuple(finding.reasons),
                evidence=marks,
                agency=viewer.agency,
                created_by=viewer.name,
                transactions=tuple(finding.transactions),
                entities=tuple(finding.entities),
                details=dict(finding.details),
            )
            event = AlertEvent("raised", viewer.name, "new", f"score {finding.score:.2f}")
            pending[key] = (record, event, "new")
            continue
        pending[key] = _merge(viewer, base, finding, marks)
    changes = [(r, e, o) for r, e, o in pending.values() if e is not None]
    saved = access.store.save_alerts([(r, e) for r, e, _ in changes if e is not None])
    for (_, _, outcome), alert in zip(changes, saved, strict=True):
        getattr(report, outcome).append(alert.id)
    report.unchanged.extend(r.id for r, e, _ in pending.values() if e is None)
    access.store.append_audit(
        viewer.audit_name, "alert.raise", {k: v for k, v in vars(report).items() if v}
    )
    return report


def _merge(
    viewer: Viewer, alert: AlertRecord, finding: Finding, marks: frozenset[int]
) -> tuple[AlertRecord, AlertEvent | None, str]:
    """The alert as the finding leaves it, the event that says so (None: nothing changed), and
    what happened: updated, reopened or unchanged."""
    transactions = _merged(alert.transactions, finding.transactions)
    entities = _merged(alert.entities, finding.entities)
    news = (set(transactions) - set(alert.transactions)) | (set(entities) - set(alert.entities))
    updated = replace(
        alert,
        score=finding.score,
        reasons=tuple(finding.reasons),
        evidence=alert.evidence | marks,
        transactions=transactions,
        entities=entities,
        details=dict(finding.details),
        history=(),
    )
    if alert.status == "closed":
        if not news:
            return alert, None, "unchanged"
        note = f"new evidence: {', '.join(sorted(news)[:5])}"
        event = AlertEvent("reopened", viewer.name, "new", note)
        return replace(updated, status="new"), event, "reopened"
    same = (
        updated.score == alert.score
        and updated.reasons == alert.reasons
        and updated.evidence == alert.evidence
        and not news
    )
    if same:
        return alert, None, "unchanged"
    note = f"score {alert.score:.2f} → {finding.score:.2f}"
    if news:
        note += f"; new: {', '.join(sorted(news)[:5])}"
    return updated, AlertEvent("updated", viewer.name, alert.status, note), "updated"


def queue(
    reader: Reader,
    *,
    status: Sequence[str] | None = None,
    kind: str | None = None,
    limit: int | None = None,
) -> list[AlertRecord]:
    """The viewer's queue: undecided alerts first (new, under review, escalated, closed), each
    group by score, highest first."""
    found = reader.alerts(kind=kind, status=status)
    found.sort(key=lambda a: (QUEUE_ORDER.get(a.status, 99), -a.score, -a.id))
    return found if limit is None else found[:limit]


def _owned(reader: Reader, alert_id: int, action: str) -> AlertRecord:
    alert = reader.alert(alert_id)
    viewer = reader.viewer
    if not viewer.is_admin and viewer.agency != alert.agency:
        raise AccessDenied(
            f"alert {alert_id} belongs to {alert.agency}: {viewer.name} ({viewer.agency}) "
            f"received it and may read it, but may not {action} it"
        )
    return alert


def transition(
    access: AccessLayer,
    viewer: Viewer,
    alert_id: int,
    status: str,
    note: str | None = None,
    *,
    outcome: str | None = None,
) -> AlertRecord:
    """Move an alert to `status`, keeping who, when and why; closing needs a reason and may
    record its outcome (`false_positive` or `confirmed`: the labels alerts are learnt from)."""
    from nexus.finance.learning import OUTCOMES

    if status not in ALERT_STATUSES:
        raise AlertStateError(f"unknown status {status!r} (known: {', '.join(ALERT_STATUSES)})")
    if outcome is not None and (status != "closed" or outcome not in OUTCOMES):
        raise AlertStateError(
            f"an outcome ({', '.join(OUTCOMES)}) is recorded when closing, not {outcome!r} "
            f"on the way to {status}"
        )
    reader = access.reader(viewer)
    alert = _owned(reader, alert_id, "change")
    allowed = TRANSITIONS.get(alert.status, ())
    if status not in allowed:
        options = ", ".join(allowed) or "nothing"
        raise AlertStateError(
            f"alert {alert_id} is {alert.status}: it can go to {options}, not {status}"
        )
    if status == "closed" and not (note and note.strip()):
        raise AlertStateError(f"closing alert {alert_id} needs a reason (--reason)")
    saved = access.store.save_alert(
        replace(alert, status=status, history=()),
        AlertEvent(outcome or "status", viewer.name, status, note.strip() if note else None),
    )
    access.store.append_audit(
        viewer.audit_name,
        "alert.status",
        {"id": alert_id, "from": alert.status, "to": status, "note": note, "outcome": outcome},
    )
    return saved


def recipient_viewer(access: AccessLayer, agency: str) -> tuple[Viewer, list[Viewer]]:
    """The agency as a recipient (its partner status taken from its users), and its users."""
    users = [Viewer.from_user(u) for u in access.store.users() if u.agency == agency]
    if not users:
        raise NotFound(f"no viewer belongs to agency {agency!r}: it cannot receive alerts")
    partner = next((u.partner for u in users if u.partner), None)
    top = access.settings.classification_levels[-1]
    return Viewer(f"{agency} (agency)", agency, top, frozenset(), partner), users


def disseminate(
    access: AccessLayer, viewer: Viewer, alert_id: int, agency: str, note: str | None = None
) -> AlertRecord:
    """Send an escalated alert to another agency, if the sharing rules let every statement it
    rests on go there: no other agency's AGENCY-ONLY material, no compartment, nothing NOFORN to a
    partner, and for a partner only what is released to it (REL:<partner>). At least one of the
    agency's viewers must be cleared for all of it. Its viewers then find it in their queue."""
    reader = access.reader(viewer)
    alert = _owned(reader, alert_id, "disseminate")
    if alert.status != "escalated":
        raise AlertStateError(
            f"alert {alert_id} is {alert.status}: escalate it before disseminating it"
        )
    if agency == alert.agency:
        raise AlertStateError(f"alert {alert_id} already belongs to {agency}")
    recipient, users = recipient_viewer(access, agency)
    markings = access.store.markings()
    refused = sorted(
        {
            f"{markings[mid].label()}: {reason}"
            for mid in alert.evidence
            for reason in denial_reasons(recipient, markings[mid], access.settings)
        }
    )
    if refused:
        raise AccessDenied(f"alert {alert_id} may not go to {agency}: " + "; ".join(refused))
    readers = [u for u in users if access.scope(u).marking_ids >= alert.evidence]
    if not readers:
        raise AccessDenied(
            f"alert {alert_id} may not go to {agency}: none of its viewers is cleared for all "
            "the statements it rests on"
        )
    access.store.share_alert(
        alert_id, agency, AlertEvent("disseminated", viewer.name, alert.status, note, agency)
    )
    access.store.append_audit(
        viewer.audit_name, "alert.disseminate", {"id": alert_id, "to": agency, "note": note}
    )
    return reader.alert(alert_id)


def subgraph(reader: Reader, alert: AlertRecord) -> list[StatementEntity]:
    """The alert's accounts, people, companies and payments as the viewer sees them, plus the
    links between them (ownerships, memberships, …)."""
    named = list(dict.fromkeys([*alert.entities, *alert.transactions]))
    found: dict[str, StatementEntity] = {}
    for entity_id in named:
        try:
            entity = reader.entity(entity_id)
        except NotFound:
            continue
        found.setdefault(str(entity.id), entity)
    members = {i for e in found.values() for i in (str(e.id), *e.referents)}
    for entity in list(found.values()):
        for edge in reader.referencing(str(entity.id)):
            if str(edge.id) in found or not edge.schema.edge:
                continue
            ends = {
                str(v)
                for prop in edge.iterprops()
                if prop.type.name == "entity"
                for v in edge.get(prop)
            }
            if len(ends & members) >= 2:
                found[str(edge.id)] = edge
    return list(found.values())


# -- risk per entity ---------------------------------------------------------------------------
@dataclass(frozen=True)
class AlertShare:
    """One alert's part in an entity's risk, and the account it reaches the entity through."""

    alert_id: int
    kind: str
    score: float
    via: str | None = None  # the held account's caption, when the alert names the account


@dataclass(frozen=True)
class EntityRisk:
    """An entity's combined risk over the alerts that name it or the accounts it holds: the
    chance that at least one is right, taking each alert's score as its own chance."""

    entity_id: str
    schema: str
    caption: str
    score: float
    alerts: tuple[AlertShare, ...]  # strongest first

    def reasons(self, most: int | None = None) -> list[str]:
        shown = [
            f"alert {a.alert_id} ({a.kind}, {a.score:.2f})" + (f" via {a.via}" if a.via else "")
            for a in self.alerts[:most]
        ]
        if len(self.alerts) > len(shown):
            shown.append(f"… and {len(self.alerts) - len(shown)} more")
        return shown

    def to_dict(self) -> dict[str, object]:
        return {
            "entity_id": self.entity_id,
            "schema": self.schema,
            "caption": self.caption,
            "score": self.score,
            "alerts": [vars(a) for a in self.alerts],
        }


PAYMENT_SIDES = (("payer", "payerAccount"), ("beneficiary", "beneficiaryAccount"))


def _holdings(reader: Reader, payment_ids: Sequence[str]) -> list[tuple[str, str, str]]:
    """(holder, account, ownership) the viewer sees: ownerships (goAML signatories, registers),
    with the ownership's id, and the parties the alerts' own payments name beside each account
    (the account's title), with the ownership empty."""
    holdings: dict[str, dict[str, str]] = {}
    for stmt in reader.iter_statements(schema="Ownership"):
        if stmt.prop in ("owner", "asset"):
            holdings.setdefault(stmt.canonical_id, {})[stmt.prop] = stmt.value
    pairs = {(h["owner"], h["asset"], oid) for oid, h in holdings.items() if len(h) == 2}
    for payment in {id(p): p for p in reader.lookup(payment_ids).values()}.values():
        for party, account in PAYMENT_SIDES:
            holders, accounts = payment.get(party), payment.get(account)
            if len(holders) == 1 and len(accounts) == 1:  # which name goes with which account
                pairs.add((holders[0], accounts[0], ""))
    return sorted(pairs)


@dataclass(frozen=True)
class PaymentLine:
    """One of an alert's payments as the viewer sees it: the amount with its currency, and each
    side's account with the people or companies holding it (empty where none is visible).
    `sources` are the ids of what the line shows besides the payment: the parties and holders
    named, and the ownerships that tie a holder to an account (their markings mark the line)."""

    payment_id: str
    date: str
    amount: str
    currency: str
    payer: tuple[str, ...]
    beneficiary: tuple[str, ...]
    sources: tuple[str, ...] = ()


def _values(payment: StatementEntity, props: tuple[str, str]) -> list[str]:
    return [str(v) for prop in props for v in payment.get(prop)]


def payment_lines(reader: Reader, alert: AlertRecord) -> list[PaymentLine]:
    """The alert's payments the viewer may read, each side named by its parties and by the holders
    of its account (an account number alone says nothing to an analyst)."""
    payments = reader.lookup(list(alert.transactions))
    if not payments:
        return []
    pairs = _holdings(reader, sorted(payments))
    named = {v for p in payments.values() for side in PAYMENT_SIDES for v in _values(p, side)}
    entities = reader.lookup(sorted({i for pair in pairs for i in pair[:2]} | named))
    # account (canonical) → holders' (caption, id, ownership id or "")
    holders: dict[str, set[tuple[str, str, str]]] = {}
    for owner, asset, ownership in pairs:
        if owner in entities and asset in entities:
            holder = (entities[owner].caption, owner, ownership)
            holders.setdefault(str(entities[asset].id), set()).add(holder)
    lines: list[PaymentLine] = []
    for payment in {str(p.id): p for p in payments.values()}.values():
        sides: list[tuple[str, ...]] = []
        sources: dict[str, None] = {}
        for party, account in PAYMENT_SIDES:
            names: set[str] = set()
            for named_id in payment.get(party):
                if named_id in entities:
                    names.add(entities[named_id].caption)
                    sources[named_id] = None
            for account_id in payment.get(account):
                found = entities.get(account_id)
                held = holders.get(str(found.id), set()) if found else set()
                for caption, holder_id, ownership in held:
                    names.add(caption)
                    sources.update(dict.fromkeys(i for i in (holder_id, ownership) if i))
            sides.append(tuple(sorted(names)))
        lines.append(
            PaymentLine(
                str(payment.id),
                str(payment.first("date") or ""),
                str(payment.first("amount") or ""),
                str(payment.first("currency") or ""),
                sides[0],
                sides[1],
                tuple(sources),
            )
        )
    return sorted(lines, key=lambda line: (line.date, line.payment_id))


def entity_risk(
    reader: Reader, *, status: Sequence[str] = OPEN, limit: int | None = None
) -> list[EntityRisk]:
    """Entities ranked by the alerts the viewer may read (open ones by default): each alert counts
    for the entities it names and for the holders of the accounts it names, once per entity."""
    alerts = reader.alerts(status=status)
    named = {e for a in alerts for e in a.entities}
    if not named:
        return []
    pairs = _holdings(reader, sorted({t for a in alerts for t in a.transactions}))
    entities = reader.lookup(sorted(named | {i for pair in pairs for i in pair[:2]}))
    holders: dict[str, set[str]] = {}  # account (canonical) → holders (canonical)
    for owner, asset, _ownership in pairs:
        if owner in entities and asset in entities:
            holders.setdefault(str(entities[asset].id), set()).add(str(entities[owner].id))
    shares: dict[str, dict[int, AlertShare]] = {}
    for alert in alerts:
        # A listing a screening hit resembles is the alert's reason, not its subject.
        listings = set(alert.details.get("list_entries", ()))
        for named_id in alert.entities:
            entity = entities.get(named_id) if named_id not in listings else None
            if entity is None:
                continue
            target = str(entity.id)
            own = shares.setdefault(target, {})
            own[alert.id] = AlertShare(alert.id, alert.kind, alert.score)
            for holder in holders.get(target, ()):
                shares.setdefault(holder, {}).setdefault(
                    alert.id, AlertShare(alert.id, alert.kind, alert.score, entity.caption)
                )
    by_id = {str(e.id): e for e in entities.values()}
    scored: list[tuple[float, EntityRisk]] = []
    for entity_id, found in shares.items():
        entity = by_id[entity_id]
        unlikely = 1.0
        for share in found.values():
            unlikely *= 1.0 - min(max(share.score, 0.0), 1.0)
        ordered = tuple(sorted(found.values(), key=lambda a: (-a.score, a.alert_id)))
        risk = EntityRisk(
            entity_id, entity.schema.name, entity.caption, round(1.0 - unlikely, 3), ordered
        )
        scored.append((unlikely, risk))
    # Ranked on the unrounded figure: many subjects of strong alerts round to 1.00.
    scored.sort(key=lambda pair: (pair[0], -len(pair[1].alerts), pair[1].entity_id))
    ranked = [risk for _, risk in scored]
    return ranked if limit is None else ranked[:limit]


def event_json(event: AlertEvent) -> dict[str, Any]:
    """One step of an alert's history as plain data (the command line and the API print it)."""
    return {
        "at": event.at,
        "user": event.user,
        "action": event.action,
        "status": event.status,
        "note": event.note,
        "agency": event.agency,
    }


def alert_json(alert: AlertRecord) -> dict[str, Any]:
    """An alert as plain data: what it is about, why, its state and its history."""
    return {
        "id": alert.id,
        "kind": alert.kind,
        "status": alert.status,
        "score": alert.score,
        "agency": alert.agency,
        "shared_with": sorted(alert.shared_with),
        "reasons": list(alert.reasons),
        "entities": list(alert.entities),
        "transactions": list(alert.transactions),
        "details": alert.details,
        "created_by": alert.created_by,
        "created_at": alert.created_at,
        "updated_at": alert.updated_at,
        "history": [event_json(e) for e in alert.history],
    }
