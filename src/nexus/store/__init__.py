"""The statement store: every property value with its provenance and marking.

`open_store(url)` gives a `StatementStore`; reads take a `Scope` built by `nexus.policy`.
"""

from nexus.store.base import StatementStore, StoreWriter
from nexus.store.records import (
    ALERT_STATUSES,
    ID_PROP,
    AlertEvent,
    AlertRecord,
    AuditEntry,
    JudgementRecord,
    LinkRecord,
    Marking,
    NewStatement,
    Provenance,
    QuarantineRecord,
    Rejection,
    RunRecord,
    Scope,
    ScreeningRun,
    SharedRun,
    StoredStatement,
    UserRecord,
    utc_now,
)
from nexus.store.sql import SQLStore, audit_hash, open_store

__all__ = [
    "ALERT_STATUSES",
    "ID_PROP",
    "AlertEvent",
    "AlertRecord",
    "AuditEntry",
    "JudgementRecord",
    "LinkRecord",
    "Marking",
    "NewStatement",
    "Provenance",
    "QuarantineRecord",
    "Rejection",
    "RunRecord",
    "SQLStore",
    "Scope",
    "ScreeningRun",
    "SharedRun",
    "StatementStore",
    "StoreWriter",
    "StoredStatement",
    "UserRecord",
    "audit_hash",
    "open_store",
    "utc_now",
]
