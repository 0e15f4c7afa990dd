"""Records that cross the store boundary: markings, statements, runs, quarantine, users, audit.

They carry no behaviour beyond conversion, so every backend and every stage can share them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from followthemoney import Statement

#: FtM's pseudo-property that records an entity's existence and schema.
ID_PROP = "id"  # FtM's BASE_ID; spelled out so that opening a store does not load FtM


def utc_now() -> str:
    """Timestamps are ISO-8601 UTC strings to the second, as FtM statements write them."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def caveat_text(caveats: frozenset[str]) -> str:
    """The stored form of a caveat set: sorted, space separated (markings never contain spaces)."""
    return " ".join(sorted(caveats))


def parse_caveats(text: str | None) -> frozenset[str]:
    return frozenset(text.split()) if text else frozenset()


@dataclass(frozen=True, slots=True)
class Marking:
    """Who originated a statement and how it is protected; stored once, referenced by id."""

    agency: str
    classification: str
    caveats: frozenset[str] = frozenset()

    def label(self) -> str:
        parts = [self.classification, *sorted(self.caveats)]
        return f"{' // '.join(parts)} ({self.agency})"


@dataclass(frozen=True, slots=True)
class Provenance:
    """Where a batch of statements comes from: the agency's collection and its marking."""

    dataset: str
    agency: str
    classification: str
    caveats: frozenset[str] = frozenset()

    @property
    def marking(self) -> Marking:
        return Marking(self.agency, self.classification, self.caveats)


@dataclass(frozen=True, slots=True)
class NewStatement:
    """One property value about to be written; its id follows FtM's statement key."""

    entity_id: str
    schema: str
    prop: str
    prop_type: str
    value: str
    dataset: str
    origin: str
    marking: Marking
    original_value: str | None = None
    lang: str | None = None

    @property
    def id(self) -> str:
        from followthemoney import Statement  # FtM loads only where statements are made

        key = Statement.make_key(
            self.dataset, self.entity_id, self.prop, self.value, False, self.lang
        )
        assert key is not None  # prop and value are never None here
        return key


@dataclass(frozen=True, slots=True)
class StoredStatement:
    """A statement as read back: provenance, marking and the canonical id resolution gave it."""

    id: str
    entity_id: str
    canonical_id: str
    schema: str
    prop: str
    prop_type: str
    value: str
    original_value: str | None
    lang: str | None
    dataset: str
    origin: str
    marking: Marking
    first_seen: str
    last_seen: str
    run_id: int | None
    marking_id: int = 0

    def to_ftm(self) -> Statement:
        from followthemoney import Statement

        return Statement(
            id=self.id,
            entity_id=self.entity_id,
            canonical_id=self.canonical_id,
            prop=self.prop,
            schema=self.schema,
            value=self.value,
            dataset=self.dataset,
            lang=self.lang,
            original_value=self.original_value,
            first_seen=self.first_seen,
            last_seen=self.last_seen,
            origin=self.origin,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "entity_id": self.entity_id,
            "canonical_id": self.canonical_id,
            "schema": self.schema,
            "prop": self.prop,
            "prop_type": self.prop_type,
            "value": self.value,
            "original_value": self.original_value,
            "lang": self.lang,
            "dataset": self.dataset,
            "origin": self.origin,
            "agency": self.marking.agency,
            "classification": self.marking.classification,
            "caveats": sorted(self.marking.caveats),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
        }


@dataclass(frozen=True, slots=True)
class Rejection:
    """A source row that could not be loaded, and why; kept in quarantine."""

    dataset: str
    source: str
    row: int | None
    field: str | None
    reason: str
    record: dict[str, Any]
    marking: Marking


@dataclass(frozen=True, slots=True)
class QuarantineRecord:
    id: int
    run_id: int
    dataset: str
    source: str
    row: int | None
    field: str | None
    reason: str
    record: dict[str, Any]
    marking: Marking
    created_at: str


@dataclass(slots=True)
class RunRecord:
    """One ingestion run: what was loaded, by whom, from which process, and how it ended
    ("running", "committed", "failed", or "interrupted" when its process died unfinished)."""

    id: int
    user: str
    source: str
    started_at: str
    status: str = "running"
    finished_at: str | None = None
    statements: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    error: str | None = None
    host: str | None = None
    pid: int | None = None


@dataclass(frozen=True, slots=True)
class UserRecord:
    """A named viewer: agency, clearance, compartments held, partner organisation if any."""

    name: str
    agency: str
    clearance: str
    compartments: frozenset[str] = frozenset()
    partner: str | None = None
    roles: frozenset[str] = frozenset()


# -- signing in: secrets are kept only as hashes (argon2 for passwords, SHA-256 for tokens) -----
@dataclass(frozen=True, slots=True)
class CredentialRecord:
    """A user's password hash, when it was set, and their consecutive failed sign-ins."""

    name: str
    password_hash: str
    changed_at: str
    failed: int = 0
    locked_until: str | None = None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A browser session, found by the SHA-256 of its token; `expires_at` is its absolute end."""

    token_hash: str
    user: str
    csrf: str
    created_at: str
    last_seen: str
    expires_at: str
    ended_at: str | None = None
    client: str = ""


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """An API token as it may be listed: whose, what for, who made it, when last used."""

    id: int
    user: str
    label: str
    created_by: str
    created_at: str
    last_used: str | None = None
    revoked_at: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: str
    actor: str
    action: str
    detail: dict[str, Any] = field(default_factory=dict)
    prev_hash: str = ""
    hash: str = ""


@dataclass(frozen=True, slots=True)
class Scope:
    """The marking ids a viewer may see. Only the policy layer (nexus.policy) builds one."""

    marking_ids: frozenset[int]
    viewer: str

    @property
    def key(self) -> str:
        """Viewers who may see the same markings share one materialised set of canonical ids."""
        text = " ".join(str(i) for i in sorted(self.marking_ids))
        return hashlib.sha1(text.encode("ascii")).hexdigest()

    def allows(self, evidence: frozenset[int]) -> bool:
        return evidence <= self.marking_ids


def evidence_text(marking_ids: Iterable[int]) -> str:
    return " ".join(str(i) for i in sorted(set(marking_ids)))


def parse_evidence(text: str) -> frozenset[int]:
    return frozenset(int(part) for part in text.split()) if text else frozenset()


@dataclass(frozen=True, slots=True)
class SharedRun:
    """What lets a resolution run be shared: the version of the statements it scored, the
    matchers' settings, and its counts per kind of record."""

    input_version: str
    config: str
    kinds: dict[str, dict[str, int]]


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """A scored pair from automatic resolution, with the markings of what it was scored on."""

    left_id: str
    right_id: str
    probability: float
    verdict: str  # match | review | no_match
    evidence: frozenset[int]
    explanation: tuple[dict[str, Any], ...] = ()
    run: str = ""
    created_at: str = ""


@dataclass(frozen=True, slots=True)
class JudgementRecord:
    """An analyst's decision on a pair; the latest for a pair wins and automatic runs never
    overwrite it."""

    left_id: str
    right_id: str
    verdict: str  # same | not_same | unsure
    user: str
    evidence: frozenset[int]
    at: str = ""
    note: str | None = None
    id: int = 0


# -- alerts and screening ---------------------------------------------------------------------
ALERT_STATUSES = ("new", "under_review", "escalated", "closed")


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """One step in an alert's life: raised, updated by a later run, reopened, a status change
    (with the analyst's note or closing reason), or a dissemination to another agency."""

    action: str  # raised | updated | reopened | status | disseminated | delisted
    user: str
    status: str  # the alert's status after this step
    note: str | None = None
    agency: str | None = None  # dissemination: the recipient agency
    at: str = ""
    alert_id: int = 0
    id: int = 0


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """A finding in the alert queue, with the markings of the statements it rests on.

    `key` names what the alert is about (the detector's identity for it, and the owning agency),
    so a later run updates the alert instead of raising it twice; `agency` owns the alert and
    `shared_with` lists the agencies it was disseminated to.
    """

    key: str
    kind: str
    score: float
    reasons: tuple[str, ...]
    evidence: frozenset[int]
    agency: str
    created_by: str
    status: str = "new"
    transactions: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    shared_with: frozenset[str] = frozenset()
    created_at: str = ""
    updated_at: str = ""
    history: tuple[AlertEvent, ...] = ()
    id: int = 0


@dataclass(frozen=True, slots=True)
class ScreeningRun:
    """One screening run of a viewer: when, and what it compared and found."""

    user: str
    started_at: str
    finished_at: str
    counts: dict[str, int] = field(default_factory=dict)
    full: bool = True
    id: int = 0
