"""The screening engine: list entries indexed once, records screened against them in chunks,
spread over worker processes for large runs. Knows nothing of the store (see screening.py).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import astuple, dataclass, field
from types import TracebackType

from nexus.finance.screening_index import EntryIndex, IndexConfig, chunks
from nexus.finance.screening_match import (
    DOB_EXACT,
    FATHER_MATCH,
    Feature,
    Hit,
    Party,
    build_party,
    score_pair,
)
from nexus.settings import Settings

# A record to screen as it comes from a source: (id, FtM schema, property values).
RecordRow = tuple[str, str, Mapping[str, Sequence[str]]]
PARALLEL_MIN = 100_000  # records from which a run is spread over worker processes


@dataclass(frozen=True)
class ScreeningConfig:
    """Which entities are list entries, from which score a hit counts, how candidates are drawn."""

    lists: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    threshold: float = 0.7
    whole_lists: bool = True  # an entry missing from its list's latest load is delisted
    index: IndexConfig = field(default_factory=IndexConfig)
    chunk: int = 20_000  # records normalised and screened at a time (bounds memory)

    @classmethod
    def from_settings(cls, settings: Settings) -> ScreeningConfig:
        return cls(
            lists=frozenset(settings.screening_lists),
            topics=frozenset(settings.screening_topics),
            threshold=settings.screening_threshold,
            whole_lists=settings.screening_whole_lists,
            index=IndexConfig(candidates=settings.screening_candidates),
        )


class Screener:
    """List entries indexed once; records screened against them a chunk at a time."""

    def __init__(
        self,
        entries: Sequence[Party],
        config: ScreeningConfig | None = None,
        threads: int | None = None,
    ) -> None:
        self.config = config or ScreeningConfig()
        self.entries = list(entries)
        self.index = EntryIndex(self.entries, self.config.index, threads)

    def __enter__(self) -> Screener:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self.index.close()

    def screen(self, subjects: Iterable[Party]) -> Iterator[Hit]:
        """Hits at or above the threshold, record by record, in this process."""
        # A pair whose names score below this cannot reach the threshold without an identifier
        # or phone in common (score_pair checks those): it is dropped before the full comparison.
        floor = self.config.threshold - DOB_EXACT - FATHER_MATCH
        entries = self.index.entries
        for batch in chunks(subjects, self.config.chunk):
            for party, found in zip(batch, self.index.candidates(batch), strict=True):
                for number in found:
                    entry = entries[number]
                    if entry.id == party.id:
                        continue
                    hit = score_pair(party, entry, floor, self.config.threshold)
                    if hit is not None and hit.score >= self.config.threshold:
                        yield hit

    def screen_records(
        self, records: Iterable[RecordRow], workers: int | None = None, size: int | None = None
    ) -> Iterator[Hit]:
        """Hits for records given as values: normalised and screened in this process, or, when
        `size` says there are PARALLEL_MIN records or more, in `workers` processes (default: the
        CPU count, at most 4), each with its own copy of the index."""
        count = min(4, os.cpu_count() or 1) if workers is None else workers
        if count < 2 or size is None or size < PARALLEL_MIN:
            yield from self.screen(_parties(records))
            return
        yield from _in_workers(self, records, count)


def _parties(records: Iterable[RecordRow]) -> Iterator[Party]:
    for entity_id, schema, values in records:
        party = build_party(entity_id, schema, values)
        if party is not None:
            yield party


# -- worker processes ----------------------------------------------------------------------------
# Each worker is forked with the list entries in memory and builds its own index (a DuckDB
# connection must not cross a fork); it then gets chunks of records and sends back their hits.
_FORKED: tuple[list[Party], ScreeningConfig] | None = None
_WORKER: Screener | None = None


def _start_worker() -> None:
    global _WORKER
    assert _FORKED is not None
    entries, config = _FORKED
    _WORKER = Screener(entries, config, threads=1)  # the workers are the parallelism


# Hits cross back as plain tuples: far cheaper to pickle than dataclasses.
HitRow = tuple[str, str, float, tuple[tuple[str, str, float, str], ...]]


def _screen_chunk(rows: list[RecordRow]) -> list[HitRow]:
    assert _WORKER is not None
    return [
        (h.subject, h.entry, h.score, tuple(astuple(f) for f in h.features))
        for h in _WORKER.screen(_parties(rows))
    ]


def _hit(row: HitRow) -> Hit:
    subject, entry, score, features = row
    return Hit(subject, entry, score, tuple(Feature(*f) for f in features))


def _in_workers(screener: Screener, records: Iterable[RecordRow], workers: int) -> Iterator[Hit]:
    global _FORKED
    _FORKED = (screener.entries, screener.config)
    gc.freeze()  # the parent's objects stay shared with the forked workers, not copied
    try:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
        ) as pool:
            pending: list[Future[list[HitRow]]] = []
            for batch in _row_chunks(records, screener.config.chunk):
                pending.append(pool.submit(_screen_chunk, batch))
                # A few chunks in flight per worker: enough to keep them busy, bounded memory.
                while len(pending) > 2 * workers:
                    yield from map(_hit, pending.pop(0).result())
            for future in pending:
                yield from map(_hit, future.result())
    finally:
        gc.unfreeze()
        _FORKED = None


def _row_chunks(records: Iterable[RecordRow], size: int) -> Iterator[list[RecordRow]]:
    batch: list[RecordRow] = []
    for row in records:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
