"""The home page and `/api/v1/status`: what the viewer may see (datasets and counts), their
open review pairs and alerts, and recent ingest runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from nexus.policy import Reader
from nexus.store import ALERT_STATUSES, AlertRecord, LinkRecord, Marking, RunRecord
from nexus.web.deps import AppServices, CurrentCaller, CurrentReader
from nexus.web.marks import PageMarks
from nexus.web.pages import render
from nexus.web.views import EntityRef, entity_refs, marking_dict

pages = APIRouter(tags=["home"])
api = APIRouter(tags=["status"])

OPEN_STATUSES = [s for s in ALERT_STATUSES if s != "closed"]
QUEUE_PEEK = 5


@dataclass(frozen=True)
class DatasetSummary:
    name: str
    statements: int
    agencies: tuple[str, ...]
    markings: tuple[Marking, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "statements": self.statements,
            "agencies": list(self.agencies),
            "markings": [marking_dict(m) for m in self.markings],
        }


@dataclass(frozen=True)
class HomeSummary:
    entities: int
    statements: int
    datasets: list[DatasetSummary]
    review: list[LinkRecord]
    review_total: int
    alerts: list[AlertRecord]
    alerts_total: int
    runs: list[RunRecord]
    refs: dict[str, EntityRef]


def datasets(reader: Reader) -> list[DatasetSummary]:
    return [
        DatasetSummary(
            name=name,
            statements=sum(counts.values()),
            agencies=tuple(sorted({m.agency for m in counts})),
            markings=tuple(sorted(counts, key=lambda m: m.label())),
        )
        for name, counts in reader.dataset_markings().items()
    ]


def home_summary(reader: Reader) -> HomeSummary:
    review = reader.review_queue(limit=500)
    alerts = reader.alerts(status=OPEN_STATUSES)
    shown = review[:QUEUE_PEEK]
    refs = entity_refs(reader, [i for link in shown for i in (link.left_id, link.right_id)])
    return HomeSummary(
        entities=reader.count_entities(),
        statements=reader.count_statements(),
        datasets=datasets(reader),
        review=shown,
        review_total=len(review),
        alerts=alerts[:QUEUE_PEEK],
        alerts_total=len(alerts),
        runs=reader.runs(limit=10),
        refs=refs,
    )


@pages.get("/", response_class=HTMLResponse, include_in_schema=False)
def home_page(
    request: Request, services: AppServices, caller: CurrentCaller, reader: CurrentReader
) -> HTMLResponse:
    summary = home_summary(reader)
    marks = PageMarks(services.settings, services.store.markings())
    return render(
        request,
        "home.html",
        {"summary": summary, "active": "home"},
        settings=services.settings,
        caller=caller,
        marks=marks,
    )


@api.get("/status", summary="What the viewer may see, their queues and recent runs")
def status(reader: CurrentReader) -> dict[str, Any]:
    summary = home_summary(reader)
    return {
        "viewer": reader.viewer.name,
        "entities": summary.entities,
        "statements": summary.statements,
        "datasets": [d.to_dict() for d in summary.datasets],
        "review_pairs": summary.review_total,
        "open_alerts": summary.alerts_total,
        "runs": [
            {
                "id": r.id,
                "user": r.user,
                "source": r.source,
                "status": r.status,
                "started_at": r.started_at,
                "finished_at": r.finished_at,
                "statements": r.statements,
                "rows_loaded": r.rows_loaded,
                "rows_quarantined": r.rows_quarantined,
            }
            for r in summary.runs
        ],
    }


@api.get("/datasets", summary="The datasets the viewer may see, with counts and markings")
def dataset_list(reader: CurrentReader) -> list[dict[str, Any]]:
    return [d.to_dict() for d in datasets(reader)]


__all__ = ["api", "datasets", "home_summary", "pages"]
