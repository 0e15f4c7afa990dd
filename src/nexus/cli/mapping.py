"""`nexus mapping check FILE...`: validate mapping files without loading them or opening a store.

Registered on the main app by nexus.cli.app; reads only the settings from the context.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from nexus.cli.common import app_context, console, errors
from nexus.exceptions import NexusError

if TYPE_CHECKING:
    from nexus.ingest.mapping import MappingPlan

mapping_app = typer.Typer(no_args_is_help=True, help="Check mapping files before an ingest.")


def register(app: typer.Typer) -> None:
    app.add_typer(mapping_app, name="mapping")


def summary(plan: MappingPlan) -> str:
    """One line: what the mapping defines and whether the files it reads are there."""
    datasets = {q.provenance.dataset for q in plan.queries}
    entities = sum(len(q.entities) for q in plan.queries)
    files = [f for q in plan.queries for f in q.files]
    found = sum(1 for f in files if f.exists())
    return (
        f"ok: {len(datasets)} datasets, {len(plan.queries)} queries, {entities} entities, "
        f"files {found} found/{len(files) - found} missing"
    )


@mapping_app.command("check")
def check(
    ctx: typer.Context,
    files: Annotated[list[Path], typer.Argument(help="Mapping files to validate.")],
) -> None:
    """Validate mapping files (keys, markings, schemas, properties) without loading anything."""
    from nexus.ingest.mapping import load_mapping

    settings = app_context(ctx).settings  # never .store: checking must not open or create one
    failed = False
    for path in files:
        try:
            plan = load_mapping(path, settings)
        except NexusError as exc:
            # One line per bad file, and the others are still checked: fix them all in one go.
            errors.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
            failed = True
            continue
        console.print(f"{escape(str(path))}: {summary(plan)}", soft_wrap=True)
    if failed:
        raise typer.Exit(2)
