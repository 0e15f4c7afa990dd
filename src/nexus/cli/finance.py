"""Financial intelligence commands: transaction scanning, screening and the alert queue.

Registered on the main app by nexus.cli.app.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from nexus.cli.common import AsUser, app_context, console, errors
from nexus.files import atomic_text

if TYPE_CHECKING:  # the finance stage (DuckDB, pyarrow) loads when a finance command runs
    from nexus.finance.findings import Finding
    from nexus.finance.sql import LoadReport, RowError

finance_app = typer.Typer(no_args_is_help=True, help="Money: typology scans of stored payments.")
SHOWN_ERRORS = 20

Threads = Annotated[
    int | None, typer.Option(help="Cores for the SQL engine (default: all).", min=1)
]
Backend = Annotated[str, typer.Option(help="SQL engine: duckdb (in process) or spark.")]


def _atomic_text(path: Path) -> AbstractContextManager[IO[str]]:
    path.parent.mkdir(parents=True, exist_ok=True)
    return atomic_text(path)


def _report_rejects(source: str, errors_: list[RowError], rejects: Path | None) -> None:
    for error in errors_[:SHOWN_ERRORS]:
        value = f" ({error.value!r})" if error.value else ""
        where = f", field {error.field}" if error.field else ""
        errors.print(f"{source}, line {error.line}{where}: {error.reason}{value}")
    more = len(errors_) - SHOWN_ERRORS
    if more > 0:
        errors.print(f"… and {more} more")
    if rejects is not None:
        from nexus.finance.transactions import write_rejects

        with _atomic_text(rejects) as fh:
            write_rejects(errors_, fh)
        errors.print(f"{len(errors_)} row(s) set aside in {rejects}")


def _summary(findings: list[Finding], report: LoadReport, seconds: float) -> Table:
    table = Table("typology", "alerts", "transactions", title="Typology alerts")
    kinds: dict[str, list[Finding]] = {}
    for finding in findings:
        kinds.setdefault(finding.kind, []).append(finding)
    for kind, found in sorted(kinds.items()):
        table.add_row(kind, str(len(found)), str(sum(len(f.transactions) for f in found)))
    table.caption = (
        f"{report.rows_loaded:,} transactions scanned in {seconds:.1f} s; "
        f"{len(report.errors)} row(s) set aside"
    )
    return table


def register(app: typer.Typer) -> None:
    """Add the finance commands to the main app."""
    app.add_typer(finance_app, name="finance")

    @app.command("scan-transactions")
    def scan_transactions(
        ctx: typer.Context,
        transactions: Annotated[
            Path,
            typer.Argument(
                help="CSV: id,timestamp,payer_account,beneficiary_account,amount,currency,"
                "channel,payer_country,beneficiary_country,branch."
            ),
        ],
        output: Annotated[
            Path, typer.Option("-o", "--output", help="Where to write the alerts CSV.")
        ],
        rejects: Annotated[
            Path | None,
            typer.Option(help="Where to set bad rows aside (default: OUTPUT.rejects.csv)."),
        ] = None,
        parquet: Annotated[
            Path | None, typer.Option(help="Also keep the scanned rows as Parquet here.")
        ] = None,
        threads: Threads = None,
        backend: Backend = "duckdb",
        allow_rejects: Annotated[
            bool, typer.Option(help="Exit 0 even when rows were set aside.")
        ] = False,
    ) -> None:
        """Scan a bank's transaction extract for laundering typologies (stand-alone; nothing is
        stored). Bad rows are reported by line and field and set aside; the rest are scanned."""
        import time

        from nexus.finance.sql import open_engine
        from nexus.finance.typologies import scan, write_alerts

        settings = app_context(ctx).settings.typologies
        started = time.perf_counter()
        with open_engine(backend, threads=threads) as engine:
            with errors.status("reading transactions"):
                report = engine.load_csv(transactions, settings)
            if report.errors:
                target = rejects or output.with_name(f"{output.stem}.rejects.csv")
                _report_rejects(str(transactions), report.errors, target)
            if parquet is not None:
                engine.write_parquet(parquet)
            with errors.status("scanning") as status:
                findings = scan(engine, settings, progress=lambda n: status.update(n))
        with _atomic_text(output) as fh:
            write_alerts(findings, fh)
        console.print(_summary(findings, report, time.perf_counter() - started))
        console.print(f"{len(findings)} alert(s) written to {output}")
        if report.errors and not allow_rejects:
            raise typer.Exit(code=1)

    @finance_app.command("scan")
    def finance_scan(
        ctx: typer.Context,
        as_user: AsUser = None,
        output: Annotated[
            Path | None, typer.Option("-o", "--output", help="Also write the alerts CSV here.")
        ] = None,
        limit: Annotated[int, typer.Option(help="Alerts to show.")] = 20,
        threads: Threads = None,
        backend: Backend = "duckdb",
        alerts: Annotated[
            bool, typer.Option(help="Raise the findings in the agency's alert queue.")
        ] = True,
        rescan: Annotated[
            bool,
            typer.Option(
                "--rescan", help="Scan even if nothing changed since the last scan (-o implies it)."
            ),
        ] = False,
    ) -> None:
        """Scan the Payments the viewer may see in the store for laundering typologies and raise
        what is found in their agency's alert queue (a later scan updates those alerts); keeps
        the payments as Parquet in the home folder (one file per viewer)."""
        from nexus.finance.monitoring import monitor_store
        from nexus.finance.typologies import alert_id, write_alerts

        app_ctx = app_context(ctx)
        viewer = app_ctx.viewer(as_user)
        columnar = app_ctx.settings.home / "columnar" / f"payments-{viewer.name}.parquet"
        with errors.status("scanning") as status:
            report = monitor_store(
                app_ctx.access,
                viewer,
                backend=backend,
                threads=threads,
                columnar=columnar,
                alerts=alerts,
                rescan=rescan or output is not None,  # the CSV needs the findings themselves
                progress=lambda n: status.update(n),
            )
        if report.unchanged_since is not None:
            console.print(
                f"Nothing new since the scan of {report.unchanged_since}: none of the "
                f"{report.payments:,} payments you see changed, so its alerts stand "
                f"(`nexus alerts list --as {viewer.name}`)."
            )
            return
        if report.skipped:
            _report_rejects("payments", report.skipped, None)
        findings = report.findings
        if output is not None:
            with _atomic_text(output) as fh:
                write_alerts(findings, fh)
        table = Table("alert", "score", "transactions", "reasons", title=f"{len(findings)} alerts")
        for finding in findings[:limit]:
            table.add_row(
                alert_id(finding),
                f"{finding.score:.2f}",
                str(len(finding.transactions)),
                "\n".join(finding.reasons),
            )
        console.print(table)
        console.print(
            f"{report.payments:,} payments scanned ({report.duplicates} reported by both "
            f"banks counted once); Parquet copy in {columnar}"
        )
        if report.alerts is not None:
            console.print(
                f"Alerts of {viewer.agency}: {report.alerts.summary()} "
                f"(`nexus alerts list --as {viewer.name}`)."
            )
