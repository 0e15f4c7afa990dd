"""Rich renderings of entities, statements, quarantine and ingest reports for the terminal."""

from __future__ import annotations

from collections.abc import Sequence

from followthemoney import StatementEntity
from rich.console import Console
from rich.table import Table

from nexus.ingest import IngestReport
from nexus.store import ID_PROP, QuarantineRecord, StoredStatement


def entity_panel(
    console: Console,
    entity: StatementEntity,
    statements: Sequence[StoredStatement],
    referencing: Sequence[StatementEntity],
) -> None:
    console.print(f"[bold]{entity.caption}[/bold]  [dim]{entity.schema.label} · {entity.id}[/dim]")
    table = Table("property", "value", "source", "marking", "seen", box=None, pad_edge=False)
    for stmt in sorted(statements, key=lambda s: (s.prop, s.value, s.dataset)):
        if stmt.prop == ID_PROP:
            continue
        prop = entity.schema.get(stmt.prop)
        label = prop.label if prop is not None else stmt.prop
        value = stmt.value
        if stmt.original_value:
            value = f"{value} [dim](as written: {stmt.original_value})[/dim]"
        table.add_row(
            label,
            value,
            f"{stmt.dataset} · {stmt.origin}",
            stmt.marking.label(),
            f"{stmt.first_seen[:10]}…{stmt.last_seen[:10]}",
        )
    console.print(table)
    if referencing:
        console.print("\n[bold]Linked from[/bold]")
        for other in referencing:
            console.print(f"  {other.schema.label}: {other.caption}  [dim]{other.id}[/dim]")


def quarantine_table(records: Sequence[QuarantineRecord], total: int) -> Table:
    table = Table("run", "file", "row", "field", "reason", title=f"Quarantine ({total} rows)")
    for rec in records:
        table.add_row(str(rec.run_id), rec.source, str(rec.row or ""), rec.field or "", rec.reason)
    return table


def ingest_table(report: IngestReport) -> Table:
    table = Table(
        "file", "dataset", "rows loaded", "quarantined", "statements", title=f"Run {report.run_id}"
    )
    for src in report.sources:
        table.add_row(
            src.source,
            src.dataset,
            str(src.rows_loaded),
            str(src.rows_quarantined),
            str(src.statements),
        )
    table.add_row(
        "[bold]total[/bold]",
        "",
        str(report.rows_loaded),
        str(report.rows_quarantined),
        str(report.statements),
    )
    return table
