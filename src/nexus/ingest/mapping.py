"""Declarative mappings: FtM's mapping format plus provenance (agency, classification, caveats).

Parses and validates a mapping file; `EntityPlan.map_row` turns one record into statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from followthemoney.exc import InvalidMapping
from followthemoney.mapping.entity import EntityMapping
from followthemoney.mapping.property import PropertyMapping
from followthemoney.property import Property
from followthemoney.types import registry

from nexus.exceptions import MappingError
from nexus.ingest.formats import ENTITY_FORMATS, format_for_suffix
from nexus.ingest.mapping_schema import EntitySpec, Loc, MappingFile, QuerySpec, parse_mapping
from nexus.ingest.sources import TabularSource, detect_format
from nexus.model import model
from nexus.settings import Settings
from nexus.store import ID_PROP, Marking, NewStatement, Provenance


class RowError(Exception):
    """One record cannot be mapped; becomes a quarantine entry, never escapes the runner."""

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass(frozen=True, slots=True)
class ValueRule:
    """How one mapped property reads its values, beyond what FtM's PropertyMapping holds."""

    mapping: PropertyMapping
    formats: tuple[str, ...]

    @property
    def prop(self) -> Property:
        return self.mapping.prop

    @property
    def field_name(self) -> str:
        return ", ".join(self.mapping.refs) or "(literal)"


@dataclass(slots=True)
class EntityPlan:
    """One entity of a query: FtM's EntityMapping (keys, properties) and its marking."""

    mapping: EntityMapping
    rules: list[ValueRule]
    marking: Marking
    country: str

    @property
    def name(self) -> str:
        return self.mapping.name

    def map_row(
        self, record: dict[str, Any], ids: dict[str, str], dataset: str, origin: str
    ) -> list[NewStatement]:
        """Statements for this entity in one record; records its id in `ids` for later entities."""
        schema = self.mapping.schema
        values: list[tuple[Property, str, str | None]] = []
        for rule in self.rules:
            if rule.mapping.entity is not None:
                target = ids.get(rule.mapping.entity)
                if target is not None:
                    values.append((rule.prop, target, None))
                continue
            for raw in _raw_values(rule.mapping, record):
                values.append((rule.prop, self._clean(rule, raw), raw))
        entity_id = self.mapping.compute_key(record)
        if entity_id is None:
            if not self._has_column_data(record):
                return []  # nothing of this entity in the row (literals aside): it is absent
            keys = ", ".join(self.mapping.keys) or str(self.mapping.id_column)
            raise RowError(f"missing key for {self.name}: {keys} empty", field=keys)
        for rule in self.rules:
            if rule.mapping.required and not any(v[0] == rule.prop for v in values):
                return []  # FtM semantics: a required property absent means no entity here
        ids[self.name] = entity_id
        return entity_statements(entity_id, schema.name, values, dataset, origin, self.marking)

    def _has_column_data(self, record: dict[str, Any]) -> bool:
        return any(
            str(record.get(ref) or "").strip()
            for rule in self.rules
            if rule.mapping.entity is None
            for ref in rule.mapping.refs
        )

    def _clean(self, rule: ValueRule, raw: str) -> str:
        prop_type = rule.prop.type
        hints: Sequence[str | None] = rule.formats or (None,)
        if prop_type == registry.phone and not rule.formats:
            hints = (None, self.country)
        for hint in hints:
            cleaned = prop_type.clean(raw, fuzzy=rule.mapping.fuzzy, format=hint)
            if cleaned is not None:
                return cleaned
        expected = f" (expected {' or '.join(rule.formats)})" if rule.formats else ""
        raise RowError(
            f"cannot read {raw!r} as {prop_type.label.lower()} for {self.name}.{rule.prop.name}"
            f"{expected}",
            field=rule.field_name,
        )


def entity_statements(
    entity_id: str,
    schema: str,
    values: Sequence[tuple[Property, str, str | None]],
    dataset: str,
    origin: str,
    marking: Marking,
) -> list[NewStatement]:
    """An entity's statements: its id statement, then one per clean value (with the value as
    written when cleaning changed it). Self-references are dropped, as FtM forbids them."""
    statements = [
        NewStatement(entity_id, schema, ID_PROP, "id", entity_id, dataset, origin, marking)
    ]
    for prop, value, written in values:
        if prop.type == registry.entity and value == entity_id:
            continue
        statements.append(
            NewStatement(
                entity_id,
                schema,
                prop.name,
                prop.type.name,
                value,
                dataset,
                origin,
                marking,
                original_value=written if written != value else None,
            )
        )
    return statements


def _raw_values(mapping: PropertyMapping, record: dict[str, Any]) -> list[str]:
    values = [v for v in mapping.record_values(record) if v is not None]
    if mapping.join is not None:
        values = [mapping.join.join(values)]
    if mapping.split is not None:
        values = [part for v in values for part in v.split(mapping.split)]
    return [v.strip() for v in values if v is not None and v.strip()]


@dataclass(slots=True)
class QueryPlan:
    """One query of a mapping: which files it reads and the entities it makes per record."""

    provenance: Provenance
    entities: list[EntityPlan]
    files: list[Path]
    format: str | None = None
    sheet: str | None = None
    delimiter: str | None = None
    encoding: str = "utf-8-sig"
    columns: set[str] = field(default_factory=set)

    def source(self, path: Path) -> TabularSource:
        return TabularSource(
            path=path,
            format=detect_format(path, self.format),
            sheet=self.sheet,
            delimiter=self.delimiter,
            encoding=self.encoding,
        )

    def check_header(self, source: TabularSource) -> None:
        """Every column the mapping reads must exist: a typo should stop the run, not every row."""
        header = source.header()
        if header is None:
            return
        missing = sorted(self.columns - set(header))
        if missing:
            raise MappingError(
                f"{source.path}: the mapping reads column(s) {', '.join(map(repr, missing))} "
                f"that the file does not have (it has: {', '.join(header)})"
            )

    def map_record(self, record: dict[str, Any], origin: str) -> list[NewStatement]:
        ids: dict[str, str] = {}
        statements: list[NewStatement] = []
        for entity in self.entities:
            statements.extend(entity.map_row(record, ids, self.provenance.dataset, origin))
        return statements


@dataclass(slots=True)
class MappingPlan:
    path: Path
    queries: list[QueryPlan]

    def markings(self) -> set[Marking]:
        found = {q.provenance.marking for q in self.queries}
        found.update(e.marking for q in self.queries for e in q.entities)
        return found


class _QueryShim:
    """What FtM's EntityMapping.bind() needs from a query: the list of sibling entities."""

    def __init__(self) -> None:
        self.entities: list[EntityMapping] = []


def _expand(base: Path, names: list[str]) -> list[Path]:
    """Files named relative to the mapping; a glob (`goaml/*.xml`) stands for its sorted matches."""
    files: list[Path] = []
    for name in names:
        if any(c in name for c in "*?["):
            files.extend(sorted(p.resolve() for p in base.glob(name)))
        else:
            files.append((base / name).resolve())
    return files


def _order(entities: list[EntityMapping], where: str) -> list[EntityMapping]:
    """Entities that reference others come after them, as FtM's QueryMapping orders them."""
    ordered: list[EntityMapping] = []
    resolved: set[str] = set()
    pending = list(entities)
    while pending:
        ready = [e for e in pending if e.dependencies <= resolved]
        if not ready:
            raise MappingError(f"{where}: entities reference each other in a circle")
        for entity in ready:
            ordered.append(entity)
            resolved.add(entity.name)
            pending.remove(entity)
    return ordered


def _marking(entity: EntitySpec, default: Marking, settings: Settings, where: str) -> Marking:
    """The entity's marking; the schema has already checked that its level and caveats exist."""
    classification = entity.classification or default.classification
    caveats = default.caveats if entity.caveats is None else frozenset(entity.caveats)
    rank = settings.level_rank
    weaker = rank[classification] < rank[default.classification]
    if (weaker or not caveats >= default.caveats) and (
        entity.classification is None or entity.caveats is None
    ):
        # A marking weaker than the dataset's exposes records: it must be written out in full,
        # so that a half-written one (a typo, a forgotten key) cannot weaken it by accident.
        raise MappingError(
            f"{where}: a marking below the dataset's ({default.classification}"
            f"{' ' + ', '.join(sorted(default.caveats)) if default.caveats else ''}) must give "
            "both `classification:` and `caveats:` explicitly"
        )
    return Marking(default.agency, classification, caveats)


@dataclass(frozen=True, slots=True)
class _Dataset:
    """What each query of a dataset is planned with."""

    parsed: MappingFile
    provenance: Provenance
    settings: Settings
    country: str


def _entity_plans(
    dataset: _Dataset, loc: Loc, query: QuerySpec
) -> tuple[list[EntityPlan], set[str]]:
    parsed, provenance = dataset.parsed, dataset.provenance
    where = parsed.lines.where(loc)
    if not query.entities:
        raise MappingError(f"{where}: a query needs `entities:` (a mapping of name to entity)")
    shim = _QueryShim()
    extras: dict[str, tuple[Marking, dict[str, tuple[str, ...]]]] = {}
    for name, entity in query.entities.items():
        entity_where = parsed.lines.where((*loc, "entities", name))
        marking = _marking(entity, provenance.marking, dataset.settings, entity_where)
        # FtM reads the mapping as a dict; Nexus's own keys (the marking, a list of formats)
        # stay out of it.
        data = entity.model_dump(
            by_alias=True,
            exclude_none=True,
            exclude={
                "classification": True,
                "caveats": True,
                "properties": {"__all__": {"format"}},
            },
        )
        formats = {
            prop: tuple(spec.format) for prop, spec in entity.properties.items() if spec.format
        }
        # FtM hashes only the key values, so an Event and a link keyed on the same FIR number
        # would share an id; seeding with the schema keeps entities of different kinds apart.
        data.setdefault("key_literal", entity.schema_)
        try:
            mapping = EntityMapping(
                model,
                shim,  # type: ignore[arg-type]  # duck-typed: bind() reads only .entities
                name,
                data,
                key_prefix=provenance.dataset,
            )
        except InvalidMapping as exc:
            raise MappingError(f"{entity_where}: {exc}") from exc
        shim.entities.append(mapping)
        extras[mapping.name] = (marking, formats)
    try:
        for mapping in shim.entities:
            mapping.bind()
    except InvalidMapping as exc:
        raise MappingError(f"{where}: {exc}") from exc
    plans: list[EntityPlan] = []
    columns: set[str] = set()
    for mapping in _order(shim.entities, where):
        marking, formats = extras[mapping.name]
        rules = [ValueRule(pm, formats.get(pm.prop.name, ())) for pm in mapping.properties]
        plans.append(EntityPlan(mapping, rules, marking, dataset.country))
        columns.update(r for r in mapping.refs if r)
    return plans, columns


def _query_plan(dataset: _Dataset, loc: Loc, query: QuerySpec) -> QueryPlan:
    files = _expand(
        dataset.parsed.lines.path.parent,
        ([query.csv_url] if query.csv_url is not None else []) + (query.csv_urls or []),
    )
    fmt = query.format
    if fmt is None and query.entities is None and files:
        fmt = format_for_suffix(files[0].name)
    if fmt in ENTITY_FORMATS:
        entities: list[EntityPlan] = []  # the records carry whole entities
        columns: set[str] = set()
    else:
        entities, columns = _entity_plans(dataset, loc, query)
    return QueryPlan(
        provenance=dataset.provenance,
        entities=entities,
        files=files,
        format=fmt,
        sheet=query.sheet,
        delimiter=query.delimiter,
        encoding=query.encoding,
        columns=columns,
    )


def load_mapping(path: Path, settings: Settings) -> MappingPlan:
    """Read and validate a mapping file; errors name the file, line, dataset, entity and key."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"{path}: cannot read the mapping: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise MappingError(f"{path}: not a UTF-8 text file ({exc.reason})") from exc
    parsed = parse_mapping(path, text, settings)
    queries: list[QueryPlan] = []
    for name, spec in parsed.datasets.items():
        provenance = Provenance(name, spec.agency, spec.classification, frozenset(spec.caveats))
        dataset = _Dataset(parsed, provenance, settings, spec.country or settings.default_country)
        for place, query in spec.located_queries():
            queries.append(_query_plan(dataset, (name, *place), query))
    return MappingPlan(path, queries)
