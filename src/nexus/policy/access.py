"""The one access choke point: every read of statements names a viewer, is filtered, is audited.

Other stages get a `Reader` from `AccessLayer.reader(viewer)` and never touch the store's reads.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from functools import cache
from itertools import groupby
from typing import TYPE_CHECKING, Any

from nexus.exceptions import AccessDenied, NexusError, NotFound
from nexus.policy.rules import Viewer, denial_reasons, may_see
from nexus.settings import Settings
from nexus.store import (
    AlertRecord,
    JudgementRecord,
    LinkRecord,
    Marking,
    QuarantineRecord,
    RunRecord,
    Scope,
    SearchPage,
    SearchTerm,
    StatementStore,
    StoredStatement,
    UserRecord,
)

if TYPE_CHECKING:
    from followthemoney import StatementEntity
    from followthemoney.dataset import Dataset

# FtM and its model load on first use, not on import: commands that only count (status, help)
# start without them.


@cache
def nexus_dataset() -> Dataset:
    from followthemoney.dataset import Dataset

    return Dataset.make({"name": "nexus", "title": "Nexus"})


def schema_names(schema: str | None) -> set[str] | None:
    """A schema and every schema that extends it (asking for LegalEntity finds Persons too)."""
    if schema is None:
        return None
    from nexus.model import model

    found = model.get(schema)
    if found is None:
        raise NotFound(f"unknown schema {schema!r}")
    return {found.name, *(s.name for s in found.descendants)}


def assemble(statements: Iterable[StoredStatement]) -> StatementEntity:
    """One entity from the statements of one canonical id."""
    from followthemoney import StatementEntity
    from followthemoney.exc import InvalidData

    stmts = [stmt.to_ftm() for stmt in statements]
    try:
        return StatementEntity.from_statements(nexus_dataset(), stmts)
    except InvalidData as exc:
        raise NexusError(f"entity {stmts[0].canonical_id}: conflicting schemata: {exc}") from exc


def group_entities(statements: Iterable[StoredStatement]) -> Iterator[StatementEntity]:
    """Entities from a statement stream ordered by canonical id."""
    for _cid, group in groupby(statements, key=lambda s: s.canonical_id):
        yield assemble(group)


class AccessLayer:
    """Turns user names into viewers and viewers into audited, filtered readers."""

    def __init__(self, store: StatementStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    # -- viewers -------------------------------------------------------------------------------
    def viewer(self, name: str) -> Viewer:
        user = self.store.get_user(name)
        if user is None:
            raise AccessDenied(f"unknown user {name!r}: ask an administrator to add it")
        return Viewer.from_user(user)

    def act_as(self, admin: Viewer, name: str) -> Viewer:
        """An administrator acting as another user: audited now, and named in each entry after."""
        if not admin.is_admin:
            raise AccessDenied(
                f"only an administrator may act as another user; {admin.name} is not one"
            )
        user = self.viewer(name)
        self.store.append_audit(admin.name, "user.act_as", {"user": name})
        return Viewer.from_user(user, acting_admin=admin.name)

    def reader(self, viewer: Viewer | str) -> Reader:
        return Reader(self, viewer if isinstance(viewer, Viewer) else self.viewer(viewer))

    def scope(self, viewer: Viewer) -> Scope:
        visible = frozenset(
            marking_id
            for marking_id, marking in self.store.markings().items()
            if may_see(viewer, marking, self.settings)
        )
        scope = Scope(marking_ids=visible, viewer=viewer.name)
        # Canonical ids differ by scope: only links whose evidence the viewer may see count.
        self.store.ensure_canonical(scope)
        return scope

    # -- administration ------------------------------------------------------------------------
    def add_user(self, actor: Viewer | None, user: UserRecord) -> None:
        """Create or change a user; only an administrator may (or anyone on an empty install)."""
        if actor is None:
            if self.store.users():
                raise AccessDenied("users already exist: an administrator must add new ones")
        elif not actor.is_admin:
            raise AccessDenied(f"{actor.name} is not an administrator")
        self.settings.check_marking(user.clearance, frozenset())
        self.store.put_user(user)
        self.store.append_audit(
            actor.audit_name if actor else "(install)",
            "user.put",
            {
                "user": user.name,
                "agency": user.agency,
                "clearance": user.clearance,
                "compartments": sorted(user.compartments),
                "partner": user.partner,
                "roles": sorted(user.roles),
            },
        )

    def authorise_write(self, viewer: Viewer, marking: Marking) -> None:
        """A viewer loads data for their own agency (admins for any), no higher than they hold."""
        self.settings.check_marking(marking.classification, marking.caveats)
        if marking.agency != viewer.agency and not viewer.is_admin:
            raise AccessDenied(
                f"{viewer.name} ({viewer.agency}) may not load data on behalf of {marking.agency}"
            )
        ranks = self.settings.level_rank
        if ranks[marking.classification] > ranks.get(viewer.clearance, -1):
            raise AccessDenied(
                f"{viewer.name} is cleared to {viewer.clearance} and may not load "
                f"{marking.classification} data"
            )

    def adopt_resolution(self, viewer: Viewer, earlier_user: str) -> int:
        """Count what another viewer's run scored as scored for `viewer`, as far as `viewer`
        sees it (both saw the same statements); returns how many records were new to them."""
        if earlier_user == viewer.name:
            return 0
        return self.store.copy_resolved_ids(earlier_user, viewer.name, self.scope(viewer))

    def explain(self, viewer: Viewer, marking: Marking) -> list[str]:
        return denial_reasons(viewer, marking, self.settings)


class Reader:
    """Everything a viewer may read. Each call is filtered by the viewer's scope and audited."""

    def __init__(self, access: AccessLayer, viewer: Viewer) -> None:
        self.access = access
        self.store = access.store
        self.viewer = viewer

    def _scope(self, action: str, detail: dict[str, Any]) -> Scope:
        # The audit entry is written before the read, so a read that fails half-way is recorded.
        self.store.append_audit(self.viewer.audit_name, action, detail)
        return self.access.scope(self.viewer)

    # -- entities ------------------------------------------------------------------------------
    def statements(self, entity_id: str) -> list[StoredStatement]:
        scope = self._scope("entity.statements", {"id": entity_id})
        return list(self.store.iter_statements(scope, canonical_ids=[entity_id]))

    def entity(self, entity_id: str) -> StatementEntity:
        scope = self._scope("entity.get", {"id": entity_id})
        stmts = list(self.store.iter_statements(scope, canonical_ids=[entity_id]))
        if not stmts:
            # The same answer whether the entity does not exist or is not visible.
            raise NotFound(f"no entity {entity_id!r} is visible to {self.viewer.name}")
        return assemble(stmts)

    def lookup(self, entity_ids: Sequence[str]) -> dict[str, StatementEntity]:
        """The visible entities these ids (canonical or source ids) belong to, whole, read in one
        audited pass: each asked-for id maps to its entity; ids not visible are left out."""
        found = self.statements_of(entity_ids)
        entities: dict[str, StatementEntity] = {}
        for stmts in found.values():
            cid = stmts[0].canonical_id
            if cid not in entities:
                entities[cid] = assemble(stmts)
        return {i: entities[stmts[0].canonical_id] for i, stmts in found.items()}

    def statements_of(self, entity_ids: Sequence[str]) -> dict[str, list[StoredStatement]]:
        """The visible statements of the entities these ids (canonical or source ids) belong
        to, read in one audited pass; ids not visible are left out."""
        scope = self._scope("entity.lookup", {"ids": sorted(set(entity_ids))})
        canonical_of = {
            s.entity_id: s.canonical_id
            for s in self.store.iter_statements(scope, canonical_ids=list(entity_ids))
        }
        wanted = sorted(set(canonical_of.values()))
        canonical_of.update({c: c for c in wanted})
        grouped = {
            cid: list(group)
            for cid, group in groupby(
                self.store.iter_statements(scope, canonical_ids=wanted),
                key=lambda s: s.canonical_id,
            )
        }
        return {i: grouped[canonical_of[i]] for i in entity_ids if canonical_of.get(i) in grouped}

    def entities(
        self,
        *,
        schema: str | None = None,
        dataset: str | None = None,
        limit: int | None = 50,
        offset: int = 0,
    ) -> list[StatementEntity]:
        detail = {"schema": schema, "dataset": dataset, "limit": limit, "offset": offset}
        scope = self._scope("entity.list", detail)
        datasets = None if dataset is None else [dataset]
        ids = self.store.entity_ids(
            scope, schemata=schema_names(schema), datasets=datasets, limit=limit, offset=offset
        )
        if not ids:
            return []
        return list(group_entities(self.store.iter_statements(scope, canonical_ids=ids)))

    def iter_entities(self, *, dataset: str | None = None) -> Iterator[StatementEntity]:
        """Every visible entity, streamed in canonical-id order (for exports)."""
        scope = self._scope("entity.export", {"dataset": dataset})
        datasets = None if dataset is None else [dataset]
        return group_entities(self.store.iter_statements(scope, datasets=datasets))

    def iter_statements(
        self, *, dataset: str | None = None, schema: str | None = None
    ) -> Iterator[StoredStatement]:
        scope = self._scope("statement.export", {"dataset": dataset, "schema": schema})
        datasets = None if dataset is None else [dataset]
        return self.store.iter_statements(scope, datasets=datasets, schemata=schema_names(schema))

    def referencing(self, entity_id: str) -> list[StatementEntity]:
        """Visible entities that point at this one (ownerships, payments, seizure parties …)."""
        scope = self._scope("entity.referencing", {"id": entity_id})
        ids = self.store.referencing_ids(scope, [entity_id])
        if not ids:
            return []
        return list(group_entities(self.store.iter_statements(scope, canonical_ids=ids)))

    # -- search ---------------------------------------------------------------------------------
    def search(
        self,
        query: str,
        terms: Sequence[SearchTerm],
        *,
        filters: Mapping[str, Collection[str]] | None = None,
        limit: int = 20,
        offset: int = 0,
    ) -> SearchPage:
        """Entities whose visible statements hold every term (the keys `nexus.search` made of
        `query`, which is what the audit records), best first, with facet counts: all of it
        from what the viewer may see. A `schema` filter takes the schemata extending it too."""
        wanted = {facet: sorted(values) for facet, values in sorted((filters or {}).items())}
        detail = {"query": query, "filters": wanted, "limit": limit, "offset": offset}
        scope = self._scope("search", detail)
        if "schema" in wanted:
            names = (schema_names(name) or set() for name in wanted["schema"])
            wanted["schema"] = sorted(set().union(*names))
        return self.store.search(scope, terms, filters=wanted, limit=limit, offset=offset)

    # -- resolution ----------------------------------------------------------------------------
    def match_links(
        self, *, verdicts: Sequence[str] | None = None, entity_ids: Sequence[str] | None = None
    ) -> list[LinkRecord]:
        """Scored pairs whose evidence the viewer may see (their explanations quote values);
        with `entity_ids`, only pairs with one of those records on either side."""
        detail = {"verdicts": verdicts, "ids": None if entity_ids is None else sorted(entity_ids)}
        scope = self._scope("resolution.links", detail)
        links = self.store.links(scope, verdicts=verdicts, entity_ids=entity_ids)
        visible = self.store.visible_entity_ids(
            scope, {i for link in links for i in (link.left_id, link.right_id)}
        )
        return [k for k in links if k.left_id in visible and k.right_id in visible]

    def judgements(self, *, history: bool = False) -> list[JudgementRecord]:
        scope = self._scope("resolution.judgements", {"history": history})
        return self.store.judgements(scope, latest=not history)

    def review_queue(self, *, limit: int = 20) -> list[LinkRecord]:
        """Uncertain pairs no analyst has decided yet and other links have not already made
        one entity (as this viewer sees them), most likely first."""
        decided = {(j.left_id, j.right_id) for j in self.judgements()}
        pending = [
            link
            for link in self.match_links(verdicts=["review"])
            if (link.left_id, link.right_id) not in decided
        ]
        ends = {i for link in pending for i in (link.left_id, link.right_id)}
        canonical = self.store.canonical_of(self._scope("resolution.canonical", {}), ends)
        pending = [k for k in pending if canonical[k.left_id] != canonical[k.right_id]]
        pending.sort(key=lambda k: (-k.probability, k.left_id, k.right_id))
        return pending[:limit]

    def evidence(self, entity_ids: Sequence[str]) -> frozenset[int]:
        """The markings of the viewer-visible statements about these entities."""
        scope = self._scope("resolution.evidence", {"ids": list(entity_ids)})
        return frozenset(
            s.marking_id for s in self.store.iter_statements(scope, canonical_ids=list(entity_ids))
        )

    # -- alerts --------------------------------------------------------------------------------
    def _reads_alert(self, alert: AlertRecord) -> bool:
        """Beyond its evidence: an alert is its agency's (and its recipients') business."""
        agency = self.viewer.agency
        return self.viewer.is_admin or agency == alert.agency or agency in alert.shared_with

    def alerts(
        self,
        *,
        kind: str | None = None,
        status: Sequence[str] | None = None,
        keys: Sequence[str] | None = None,
        limit: int | None = None,
        history: bool = False,
    ) -> list[AlertRecord]:
        """Alerts the viewer may read, highest score first: every statement they rest on is
        visible to the viewer, and the viewer's agency owns them or received them. With
        `history`, each with its steps (what the analysts decided)."""
        detail = {"kind": kind, "status": status, "keys": keys, "limit": limit}
        scope = self._scope("alert.list", detail)
        found = self.store.alerts(
            scope,
            kinds=None if kind is None else [kind],
            statuses=status,
            keys=keys,
            history=history,
        )
        readable = [a for a in found if self._reads_alert(a)]
        return readable if limit is None else readable[:limit]

    def alert(self, alert_id: int) -> AlertRecord:
        """One alert with its history; not found when the viewer may not read it."""
        scope = self._scope("alert.get", {"id": alert_id})
        found = self.store.alerts(scope, ids=[alert_id], history=True)
        if not found or not self._reads_alert(found[0]):
            raise NotFound(f"no alert {alert_id} is visible to {self.viewer.name}")
        return found[0]

    # -- counts --------------------------------------------------------------------------------
    def count_entities(self, *, schema: str | None = None, dataset: str | None = None) -> int:
        scope = self._scope("entity.count", {"schema": schema, "dataset": dataset})
        datasets = None if dataset is None else [dataset]
        return self.store.count_entities(scope, schemata=schema_names(schema), datasets=datasets)

    def count_statements(self, *, dataset: str | None = None) -> int:
        scope = self._scope("statement.count", {"dataset": dataset})
        return self.store.count_statements(scope, datasets=None if dataset is None else [dataset])

    def datasets(self) -> dict[str, int]:
        return self.store.datasets(self._scope("dataset.list", {}))

    def dataset_markings(self) -> dict[str, dict[Marking, int]]:
        """Visible statements per dataset and marking (what a page listing datasets is marked)."""
        found = self.store.dataset_markings(self._scope("dataset.list", {"markings": True}))
        markings = self.store.markings()
        return {
            dataset: {markings[m]: count for m, count in counts.items()}
            for dataset, counts in found.items()
        }

    def statements_version(self) -> str:
        """Changes whenever a statement the viewer may see is added or re-marked; equal for
        viewers who see the same statements (resolution shares its runs on it)."""
        return self.store.statements_version(self._scope("data.version", {"of": "statements"}))

    def data_version(self) -> str:
        """Changes whenever something the viewer may see changes (analyses cache on it)."""
        return self.store.data_version(self._scope("data.version", {}))

    # -- quarantine and runs -------------------------------------------------------------------
    def quarantine(
        self, *, run_id: int | None = None, limit: int = 100, offset: int = 0
    ) -> list[QuarantineRecord]:
        detail = {"run": run_id, "limit": limit, "offset": offset}
        scope = self._scope("quarantine.list", detail)
        return self.store.quarantine(scope, run_id=run_id, limit=limit, offset=offset)

    def count_quarantine(self, *, run_id: int | None = None) -> int:
        scope = self._scope("quarantine.count", {"run": run_id})
        return self.store.count_quarantine(scope, run_id=run_id)

    def runs(self, limit: int = 50) -> list[RunRecord]:
        """Ingestion runs: an administrator sees all; others their own (counts reveal volume)."""
        self.store.append_audit(self.viewer.audit_name, "run.list", {"limit": limit})
        runs = self.store.runs(limit=limit)
        if self.viewer.is_admin:
            return runs
        return [run for run in runs if run.user == self.viewer.name]
