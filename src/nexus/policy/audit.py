"""Checks the tamper-evident audit log: every entry must hash to its stored hash and chain on,
and the chain must still reach the last head checkpointed outside it (truncation shows).

Entries are appended by the access layer; this module verifies them and keeps the checkpoint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import orjson

from nexus.exceptions import NexusError
from nexus.files import atomic_text
from nexus.store import StatementStore, audit_hash
from nexus.store.locking import write_lock

GENESIS = "0" * 64
CHECKPOINT_FILE = "audit-head.json"
_HEAD = re.compile(r"^(?P<entry>\d+):(?P<hash>[0-9a-f]{64})$")


@dataclass(frozen=True, slots=True)
class AuditHead:
    """The newest entry of the chain at some moment: its id, hash and time."""

    entry: int
    hash: str
    at: str = ""

    @property
    def line(self) -> str:
        """The form an operator keeps elsewhere and gives back to `nexus audit verify --head`."""
        return f"{self.entry}:{self.hash}"

    @classmethod
    def parse(cls, text: str) -> AuditHead:
        found = _HEAD.match(text.strip())
        if found is None:
            raise NexusError(
                f"audit head {text!r} is not ENTRY:SHA256 as `nexus audit head` prints it"
            )
        return cls(int(found["entry"]), found["hash"])


@dataclass(frozen=True, slots=True)
class AuditVerdict:
    entries: int
    intact: bool
    first_broken: int | None = None
    problem: str | None = None
    checked_head: AuditHead | None = None


def audit_head(store: StatementStore) -> AuditHead | None:
    """The chain's newest entry now, or None for an empty chain."""
    entry = store.audit_head()
    return None if entry is None else AuditHead(entry.id, entry.hash, entry.at)


def checkpoint_path(home: Path) -> Path:
    return home / CHECKPOINT_FILE


def read_checkpoint(path: Path) -> AuditHead | None:
    """The head last checkpointed at `path`, or None when there is none."""
    try:
        data = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as exc:
        raise NexusError(f"{path}: not an audit checkpoint ({exc})") from exc
    try:
        return AuditHead(int(data["entry"]), str(data["hash"]), str(data.get("at", "")))
    except (KeyError, TypeError, ValueError) as exc:
        raise NexusError(f"{path}: not an audit checkpoint (no entry and hash)") from exc


def write_checkpoint(store: StatementStore, path: Path) -> AuditHead | None:
    """Record the chain's head at `path` (atomically), unless the file already holds a newer
    one (commands ending in any order never move the checkpoint back) or one the chain no longer
    holds (the evidence of a cut is kept until someone verifies and deals with it)."""
    with write_lock(str(path)):
        head = audit_head(store)
        kept = read_checkpoint(path)
        if head is None or (kept is not None and kept.entry >= head.entry):
            return kept
        if kept is not None and not _holds(store, kept):
            return kept
        with atomic_text(path) as out:
            record = {"entry": head.entry, "hash": head.hash, "at": head.at}
            out.write(orjson.dumps(record).decode())
        return head


def _holds(store: StatementStore, head: AuditHead) -> bool:
    found = list(store.audit_entries(after_id=head.entry - 1, limit=1))
    return bool(found) and found[0].id == head.entry and found[0].hash == head.hash


def verify_audit(store: StatementStore, head: AuditHead | None = None) -> AuditVerdict:
    """Walk the chain from the first entry; report the first entry that was altered or removed,
    and (given a `head` kept outside the chain) whether the chain still holds that entry."""
    prev = GENESIS
    count = 0
    last = 0
    reached = head is None
    for entry in store.audit_entries():
        count += 1
        if entry.prev_hash != prev:
            return AuditVerdict(count, False, entry.id, "does not chain onto the entry before it")
        expected = audit_hash(entry.prev_hash, entry.at, entry.actor, entry.action, entry.detail)
        if expected != entry.hash:
            return AuditVerdict(count, False, entry.id, "its content no longer matches its hash")
        if head is not None and entry.id == head.entry:
            if entry.hash != head.hash:
                problem = (
                    f"it is not the entry checkpointed as the head{_when(head)}: entries were "
                    "removed from the end and others appended, or the chain was rewritten"
                )
                return AuditVerdict(count, False, entry.id, problem, head)
            reached = True
        prev = entry.hash
        last = entry.id
    if not reached:
        assert head is not None
        problem = (
            f"the chain ends at entry {last}, but entry {head.entry} was its head"
            f"{_when(head)}: entries were removed from its end"
        )
        return AuditVerdict(count, False, last + 1, problem, head)
    return AuditVerdict(count, True, checked_head=head)


def _when(head: AuditHead) -> str:
    return f" at {head.at}" if head.at else ""
