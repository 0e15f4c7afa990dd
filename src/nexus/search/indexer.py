"""Keeping the search index current: each committed ingestion run indexed once, or all anew.

Indexing is system work over every statement; what a viewer gets is scoped at query time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from nexus.search.keys import KEYS_VERSION, SKIPPED_PROPS, index_rows
from nexus.store import IndexRow, IndexSource, StatementStore

# Statement types that give no index rows, left unread: links, dates, amounts, ids, …
SKIP_TYPES = (
    "id",
    "entity",
    "date",
    "number",
    "url",
    "gender",
    "language",
    "mimetype",
    "checksum",
    "json",
    "html",
    "ip",
)

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class IndexReport:
    """What an update did: runs indexed, rows written, whether it rebuilt the whole index."""

    runs: int
    rows: int
    rebuilt: bool


def _maker(region: str) -> Callable[[Sequence[IndexSource]], Iterable[IndexRow]]:
    return lambda sources: index_rows(sources, region)


def update_index(
    store: StatementStore, *, region: str = "PK", progress: Progress | None = None
) -> IndexReport:
    """Index the runs committed since the index last caught up (an ingest, `import-ftm`, or one
    whose indexing was interrupted); rebuild the index if it was made with other key rules.
    Resolution needs nothing: rows belong to source entities, grouped per viewer at query
    time."""
    state = store.search_index_state(KEYS_VERSION)
    if state.outdated:
        return rebuild_index(store, region=region, progress=progress)
    if not state.pending:
        return IndexReport(0, 0, False)
    rows = store.index_statements(
        _maker(region),
        version=KEYS_VERSION,
        runs=state.pending,
        skip_types=SKIP_TYPES,
        skip_props=SKIPPED_PROPS,
        progress=progress,
    )
    return IndexReport(len(state.pending), rows, False)


def rebuild_index(
    store: StatementStore, *, region: str = "PK", progress: Progress | None = None
) -> IndexReport:
    """Make the whole index again from every statement, in one transaction (searches answer
    from the old index until it commits)."""
    rows = store.index_statements(
        _maker(region),
        version=KEYS_VERSION,
        skip_types=SKIP_TYPES,
        skip_props=SKIPPED_PROPS,
        progress=progress,
    )
    return IndexReport(store.search_index_state(KEYS_VERSION).runs, rows, True)


__all__ = ["SKIP_TYPES", "IndexReport", "rebuild_index", "update_index"]
