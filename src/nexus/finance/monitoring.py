"""Transaction monitoring of the store: the Payments a viewer may see, scanned by the typology
detectors and raised into the viewer's agency's alert queue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from nexus.files import atomic_binary
from nexus.finance.alerts import RaiseReport, raise_alerts
from nexus.finance.findings import Finding
from nexus.finance.sql import RowError, open_engine
from nexus.finance.transactions import payments_from_store
from nexus.finance.typologies import scan
from nexus.policy import AccessLayer, Viewer
from nexus.settings import TypologySettings
from nexus.store import utc_now


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
    # Set when nothing the scan reads had changed since the scan of this time: nothing was
    # scanned again and that scan's alerts stand.
    unchanged_since: str | None = None


def monitor_store(
    access: AccessLayer,
    viewer: Viewer,
    settings: TypologySettings | None = None,
    *,
    backend: str = "duckdb",
    threads: int | None = None,
    columnar: Path | None = None,
    alerts: bool = True,
    rescan: bool = False,
    progress: Callable[[str], None] | None = None,
) -> MonitoringReport:
    """Scan every Payment the viewer sees and (unless `alerts` is false) raise the findings in
    their agency's queue; a later scan updates those alerts instead of adding new ones, since an
    alert's key is its typology and the accounts at its core. `columnar` keeps the scanned
    payments as Parquet, beside a watermark that lets the next scan with nothing new (and
    `rescan` false) return at once."""
    settings = settings or access.settings.typologies
    reader = access.reader(viewer)
    key = _scan_key(reader.statements_version(), settings, alerts)
    mark = None if columnar is None else columnar.with_suffix(".scanned.json")
    earlier = None if rescan else _watermark(mark, key)
    if earlier is not None and columnar is not None and columnar.exists():
        return MonitoringReport(
            viewer.name, int(earlier["payments"]), int(earlier["duplicates"]), [], [],
            columnar=columnar, unchanged_since=str(earlier["at"]),
        )  # fmt: skip
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
    if mark is not None:
        _mark(mark, key, report)
    return report


def _scan_key(version: str, settings: TypologySettings, alerts: bool) -> str:
    """What a scan's result depends on: the statements seen, the detectors' settings, and
    whether it raised alerts."""
    body = f"{version}|{settings.model_dump_json()}|{alerts}".encode()
    return hashlib.sha256(body).hexdigest()


def _watermark(path: Path | None, key: str) -> dict[str, Any] | None:
    if path is None or not path.exists():
        return None
    try:
        data = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        return None  # a damaged watermark only costs a full scan
    return data if isinstance(data, dict) and data.get("key") == key else None


def _mark(path: Path, key: str, report: MonitoringReport) -> None:
    record = {
        "key": key,
        "at": utc_now(),
        "payments": report.payments,
        "duplicates": report.duplicates,
    }
    with atomic_binary(path) as out:
        out.write(orjson.dumps(record))
