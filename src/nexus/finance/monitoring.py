"""Transaction monitoring of the store: the Payments a viewer may see, scanned by the typology
detectors and raised into the viewer's agency's alert queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nexus.finance.alerts import RaiseReport, raise_alerts
from nexus.finance.findings import Finding
from nexus.finance.sql import RowError, open_engine
from nexus.finance.transactions import payments_from_store
from nexus.finance.typologies import scan
from nexus.policy import AccessLayer, Viewer
from nexus.settings import TypologySettings


@dataclass
class MonitoringReport:
    """What one scan of the store read, set aside, found and raised."""

    viewer: str
    payments: int  # scanned, each transfer once
    duplicates: int  # the same transfer reported by two banks or a bank and goAML
    skipped: list[RowError]  # Payments without date, amount or sides, and rows the engine refused
    findings: list[Finding]
    alerts: RaiseReport | None = None
    columnar: Path | None = None


def monitor_store(
    access: AccessLayer,
    viewer: Viewer,
    settings: TypologySettings | None = None,
    *,
    backend: str = "duckdb",
    threads: int | None = None,
    columnar: Path | None = None,
    alerts: bool = True,
    progress: Callable[[str], None] | None = None,
) -> MonitoringReport:
    """Scan every Payment the viewer sees and (unless `alerts` is false) raise the findings in
    their agency's queue; a later scan updates those alerts instead of adding new ones, since an
    alert's key is its typology and the accounts at its core. `columnar` keeps the scanned
    payments as Parquet."""
    settings = settings or access.settings.typologies
    reader = access.reader(viewer)
    if progress:
        progress("reading payments")
    payments = payments_from_store(reader, settings)
    with open_engine(backend, threads=threads) as engine:
        loaded = engine.load_arrow(payments.table, settings)
        if columnar is not None:
            engine.write_parquet(columnar)
        findings = scan(engine, settings, payments.entity_of, progress)
    report = MonitoringReport(
        viewer.name,
        loaded.rows_loaded,
        payments.duplicates,
        [*payments.skipped, *loaded.errors],
        findings,
        columnar=columnar,
    )
    if alerts and report.findings:
        if progress:
            progress("raising alerts")
        report.alerts = raise_alerts(access, viewer, report.findings)
    return report
