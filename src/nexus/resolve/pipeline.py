"""Runs resolution over the store for one viewer: people, organisations, accounts and vehicles
from what they may see, links saved with their evidence; analysts' merges and splits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from nexus.exceptions import NotFound
from nexus.policy import AccessLayer, Reader, Viewer
from nexus.resolve.conflicts import corroborated_pair
from nexus.resolve.holdings import holdings
from nexus.resolve.identifiers import (
    THING_KINDS,
    Identifier,
    ThingRecord,
    identifier_links,
    identify,
    thing_records,
)
from nexus.store import (
    ID_PROP,
    JudgementRecord,
    LinkRecord,
    SharedRun,
    StoredStatement,
    utc_now,
)

# FtM properties the matchers read, by the name the feature builders expect.
PERSON_PROPS = (
    "name",
    "fatherName",
    "birthDate",
    "idNumber",
    "phone",
    "address",
    "nationality",
    "gender",
    "passportNumber",
    "alias",
    "accounts",  # not FtM properties: what the record holds or uses (nexus.resolve.holdings)
    "vehicles",
)
ORGANISATION_PROPS = (
    "name",
    "registrationNumber",
    "idNumber",
    "phone",
    "address",
    "jurisdiction",
    "country",
    "legalForm",
    "alias",
    "accounts",
)
# Read as lists (every value counts); other properties by their first value.
LIST_PROPS = frozenset({"phone", "idNumber", "alias", "accounts", "vehicles"})
VERDICTS = ("same", "not_same", "unsure")


class Matcher(Protocol):
    """What the pipeline needs from a matcher (nexus.resolve.model.PersonMatcher, OrgMatcher)."""

    threshold: float
    review_band: tuple[float, float]

    def featurise(self, records: Any) -> Any: ...

    def fit(self, frame: Any) -> None: ...

    def predict(self, frame: Any, other: Any = None) -> list[Any]: ...


@dataclass(frozen=True)
class RecordKind:
    """Records one matcher resolves: the schema asked of the reader (with its descendants, less
    `excluded`) and the properties read.
    """

    name: str
    schema: str
    props: tuple[str, ...]
    excluded: frozenset[str] = frozenset()


PEOPLE = RecordKind("person", "Person", PERSON_PROPS)
# Companies, organisations, public bodies, and the bare LegalEntity of a bank extract's account
# title (which may be a person or a business: the extract does not say).
ORGANISATIONS = RecordKind("organisation", "LegalEntity", ORGANISATION_PROPS, frozenset({"Person"}))


@dataclass
class KindReport:
    """Counts for one kind of record (people, organisations, accounts, …)."""

    records: int = 0
    new_records: int = 0
    matches: int = 0
    review: int = 0


@dataclass
class ResolveReport:
    """What a run did, in total and per kind of record."""

    viewer: str
    records: int = 0
    new_records: int = 0
    matches: int = 0
    review: int = 0
    run: str = ""
    incremental: bool = False
    # Nothing to score: an earlier run (this viewer's or another's who sees the same
    # statements) scored exactly these with the same matchers.
    shared: bool = False
    kinds: dict[str, KindReport] = field(default_factory=dict)

    def add(self, kind: str, counts: KindReport) -> None:
        self.kinds[kind] = counts
        self.records += counts.records
        self.new_records += counts.new_records
        self.matches += counts.matches
        self.review += counts.review


@dataclass
class SourceRecord:
    """One source entity's values, as the feature builders read them, and their markings."""

    id: str
    dataset: str
    schema: str = ""
    values: dict[str, list[str]] = field(default_factory=dict)
    evidence: set[int] = field(default_factory=set)
    first_seen: str = ""

    def as_row(self, props: Sequence[str] = PERSON_PROPS) -> dict[str, Any]:
        row: dict[str, Any] = {"id": self.id, "dataset": self.dataset}
        for prop in props:
            values = self.values.get(prop, [])
            row[prop] = values if prop in LIST_PROPS else (values[0] if values else None)
        return row


def source_records(reader: Reader, kind: RecordKind) -> list[SourceRecord]:
    """Every source entity of the kind the reader may see, with the markings of what was read."""
    records: dict[str, SourceRecord] = {}
    for stmt in reader.iter_statements(schema=kind.schema):
        if stmt.schema in kind.excluded:
            continue
        record = records.get(stmt.entity_id)
        if record is None:
            record = records[stmt.entity_id] = SourceRecord(
                stmt.entity_id, stmt.dataset, stmt.schema, first_seen=stmt.first_seen
            )
        record.evidence.add(stmt.marking_id)
        record.first_seen = min(record.first_seen, stmt.first_seen)
        if stmt.prop != ID_PROP and stmt.prop in kind.props:
            record.values.setdefault(stmt.prop, []).append(_as_written(stmt))
    return [records[key] for key in sorted(records)]


def person_records(reader: Reader) -> list[SourceRecord]:
    """Every Person source entity the reader may see."""
    return source_records(reader, PEOPLE)


def organisation_records(reader: Reader) -> list[SourceRecord]:
    """Every Company, Organization, PublicBody or bare LegalEntity the reader may see."""
    return source_records(reader, ORGANISATIONS)


def _as_written(stmt: StoredStatement) -> str:
    # Names are matched as written (the matcher normalises them); identifiers as cleaned.
    if stmt.prop in ("name", "fatherName", "alias") and stmt.original_value:
        return stmt.original_value
    return stmt.value


def resolve(
    access: AccessLayer,
    viewer: Viewer,
    people: Matcher | None = None,
    organisations: Matcher | None = None,
    *,
    incremental: bool = True,
) -> ResolveReport:
    """Score the viewer's people and organisations, join the accounts, vehicles, wallets and
    online accounts that share an identifier, and save the links. With `incremental`, only
    records not seen by an earlier run are compared (against everything), so old pairs are not
    re-scored. Matchers default to PersonMatcher() and OrgMatcher() (DuckDB).
    """
    from nexus.resolve.model import OrgMatcher, PersonMatcher

    people = people or PersonMatcher()
    organisations = organisations or OrgMatcher()
    reader = access.reader(viewer)
    started = utc_now()
    report = ResolveReport(viewer=viewer.name, run=f"resolve-{started}")
    version = reader.statements_version()
    config = matcher_config(people, organisations)
    if incremental:
        earlier = access.store.shared_resolution_run(version, config)
        if earlier is not None:
            return _share(access, viewer, report, started, *earlier)
    seen = access.store.resolved_ids(viewer.name)
    report.incremental = incremental and bool(seen)
    links: list[LinkRecord] = []
    things = thing_records(reader)
    keys = identify(things)
    held = holdings(
        reader, keys, {t.id: t.kind for t in things}, {t.id: t.evidence for t in things}
    )
    scored: list[str] = []
    for kind, matcher in ((PEOPLE, people), (ORGANISATIONS, organisations)):
        records = source_records(reader, kind)
        for record in records:  # what a match on a shared account rests on is evidence too
            record.values.update(held.values(record.id))
            record.evidence |= held.evidence.get(record.id, set())
        counts = KindReport(records=len(records))
        counts.new_records = sum(r.id not in seen for r in records)
        if len(records) >= 2:
            pairs = _pairs(matcher, kind, records, seen, report.incremental)
            links += _links(
                matcher, pairs, records, report.run, counts, names_alone=kind is not PEOPLE
            )
        report.add(kind.name, counts)
        scored += [r.id for r in records]
    links += _identifier_links(things, keys, seen, report)
    scored += [r.id for r in things]
    access.store.add_links(links)
    totals = {
        "records": report.records,
        "new_records": report.new_records,
        "matches": report.matches,
        "review": report.review,
    }
    kinds = {name: asdict(counts) for name, counts in report.kinds.items()}
    shared = SharedRun(version, config, kinds)
    access.store.add_resolution_run(viewer.name, started, totals, scored, shared=shared)
    return report


def matcher_config(people: Matcher, organisations: Matcher) -> str:
    """What, besides the statements, decides a run's links: the matchers and their thresholds."""
    return " ".join(
        f"{type(m).__name__}:{m.threshold}:{m.review_band[0]}:{m.review_band[1]}"
        for m in (people, organisations)
    )


def _share(
    access: AccessLayer,
    viewer: Viewer,
    report: ResolveReport,
    started: str,
    earlier_user: str,
    earlier: SharedRun,
) -> ResolveReport:
    """A run over exactly the statements an earlier run scored with the same matchers: its links
    stand (their evidence is what this viewer sees too), so nothing is scored again."""
    access.adopt_resolution(viewer, earlier_user)
    report.incremental = True
    report.shared = True
    for name, counts in earlier.kinds.items():
        report.add(name, KindReport(records=counts.get("records", 0)))
    totals = {"records": report.records, "new_records": 0, "matches": 0, "review": 0}
    access.store.add_resolution_run(viewer.name, started, totals, (), shared=earlier)
    return report


def _identifier_links(
    things: list[ThingRecord], keys: dict[str, Identifier], seen: set[str], report: ResolveReport
) -> list[LinkRecord]:
    """Matches between things sharing a normalised identifier (see nexus.resolve.identifiers);
    incremental runs link only groups holding a thing not seen before.
    """
    new = {r.id for r in things if r.id not in seen}
    links = identifier_links(things, keys, report.run, new if report.incremental else None)
    kind_of = {r.id: r.kind for r in things}
    for kind in THING_KINDS:
        counts = KindReport(
            records=sum(r.kind == kind.name for r in things),
            new_records=sum(kind_of[i] == kind.name for i in new),
            matches=sum(kind_of[link.left_id] == kind.name for link in links),
        )
        if counts.records:
            report.add(kind.name, counts)
    return links


def _pairs(
    matcher: Matcher,
    kind: RecordKind,
    records: list[SourceRecord],
    seen: set[str],
    incremental: bool,
) -> list[Any]:
    """Scored pairs: every pair, or (incremental) new records against each other and the rest."""
    new = [r for r in records if r.id not in seen]
    if incremental and not new:
        return []

    def frame(chosen: Iterable[SourceRecord]) -> Any:
        return matcher.featurise([r.as_row(kind.props) for r in chosen])

    everything = frame(records)
    matcher.fit(everything)
    if not incremental:
        return list(matcher.predict(everything))
    new_ids = {r.id for r in new}
    new_frame = frame(new)
    old = [r for r in records if r.id not in new_ids]
    pairs = list(matcher.predict(new_frame)) if len(new) > 1 else []
    if old:
        pairs += matcher.predict(new_frame, frame(old))
    return pairs


def _links(
    matcher: Matcher,
    pairs: list[Any],
    records: list[SourceRecord],
    run: str,
    counts: KindReport,
    *,
    names_alone: bool = True,
) -> list[LinkRecord]:
    """Links of the scored pairs: matches at or above the threshold, review pairs in the band.
    Unless `names_alone`, a match that rests on names only (nothing beyond them corroborates it:
    nexus.resolve.conflicts) is a review pair, never an automatic merge. Organisations may match
    on names alone (a registry keeps incorporated bodies' names unique); people may not.
    """
    by_id = {r.id: r for r in records}
    low, _high = matcher.review_band
    links = []
    for pair in pairs:
        if pair.probability >= matcher.threshold and (names_alone or corroborated_pair(pair)):
            verdict = "match"
        elif pair.probability >= low:
            verdict = "review"
        else:
            continue
        evidence = frozenset(by_id[pair.left].evidence | by_id[pair.right].evidence)
        explanation = tuple(asdict(item) for item in pair.explanation)
        links.append(
            LinkRecord(
                pair.left, pair.right, float(pair.probability), verdict, evidence, explanation, run
            )
        )
        counts.matches += verdict == "match"
        counts.review += verdict == "review"
    return links


def _member(reader: Reader, entity_id: str) -> str:
    """A source entity id for what the analyst named (a canonical id stands for its members)."""
    members = sorted({s.entity_id for s in reader.statements(entity_id)})
    if not members:
        raise NotFound(f"no entity {entity_id!r} is visible to {reader.viewer.name}")
    return entity_id if entity_id in members else members[0]


def judge(
    access: AccessLayer,
    viewer: Viewer,
    left: str,
    right: str,
    verdict: str,
    note: str | None = None,
) -> JudgementRecord:
    """Record an analyst's decision; it holds against every later automatic run."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {', '.join(VERDICTS)}")
    reader = access.reader(viewer)
    a, b = _member(reader, left), _member(reader, right)
    if a == b:
        raise NotFound(f"{left!r} and {right!r} are the same record")
    evidence = reader.evidence([a, b])
    return access.store.add_judgement(
        JudgementRecord(a, b, verdict, viewer.name, evidence, note=note)
    )


def cluster_members(reader: Reader, schema: str = "Person") -> dict[str, list[str]]:
    """Canonical id → source ids of the schema (descendants included), as the viewer sees them
    (for tests and reports).
    """
    clusters: dict[str, set[str]] = defaultdict(set)
    for stmt in reader.iter_statements(schema=schema):
        clusters[stmt.canonical_id].add(stmt.entity_id)
    return {cid: sorted(ids) for cid, ids in clusters.items()}
