"""Records of the search index: what is read to index, the rows written, and what a query finds.

Keys are computed by `nexus.search`; the store keeps them and matches them within a scope.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from nexus.store.records import Marking

#: The kinds of index rows: matched by keys (name, identifier, text) or counted as facets.
SEARCH_KINDS = ("name", "identifier", "text", "country", "topic")
#: The facets a search counts and filters by.
SEARCH_FACETS = ("schema", "dataset", "agency", "classification", "country", "topic")


class IndexSource(NamedTuple):
    """A statement as the indexer reads it: every statement, whatever its marking."""

    id: str
    entity_id: str
    schema: str
    prop: str
    prop_type: str
    value: str
    original_value: str | None
    dataset: str
    marking_id: int


class IndexRow(NamedTuple):
    """One row of the index, made from one statement (a statement may give several). A tuple
    in the order of the table's columns: rows are written as they come."""

    statement_id: str
    entity_id: str
    marking_id: int
    dataset: str
    schema: str
    prop: str
    kind: str  # one of SEARCH_KINDS
    value: str  # the statement's value; the facet value on country and topic rows
    original: str | None  # the value as the source wrote it, where it differs
    terms: str = ""  # search keys, space separated: lowercase ASCII letters and digits
    size: int = 1  # how many keys the value has: a match covering all of them is exact
    weight: float = 1.0  # how much a match on this row counts


@dataclass(frozen=True, slots=True)
class SearchTerm:
    """One word of a query: a row matches it when it holds any of these keys. Each key comes
    with how strongly it counts (1.0 for the word's own key, less for a looser form); a key
    ending in `*` matches every key it begins."""

    keys: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class IndexedValue:
    """A visible index row of an entity found, for showing it; `score` is set on the rows that
    matched the query (how well), None on the others."""

    entity_id: str
    marking_id: int
    dataset: str
    schema: str
    prop: str
    kind: str
    value: str
    original: str | None
    score: float | None = None


@dataclass(frozen=True, slots=True)
class FoundEntity:
    """A canonical entity whose visible rows match every term of a query."""

    canonical_id: str
    score: float
    values: tuple[IndexedValue, ...] = ()


@dataclass(frozen=True, slots=True)
class SearchPage:
    """One page of a search within a scope: how many entities match, the page, and per facet
    how many of them have each value. The `schema` facet counts entities per set of schemata
    of their visible rows ("LegalEntity Person"), for the caller to name the most specific.
    `markings` are those of the values on the page."""

    total: int
    entities: tuple[FoundEntity, ...] = ()
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    markings: dict[int, Marking] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IndexState:
    """How far the index has got: its rows, the runs indexed, the committed runs not yet
    indexed, and whether any run was indexed with other key rules (then it is rebuilt)."""

    rows: int
    runs: int
    pending: tuple[int, ...]
    outdated: bool


__all__ = [
    "SEARCH_FACETS",
    "SEARCH_KINDS",
    "FoundEntity",
    "IndexRow",
    "IndexSource",
    "IndexState",
    "IndexedValue",
    "SearchPage",
    "SearchTerm",
]
