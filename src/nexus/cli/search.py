"""`nexus search` and `nexus index`: search what the viewer may see; keep the index current.

Registered on the main app by nexus.cli.app, which also indexes each ingest's run through here.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.markup import escape
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from nexus.cli.common import AsUser, app_context, console, errors, progress_bar
from nexus.cli.context import AppContext
from nexus.exceptions import NexusError

if TYPE_CHECKING:
    from nexus.search import SearchResult

index_app = typer.Typer(no_args_is_help=True, help="The search index: status, update, rebuild.")


def register(app: typer.Typer) -> None:
    app.command("search")(search_cmd)
    app.add_typer(index_app, name="index")


def _region(app_ctx: AppContext) -> str:
    return app_ctx.settings.default_country.upper()


def index_after_ingest(app_ctx: AppContext) -> None:
    """Index the runs committed since the last update (the one just loaded, usually). The load
    stands whatever happens here: a failure says how to catch up later."""
    from nexus.search import update_index

    started = time.perf_counter()
    try:
        with errors.status("indexing for search"):
            report = update_index(app_ctx.store, region=_region(app_ctx))
    except (NexusError, SQLAlchemyError) as exc:
        errors.print(
            f"[yellow]warning:[/yellow] the search index was not updated ({escape(str(exc))}); "
            "run `nexus index update`",
            soft_wrap=True,
        )
        return
    if report.runs:
        what = "rebuilt" if report.rebuilt else f"{report.runs} run(s) indexed"
        console.print(
            f"Search index: {what}, {report.rows} rows ({time.perf_counter() - started:.1f} s)."
        )


def search_cmd(
    ctx: typer.Context,
    query: Annotated[list[str], typer.Argument(help="Name, identifier or words.")],
    schema: Annotated[list[str] | None, typer.Option(help="Only this schema (repeatable).")] = None,
    dataset: Annotated[
        list[str] | None, typer.Option(help="Only this dataset (repeatable).")
    ] = None,
    agency: Annotated[
        list[str] | None, typer.Option(help="Only this agency's (repeatable).")
    ] = None,
    country: Annotated[
        list[str] | None, typer.Option(help="Only this country code (repeatable).")
    ] = None,
    topic: Annotated[list[str] | None, typer.Option(help="Only this topic (repeatable).")] = None,
    classification: Annotated[
        list[str] | None, typer.Option(help="Only with statements of this level (repeatable).")
    ] = None,
    facet_search: Annotated[
        list[str] | None,
        typer.Option(metavar="FACET=TEXT", help="List only a facet's values containing TEXT."),
    ] = None,
    limit: Annotated[int, typer.Option(help="How many hits.")] = 20,
    offset: Annotated[int, typer.Option(help="Skip this many.")] = 0,
    facet_limit: Annotated[int, typer.Option(help="Values listed per facet.")] = 8,
    as_user: AsUser = None,
    json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Search every entity the viewer may see: names in any spelling or script, identifiers in
    any written form (CNIC with or without dashes, local or +92 phones, spaced IBANs), words."""
    from nexus.search import search

    app_ctx = app_context(ctx)
    reader = app_ctx.access.reader(app_ctx.viewer(as_user))
    filters = {
        "schema": schema,
        "dataset": dataset,
        "agency": agency,
        "country": [c.lower() for c in country or []],
        "topic": topic,
        "classification": classification,
    }
    facet_query: dict[str, str] = {}
    for item in facet_search or []:
        name, sep, text = item.partition("=")
        if not sep:
            raise NexusError(f"--facet-search {item!r}: write FACET=TEXT, e.g. dataset=bank")
        facet_query[name.strip()] = text
    result = search(
        reader,
        " ".join(query),
        filters={k: v for k, v in filters.items() if v},
        facet_query=facet_query,
        facet_limit=facet_limit,
        limit=limit,
        offset=offset,
    )
    if json:
        sys.stdout.write(orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
        return
    _print_result(result)


def _print_result(result: SearchResult) -> None:
    shown = f"{result.offset + 1}-{result.offset + len(result.hits)} of " if result.hits else ""
    table = Table(
        "id", "schema", "name", "identifiers", "datasets", "markings", "score",
        title=f"{shown}{result.total} entities for {escape(result.query)!r}",
    )  # fmt: skip
    for hit in result.hits:
        others = [n for n in hit.names if n != hit.caption][:3]
        name = escape(hit.caption) + "".join(f"\n[dim]{escape(n)}[/dim]" for n in others)
        identifiers = "\n".join(escape(value) for _prop, value in hit.identifiers[:3])
        table.add_row(
            hit.id,
            hit.schema,
            name,
            identifiers,
            ", ".join(hit.datasets),
            "\n".join(hit.markings),
            f"{hit.score:.2f}",
        )
    console.print(table)
    for facet, values in result.facets.items():
        if values:
            listed = " · ".join(f"{escape(v.label)} {v.count}" for v in values)
            console.print(f"[bold]{facet}[/bold]: {listed}", soft_wrap=True)


@index_app.command("update")
def index_update(ctx: typer.Context) -> None:
    """Index the runs loaded since the last update (every ingest does this itself)."""
    app_ctx = app_context(ctx)
    index_after_ingest(app_ctx)
    console.print("The search index is up to date.")


@index_app.command("rebuild")
def index_rebuild(ctx: typer.Context) -> None:
    """Make the search index again from every statement (administrators only); searches
    answer from the old index until the new one is complete."""
    from nexus.search import rebuild_index

    app_ctx = app_context(ctx)
    app_ctx.administrator()
    started = time.perf_counter()
    with progress_bar() as progress:
        task = progress.add_task("indexing statements", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        report = rebuild_index(app_ctx.store, region=_region(app_ctx), progress=advance)
    console.print(
        f"Search index rebuilt: {report.rows} rows from {report.runs} run(s) "
        f"in {time.perf_counter() - started:.1f} s."
    )


@index_app.command("status")
def index_status(ctx: typer.Context) -> None:
    """Rows in the index, runs indexed and runs waiting (administrators only)."""
    from nexus.search import KEYS_VERSION

    app_ctx = app_context(ctx)
    app_ctx.administrator()
    state = app_ctx.store.search_index_state(KEYS_VERSION)
    console.print(f"{state.rows} rows from {state.runs} run(s).")
    if state.outdated:
        console.print("Made with older key rules: the next update rebuilds it.")
    elif state.pending:
        runs = ", ".join(str(r) for r in state.pending[:10])
        more = "…" if len(state.pending) > 10 else ""
        console.print(f"{len(state.pending)} run(s) not indexed yet ({runs}{more}).")
    else:
        console.print("Up to date.")
