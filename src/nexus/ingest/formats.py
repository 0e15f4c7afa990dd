"""Formats that carry whole entities, not table rows: FtM JSON, goAML, sanctions lists, text.

Each registers a reader (file → numbered records) and a maker (record → statements); the runner
treats every registered format alike, and a file's suffix can select it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nexus.ingest.sources import SourceRow
from nexus.store import Marking, NewStatement

RowReader = Callable[[Path, str], Iterator[SourceRow]]
StatementMaker = Callable[[dict[str, Any], str, str, Marking], list[NewStatement]]


@dataclass(frozen=True, slots=True)
class EntityFormat:
    """`read(path, encoding)` yields records; `statements(record, dataset, origin, marking)` maps
    one record and raises RowError for a record that cannot be loaded."""

    name: str
    suffixes: tuple[str, ...]
    read: RowReader
    statements: StatementMaker
    description: str = ""


ENTITY_FORMATS: dict[str, EntityFormat] = {}


def register_format(fmt: EntityFormat) -> EntityFormat:
    ENTITY_FORMATS[fmt.name] = fmt
    return fmt


def format_for_suffix(name: str) -> str | None:
    lowered = name.lower()
    for fmt in ENTITY_FORMATS.values():
        if lowered.endswith(fmt.suffixes):
            return fmt.name
    return None
