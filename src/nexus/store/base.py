"""The statement store's contract: one small interface every backend implements.

Reads take a `Scope` (the marking ids a viewer may see) and are meant to be called only from
`nexus.policy`; writes go through a transactional `StoreWriter` per ingestion run.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any

from nexus.store.records import (
    AlertEvent,
    AlertRecord,
    AuditEntry,
    CredentialRecord,
    JudgementRecord,
    LinkRecord,
    Marking,
    NewStatement,
    QuarantineRecord,
    Rejection,
    RunRecord,
    Scope,
    ScreeningRun,
    SessionRecord,
    SharedRun,
    StoredStatement,
    TokenRecord,
    UserRecord,
)
from nexus.store.search_records import (
    IndexRow,
    IndexSource,
    IndexState,
    SearchPage,
    SearchTerm,
)


class StoreWriter(ABC):
    """Adds one run's statements and rejections inside a single transaction."""

    run: RunRecord

    @abstractmethod
    def add(self, statements: Iterable[NewStatement]) -> int:
        """Upsert statements; a statement already stored only gets its last-seen time and marking
        refreshed. Returns how many were written."""

    @abstractmethod
    def reject(self, rejections: Iterable[Rejection]) -> int:
        """Keep rejected source rows in quarantine with their reason."""


class StatementStore(ABC):
    """Statements with provenance, plus the small tables that give them meaning."""

    backend: str

    # -- lifecycle -----------------------------------------------------------------------------
    @abstractmethod
    def migrate(self) -> None:
        """Bring the schema to the newest migration."""

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def size_on_disk(self) -> int:
        """Bytes the store occupies (database file, or relation sizes on a server)."""

    # -- writing -------------------------------------------------------------------------------
    @abstractmethod
    def writer(self, user: str, source: str) -> AbstractContextManager[StoreWriter]:
        """A writer for one run: commits on a clean exit; on error rolls back every change and
        records the run as failed."""

    # -- markings ------------------------------------------------------------------------------
    @abstractmethod
    def markings(self) -> dict[int, Marking]:
        """Every distinct marking in use, by id (small: one per agency/level/caveat set)."""

    # -- scoped reads (nexus.policy only) ------------------------------------------------------
    @abstractmethod
    def iter_statements(
        self,
        scope: Scope,
        *,
        canonical_ids: Collection[str] | None = None,
        datasets: Collection[str] | None = None,
        schemata: Collection[str] | None = None,
    ) -> Iterator[StoredStatement]:
        """Visible statements, ordered by canonical id, optionally of some entities only."""

    @abstractmethod
    def entity_ids(
        self,
        scope: Scope,
        *,
        schemata: Collection[str] | None = None,
        datasets: Collection[str] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[str]:
        """Canonical ids of entities with at least one visible statement, sorted."""

    @abstractmethod
    def count_entities(
        self,
        scope: Scope,
        *,
        schemata: Collection[str] | None = None,
        datasets: Collection[str] | None = None,
    ) -> int: ...

    @abstractmethod
    def count_statements(self, scope: Scope, *, datasets: Collection[str] | None = None) -> int: ...

    @abstractmethod
    def referencing_ids(self, scope: Scope, canonical_ids: Collection[str]) -> list[str]:
        """Canonical ids of entities whose visible entity-typed statements point at these ids."""

    @abstractmethod
    def datasets(self, scope: Scope) -> dict[str, int]:
        """Visible statement counts per dataset."""

    @abstractmethod
    def dataset_markings(self, scope: Scope) -> dict[str, dict[int, int]]:
        """Visible statement counts per dataset and marking id."""

    @abstractmethod
    def data_version(self, scope: Scope) -> str:
        """A key that changes whenever a statement, link or judgement the scope may see changes
        (not when only load times move): what analyses cache on."""

    @abstractmethod
    def quarantine(
        self, scope: Scope, *, run_id: int | None = None, limit: int = 100, offset: int = 0
    ) -> list[QuarantineRecord]: ...

    @abstractmethod
    def count_quarantine(self, scope: Scope, *, run_id: int | None = None) -> int: ...

    # -- resolution: links and judgements carry their evidence markings -----------------------
    @abstractmethod
    def add_links(self, links: Iterable[LinkRecord]) -> int:
        """Upsert automatic match links (one per pair and evidence)."""

    @abstractmethod
    def links(
        self,
        scope: Scope,
        *,
        verdicts: Collection[str] | None = None,
        entity_ids: Collection[str] | None = None,
    ) -> list[LinkRecord]:
        """Links whose evidence the scope may see."""

    @abstractmethod
    def add_judgement(self, judgement: JudgementRecord) -> JudgementRecord: ...

    @abstractmethod
    def judgements(self, scope: Scope, *, latest: bool = True) -> list[JudgementRecord]: ...

    @abstractmethod
    def visible_entity_ids(self, scope: Scope, entity_ids: Collection[str]) -> set[str]: ...

    @abstractmethod
    def canonical_of(self, scope: Scope, entity_ids: Collection[str]) -> dict[str, str]:
        """The canonical id resolution gives each source entity in the scope (itself if
        unresolved)."""

    @abstractmethod
    def add_resolution_run(
        self,
        user: str,
        started_at: str,
        counts: dict[str, int],
        scored: Collection[str],
        *,
        shared: SharedRun | None = None,
    ) -> None: ...

    @abstractmethod
    def statements_version(self, scope: Scope) -> str:
        """A version of the statements the scope sees: equal for scopes that see the same."""

    @abstractmethod
    def shared_resolution_run(
        self, input_version: str, config: str
    ) -> tuple[str, SharedRun] | None: ...

    @abstractmethod
    def copy_resolved_ids(self, from_user: str, to_user: str, scope: Scope) -> int: ...

    @abstractmethod
    def resolved_ids(self, user: str) -> set[str]: ...

    @abstractmethod
    def ensure_canonical(self, scope: Scope) -> None:
        """Materialise the scope's canonical ids from the links and judgements it may see."""

    # -- search index: keys per statement, written unscoped, searched within a scope ----------
    @abstractmethod
    def search_index_state(self, version: str) -> IndexState:
        """Rows, indexed runs, committed runs not indexed with keys of `version`, and whether
        any run was indexed with other keys."""

    @abstractmethod
    def index_statements(
        self,
        make_rows: Callable[[Sequence[IndexSource]], Iterable[IndexRow]],
        *,
        version: str,
        runs: Collection[int] | None = None,
        skip_types: Collection[str] = (),
        skip_props: Collection[tuple[str | None, str]] = (),
        progress: Callable[[int, int], None] | None = None,
    ) -> int:
        """Replace the index rows of the statements of these runs (`runs` None: rebuild the
        whole index) with what `make_rows` makes of them, in one transaction; record the runs
        as indexed with `version`. Statements of `skip_types` and of the (schema or None,
        property) pairs of `skip_props` are not read. Returns the rows written."""

    @abstractmethod
    def search(
        self,
        scope: Scope,
        terms: Sequence[SearchTerm],
        *,
        filters: Mapping[str, Collection[str]] | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> SearchPage:
        """Canonical entities whose visible index rows hold every term, best first, with facet
        counts; filters keep entities with a visible row of one of the values per facet."""

    # -- alerts: findings in a queue, each with the markings of its evidence -------------------
    @abstractmethod
    def save_alerts(self, items: Sequence[tuple[AlertRecord, AlertEvent]]) -> list[AlertRecord]:
        """Insert each alert (id 0) or update it (status, score, reasons, ids, details,
        evidence), and append its event to its history; all in one transaction."""

    def save_alert(self, alert: AlertRecord, event: AlertEvent) -> AlertRecord:
        return self.save_alerts([(alert, event)])[0]

    @abstractmethod
    def share_alert(self, alert_id: int, agency: str, event: AlertEvent) -> None:
        """Add a recipient agency (once) and the dissemination event, in one transaction."""

    @abstractmethod
    def alerts(
        self,
        scope: Scope,
        *,
        ids: Collection[int] | None = None,
        keys: Collection[str] | None = None,
        kinds: Collection[str] | None = None,
        statuses: Collection[str] | None = None,
        history: bool = False,
    ) -> list[AlertRecord]:
        """Alerts whose evidence the scope may see, highest score first (then newest); with
        `history`, each with its events in order."""

    # -- screening runs ------------------------------------------------------------------------
    @abstractmethod
    def screened(self, user: str) -> dict[str, str]:
        """The digest of every record and list entry this viewer's runs last screened."""

    @abstractmethod
    def add_screening_run(self, run: ScreeningRun, digests: Mapping[str, str]) -> ScreeningRun:
        """Record a run and the digests of what it screened (replacing older ones), atomically."""

    @abstractmethod
    def screening_runs(self, user: str, limit: int = 20) -> list[ScreeningRun]:
        """This viewer's runs, newest first."""

    # -- runs, users, audit --------------------------------------------------------------------
    @abstractmethod
    def runs(self, limit: int = 50) -> list[RunRecord]: ...

    @abstractmethod
    def get_run(self, run_id: int) -> RunRecord | None: ...

    @abstractmethod
    def put_user(self, user: UserRecord) -> None: ...

    @abstractmethod
    def get_user(self, name: str) -> UserRecord | None: ...

    @abstractmethod
    def users(self) -> list[UserRecord]: ...

    # -- signing in: password hashes, sessions and API tokens (tokens only as SHA-256) ---------
    @abstractmethod
    def put_password(self, name: str, password_hash: str, changed_at: str) -> None:
        """Set a user's password hash; clears their failed sign-ins and any lock."""

    @abstractmethod
    def get_credential(self, name: str) -> CredentialRecord | None: ...

    @abstractmethod
    def record_failed_sign_in(self, name: str) -> int:
        """Count one more consecutive failure, atomically; returns the new count (0 when the
        user has no password)."""

    @abstractmethod
    def clear_failed_sign_ins(self, name: str) -> None:
        """After a success: no failures counted and no lock."""

    @abstractmethod
    def lock_sign_in(self, name: str, until: str) -> None:
        """Refuse the user's sign-ins until then; failures are counted again from 0."""

    @abstractmethod
    def add_session(self, session: SessionRecord) -> None: ...

    @abstractmethod
    def get_session(self, token_hash: str) -> SessionRecord | None: ...

    @abstractmethod
    def touch_session(self, token_hash: str, at: str) -> None:
        """Record that an open session was used at `at`."""

    @abstractmethod
    def end_session(self, token_hash: str, at: str) -> bool:
        """End a session still open; returns whether there was one."""

    @abstractmethod
    def purge_sessions(self, before: str) -> int:
        """Delete sessions that ended, or expired, before `before`; returns how many."""

    @abstractmethod
    def end_sessions(self, user: str, at: str) -> int:
        """End every open session of a user; returns how many."""

    @abstractmethod
    def add_api_token(
        self, token_hash: str, user: str, label: str, created_by: str, created_at: str
    ) -> TokenRecord: ...

    @abstractmethod
    def api_tokens(self, user: str | None = None) -> list[TokenRecord]:
        """Every token (revoked ones too), oldest first; only one user's when named."""

    @abstractmethod
    def get_api_token(self, token_id: int) -> TokenRecord | None: ...

    @abstractmethod
    def api_token_by_hash(self, token_hash: str) -> TokenRecord | None: ...

    @abstractmethod
    def revoke_api_token(self, token_id: int, at: str) -> bool:
        """Revoke a token not yet revoked; returns whether it was."""

    @abstractmethod
    def touch_api_token(self, token_id: int, at: str) -> None:
        """Record that a token was used at `at`."""

    @abstractmethod
    def append_audit(self, actor: str, action: str, detail: dict[str, Any]) -> AuditEntry:
        """Append to the hash-chained audit log."""

    @abstractmethod
    def audit_entries(
        self, *, after_id: int = 0, limit: int | None = None
    ) -> Iterator[AuditEntry]: ...

    @abstractmethod
    def audit_head(self) -> AuditEntry | None:
        """The newest audit entry, if any."""
