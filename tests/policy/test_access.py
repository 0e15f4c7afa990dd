"""The access layer is the only way in: what a viewer may not see never changes what they get."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
from followthemoney import EntityProxy

from nexus.exceptions import AccessDenied, NotFound
from nexus.ingest import entity_json, ftm_plan, ingest, load_mapping
from nexus.policy import AccessLayer, Reader, verify_audit
from nexus.search import query_terms, update_index
from nexus.store import (
    AlertEvent,
    AlertRecord,
    JudgementRecord,
    LinkRecord,
    Provenance,
    UserRecord,
)
from tests.datafiles import write_anf, write_csv, write_ftm

TIMES = {"first_seen", "last_seen", "run_id"}


def _plain(value: Any) -> Any:
    """Results without load times, which legitimately move when anything is re-loaded."""
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, EntityProxy):
        return {k: v for k, v in entity_json(value).items() if k not in TIMES}
    if hasattr(value, "to_dict"):
        return {k: v for k, v in value.to_dict().items() if k not in TIMES}
    if hasattr(value, "__dataclass_fields__"):
        return {
            k: _plain(getattr(value, k))
            for k in value.__dataclass_fields__
            if k not in {"id", "created_at", "started_at", "finished_at"}
        }
    return value


def snapshot(reader: Reader, probe_ids: list[str]) -> dict[str, Any]:
    """Every read the Reader offers, for every entity id that exists anywhere."""

    def attempt(call: Any) -> Any:
        try:
            return _plain(call())
        except NotFound as exc:
            return f"NotFound: {exc!s}"

    shots: dict[str, Any] = {
        "entities": attempt(lambda: reader.entities(limit=None)),
        "entities.Person": attempt(lambda: reader.entities(schema="Person", limit=None)),
        "entities.page": attempt(lambda: reader.entities(limit=3, offset=2)),
        "iter_entities": attempt(lambda: list(reader.iter_entities())),
        "iter_statements": attempt(lambda: list(reader.iter_statements())),
        "count_entities": reader.count_entities(),
        "count_entities.LegalEntity": reader.count_entities(schema="LegalEntity"),
        "count_statements": reader.count_statements(),
        "datasets": reader.datasets(),
        "data_version": reader.data_version(),
        "statements_version": reader.statements_version(),
        "quarantine": attempt(lambda: reader.quarantine()),
        "count_quarantine": reader.count_quarantine(),
        "runs": attempt(lambda: reader.runs()),
        "match_links": attempt(lambda: reader.match_links()),
        "judgements": attempt(lambda: reader.judgements(history=True)),
        "review_queue": attempt(lambda: reader.review_queue()),
        "alerts": attempt(lambda: reader.alerts()),
        "lookup": attempt(lambda: reader.lookup(probe_ids)),
        "statements_of": attempt(lambda: reader.statements_of(probe_ids)),
        "dataset_markings": {
            dataset: sorted((m.label(), n) for m, n in counts.items())
            for dataset, counts in reader.dataset_markings().items()
        },
    }
    update_index(reader.access.store)  # what the loads since the last snapshot added
    for query in ("Muhammad Yousaf", "Khan", "Alias Known", "Hawala Financier", "Source", "Yu*"):
        terms = query_terms(query)
        shots[f"search:{query}"] = _plain(reader.search(query, terms, limit=100))
    for alert_id in range(1, 6):
        shots[f"alert:{alert_id}"] = attempt(lambda a=alert_id: reader.alert(a))
    for entity_id in probe_ids:
        shots[f"entity:{entity_id}"] = attempt(lambda e=entity_id: reader.entity(e))
        shots[f"statements:{entity_id}"] = attempt(lambda e=entity_id: reader.statements(e))
        shots[f"referencing:{entity_id}"] = attempt(lambda e=entity_id: reader.referencing(e))
        shots[f"evidence:{entity_id}"] = attempt(lambda e=entity_id: sorted(reader.evidence([e])))
    return shots


COVERED = {
    "entities",
    "iter_entities",
    "iter_statements",
    "count_entities",
    "count_statements",
    "datasets",
    "data_version",
    "statements_version",
    "quarantine",
    "count_quarantine",
    "runs",
    "entity",
    "statements",
    "referencing",
    "match_links",
    "judgements",
    "review_queue",
    "evidence",
    "alerts",
    "alert",
    "lookup",
    "statements_of",
    "dataset_markings",
    "search",
}


def test_the_snapshot_covers_every_read_the_reader_offers() -> None:
    public = {
        name
        for name, _ in inspect.getmembers(Reader, inspect.isfunction)
        if not name.startswith("_")
    }
    assert public == COVERED, "add new Reader methods to the no-influence snapshot"


def load_secret_material(access: AccessLayer, tmp_path: Path) -> None:
    admin = access.viewer("admin")
    reader = access.reader(admin)
    person = str(reader.entities(schema="Person", limit=1)[0].id)
    vehicle = str(reader.entities(schema="Vehicle", limit=1)[0].id)
    # 1. The same ANF register again, now with SECRET agency-only informants in its rows.
    mapping, _ = write_anf(tmp_path, informants=True)
    ingest(access, admin, load_mapping(mapping, access.settings))
    # 2. SECRET statements about entities the low viewer can see, a SECRET-only entity, and a
    #    SECRET edge pointing at a visible entity.
    ctd = write_ftm(
        tmp_path / "ctd.ftm.json",
        [
            {
                "id": person,
                "schema": "Person",
                "properties": {"name": ["Alias Known To CTD"], "notes": ["Fourth Schedule"]},
            },
            {
                "id": "ctd-financier",
                "schema": "Person",
                "properties": {"name": ["Hawala Financier"]},
            },
            {
                "id": "ctd-link",
                "schema": "Ownership",
                "properties": {"owner": ["ctd-financier"], "asset": [vehicle]},
            },
        ],
    )
    plan = ftm_plan(ctd, Provenance("ctd_watch", "CTD", "SECRET"), [ctd])
    ingest(access, admin, plan)
    # 3. A SECRET file with a bad row: its quarantined raw record must stay hidden too.
    bad = write_csv(tmp_path / "ctd_list.csv", [{"Name": "Secret Person", "DOB": "not a date"}])
    (tmp_path / "ctd_list.yml").write_text(
        "ctd_list:\n  agency: CTD\n  classification: SECRET\n  queries:\n"
        f"    - csv_url: {bad.name}\n      entities:\n        p:\n          schema: Person\n"
        "          keys: [Name]\n          properties:\n            name: {column: Name}\n"
        "            birthDate: {column: DOB}\n",
        encoding="utf-8",
    )
    ingest(access, admin, load_mapping(tmp_path / "ctd_list.yml", access.settings))
    # 4. Resolution resting on SECRET evidence: a match and a judgement between entities the
    #    low viewer sees must neither merge them nor show up in the viewer's queue.
    people = [str(e.id) for e in reader.entities(schema="Person", limit=3)]
    secret = frozenset(
        mid for mid, m in access.store.markings().items() if m.classification == "SECRET"
    )
    everything = access.scope(access.viewer("anf_secret")).marking_ids | secret
    access.store.add_links(
        [
            LinkRecord(people[0], people[1], 0.99, "match", everything),
            LinkRecord(people[1], people[2], 0.7, "review", everything),
        ]
    )
    access.store.add_judgement(JudgementRecord(people[0], people[2], "same", "admin", everything))
    # 5. Alerts resting on SECRET evidence in the queues of the low viewers' own agencies, and
    #    one resting on nothing secret but owned by an agency that never sent it to them.
    for agency, evidence in (("FIA", everything), ("ANF", everything), ("UNODC", everything)):
        access.store.save_alert(
            AlertRecord(
                f"sanctions:{people[0]}@{agency}",
                "sanctions",
                0.9,
                ("secret",),
                evidence,
                agency,
                "admin",
                entities=(people[0],),
            ),
            AlertEvent("raised", "admin", "new"),
        )
    access.store.save_alert(
        AlertRecord(
            "sanctions:other@CTD", "sanctions", 0.8, ("ctd's",), frozenset(), "CTD", "admin"
        ),
        AlertEvent("raised", "admin", "new"),
    )


@pytest.mark.parametrize("viewer", ["fia_clerk", "unodc", "anf_analyst"])
def test_secret_statements_never_influence_what_a_lower_viewer_gets(
    access: AccessLayer, tmp_path: Path, viewer: str
) -> None:
    admin = access.viewer("admin")
    mapping, _ = write_anf(tmp_path)
    ingest(access, admin, load_mapping(mapping, access.settings))
    reader = access.reader(viewer)
    visible_ids = access.store.entity_ids(access.scope(admin))
    probe = [*visible_ids, "ctd-financier", "ctd-link"]
    before = snapshot(reader, probe)

    load_secret_material(access, tmp_path)
    cleared = access.scope(access.viewer("anf_secret"))
    all_ids = sorted({s.entity_id for s in access.store.iter_statements(cleared)})
    assert set(probe) < set(all_ids), "the secret material must add entities somebody sees"
    after = snapshot(reader, sorted(set(all_ids) | set(probe)))
    for key in before:
        assert after[key] == before[key], key
    for key in set(after) - set(before):
        assert str(after[key]).startswith("NotFound") or after[key] == [], key


def test_the_secret_material_is_visible_to_those_cleared_for_it(
    access: AccessLayer, tmp_path: Path
) -> None:
    admin = access.viewer("admin")
    mapping, _ = write_anf(tmp_path)
    ingest(access, admin, load_mapping(mapping, access.settings))
    load_secret_material(access, tmp_path)
    fia_secret = access.reader("fia_secret")
    assert "Hawala Financier" in fia_secret.entity("ctd-financier").get("name")
    [person] = [
        e
        for e in fia_secret.entities(schema="Person", limit=None)
        if "Alias Known To CTD" in e.get("name")
    ]
    assert "Alias Known To CTD" not in access.reader("fia_clerk").entity(str(person.id)).get("name")
    assert [e.id for e in fia_secret.referencing(str(person.id))]
    assert fia_secret.count_quarantine() == 1
    anf_secret = access.reader("anf_secret")
    informants = [
        e
        for e in anf_secret.entities(schema="Person", limit=None)
        if e.first("name", quiet=True) and str(e.first("name")).startswith("Source")
    ]
    assert informants, "ANF's own SECRET informants are visible to ANF"
    merged = [e for e in anf_secret.entities(schema="Person", limit=None) if str(e.id)[:3] == "NX-"]
    assert len(merged) == 1 and len(merged[0].referents) == 3, "the SECRET-based merge applies"
    assert not any(
        str(e.first("name")).startswith("Source")
        for e in fia_secret.entities(schema="Person", limit=None)
    )


def test_every_read_is_audited_and_the_chain_verifies(access: AccessLayer, tmp_path: Path) -> None:
    mapping, _ = write_anf(tmp_path)
    ingest(access, access.viewer("admin"), load_mapping(mapping, access.settings))
    reader = access.reader("fia_clerk")
    before = sum(1 for _ in access.store.audit_entries())
    reader.count_entities()
    reader.entities(limit=5)
    with pytest.raises(NotFound):
        reader.entity("no-such-id")
    entries = list(access.store.audit_entries())
    assert [e.action for e in entries[before:]] == ["entity.count", "entity.list", "entity.get"]
    assert all(e.actor == "fia_clerk" for e in entries[before:])
    assert verify_audit(access.store).intact


def test_tampering_with_the_audit_log_is_detected(access: AccessLayer) -> None:
    from sqlalchemy import text

    access.reader("fia_clerk").count_entities()
    access.reader("unodc").count_entities()
    with access.store.audit_log.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(
            text(
                "UPDATE audit SET actor = 'someone_else' WHERE action = 'entity.count' "
                "AND actor = 'fia_clerk'"
            )
        )
    verdict = verify_audit(access.store)
    assert not verdict.intact and verdict.problem is not None
    assert "no longer matches" in verdict.problem


def test_only_administrators_manage_users(access: AccessLayer) -> None:
    with pytest.raises(AccessDenied):
        access.add_user(access.viewer("fia_clerk"), UserRecord("x", "FIA", "SECRET"))
    with pytest.raises(AccessDenied):
        access.add_user(None, UserRecord("y", "FIA", "SECRET"))
    with pytest.raises(AccessDenied, match="unknown user"):
        access.viewer("nobody")


def test_a_viewer_loads_only_for_their_agency_and_clearance(
    access: AccessLayer, tmp_path: Path
) -> None:
    mapping, _ = write_anf(tmp_path, informants=True)
    plan = load_mapping(mapping, access.settings)
    with pytest.raises(AccessDenied, match="on behalf of ANF"):
        ingest(access, access.viewer("fia_secret"), plan)
    with pytest.raises(AccessDenied, match="may not load SECRET"):
        ingest(access, access.viewer("anf_analyst"), plan)
    assert access.store.count_statements(access.scope(access.viewer("admin"))) == 0
