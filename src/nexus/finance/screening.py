"""Sanctions and watch-list screening: every person, organisation and counterparty name a viewer
sees, against the list entries they see; incremental, each hit a finding with its reasons.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from nexus.finance.alerts import OPEN, RaiseReport, raise_alerts
from nexus.finance.findings import Finding
from nexus.finance.screener import RecordRow, Screener, ScreeningConfig
from nexus.finance.screening_match import PROPERTIES, Feature, Hit, Party, build_party
from nexus.policy import AccessLayer, Reader, Viewer
from nexus.store import ID_PROP, AlertEvent, ScreeningRun, StoredStatement, utc_now

KIND = "sanctions"
NAME_PROPS = frozenset({"name", "alias", "previousName", "weakAlias", "fatherName"})
# Names on payments and accounts that no entity stands for: screened as bare names.
COUNTERPARTY_NAMES = {"Payment": ("namesMentioned",), "BankAccount": ("name",)}


# -- reading what the viewer sees ----------------------------------------------------------------
@dataclass
class Record:
    """One source entity as screening reads it: its values, markings and a digest of both."""

    id: str
    schema: str
    canonical_id: str
    values: dict[str, list[str]] = field(default_factory=dict)
    datasets: set[str] = field(default_factory=set)
    topics: set[str] = field(default_factory=set)
    marks: set[int] = field(default_factory=set)
    seen: list[str] = field(default_factory=list)
    counterparty: bool = False  # a payment's or account's bare names
    run: int = 0  # the latest ingestion run that saw it

    def add(self, stmt: StoredStatement) -> None:
        self.marks.add(stmt.marking_id)
        self.run = max(self.run, stmt.run_id or 0)
        self.datasets.add(stmt.dataset)
        self.seen.append(f"{stmt.id}:{stmt.marking_id}")
        if stmt.prop == "topics":
            self.topics.add(stmt.value)
        elif stmt.prop in PROPERTIES or stmt.prop in NAME_PROPS:
            written = stmt.original_value if stmt.prop in NAME_PROPS else None
            self.values.setdefault(stmt.prop, []).append(written or stmt.value)

    def digest(self) -> str:
        """Changes whenever a value is added, removed from view or re-marked."""
        return hashlib.sha1("\n".join(sorted(self.seen)).encode("utf-8")).hexdigest()

    def party(self) -> Party | None:
        schema = "LegalEntity" if self.counterparty else self.schema
        dataset = ",".join(sorted(self.datasets))
        return build_party(self.id, schema, self.values, dataset)


@dataclass
class Links:
    """Who paid or was paid in which payments, and who holds which accounts, with the markings
    of each payment's and holding's statements: a hit's subgraph, read in the same passes."""

    payments: dict[str, set[str]] = field(default_factory=dict)  # party or account → payments
    accounts: dict[str, set[str]] = field(default_factory=dict)  # holder → accounts
    holdings: dict[str, set[str]] = field(default_factory=dict)  # holder → Ownership ids
    marks: dict[str, set[int]] = field(default_factory=dict)  # payment or holding → markings

    def add(self, index: dict[str, set[str]], key: str, value: str) -> None:
        index.setdefault(key, set()).add(value)


PAYMENT_PARTIES = ("payer", "beneficiary", "payerAccount", "beneficiaryAccount")


def read_records(
    reader: Reader, config: ScreeningConfig
) -> tuple[list[Record], list[Record], Links]:
    """The list entries, the records to screen and their links, from what the reader sees."""
    records: dict[str, Record] = {}
    for stmt in reader.iter_statements(schema="LegalEntity"):
        record = records.get(stmt.entity_id)
        if record is None:
            record = records[stmt.entity_id] = Record(
                stmt.entity_id, stmt.schema, stmt.canonical_id
            )
        if stmt.prop == ID_PROP:
            record.schema = stmt.schema
        record.add(stmt)
    entries = [r for r in records.values() if r.datasets & config.lists or r.topics & config.topics]
    listed = {r.id for r in entries}
    subjects = [r for r in records.values() if r.id not in listed]
    links = Links()
    holdings: dict[str, dict[str, str]] = {}
    for stmt in reader.iter_statements(schema="Ownership"):
        links.marks.setdefault(stmt.entity_id, set()).add(stmt.marking_id)
        if stmt.prop in ("owner", "asset"):
            holdings.setdefault(stmt.entity_id, {})[stmt.prop] = stmt.value
    for holding, ends in holdings.items():
        if "owner" in ends and "asset" in ends:
            links.add(links.accounts, ends["owner"], ends["asset"])
            links.add(links.holdings, ends["owner"], holding)
    for schema, props in COUNTERPARTY_NAMES.items():
        named: dict[str, Record] = {}
        for stmt in reader.iter_statements(schema=schema):
            if schema == "Payment":
                links.marks.setdefault(stmt.entity_id, set()).add(stmt.marking_id)
                if stmt.prop in PAYMENT_PARTIES:
                    links.add(links.payments, stmt.value, stmt.entity_id)
            if stmt.prop not in props:
                continue
            record = named.get(stmt.entity_id)
            if record is None:
                record = named[stmt.entity_id] = Record(
                    stmt.entity_id, stmt.schema, stmt.canonical_id, counterparty=True
                )
            record.add(stmt)
            if stmt.prop != "name":
                record.values.setdefault("name", []).append(stmt.original_value or stmt.value)
        subjects.extend(named[k] for k in sorted(named))
    return sorted(entries, key=lambda r: r.id), sorted(subjects, key=lambda r: r.id), links


def delistings(
    reader: Reader, entries: Sequence[Record], config: ScreeningConfig, today: str
) -> dict[str, str]:
    """List entries no longer listed, each with why: every sanction on it has ended (the UN
    list's DELISTED_ON, an export's endDate), or — lists loaded whole — the latest load of its
    list (a dataset of `config.lists`) left it out."""
    sanctions: dict[str, dict[str, list[str]]] = {}
    for stmt in reader.iter_statements(schema="Sanction"):
        if stmt.prop in ("entity", "endDate"):
            sanctions.setdefault(stmt.entity_id, {}).setdefault(stmt.prop, []).append(stmt.value)
    ends: dict[str, list[str]] = {}  # entry → the end of each sanction on it ("" when open)
    for values in sanctions.values():
        end = max(values.get("endDate", [""]))[:10]
        for entity_id in values.get("entity", []):
            ends.setdefault(entity_id, []).append(end)
    gone: dict[str, str] = {}
    for record in entries:
        found = ends.get(record.id)
        if found and all(end and end <= today for end in found):
            gone[record.id] = f"sanction ended on {max(found)}"
    if not config.whole_lists:
        return gone
    latest: dict[str, int] = {}
    for record in entries:
        for dataset in record.datasets & config.lists:
            latest[dataset] = max(latest.get(dataset, 0), record.run)
    for record in entries:
        lists = sorted(record.datasets & config.lists)
        if record.id in gone or not lists or not record.run:
            continue
        if all(record.run < latest[dataset] for dataset in lists):
            gone[record.id] = (
                f"not in the latest load of {', '.join(lists)} (run {latest[lists[0]]}; "
                f"last seen in run {record.run})"
            )
    return gone


def note_delisted(access: AccessLayer, viewer: Viewer, delisted: Mapping[str, str]) -> list[int]:
    """Open sanctions alerts of the viewer's agency that rest on listings since withdrawn get a
    `delisted` step naming them and why, once per listing; when every listing behind an alert is
    gone its first reason says so. The analyst decides whether to close it."""
    noted: list[int] = []
    for alert in access.reader(viewer).alerts(kind=KIND, status=OPEN):
        if alert.agency != viewer.agency:
            continue
        listed = [str(e) for e in alert.details.get("list_entries", [])]
        already = dict(alert.details.get("delisted") or {})
        gone = {e: delisted[e] for e in listed if e in delisted and e not in already}
        if not gone:
            continue
        withdrawn = {**already, **gone}
        note = "; ".join(f"{entry}: {why}" for entry, why in sorted(gone.items()))
        reasons = alert.reasons
        if all(e in withdrawn for e in listed):
            note = f"every listing behind this alert is withdrawn — {note}"
            reasons = (f"withdrawn from the list: {', '.join(sorted(withdrawn))}", *reasons)
        saved = access.store.save_alert(
            replace(
                alert, reasons=reasons, details={**alert.details, "delisted": withdrawn}, history=()
            ),
            AlertEvent("delisted", viewer.name, alert.status, note),
        )
        noted.append(saved.id)
    if noted:
        access.store.append_audit(viewer.audit_name, "alert.delisted", {"ids": noted})
    return noted


# -- one run -------------------------------------------------------------------------------------
@dataclass
class ScreeningReport:
    viewer: str
    started_at: str
    incremental: bool
    entries: int = 0
    subjects: int = 0
    screened_entries: int = 0  # new or changed since the viewer's last run (all when full)
    screened_subjects: int = 0
    hits: list[Hit] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    alerts: RaiseReport | None = None
    delisted: dict[str, str] = field(default_factory=dict)  # entry → why it no longer counts
    withdrawn: list[int] = field(default_factory=list)  # open alerts told of a delisting


def screen_store(
    access: AccessLayer,
    viewer: Viewer,
    config: ScreeningConfig | None = None,
    *,
    full: bool = False,
    alerts: bool = True,
) -> ScreeningReport:
    """Screen what the viewer sees and raise the hits as alerts in their agency's queue.

    Incremental unless `full`: records new or changed since the viewer's last run are screened
    against every entry, and the other records against new or changed entries only, so a run
    after a list update or an ingest costs what changed.
    """
    config = config or ScreeningConfig.from_settings(access.settings)
    reader = access.reader(viewer)
    started = utc_now()
    # Loads count too: an entry missing from its list's latest load is delisted, and a reload
    # that drops an entry moves load times only, which the data version leaves out.
    loads = access.store.runs(limit=1)
    version = f"{reader.data_version()}/{loads[0].id if loads else 0}"
    watermark = _watermark(version, started[:10], config)
    last = [] if full else access.store.screening_runs(viewer.name, limit=1)
    if last and last[0].counts.get("watermark") == watermark:
        # Nothing this viewer sees changed since their last run on the same day (delistings
        # follow the date) under the same settings: that run's result stands, unread.
        seen = last[0].counts
        return ScreeningReport(
            viewer.name, started, True, seen.get("entries", 0), seen.get("subjects", 0)
        )
    entries, subjects, links = read_records(reader, config)
    delisted = delistings(reader, entries, config, started[:10])
    previous = {} if full else access.store.screened(viewer.name)
    # A delisted entry's digest differs, so that relisting it makes it new again.
    digests = {r.id: r.digest() + ("/delisted" * (r.id in delisted)) for r in (*entries, *subjects)}
    incremental = bool(previous)
    fresh = {key for key, digest in digests.items() if previous.get(key) != digest}
    report = ScreeningReport(viewer.name, started, incremental, len(entries), len(subjects))
    report.delisted = delisted
    entry_parties = _parties(r for r in entries if r.id not in delisted)
    if incremental:
        changed = [r for r in subjects if r.id in fresh]
        unchanged = [r for r in subjects if r.id not in fresh]
        new_entries = {k: p for k, p in entry_parties.items() if k in fresh}
    else:
        changed, unchanged, new_entries = subjects, [], entry_parties
    report.screened_subjects, report.screened_entries = len(changed), len(new_entries)
    if changed and entry_parties:
        with Screener(list(entry_parties.values()), config) as screener:
            report.hits.extend(screener.screen_records(_rows(changed), size=len(changed)))
    if unchanged and new_entries:
        with Screener(list(new_entries.values()), config) as screener:
            report.hits.extend(screener.screen_records(_rows(unchanged), size=len(unchanged)))
    by_id = {r.id: r for r in (*entries, *subjects)}
    findings, evidence = findings_from_hits(reader, report.hits, by_id, entry_parties, links)
    report.findings = findings
    if alerts and findings:
        report.alerts = raise_alerts(access, viewer, findings, evidence)
    if alerts and delisted:
        report.withdrawn = note_delisted(access, viewer, delisted)
    counts = {
        "entries": report.entries,
        "delisted": len(delisted),
        "alerts_withdrawn": len(report.withdrawn),
        "subjects": report.subjects,
        "screened_entries": report.screened_entries,
        "screened_subjects": report.screened_subjects,
        "hits": len(report.hits),
        "findings": len(findings),
        "watermark": watermark,
    }
    if report.alerts is not None:
        counts |= {k: len(v) for k, v in vars(report.alerts).items()}
    run = ScreeningRun(viewer.name, started, utc_now(), counts, full=not incremental)
    access.store.add_screening_run(run, {k: digests[k] for k in sorted(fresh)})
    return report


def _watermark(data_version: str, day: str, config: ScreeningConfig) -> int:
    """What a run's result depends on, as a number a run's counts can keep: the viewer's data
    version (their own scope, so nothing of another's is compared), the day and the settings."""
    lists, topics = ",".join(sorted(config.lists)), ",".join(sorted(config.topics))
    settings = (repr(config.threshold), repr(config.whole_lists), repr(config.index))
    key = "|".join((data_version, day, lists, topics, *settings))
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:6], "big")


def _rows(records: Iterable[Record]) -> Iterator[RecordRow]:
    for record in records:
        yield record.id, "LegalEntity" if record.counterparty else record.schema, record.values


def _parties(records: Iterable[Record]) -> dict[str, Party]:
    return {p.id: p for p in _iter_parties(records)}


def _iter_parties(records: Iterable[Record]) -> Iterator[Party]:
    for record in records:
        party = record.party()
        if party is not None:
            yield party


# -- hits into findings --------------------------------------------------------------------------
def _feature_json(feature: Feature) -> dict[str, Any]:
    return {
        "feature": feature.name,
        "outcome": feature.outcome,
        "weight": feature.weight,
        "detail": feature.detail,
    }


def findings_from_hits(
    reader: Reader,
    hits: Sequence[Hit],
    records: dict[str, Record],
    entries: dict[str, Party],
    links: Links,
) -> tuple[list[Finding], list[frozenset[int]]]:
    """One finding per subject (its records grouped as the viewer's resolution groups them), with
    every listing it resembles, the payments and accounts linked to it, and the markings of all
    it rests on."""
    groups: dict[str, list[Hit]] = defaultdict(list)
    for hit in hits:
        groups[records[hit.subject].canonical_id].append(hit)
    known = _known_keys(reader)
    findings: list[Finding] = []
    evidence: list[frozenset[int]] = []
    for subject_id, group in sorted(groups.items()):
        group.sort(key=lambda h: (-h.score, h.entry, h.subject))
        best = group[0]
        subject_records = sorted({h.subject for h in group})
        listings: dict[str, Hit] = {}
        for hit in group:
            listings.setdefault(hit.entry, hit)  # each listing's best hit
        marks = {m for r in (*subject_records, *listings) for m in records[r].marks}
        transactions, accounts, holdings = _linked(subject_records, records, links)
        marks |= {m for linked in (*transactions, *holdings) for m in links.marks.get(linked, ())}
        key = next((known[s] for s in subject_records if s in known), f"{KIND}:{subject_id}")
        subject = records[best.subject]
        own = [s for s in subject_records if not records[s].counterparty]
        findings.append(
            Finding(
                kind=KIND,
                score=best.score,
                reasons=_reasons(subject, listings, entries, len(subject_records)),
                transactions=tuple(transactions),
                entities=tuple(dict.fromkeys([*own, *accounts, *listings])),
                details={
                    "key": key,
                    "subject": subject_id,
                    "subject_name": _label(subject),
                    "subject_records": subject_records,
                    "list_entries": list(listings),
                    "listings": [
                        {
                            "entry": hit.entry,
                            "name": entries[hit.entry].label,
                            "datasets": sorted(records[hit.entry].datasets),
                            "record": hit.subject,
                            "score": hit.score,
                            "matched": [_feature_json(f) for f in hit.matched],
                            "conflicts": [_feature_json(f) for f in hit.conflicts],
                        }
                        for hit in listings.values()
                    ],
                },
            )
        )
        evidence.append(frozenset(marks))
    return findings, evidence


def _label(record: Record) -> str:
    names = record.values.get("name") or [record.id]
    return names[0]


def _reasons(
    subject: Record, listings: dict[str, Hit], entries: dict[str, Party], records: int
) -> tuple[str, ...]:
    what = {"Payment": "names on a payment", "BankAccount": "account title"}
    kind = what.get(subject.schema, subject.schema)
    best, *others = listings.values()
    entry = entries[best.entry]
    reasons = [
        f"{_label(subject)} ({kind}, {', '.join(sorted(subject.datasets))}) resembles "
        f"{entry.label} on {entry.dataset} ({entry.id}): score {best.score:.2f}",
        *(f.text() for f in best.matched),
        *(f"conflict — {f.text()}" for f in best.conflicts),
    ]
    for hit in others:
        other = entries[hit.entry]
        reasons.append(
            f"also resembles {other.label} on {other.dataset} ({other.id}): score {hit.score:.2f}"
        )
    if records > 1:
        reasons.append(f"{records} records of this subject resemble listings; the best shown")
    return tuple(reasons)


def _known_keys(reader: Reader) -> dict[str, str]:
    """Record → the key of the alert already raised on it, so a run that groups the records
    differently (after a new resolution) updates that alert instead of adding another."""
    known: dict[str, str] = {}
    for alert in sorted(reader.alerts(kind=KIND), key=lambda a: a.id):
        key = alert.details.get("key")
        if isinstance(key, str):
            for subject in alert.details.get("subject_records", []):
                known.setdefault(subject, key)
    return known


def _linked(
    subject_records: list[str], records: dict[str, Record], links: Links
) -> tuple[list[str], list[str], list[str]]:
    """Payments the subject's records made or received (or that name it), the accounts they
    hold, and the holdings that say so."""
    transactions = {r for r in subject_records if records[r].schema == "Payment"}
    accounts = {r for r in subject_records if records[r].schema == "BankAccount"}
    holdings: set[str] = set()
    for record in subject_records:
        accounts |= links.accounts.get(record, set())
        holdings |= links.holdings.get(record, set())
    for party in (*subject_records, *accounts):
        transactions |= links.payments.get(party, set())
    return sorted(transactions), sorted(accounts), sorted(holdings)
