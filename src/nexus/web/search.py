"""Search: the query box, facets with counts (and a search box inside a long facet), results
with names in every script, identifiers, agencies and markings; bounded, audited exports.
`/api/v1/search` returns the same `SearchResult`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from nexus.policy import Reader
from nexus.search import SearchResult, search
from nexus.store import SEARCH_FACETS, Marking
from nexus.web.deps import AppServices, CurrentCaller, CurrentReader
from nexus.web.marks import PageMarks
from nexus.web.pages import render
from nexus.web.services import Services

pages = APIRouter(tags=["search"])
api = APIRouter(tags=["search"])

PAGE_SIZE = 20
FACET_VALUES = 50
EXPORT_LIMIT = 5_000  # entities in one export: bounded, so an export never runs away
EXPORT_WARNING = (
    "Exported data leaves Nexus's protection: its markings travel only as text, no access "
    "control follows it, and the export is recorded in the audit log."
)
FACET_TITLES = {
    "schema": "Type",
    "dataset": "Dataset",
    "agency": "Agency",
    "classification": "Classification",
    "country": "Country",
    "topic": "Topics",
}


def _filters(request: Request) -> dict[str, list[str]]:
    return {
        facet: request.query_params.getlist(facet)
        for facet in SEARCH_FACETS
        if request.query_params.getlist(facet)
    }


def _facet_queries(request: Request) -> dict[str, str]:
    return {
        facet: request.query_params.get(f"fq_{facet}", "")
        for facet in SEARCH_FACETS
        if request.query_params.get(f"fq_{facet}")
    }


def run_search(
    reader: Reader,
    query: str,
    filters: dict[str, list[str]],
    *,
    facet_query: dict[str, str] | None = None,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> SearchResult:
    return search(
        reader,
        query,
        filters=filters,
        facet_query=facet_query or {},
        facet_limit=FACET_VALUES,
        limit=limit,
        offset=offset,
    )


def hit_markings(result: SearchResult, known: dict[str, Marking]) -> dict[str, list[Marking]]:
    return {
        hit.id: [known[label] for label in hit.markings if label in known] for hit in result.hits
    }


@pages.get("/search", response_class=HTMLResponse, include_in_schema=False)
def search_page(
    request: Request,
    services: AppServices,
    caller: CurrentCaller,
    reader: CurrentReader,
    q: str = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    marks = PageMarks(services.settings, services.store.markings())
    filters = _filters(request)
    result = None
    if q.strip():
        offset = (page - 1) * PAGE_SIZE
        result = run_search(reader, q, filters, facet_query=_facet_queries(request), offset=offset)
    known = {m.label(): m for m in marks.known.values()}
    return render(
        request,
        "search.html",
        {
            "active": "search",
            "query": q,
            "result": result,
            "filters": filters,
            "page": page,
            "page_size": PAGE_SIZE,
            "facet_titles": FACET_TITLES,
            "hit_marks": {} if result is None else hit_markings(result, known),
            "export_warning": EXPORT_WARNING,
            "export_limit": EXPORT_LIMIT,
            "query_string": str(request.url.query),
        },
        settings=services.settings,
        caller=caller,
        marks=marks,
    )


@api.get("/search", summary="Search every entity the viewer may see, with facets")
def search_json(
    request: Request,
    reader: CurrentReader,
    q: Annotated[str, Query(min_length=1, max_length=500, description="Names, identifiers, words")],
    limit: Annotated[int, Query(ge=1, le=500)] = PAGE_SIZE,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    schema: Annotated[list[str] | None, Query()] = None,
    dataset: Annotated[list[str] | None, Query()] = None,
    agency: Annotated[list[str] | None, Query()] = None,
    classification: Annotated[list[str] | None, Query()] = None,
    country: Annotated[list[str] | None, Query()] = None,
    topic: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    filters = _filters(request)
    return run_search(
        reader, q, filters, facet_query=_facet_queries(request), limit=limit, offset=offset
    ).to_dict()


def _export_rows(
    services: Services, reader: Reader, query: str, filters: dict[str, list[str]], form: str
) -> Iterator[bytes]:
    result = run_search(reader, query, filters, limit=min(EXPORT_LIMIT, 500))
    hits = list(result.hits)
    while len(hits) < min(result.total, EXPORT_LIMIT):
        more = run_search(reader, query, filters, limit=500, offset=len(hits)).hits
        if not more:
            break
        hits.extend(more)
    hits = hits[:EXPORT_LIMIT]
    services.store.append_audit(
        reader.viewer.audit_name,
        "search.export",
        {"query": query, "filters": filters, "format": form, "entities": len(hits)},
    )
    if form == "ftm":
        entities = reader.lookup([h.id for h in hits])
        for hit in hits:
            if hit.id in entities:
                yield orjson.dumps(entities[hit.id].to_dict()) + b"\n"
        return
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["# " + EXPORT_WARNING])
    writer.writerow(
        [
            "id",
            "schema",
            "caption",
            "names",
            "identifiers",
            "countries",
            "datasets",
            "agencies",
            "markings",
        ]
    )
    for hit in hits:
        writer.writerow(
            [
                hit.id,
                hit.schema,
                hit.caption,
                "; ".join(hit.names),
                "; ".join(f"{p}: {v}" for p, v in hit.identifiers),
                "; ".join(hit.countries),
                "; ".join(hit.datasets),
                "; ".join(hit.agencies),
                "; ".join(hit.markings),
            ]
        )
    yield buffer.getvalue().encode("utf-8")


def _export(
    request: Request, services: Services, reader: Reader, q: str, format: str
) -> StreamingResponse:
    filters = _filters(request)
    media = "application/x-ndjson" if format == "ftm" else "text/csv; charset=utf-8"
    suffix = "ftm.json" if format == "ftm" else "csv"
    rows = list(
        _export_rows(services, reader, q, filters, format)
    )  # errors surface before streaming
    return StreamingResponse(
        iter(rows),
        media_type=media,
        headers={
            "Content-Disposition": f'attachment; filename="nexus-search.{suffix}"',
            "X-Nexus-Warning": EXPORT_WARNING,
        },
    )


@pages.get("/search/export", include_in_schema=False)
def export_page(
    request: Request,
    services: AppServices,
    caller: CurrentCaller,
    reader: CurrentReader,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    format: Literal["csv", "ftm"] = "csv",
) -> StreamingResponse:
    return _export(request, services, reader, q, format)


@api.get(
    "/search/export",
    summary=f"The result set as CSV or FtM JSON lines (at most {EXPORT_LIMIT} entities; audited)",
)
def export_json(
    request: Request,
    services: AppServices,
    reader: CurrentReader,
    q: Annotated[str, Query(min_length=1, max_length=500)],
    format: Literal["csv", "ftm"] = "csv",
) -> StreamingResponse:
    return _export(request, services, reader, q, format)


__all__ = ["EXPORT_LIMIT", "EXPORT_WARNING", "api", "pages", "run_search"]
