"""Runs resolution over the store for one viewer: records from what they may see, pairs scored
by the matcher, links saved with their evidence; analysts' merges and splits as judgements.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from nexus.exceptions import NotFound
from nexus.policy import AccessLayer, Reader, Viewer
from nexus.store import ID_PROP, JudgementRecord, LinkRecord, StoredStatement, utc_now

# FtM properties the matcher reads, by the name the feature builder expects.
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
)
VERDICTS = ("same", "not_same", "unsure")


class Matcher(Protocol):
    """What the pipeline needs from a matcher (nexus.resolve.model.PersonMatcher)."""

    threshold: float
    review_band: tuple[float, float]

    def fit(self, frame: Any) -> None: ...

    def predict(self, frame: Any, other: Any = None) -> list[Any]: ...


@dataclass
class ResolveReport:
    viewer: str
    records: int = 0
    new_records: int = 0
    matches: int = 0
    review: int = 0
    run: str = ""
    incremental: bool = False


@dataclass
class SourceRecord:
    """One source entity's values, as the feature builder reads them, and their markings."""

    id: str
    dataset: str
    values: dict[str, list[str]] = field(default_factory=dict)
    evidence: set[int] = field(default_factory=set)
    first_seen: str = ""

    def as_row(self) -> dict[str, Any]:
        row: dict[str, Any] = {"id": self.id, "dataset": self.dataset}
        for prop in PERSON_PROPS:
            values = self.values.get(prop, [])
            if prop in ("phone", "idNumber", "alias"):
                row[prop] = values
            else:
                row[prop] = values[0] if values else None
        return row


def person_records(reader: Reader) -> list[SourceRecord]:
    """Every Person source entity the reader may see, with the markings of what was read."""
    records: dict[str, SourceRecord] = {}
    for stmt in reader.iter_statements(schema="Person"):
        record = records.get(stmt.entity_id)
        if record is None:
            record = records[stmt.entity_id] = SourceRecord(stmt.entity_id, stmt.dataset)
            record.first_seen = stmt.first_seen
        record.evidence.add(stmt.marking_id)
        record.first_seen = min(record.first_seen, stmt.first_seen)
        if stmt.prop != ID_PROP and stmt.prop in PERSON_PROPS:
            record.values.setdefault(stmt.prop, []).append(_as_written(stmt))
    return [records[key] for key in sorted(records)]


def _as_written(stmt: StoredStatement) -> str:
    # Names are matched as written (the matcher normalises them); identifiers as cleaned.
    if stmt.prop in ("name", "fatherName", "alias") and stmt.original_value:
        return stmt.original_value
    return stmt.value


def resolve(
    access: AccessLayer,
    viewer: Viewer,
    matcher: Matcher,
    to_frame: Callable[[Iterable[dict[str, Any]]], Any],
    *,
    incremental: bool = True,
) -> ResolveReport:
    """Score the viewer's Person records and save links; with `incremental`, only records not
    seen by an earlier run are compared (against everything), so old pairs are not re-scored."""
    reader = access.reader(viewer)
    started = utc_now()
    records = person_records(reader)
    report = ResolveReport(viewer=viewer.name, records=len(records), run=f"resolve-{started}")
    if len(records) >= 2:
        seen = access.store.resolved_ids(viewer.name)
        new = [r for r in records if r.id not in seen]
        _score(access, matcher, to_frame, records, new, incremental and bool(seen), report)
    counts = {
        "records": report.records,
        "new_records": report.new_records,
        "matches": report.matches,
        "review": report.review,
    }
    access.store.add_resolution_run(viewer.name, started, counts, [r.id for r in records])
    return report


def _score(
    access: AccessLayer,
    matcher: Matcher,
    to_frame: Callable[[Iterable[dict[str, Any]]], Any],
    records: list[SourceRecord],
    new: list[SourceRecord],
    incremental: bool,
    report: ResolveReport,
) -> None:
    by_id = {r.id: r for r in records}
    report.new_records = len(new)
    if incremental and not new:
        report.incremental = True
        return
    matcher.fit(to_frame(r.as_row() for r in records))
    if incremental:
        report.incremental = True
        new_ids = {r.id for r in new}
        new_frame = to_frame(r.as_row() for r in new)
        old = [r for r in records if r.id not in new_ids]
        pairs = list(matcher.predict(new_frame)) if len(new) > 1 else []
        if old:
            pairs += matcher.predict(new_frame, to_frame(r.as_row() for r in old))
    else:
        pairs = matcher.predict(to_frame(r.as_row() for r in records))
    low, _high = matcher.review_band
    links = []
    for pair in pairs:
        if pair.probability >= matcher.threshold:
            verdict = "match"
        elif pair.probability >= low:
            verdict = "review"
        else:
            continue
        evidence = frozenset(by_id[pair.left].evidence | by_id[pair.right].evidence)
        explanation = tuple(asdict(item) for item in pair.explanation)
        links.append(
            LinkRecord(
                pair.left,
                pair.right,
                float(pair.probability),
                verdict,
                evidence,
                explanation,
                report.run,
            )
        )
        report.matches += verdict == "match"
        report.review += verdict == "review"
    access.store.add_links(links)


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


def cluster_members(reader: Reader) -> dict[str, list[str]]:
    """Canonical id → source ids, as the viewer sees them (for tests and reports)."""
    clusters: dict[str, set[str]] = defaultdict(set)
    for stmt in reader.iter_statements(schema="Person"):
        clusters[stmt.canonical_id].add(stmt.entity_id)
    return {cid: sorted(ids) for cid, ids in clusters.items()}
