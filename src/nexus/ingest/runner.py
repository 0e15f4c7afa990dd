"""Runs an ingestion: files through their mapping into the store, in one transaction per run.

Good rows become statements; bad rows go to quarantine with file, row, field and reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from nexus.exceptions import MappingError
from nexus.ingest.formats import ENTITY_FORMATS
from nexus.ingest.mapping import MappingPlan, QueryPlan, RowError
from nexus.ingest.sources import TabularSource
from nexus.policy import AccessLayer, Viewer
from nexus.settings import Settings
from nexus.store import Marking, NewStatement, Provenance, Rejection, StoreWriter


class ProgressSink(Protocol):
    def start(self, source: str, total: int | None) -> None: ...
    def advance(self, rows: int) -> None: ...


class _Silent:
    def start(self, source: str, total: int | None) -> None:
        pass

    def advance(self, rows: int) -> None:
        pass


@dataclass(slots=True)
class SourceReport:
    source: str
    dataset: str
    rows_loaded: int = 0
    rows_quarantined: int = 0
    statements: int = 0


@dataclass(slots=True)
class IngestReport:
    run_id: int
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return sum(s.rows_loaded for s in self.sources)

    @property
    def rows_quarantined(self) -> int:
        return sum(s.rows_quarantined for s in self.sources)

    @property
    def statements(self) -> int:
        return sum(s.statements for s in self.sources)


def ftm_plan(path_hint: Path, provenance: Provenance, files: Sequence[Path]) -> MappingPlan:
    """A mapping for FollowTheMoney entity files: provenance only, entities come as they are."""
    query = QueryPlan(provenance=provenance, entities=[], files=list(files), format="ftm")
    return MappingPlan(path_hint, [query])


def assign_files(plan: MappingPlan, files: Sequence[Path]) -> list[tuple[QueryPlan, Path]]:
    """Pair each file with its query: named files go by the query's `csv_url`, else to the one
    query; without files, each query reads its own `csv_url`."""
    if not files:
        pairs = [(q, f) for q in plan.queries for f in q.files]
        if not pairs:
            raise MappingError(f"{plan.path}: no files given and the mapping names none (csv_url)")
        return pairs
    if len(plan.queries) == 1:
        return [(plan.queries[0], f) for f in files]
    pairs = []
    for file in files:
        matches = [q for q in plan.queries if file.name in {p.name for p in q.files}]
        if len(matches) != 1:
            raise MappingError(
                f"{file}: the mapping has {len(plan.queries)} queries and this file matches "
                f"{len(matches)} of their `csv_url` names; name files as the mapping does"
            )
        pairs.append((matches[0], file))
    return pairs


def quarantine_marking(query: QueryPlan, settings: Settings) -> Marking:
    """A rejected row holds every entity's raw data, so it takes the strictest of their markings:
    the highest level, every restricting caveat, and only the releases all of them allow."""
    markings = [query.provenance.marking, *(e.marking for e in query.entities)]
    level = max((m.classification for m in markings), key=settings.level_rank.__getitem__)
    releases: set[str] | None = None
    restricting: set[str] = set()
    for marking in markings:
        rel = set()
        for caveat in marking.caveats:
            rule = settings.caveat_rule(caveat)
            if rule is not None and rule.kind == "releasability":
                rel.add(caveat)
            else:
                restricting.add(caveat)
        releases = rel if releases is None else releases & rel
    return Marking(query.provenance.agency, level, frozenset(restricting | (releases or set())))


def ingest(
    access: AccessLayer,
    viewer: Viewer,
    plan: MappingPlan,
    files: Sequence[Path] = (),
    progress: ProgressSink | None = None,
) -> IngestReport:
    """Load files through the plan as `viewer`; all of it commits together or none of it."""
    sink = progress or _Silent()
    pairs = assign_files(plan, files)
    for marking in plan.markings():
        access.authorise_write(viewer, marking)
    sources = [(query, query.source(path)) for query, path in pairs]
    for query, source in sources:
        if source.format not in ENTITY_FORMATS:
            query.check_header(source)
    label = ", ".join(str(p) for _, p in pairs)
    with access.store.writer(viewer.name, f"{plan.path} <- {label}") as writer:
        report = IngestReport(run_id=writer.run.id)
        for query, source in sources:
            report.sources.append(
                _load_source(
                    writer, query, source, access.settings, sink, access.settings.batch_size
                )
            )
        writer.run.rows_loaded = report.rows_loaded
        writer.run.rows_quarantined = report.rows_quarantined
    return report


def _load_source(
    writer: StoreWriter,
    query: QueryPlan,
    source: TabularSource,
    settings: Settings,
    sink: ProgressSink,
    batch_size: int,
) -> SourceReport:
    dataset = query.provenance.dataset
    report = SourceReport(source=str(source.path), dataset=dataset)
    reject_marking = quarantine_marking(query, settings)
    pending: list[NewStatement] = []
    rejected: list[Rejection] = []
    sink.start(source.path.name, source.count_rows())
    entity_format = ENTITY_FORMATS.get(source.format)
    for row in source.rows():
        origin = row.origin(source.path)
        try:
            if row.problem is not None:
                raise RowError(row.problem)
            if entity_format is not None:
                marking = query.provenance.marking
                pending.extend(entity_format.statements(row.record, dataset, origin, marking))
            else:
                pending.extend(query.map_record(row.record, origin))
            report.rows_loaded += 1
        except RowError as err:
            rejected.append(
                Rejection(
                    dataset,
                    str(source.path),
                    row.number,
                    err.field,
                    err.reason,
                    row.record,
                    reject_marking,
                )
            )
            report.rows_quarantined += 1
        if len(pending) >= batch_size:
            report.statements += writer.add(pending)
            pending = []
        sink.advance(1)
    report.statements += writer.add(pending)
    writer.reject(rejected)
    return report
