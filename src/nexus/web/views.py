"""What pages and the API show, as plain data built from a viewer's `Reader`: references to
entities with the markings of the values they display. One function serves both faces.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from nexus.policy import Reader, assemble
from nexus.store import ID_PROP, Marking, StoredStatement

NAME_PROPS = frozenset({"name", "alias", "weakAlias", "previousName", "title", "number"})


@dataclass(frozen=True)
class EntityRef:
    """An entity as a link shows it: id, schema, caption, and the markings of the statements
    the caption and schema come from (its portion mark)."""

    id: str
    schema: str
    schema_label: str
    caption: str
    markings: tuple[Marking, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "schema": self.schema, "caption": self.caption}


def entity_ref(statements: Sequence[StoredStatement]) -> EntityRef:
    entity = assemble(statements)
    caption = entity.caption
    shown = [s for s in statements if s.value == caption and s.prop in NAME_PROPS]
    marks = shown or [s for s in statements if s.prop == ID_PROP] or list(statements)
    return EntityRef(
        id=str(entity.id),
        schema=entity.schema.name,
        schema_label=entity.schema.label,
        caption=caption,
        markings=tuple(dict.fromkeys(s.marking for s in marks)),
    )


def entity_refs(reader: Reader, ids: Iterable[str]) -> dict[str, EntityRef]:
    """Each visible id (canonical or record id) → its entity's reference; hidden ids are left
    out, exactly as ids that do not exist."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    found = reader.statements_of(wanted)
    refs: dict[str, EntityRef] = {}
    by_canonical: dict[str, EntityRef] = {}
    for entity_id, stmts in found.items():
        cid = stmts[0].canonical_id
        if cid not in by_canonical:
            by_canonical[cid] = entity_ref(stmts)
        refs[entity_id] = by_canonical[cid]
    return refs


def marking_dict(marking: Marking) -> dict[str, Any]:
    return {
        "agency": marking.agency,
        "classification": marking.classification,
        "caveats": sorted(marking.caveats),
    }


__all__ = ["EntityRef", "entity_ref", "entity_refs", "marking_dict"]
