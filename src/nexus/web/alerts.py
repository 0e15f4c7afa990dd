"""The alert queue: filter by typology, status and score; an alert's reasons, payments, subjects
and history; review, escalate, close with a reason, reopen and disseminate, pages and API alike.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field, field_validator

from nexus.finance.alerts import (
    TRANSITIONS,
    AlertStateError,
    PaymentLine,
    alert_json,
    disseminate,
    event_json,
    payment_lines,
    queue,
    transition,
)
from nexus.policy import AccessLayer, Reader, Viewer
from nexus.store import ALERT_STATUSES, AlertRecord, Marking, StoredStatement
from nexus.web.deps import AppServices, CurrentCaller, CurrentReader
from nexus.web.marks import PageMarks
from nexus.web.pages import render
from nexus.web.services import Services
from nexus.web.views import EntityRef, entity_refs, marking_dict

pages = APIRouter(tags=["alerts"])
api = APIRouter(tags=["alerts"])

Status = Literal["new", "under_review", "escalated", "closed"]
Action = Literal["review", "escalate", "close", "reopen", "disseminate"]
Outcome = Literal["false_positive", "confirmed"]
# The account and party properties of a Payment: the alert's subjects beside those it names.
PAYMENT_PARTIES = ("payer", "payerAccount", "beneficiary", "beneficiaryAccount")
# Ids are the store's 64-bit integers: anything larger is no alert (and would overflow SQL).
AlertId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The alert's number.")]
ACTION_DONE = {
    "review": "taken under review",
    "escalate": "escalated",
    "close": "closed",
    "reopen": "reopened",
    "disseminate": "disseminated",
}


def money(amount: str) -> str:
    """`3589300.00` → `3,589,300.00`: thousands grouped as analysts read them, the decimals
    as the source gave them; anything that is not a number is shown as it is."""
    try:
        number = Decimal(amount)
    except (InvalidOperation, ValueError):
        return amount
    return f"{number:,f}" if number.is_finite() else amount


def _blank_is_none(value: Any) -> Any:
    # An empty field of the page's filter form means "any", not an invalid value.
    return None if value == "" else value


class AlertFilter(BaseModel):
    """Which alerts to list (the page's filter form sends the same fields)."""

    kind: str | None = Field(
        default=None, max_length=100, description="Only this typology (structuring, sanctions …)."
    )
    status: list[Status] = Field(
        default_factory=list, description="Only these statuses (repeatable); any when absent."
    )
    min_score: float | None = Field(default=None, ge=0, le=1, description="Score at least.")
    limit: int = Field(default=50, ge=1, le=500, description="How many.")
    offset: int = Field(default=0, ge=0, description="How many to skip (paging).")

    @field_validator("kind", "min_score", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)

    @field_validator("status", mode="before")
    @classmethod
    def _blanks(cls, value: Any) -> Any:
        values = [value] if isinstance(value, str) else value
        return [v for v in values if v != ""] if isinstance(values, list) else values

    def query(self, **changes: Any) -> str:
        """This filter (with `changes`) as a query string, for the pager's links."""
        values = {**self.model_dump(), **changes}
        pairs = [(k, v) for k, v in values.items() if v not in (None, [], "") and k != "status"]
        pairs += [("status", s) for s in values["status"]]
        return urlencode(pairs)


@dataclass(frozen=True)
class AlertList:
    """One page of the queue in its order (undecided first, then by score), with the counts of
    every typology and status the viewer may read, for the filter."""

    alerts: list[AlertRecord]
    total: int  # matching the filter
    kinds: dict[str, int]
    statuses: dict[str, int]


def alert_list(reader: Reader, where: AlertFilter) -> AlertList:
    readable = queue(reader)  # one read: the filter's counts come from the same alerts
    matching = [
        a
        for a in readable
        if (where.kind is None or a.kind == where.kind)
        and (not where.status or a.status in where.status)
        and (where.min_score is None or a.score >= where.min_score)
    ]
    statuses = Counter(a.status for a in readable)
    return AlertList(
        alerts=matching[where.offset : where.offset + where.limit],
        total=len(matching),
        kinds=dict(sorted(Counter(a.kind for a in readable).items())),
        statuses={s: statuses[s] for s in ALERT_STATUSES},
    )


def available_actions(alert: AlertRecord) -> tuple[Action, ...]:
    """The steps an alert's owner may take from its status (finance.alerts.TRANSITIONS):
    back under review is "review" from new and "reopen" after that."""
    allowed = TRANSITIONS.get(alert.status, ())
    steps: list[Action] = []
    if "under_review" in allowed:
        steps.append("review" if alert.status == "new" else "reopen")
    if "escalated" in allowed:
        steps.append("escalate")
    if "closed" in allowed:
        steps.append("close")
    if alert.status == "escalated":
        steps.append("disseminate")
    return tuple(steps)


@dataclass(frozen=True)
class AlertDetail:
    alert: AlertRecord
    payments: list[PaymentLine]
    # payment id → the markings of what its row shows: the payment's statements, the names of
    # the parties and holders it names, and the ownerships that tie holders to accounts.
    payment_markings: dict[str, tuple[Marking, ...]]
    subjects: list[EntityRef]  # the people, companies and accounts it names, as visible
    owned: bool  # the viewer's agency owns it (or the viewer administers): they may act on it
    actions: tuple[Action, ...]
    recipients: tuple[str, ...]  # agencies it could be disseminated to


def _ownerships(read: dict[str, list[StoredStatement]]) -> set[str]:
    return {i for i, stmts in read.items() if stmts and stmts[0].schema == "Ownership"}


def alert_detail(reader: Reader, alert_id: int) -> AlertDetail:
    """One alert as the viewer may see it; `NotFound` (404) when they may not read it."""
    alert = reader.alert(alert_id)
    lines = payment_lines(reader, alert)
    sources = {i for line in lines for i in line.sources}
    read = reader.statements_of([*(line.payment_id for line in lines), *sources]) if lines else {}
    parties = [
        s.value
        for line in lines
        for s in read.get(line.payment_id, ())
        if s.prop in PAYMENT_PARTIES
    ]
    refs = entity_refs(reader, [*alert.entities, *parties, *sources])
    ownerships = _ownerships(read)
    subjects = sorted(
        {r.id: r for i, r in refs.items() if i not in ownerships}.values(),
        key=lambda r: (r.schema_label, r.caption),
    )
    marked: dict[str, tuple[Marking, ...]] = {}
    for line in lines:
        found = [s.marking for s in read.get(line.payment_id, ())]
        for source in line.sources:
            if source in ownerships:  # the tie itself: who holds which account
                found += [s.marking for s in read[source] if s.prop in ("owner", "asset")]
            elif source in refs:
                found += refs[source].markings
        marked[line.payment_id] = tuple(dict.fromkeys(found))
    owned = reader.viewer.is_admin or reader.viewer.agency == alert.agency
    agencies = {u.agency for u in reader.store.users()} - {alert.agency, *alert.shared_with}
    return AlertDetail(
        alert=alert,
        payments=lines,
        payment_markings=marked,
        subjects=subjects,
        owned=owned,
        actions=available_actions(alert) if owned else (),
        recipients=tuple(sorted(agencies)),
    )


def act(
    access: AccessLayer,
    viewer: Viewer,
    alert_id: AlertId,
    action: Action,
    *,
    note: str | None = None,
    outcome: Outcome | None = None,
    agency: str | None = None,
) -> AlertRecord:
    """Take one step on an alert, under finance.alerts' rules (only its agency may; closing
    needs a reason; dissemination only where the sharing rules let all its evidence go)."""
    alert = access.reader(viewer).alert(alert_id)
    if action not in available_actions(alert):
        could = ", ".join(available_actions(alert)) or "nothing"
        raise AlertStateError(
            f"alert {alert_id} is {alert.status}: {action} is not possible now (possible: {could})"
        )
    note = (note or "").strip() or None
    if action == "disseminate":
        return disseminate(access, viewer, alert_id, agency or "", note)
    status = {"review": "under_review", "reopen": "under_review", "escalate": "escalated"}
    target = status.get(action, "closed")
    return transition(access, viewer, alert_id, target, note, outcome=outcome)


# -- JSON --------------------------------------------------------------------------------------
def alert_dict(alert: AlertRecord, markings: dict[int, Marking]) -> dict[str, Any]:
    """`alert_json` with the markings of the statements the alert rests on."""
    return {
        **alert_json(alert),
        "markings": [marking_dict(markings[i]) for i in sorted(alert.evidence) if i in markings],
    }


def detail_dict(found: AlertDetail, markings: dict[int, Marking]) -> dict[str, Any]:
    alert = found.alert
    return {
        **alert_dict(alert, markings),
        "details": alert.details,
        "payments": [
            {
                "id": line.payment_id,
                "date": line.date,
                "amount": line.amount,
                "currency": line.currency,
                "payer": list(line.payer),
                "beneficiary": list(line.beneficiary),
            }
            for line in found.payments
        ],
        "subjects": [{**r.to_dict(), "schema_label": r.schema_label} for r in found.subjects],
        "history": [event_json(e) for e in alert.history],
        "actions": list(found.actions),
    }


# -- pages -------------------------------------------------------------------------------------
@pages.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
def alerts_page(
    request: Request,
    services: AppServices,
    caller: CurrentCaller,
    reader: CurrentReader,
    where: Annotated[AlertFilter, Query()],
) -> HTMLResponse:
    found = alert_list(reader, where)
    pager = {
        "previous": where.query(offset=max(where.offset - where.limit, 0))
        if where.offset
        else None,
        "next": where.query(offset=where.offset + where.limit)
        if where.offset + where.limit < found.total
        else None,
    }
    return render(
        request,
        "alerts.html",
        {
            "found": found,
            "where": where,
            "pager": pager,
            "statuses": ALERT_STATUSES,
            "active": "alerts",
        },
        settings=services.settings,
        caller=caller,
        marks=PageMarks(services.settings, services.store.markings()),
    )


@pages.get("/alerts/{alert_id}", response_class=HTMLResponse, include_in_schema=False)
def alert_page(
    alert_id: AlertId,
    request: Request,
    services: AppServices,
    caller: CurrentCaller,
    reader: CurrentReader,
    done: Annotated[Action | None, Query()] = None,
) -> HTMLResponse:
    return render(
        request,
        "alert.html",
        {
            "found": alert_detail(reader, alert_id),
            "message": "" if done is None else f"Alert {alert_id} {ACTION_DONE[done]}.",
            "money": money,
            "active": "alerts",
        },
        settings=services.settings,
        caller=caller,
        marks=PageMarks(services.settings, services.store.markings()),
    )


# -- API ---------------------------------------------------------------------------------------
@api.get("/alerts", summary="The viewer's alert queue, filtered by typology, status and score")
def alerts_json(
    services: AppServices, reader: CurrentReader, where: Annotated[AlertFilter, Query()]
) -> dict[str, Any]:
    """Undecided alerts first, each group by score; `kinds` and `statuses` count every alert
    the viewer may read (for filters)."""
    found = alert_list(reader, where)
    markings = services.store.markings()
    return {
        "total": found.total,
        "offset": where.offset,
        "alerts": [alert_dict(a, markings) for a in found.alerts],
        "kinds": found.kinds,
        "statuses": found.statuses,
    }


@api.get("/alerts/{alert_id}", summary="One alert: reasons, payments, subjects and history")
def alert_endpoint(
    alert_id: AlertId, services: AppServices, reader: CurrentReader
) -> dict[str, Any]:
    """404 for an alert the viewer may not read, exactly as for one that does not exist."""
    return detail_dict(alert_detail(reader, alert_id), services.store.markings())


# -- steps: the same bodies for the page's forms and the API ---------------------------------
class Note(BaseModel):
    note: str = Field(default="", max_length=2000, description="Why (kept in the history).")


class Closing(BaseModel):
    reason: str = Field(
        min_length=1, max_length=2000, pattern=r"\S", description="Why it is closed (required)."
    )
    outcome: Outcome | None = Field(
        default=None, description="The decision the queue learns from, if known."
    )

    @field_validator("outcome", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return _blank_is_none(value)


class Dissemination(BaseModel):
    agency: str = Field(min_length=1, max_length=100, description="The receiving agency.")
    note: str = Field(default="", max_length=2000, description="Why (kept in the history).")


NoteForm = Annotated[Note, Form()]


def _done(alert_id: int, action: Action) -> RedirectResponse:
    """After a form, the alert's page again (POST-redirect-GET), saying what was done."""
    return RedirectResponse(f"/alerts/{alert_id}?done={action}", status_code=303)


def _stepped(services: Services, reader: Reader, alert_id: int) -> dict[str, Any]:
    return detail_dict(alert_detail(reader, alert_id), services.store.markings())


def _note_step(action: Action, summary: str) -> None:
    """The page's form and the API operation of a step that takes only a note."""

    @pages.post(f"/alerts/{{alert_id}}/{action}", include_in_schema=False, name=f"{action}_form")
    def step_form(
        alert_id: AlertId, services: AppServices, caller: CurrentCaller, body: NoteForm
    ) -> RedirectResponse:
        act(services.access, caller.viewer, alert_id, action, note=body.note)
        return _done(alert_id, action)

    @api.post(f"/alerts/{{alert_id}}/{action}", summary=summary, name=f"{action}_alert")
    def step_json(
        alert_id: AlertId,
        services: AppServices,
        caller: CurrentCaller,
        reader: CurrentReader,
        body: Note | None = None,  # the note is optional, so the body may be left out too
    ) -> dict[str, Any]:
        act(services.access, caller.viewer, alert_id, action, note=body.note if body else None)
        return _stepped(services, reader, alert_id)


_note_step("review", "Take a new alert under review")
_note_step("escalate", "Escalate an alert under review")
_note_step("reopen", "Put a closed or escalated alert back under review")


@pages.post("/alerts/{alert_id}/close", include_in_schema=False)
def close_form(
    alert_id: AlertId,
    services: AppServices,
    caller: CurrentCaller,
    body: Annotated[Closing, Form()],
) -> RedirectResponse:
    act(services.access, caller.viewer, alert_id, "close", note=body.reason, outcome=body.outcome)
    return _done(alert_id, "close")


@api.post("/alerts/{alert_id}/close", summary="Close an alert with a reason")
def close_json(
    alert_id: AlertId,
    body: Closing,
    services: AppServices,
    caller: CurrentCaller,
    reader: CurrentReader,
) -> dict[str, Any]:
    act(services.access, caller.viewer, alert_id, "close", note=body.reason, outcome=body.outcome)
    return _stepped(services, reader, alert_id)


@pages.post("/alerts/{alert_id}/disseminate", include_in_schema=False)
def disseminate_form(
    alert_id: AlertId,
    services: AppServices,
    caller: CurrentCaller,
    body: Annotated[Dissemination, Form()],
) -> RedirectResponse:
    act(services.access, caller.viewer, alert_id, "disseminate", note=body.note, agency=body.agency)
    return _done(alert_id, "disseminate")


@api.post(
    "/alerts/{alert_id}/disseminate",
    summary="Send an escalated alert to another agency, if the sharing rules allow",
)
def disseminate_json(
    alert_id: AlertId,
    body: Dissemination,
    services: AppServices,
    caller: CurrentCaller,
    reader: CurrentReader,
) -> dict[str, Any]:
    """403 naming the markings that may not go there (another agency's AGENCY-ONLY material, a
    compartment, NOFORN to a partner, …)."""
    act(services.access, caller.viewer, alert_id, "disseminate", note=body.note, agency=body.agency)
    return _stepped(services, reader, alert_id)


__all__ = ["AlertDetail", "AlertFilter", "AlertList", "alert_detail", "alert_list", "api", "pages"]
