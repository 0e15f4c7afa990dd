"""Checks the tamper-evident audit log: every entry must hash to its stored hash and chain on.

Entries are appended by the access layer; this module only verifies and summarises them.
"""

from __future__ import annotations

from dataclasses import dataclass

from nexus.store import StatementStore, audit_hash

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditVerdict:
    entries: int
    intact: bool
    first_broken: int | None = None
    problem: str | None = None


def verify_audit(store: StatementStore) -> AuditVerdict:
    """Walk the chain from the first entry; report the first entry that was altered or removed."""
    prev = GENESIS
    count = 0
    for entry in store.audit_entries():
        count += 1
        if entry.prev_hash != prev:
            return AuditVerdict(count, False, entry.id, "does not chain onto the entry before it")
        expected = audit_hash(entry.prev_hash, entry.at, entry.actor, entry.action, entry.detail)
        if expected != entry.hash:
            return AuditVerdict(count, False, entry.id, "its content no longer matches its hash")
        prev = entry.hash
    return AuditVerdict(count, True)
