"""The review queue: the uncertain pairs resolution left for an analyst, side by side with every
value's portion mark and datasets and the features that matched or conflicted, decided in turn.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from nexus.exceptions import NexusError
from nexus.model import model
from nexus.policy import AccessLayer, Reader, Viewer
from nexus.resolve.pipeline import judge
from nexus.store import ID_PROP, JudgementRecord, LinkRecord, StoredStatement
from nexus.web.deps import AppServices, Caller, CurrentCaller, CurrentReader
from nexus.web.entities import Value
from nexus.web.marks import PageMarks
from nexus.web.pages import render
from nexus.web.services import Services
from nexus.web.views import EntityRef, entity_ref, marking_dict

pages = APIRouter(tags=["review"])
api = APIRouter(tags=["review"])

# The queue is counted this far; a longer one shows as "500+" (counting it all costs a full read
# of the links for nothing the analyst acts on).
QUEUE_CAP = 500
VERDICT_NAMES = {"same": "the same", "not_same": "not the same", "unsure": "unsure"}

Verdict = Literal["same", "not_same", "unsure"]


@dataclass(frozen=True)
class Side:
    """One record of a pair and the entity it belongs to as the viewer sees it."""

    record_id: str
    ref: EntityRef
    datasets: tuple[str, ...]
    values: tuple[Value, ...]  # as an entity's profile groups them

    def to_dict(self) -> dict[str, Any]:
        return {
            "record": self.record_id,
            "entity": self.ref.to_dict(),
            "datasets": list(self.datasets),
            "values": [
                {
                    "prop": v.prop,
                    "value": v.value,
                    "datasets": sorted({s.dataset for s in v.statements}),
                    "markings": [
                        marking_dict(m) for m in dict.fromkeys(s.marking for s in v.statements)
                    ],
                }
                for v in self.values
            ],
        }


@dataclass(frozen=True)
class ReviewPair:
    """A pair to decide: both sides, and the link's explanation split into the features that
    argued for one entity (matched) and those that argued against (conflicted)."""

    link: LinkRecord
    left: Side
    right: Side
    matched: tuple[dict[str, Any], ...]
    conflicted: tuple[dict[str, Any], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "left": self.left.to_dict(),
            "right": self.right.to_dict(),
            "probability": self.link.probability,
            "matched": list(self.matched),
            "conflicted": list(self.conflicted),
            "run": self.link.run,
        }


@dataclass(frozen=True)
class ReviewQueue:
    pairs: list[ReviewPair]
    total: int  # pairs waiting, counted up to QUEUE_CAP

    @property
    def capped(self) -> bool:
        return self.total >= QUEUE_CAP


def review_queue(reader: Reader, *, limit: int = 1) -> ReviewQueue:
    """The first `limit` undecided pairs, most likely first, each side read in one pass."""
    waiting = reader.review_queue(limit=QUEUE_CAP)
    shown = waiting[:limit]
    statements = reader.statements_of([i for k in shown for i in (k.left_id, k.right_id)])
    pairs = []
    for link in shown:
        if link.left_id in statements and link.right_id in statements:
            left = _side(link.left_id, statements[link.left_id])
            right = _side(link.right_id, statements[link.right_id])
            pairs.append(_pair(link, left, right))
    return ReviewQueue(pairs=pairs, total=len(waiting))


def _side(record_id: str, statements: list[StoredStatement]) -> Side:
    ref = entity_ref(statements)
    schema = model.get(ref.schema)
    order = {name: i for i, name in enumerate(schema.properties)} if schema else {}
    grouped: dict[tuple[str, str], list[StoredStatement]] = defaultdict(list)
    for stmt in statements:
        if stmt.prop != ID_PROP:
            grouped[(stmt.prop, stmt.value)].append(stmt)
    values = []
    for (prop, value), stmts in sorted(
        grouped.items(), key=lambda kv: (order.get(kv[0][0], 999), kv[0][0], kv[0][1])
    ):
        found = None if schema is None else schema.get(prop)
        values.append(Value(prop, prop if found is None else str(found.label), value, tuple(stmts)))
    return Side(
        record_id=record_id,
        ref=ref,
        datasets=tuple(sorted({s.dataset for s in statements})),
        values=tuple(values),
    )


def _pair(link: LinkRecord, left: Side, right: Side) -> ReviewPair:
    # A deterministic rule (weight None, e.g. the same IBAN) argues for the match outright.
    matched = tuple(f for f in link.explanation if (f.get("weight") or 0) >= 0)
    conflicted = tuple(f for f in link.explanation if (f.get("weight") or 0) < 0)
    return ReviewPair(link, left, right, matched, conflicted)


def judgement_dict(record: JudgementRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "left": record.left_id,
        "right": record.right_id,
        "verdict": record.verdict,
        "user": record.user,
        "at": record.at,
        "note": record.note,
    }


class Decision(BaseModel):
    """An analyst's decision on a pair (the page's form sends the same fields)."""

    left: str = Field(min_length=1, max_length=300, description="One record or entity id.")
    right: str = Field(min_length=1, max_length=300, description="The other record or entity id.")
    verdict: Verdict = Field(description="same, not_same or unsure (each takes it off the queue).")
    note: str = Field(default="", max_length=2000, description="Why (kept with the judgement).")


def decide(access: AccessLayer, viewer: Viewer, decision: Decision) -> JudgementRecord:
    note = decision.note.strip() or None
    return judge(access, viewer, decision.left, decision.right, decision.verdict, note)


def _page(
    request: Request,
    services: Services,
    caller: Caller,
    reader: Reader,
    *,
    message: str = "",
    problem: str = "",
    block: str | None = None,
) -> HTMLResponse:
    marks = PageMarks(services.settings, services.store.markings())
    return render(
        request,
        "review.html",
        {
            "queue": review_queue(reader),
            "message": message,
            "problem": problem,
            "swapped": block is not None,
            "verdict_names": VERDICT_NAMES,
            "active": "review",
        },
        settings=services.settings,
        caller=caller,
        marks=marks,
        block=block,
    )


@pages.get("/review", response_class=HTMLResponse, include_in_schema=False)
def review_page(
    request: Request,
    services: AppServices,
    caller: CurrentCaller,
    reader: CurrentReader,
    done: Annotated[Verdict | None, Query()] = None,
) -> HTMLResponse:
    message = "" if done is None else f"Recorded: {VERDICT_NAMES[done]}."
    return _page(request, services, caller, reader, message=message)


@pages.post("/review/decide", include_in_schema=False)
def decide_page(
    request: Request,
    services: AppServices,
    caller: CurrentCaller,
    reader: CurrentReader,
    decision: Annotated[Decision, Form()],
) -> Response:
    """htmx swaps the next pair in; a browser without script gets the page again (303)."""
    if request.headers.get("HX-Request") != "true":
        record = decide(services.access, caller.viewer, decision)
        return RedirectResponse(f"/review?done={record.verdict}", status_code=303)
    try:
        record = decide(services.access, caller.viewer, decision)
    except NexusError as exc:
        # htmx swaps in only a 2xx answer: a refusal sent as 4xx would leave the analyst looking
        # at the old pair with no word of what happened.
        problem = f"Not recorded: {exc}"
        return _page(request, services, caller, reader, problem=problem, block="pair")
    message = f"Recorded: {VERDICT_NAMES[record.verdict]}."
    return _page(request, services, caller, reader, message=message, block="pair")


@api.get("/review", summary="Undecided pairs from resolution, most likely first")
def review_json(
    reader: CurrentReader,
    limit: Annotated[int, Query(ge=1, le=100, description="Pairs to return.")] = 20,
) -> dict[str, Any]:
    """Each pair with both sides' values (datasets and markings) and the features that matched
    and conflicted; `total` counts the waiting pairs up to 500."""
    queue = review_queue(reader, limit=limit)
    return {
        "total": queue.total,
        "capped": queue.capped,
        "pairs": [p.to_dict() for p in queue.pairs],
    }


@api.post(
    "/review/judgements",
    status_code=201,
    summary="Decide a pair: the same, not the same, or unsure",
)
def judgement_json(
    decision: Decision, services: AppServices, caller: CurrentCaller, reader: CurrentReader
) -> dict[str, Any]:
    """Records the judgement (it holds against every later automatic run) and returns the next
    pair waiting, or null when none is left."""
    record = decide(services.access, caller.viewer, decision)
    queue = review_queue(reader)
    return {
        "judgement": judgement_dict(record),
        "next": queue.pairs[0].to_dict() if queue.pairs else None,
        "total": queue.total,
    }


__all__ = ["Decision", "ReviewPair", "ReviewQueue", "api", "pages", "review_queue"]
