"""Entity profiles: every value with its agency, dataset, source row, portion mark and dates;
the records it was resolved from and the links and judgements behind that; who references it;
its alerts. Merge and split from the page. `/api/v1/entities/…` returns the same.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from nexus.model import model
from nexus.policy import Reader, assemble
from nexus.resolve.pipeline import judge
from nexus.store import (
    ID_PROP,
    AlertRecord,
    JudgementRecord,
    LinkRecord,
    Marking,
    StoredStatement,
)
from nexus.web.deps import AppServices, CurrentCaller, CurrentReader
from nexus.web.marks import PageMarks
from nexus.web.pages import render
from nexus.web.views import EntityRef, entity_ref, entity_refs, marking_dict

pages = APIRouter(tags=["entities"])
api = APIRouter(tags=["entities"])

RTL_RANGES = ((0x0590, 0x08FF), (0xFB1D, 0xFDFF), (0xFE70, 0xFEFF))


@dataclass(frozen=True)
class Value:
    """One property value and every statement that gives it."""

    prop: str
    label: str
    value: str
    statements: tuple[StoredStatement, ...]

    @property
    def rtl(self) -> bool:
        return any(lo <= ord(c) <= hi for c in self.value for lo, hi in RTL_RANGES)

    @property
    def originals(self) -> list[str]:
        return sorted(
            {s.original_value for s in self.statements if s.original_value} - {self.value}
        )


@dataclass(frozen=True)
class Record:
    """One source record merged into the entity."""

    id: str
    datasets: tuple[str, ...]
    origins: tuple[str, ...]
    statements: tuple[StoredStatement, ...]


@dataclass(frozen=True)
class Reference:
    """An entity that points at the profile's: itself, the property it points with, its role
    where it states one, and what it links the profile's entity to (the other end of a
    payment, an ownership, a case party …)."""

    entity: EntityRef
    via: str
    role: str
    ends: tuple[EntityRef, ...]

    @property
    def markings(self) -> tuple[Marking, ...]:
        return tuple(
            dict.fromkeys([*self.entity.markings, *(m for e in self.ends for m in e.markings)])
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.entity.to_dict(),
            "via": self.via,
            "role": self.role,
            "links_to": [end.to_dict() for end in self.ends],
        }


@dataclass
class Profile:
    ref: EntityRef
    values: list[Value]
    records: list[Record]
    links: list[LinkRecord]
    judgements: list[JudgementRecord]
    referencing: dict[str, list[Reference]]
    alerts: list[AlertRecord]
    statements: list[StoredStatement]
    entity: dict[str, Any]


def profile(reader: Reader, entity_id: str) -> Profile:
    statements = reader.statements(entity_id)
    if not statements:
        reader.entity(entity_id)  # raises NotFound, the same for hidden and missing
    entity = assemble(statements)
    schema = entity.schema
    grouped: dict[tuple[str, str], list[StoredStatement]] = defaultdict(list)
    by_record: dict[str, list[StoredStatement]] = defaultdict(list)
    for stmt in statements:
        by_record[stmt.entity_id].append(stmt)
        if stmt.prop != ID_PROP:
            grouped[(stmt.prop, stmt.value)].append(stmt)
    order = {name: i for i, name in enumerate(schema.properties)}
    values = [
        Value(prop, _label(schema.name, prop), value, tuple(stmts))
        for (prop, value), stmts in sorted(
            grouped.items(), key=lambda kv: (order.get(kv[0][0], 999), kv[0][0], kv[0][1])
        )
    ]
    records = [
        Record(
            rid,
            tuple(sorted({s.dataset for s in stmts})),
            tuple(sorted({s.origin for s in stmts})),
            tuple(stmts),
        )
        for rid, stmts in sorted(by_record.items())
    ]
    record_ids = [r.id for r in records]
    inside = set(record_ids)
    links = [
        link
        for link in reader.match_links(entity_ids=record_ids)
        if link.left_id in inside and link.right_id in inside
    ]
    judgements = [j for j in reader.judgements() if j.left_id in inside or j.right_id in inside]
    referencing = _references(reader, entity_id, inside | {entity_id})
    alerts = [a for a in reader.alerts(keys=None) if inside & set(a.entities)]
    return Profile(
        ref=entity_ref(statements),
        values=values,
        records=records,
        links=links,
        judgements=judgements,
        referencing=dict(sorted(referencing.items())),
        alerts=alerts,
        statements=statements,
        entity=entity.to_dict(),
    )


def _references(reader: Reader, entity_id: str, own: set[str]) -> dict[str, list[Reference]]:
    """The entities pointing at this one (`own`: its id and its records' ids), by schema, each
    with what else it points at; their references read in one audited read."""
    others = reader.referencing(entity_id)
    pointing: list[tuple[Any, str, str, list[str]]] = []
    wanted: set[str] = set()
    for other in others:
        via, ends = "", []
        for prop in other.schema.properties.values():
            if prop.type.name != "entity":
                continue
            for value in other.get(prop.name):
                if value in own:
                    via = via or str(prop.label)
                elif value not in ends:
                    ends.append(value)
        role = ", ".join(other.get("role", quiet=True)) if other.schema.get("role") else ""
        pointing.append((other, via, role, ends))
        wanted.update([str(other.id), *ends])
    refs = entity_refs(reader, wanted)
    found: dict[str, list[Reference]] = defaultdict(list)
    for other, via, role, ends in pointing:
        if str(other.id) in refs:
            shown = tuple(dict.fromkeys(refs[end] for end in ends if end in refs))
            found[other.schema.label].append(Reference(refs[str(other.id)], via, role, shown))
    return dict(sorted(found.items()))


def _label(schema: str, prop: str) -> str:
    found = model.get(schema)
    found_prop = None if found is None else found.get(prop)
    return prop if found_prop is None else str(found_prop.label)


def statement_dict(stmt: StoredStatement) -> dict[str, Any]:
    return {
        "id": stmt.id,
        "entity_id": stmt.entity_id,
        "canonical_id": stmt.canonical_id,
        "schema": stmt.schema,
        "prop": stmt.prop,
        "value": stmt.value,
        "original_value": stmt.original_value,
        "lang": stmt.lang,
        "dataset": stmt.dataset,
        "origin": stmt.origin,
        "marking": marking_dict(stmt.marking),
        "first_seen": stmt.first_seen,
        "last_seen": stmt.last_seen,
    }


def profile_dict(found: Profile) -> dict[str, Any]:
    """The entity in FtM's form, with the provenance of every value beside it."""
    return {
        **found.entity,
        "caption": found.ref.caption,
        "provenance": [
            {
                "prop": v.prop,
                "value": v.value,
                "sources": [statement_dict(s) for s in v.statements],
            }
            for v in found.values
        ],
        "records": [
            {"id": r.id, "datasets": list(r.datasets), "origins": list(r.origins)}
            for r in found.records
        ],
        "links": [
            {
                "left": k.left_id,
                "right": k.right_id,
                "probability": k.probability,
                "verdict": k.verdict,
                "explanation": list(k.explanation),
            }
            for k in found.links
        ],
        "judgements": [
            {
                "left": j.left_id,
                "right": j.right_id,
                "verdict": j.verdict,
                "user": j.user,
                "at": j.at,
                "note": j.note,
            }
            for j in found.judgements
        ],
        "referenced_by": {
            schema: [r.to_dict() for r in refs] for schema, refs in found.referencing.items()
        },
        "alerts": [
            {"id": a.id, "kind": a.kind, "score": a.score, "status": a.status} for a in found.alerts
        ],
    }


@pages.get("/entities/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
def entity_page(
    entity_id: str,
    request: Request,
    services: AppServices,
    caller: CurrentCaller,
    reader: CurrentReader,
) -> HTMLResponse:
    found = profile(reader, entity_id)
    marks = PageMarks(services.settings, services.store.markings())
    return render(
        request,
        "entity.html",
        {"profile": found, "message": request.query_params.get("done", "")},
        settings=services.settings,
        caller=caller,
        marks=marks,
    )


@pages.post("/entities/{entity_id}/judge", include_in_schema=False)
def judge_page(
    entity_id: str,
    services: AppServices,
    caller: CurrentCaller,
    other: Annotated[str, Form(min_length=1)],
    verdict: Annotated[str, Form(pattern="^(same|not_same)$")],
    note: Annotated[str, Form()] = "",
) -> Response:
    record = judge(services.access, caller.viewer, entity_id, other.strip(), verdict, note or None)
    done = "merged" if verdict == "same" else "split"
    # The entity asked about may no longer exist as such (a split dissolves it): the record
    # the judgement names first always does.
    return RedirectResponse(f"/entities/{record.left_id}?done={done}", status_code=303)


@api.get("/entities/{entity_id}", summary="An entity, with the provenance of every value")
def entity_json(entity_id: str, reader: CurrentReader) -> dict[str, Any]:
    return profile_dict(profile(reader, entity_id))


@api.get("/entities/{entity_id}/statements", summary="The statements an entity is made of")
def entity_statements(entity_id: str, reader: CurrentReader) -> list[dict[str, Any]]:
    statements = reader.statements(entity_id)
    if not statements:
        reader.entity(entity_id)
    return [statement_dict(s) for s in statements]


@api.get("/entities/{entity_id}/related", summary="Entities that reference this one, by schema")
def entity_related(entity_id: str, reader: CurrentReader) -> dict[str, list[dict[str, Any]]]:
    found = profile(reader, entity_id)
    return {schema: [r.to_dict() for r in refs] for schema, refs in found.referencing.items()}


class Judgement(BaseModel):
    other: str = Field(min_length=1, description="The other record or entity id.")
    note: str | None = Field(default=None, max_length=2000, description="Why (kept with it).")


@api.post("/entities/{entity_id}/merge", summary="Record that two entities are the same")
def merge(
    entity_id: str, body: Judgement, services: AppServices, caller: CurrentCaller
) -> dict[str, Any]:
    record = judge(services.access, caller.viewer, entity_id, body.other, "same", body.note)
    return {"left": record.left_id, "right": record.right_id, "verdict": record.verdict}


@api.post("/entities/{entity_id}/split", summary="Record that two entities are not the same")
def split(
    entity_id: str, body: Judgement, services: AppServices, caller: CurrentCaller
) -> dict[str, Any]:
    record = judge(services.access, caller.viewer, entity_id, body.other, "not_same", body.note)
    return {"left": record.left_id, "right": record.right_id, "verdict": record.verdict}


__all__ = ["api", "pages", "profile", "profile_dict", "statement_dict"]
