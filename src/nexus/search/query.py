"""A search as a viewer asks it: the query turned into keys, the page of entities found, and
the facets, named and labelled; everything comes from the viewer's `Reader`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from nexus.exceptions import NexusError
from nexus.policy import Reader
from nexus.search.keys import query_terms
from nexus.store import SEARCH_FACETS, FoundEntity, IndexedValue, Marking, SearchPage

# The name properties a hit lists, best first; other name rows (mentions, father's name) are
# matched but not shown as the entity's names.
SHOWN_NAMES = ("name", "alias", "previousName", "weakAlias")
TOPIC_LABELS = {
    "sanctioned": "Sanctioned",
    "proscribed": "Proscribed",
    "drugs": "Drug trafficking",
    "arms": "Arms trafficking",
    "migrant_smuggling": "Migrant smuggling",
    "human_trafficking": "Human trafficking",
    "money_laundering": "Money laundering",
    "terror_financing": "Terror financing",
    "cyber_fraud": "Cyber fraud",
    "corruption": "Corruption",
}
MAX_LIMIT = 500


@dataclass(frozen=True)
class FacetValue:
    """A value of a facet, how many entities found have it, and what to call it."""

    value: str
    count: int
    label: str


@dataclass(frozen=True)
class SearchHit:
    """A canonical entity found, as far as the viewer sees it: its names as written (other
    scripts included), identifiers, where it comes from, the markings of what is shown, what
    matched the query, and its score."""

    id: str
    schema: str
    caption: str
    score: float
    names: list[str] = field(default_factory=list)
    identifiers: list[tuple[str, str]] = field(default_factory=list)  # (property, value)
    countries: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    datasets: list[str] = field(default_factory=list)
    agencies: list[str] = field(default_factory=list)
    markings: list[str] = field(default_factory=list)  # labels, e.g. "RESTRICTED (ANF)"
    matched: list[tuple[str, str]] = field(default_factory=list)  # (property, value), best first
    records: int = 1  # source records (of any agency) the viewer sees in it


@dataclass(frozen=True)
class SearchResult:
    """A page of a search: how many entities match, the hits, and the facets (value, count,
    label), each counted over every entity that matches, not only the page."""

    query: str
    total: int
    hits: list[SearchHit]
    facets: dict[str, list[FacetValue]]
    filters: dict[str, list[str]]
    limit: int
    offset: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def search(
    reader: Reader,
    query: str,
    *,
    filters: Mapping[str, Collection[str]] | None = None,
    facet_query: Mapping[str, str] | None = None,
    facet_limit: int = 20,
    limit: int = 20,
    offset: int = 0,
) -> SearchResult:
    """Search every entity the reader's viewer may see. Names match on the resolver's spelling
    families in any script, identifiers in any written form, other values by their words; all
    words must be found in the entity's visible statements. `filters` keep entities with one
    of the values per facet (schema, dataset, agency, classification, country, topic);
    `facet_query` keeps only a facet's values containing a text (the search box of a long
    facet), and each facet lists its `facet_limit` most frequent values."""
    terms = query_terms(query, reader.access.settings.default_country.upper())
    if not terms:
        raise NexusError("nothing to search for: type a name, an identifier or a word")
    unknown = sorted(set(filters or {}) - set(SEARCH_FACETS))
    if unknown:
        raise NexusError(f"unknown facet {unknown[0]!r}: use {', '.join(SEARCH_FACETS)}")
    if not 0 < limit <= MAX_LIMIT or offset < 0:
        raise NexusError(f"limit must be 1 to {MAX_LIMIT} and offset 0 or more")
    wanted = {facet: sorted(set(values)) for facet, values in (filters or {}).items() if values}
    page = reader.search(query, terms, filters=wanted, limit=limit, offset=offset)
    return SearchResult(
        query=query,
        total=page.total,
        hits=[_hit(entity, page.markings) for entity in page.entities],
        facets=_facets(page, facet_query or {}, facet_limit),
        filters=wanted,
        limit=limit,
        offset=offset,
    )


# -- hits ------------------------------------------------------------------------------------
def _hit(entity: FoundEntity, markings: Mapping[int, Marking]) -> SearchHit:
    values = entity.values
    names = _ordered(v for v in values if v.kind == "name" and v.prop in SHOWN_NAMES)
    matched = sorted((v for v in values if v.score is not None), key=lambda v: -(v.score or 0))
    best_name = next((v for v in matched if v.kind == "name" and v.prop in SHOWN_NAMES), None)
    caption = _written(best_name) if best_name else (names[0] if names else "")
    identifiers = list(
        dict.fromkeys((v.prop, _written(v)) for v in values if v.kind == "identifier")
    )
    if not caption:
        best = next((v for v in matched if v.kind == "identifier"), None)
        caption = _written(best) if best else identifiers[0][1] if identifiers else ""
    caption = caption or entity.canonical_id
    shown = [v for v in values if v.kind != "text" or v.score is not None]
    return SearchHit(
        id=entity.canonical_id,
        schema=most_specific(v.schema for v in values),
        caption=caption,
        score=entity.score,
        names=names,
        identifiers=identifiers,
        countries=sorted({v.value for v in values if v.kind == "country"}),
        topics=sorted({v.value for v in values if v.kind == "topic"}),
        datasets=sorted({v.dataset for v in values}),
        agencies=sorted({markings[v.marking_id].agency for v in values}),
        markings=sorted({markings[v.marking_id].label() for v in shown}),
        matched=list(dict.fromkeys((v.prop, _written(v)) for v in matched)),
        records=len({v.entity_id for v in values}),
    )


def _written(value: IndexedValue) -> str:
    """A value as the source wrote it, with its stored form beside it where that differs
    ("0308-6033115 (+923086033115)")."""
    if value.original and value.original != value.value:
        return f"{value.original} ({value.value})"
    return value.value


def _ordered(values: Iterable[IndexedValue]) -> list[str]:
    """Names, the entity's own before aliases, each written form once (original scripts too)."""
    found: dict[str, None] = {}
    for value in sorted(values, key=lambda v: SHOWN_NAMES.index(v.prop)):
        found[value.value] = None
        if value.original:
            found[value.original] = None
    return list(found)


# -- facets ----------------------------------------------------------------------------------
def _facets(
    page: SearchPage, facet_query: Mapping[str, str], facet_limit: int
) -> dict[str, list[FacetValue]]:
    facets: dict[str, list[FacetValue]] = {}
    for name in SEARCH_FACETS:
        counts = dict(page.facets.get(name, {}))
        if name == "schema":  # entities per set of schemata → per most specific schema
            merged: dict[str, int] = {}
            for combo, count in counts.items():
                schema = most_specific(combo.split())
                merged[schema] = merged.get(schema, 0) + count
            counts = merged
        values = [FacetValue(v, n, facet_label(name, v)) for v, n in counts.items()]
        wanted = facet_query.get(name, "").strip().casefold()
        if wanted:
            values = [
                v for v in values if wanted in v.value.casefold() or wanted in v.label.casefold()
            ]
        values.sort(key=lambda v: (-v.count, v.label.casefold(), v.value))
        facets[name] = values[:facet_limit]
    return facets


@cache
def facet_label(facet: str, value: str) -> str:
    """What a facet value is called: a schema's label, a country's name, a topic's name."""
    if facet == "schema":
        from nexus.model import model

        schema = model.get(value)
        return schema.plural if schema is not None else value
    if facet == "country":
        from followthemoney.types import registry

        return str(registry.country.names.get(value, value.upper()))
    if facet == "topic":
        if value in TOPIC_LABELS:
            return TOPIC_LABELS[value]
        from followthemoney.types import registry

        return str(registry.topic.names.get(value, value))
    return value


def most_specific(schemata: Iterable[str]) -> str:
    """The schema FtM gives an entity of these schemata (the most specific); the first by name
    when they have none in common."""
    return _common(tuple(sorted(set(schemata))))


@cache
def _common(names: tuple[str, ...]) -> str:
    from followthemoney.exc import InvalidData

    from nexus.model import model

    if not names:
        return "Thing"
    try:
        schema = model.get(names[0])
        for name in names[1:]:
            schema = model.common_schema(schema, name) if schema is not None else None
        return schema.name if schema is not None else names[0]
    except InvalidData:
        return names[0]


__all__ = [
    "FacetValue",
    "SearchHit",
    "SearchResult",
    "facet_label",
    "most_specific",
    "search",
]
