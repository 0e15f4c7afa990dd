"""The statement store contract, run against every backend (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from nexus.store import (
    ID_PROP,
    JudgementRecord,
    LinkRecord,
    Marking,
    NewStatement,
    Rejection,
    Scope,
    SharedRun,
    SQLStore,
    UserRecord,
)

RESTRICTED = Marking("ANF", "RESTRICTED", frozenset({"REL:UNODC"}))
SECRET = Marking("CTD", "SECRET")


def person(entity_id: str, name: str, marking: Marking, dataset: str = "anf") -> list[NewStatement]:
    origin = f"{dataset}.csv#row=2"
    return [
        NewStatement(entity_id, "Person", ID_PROP, "id", entity_id, dataset, origin, marking),
        NewStatement(entity_id, "Person", "name", "name", name, dataset, origin, marking),
    ]


def all_scope(store: SQLStore) -> Scope:
    return Scope(frozenset(store.markings()), "test")


def scope_of(store: SQLStore, *markings: Marking) -> Scope:
    ids = {mid for mid, m in store.markings().items() if m in markings}
    return Scope(frozenset(ids), "test")


def test_statements_read_back_with_provenance_and_marking(store: SQLStore) -> None:
    with store.writer("tester", "anf.yml") as writer:
        stmt = NewStatement(
            "p1",
            "Person",
            "phone",
            "phone",
            "+923001234567",
            "anf",
            "anf.csv#row=7",
            RESTRICTED,
            original_value="0300-1234567",
        )
        assert writer.add([stmt]) == 1
    [read] = list(store.iter_statements(all_scope(store)))
    assert (read.entity_id, read.canonical_id, read.value) == ("p1", "p1", "+923001234567")
    assert read.original_value == "0300-1234567"
    assert read.origin == "anf.csv#row=7"
    assert read.marking == RESTRICTED
    assert read.first_seen == read.last_seen
    assert read.id == stmt.id


def test_reloading_the_same_statements_adds_no_duplicates(store: SQLStore) -> None:
    for _ in range(2):
        with store.writer("tester", "anf.yml") as writer:
            writer.add(person("p1", "Muhammad Yousaf", RESTRICTED))
    rows = list(store.iter_statements(all_scope(store)))
    assert len(rows) == 2
    assert {r.run_id for r in rows} == {store.runs()[0].id}


def test_reloading_refreshes_last_seen_but_keeps_first_seen(store: SQLStore) -> None:
    with store.writer("tester", "anf.yml") as writer:
        writer.add(person("p1", "Muhammad Yousaf", RESTRICTED))
    with store.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE statements SET first_seen = '2020-01-01T00:00:00', "
                "last_seen = '2020-01-01T00:00:00'"
            )
        )
    with store.writer("tester", "anf.yml") as writer:
        writer.add(person("p1", "Muhammad Yousaf", RESTRICTED))
    for row in store.iter_statements(all_scope(store)):
        assert row.first_seen == "2020-01-01T00:00:00"
        assert row.last_seen > "2020-01-01T00:00:00"


def test_a_failed_run_changes_nothing_and_is_recorded_as_failed(store: SQLStore) -> None:
    with store.writer("tester", "first") as writer:
        writer.add(person("p1", "Muhammad Yousaf", RESTRICTED))
    before = list(store.iter_statements(all_scope(store)))
    with pytest.raises(RuntimeError), store.writer("tester", "second") as writer:
        writer.add(person("p2", "Abdul Rehman", SECRET))
        writer.add(person("p1", "Muhammad Yousaf", SECRET))  # would reclassify p1
        writer.reject([Rejection("anf", "x.csv", 3, "Date", "bad date", {"Date": "31/02"}, SECRET)])
        raise RuntimeError("disk full")
    assert list(store.iter_statements(all_scope(store))) == before
    assert store.count_quarantine(all_scope(store)) == 0
    assert SECRET not in store.markings().values()
    failed = store.runs()[0]
    assert failed.status == "failed" and "disk full" in (failed.error or "")
    assert failed.statements == 0


def test_every_read_sees_only_the_scope(store: SQLStore) -> None:
    with store.writer("tester", "load") as writer:
        writer.add(person("p1", "Muhammad Yousaf", RESTRICTED))
        writer.add(person("p2", "Secret Source", SECRET, dataset="ctd"))
        writer.add([NewStatement("own1", "Ownership", "owner", "entity", "p1", "ctd", "o", SECRET)])
        writer.reject([Rejection("ctd", "ctd.csv", 5, None, "bad", {"x": "y"}, SECRET)])
    low = scope_of(store, RESTRICTED)
    assert [s.entity_id for s in store.iter_statements(low)] == ["p1", "p1"]
    assert store.entity_ids(low) == ["p1"]
    assert store.count_entities(low) == 1
    assert store.count_statements(low) == 2
    assert store.datasets(low) == {"anf": 2}
    assert store.referencing_ids(low, ["p1"]) == []
    assert store.quarantine(low) == [] and store.count_quarantine(low) == 0
    high = all_scope(store)
    assert store.entity_ids(high) == ["own1", "p1", "p2"]
    assert store.referencing_ids(high, ["p1"]) == ["own1"]
    assert store.count_quarantine(high) == 1
    empty = Scope(frozenset(), "nobody")
    assert store.count_entities(empty) == 0 and list(store.iter_statements(empty)) == []


def test_entity_filters_by_schema_and_dataset(store: SQLStore) -> None:
    with store.writer("tester", "load") as writer:
        writer.add(person("p1", "Muhammad Yousaf", RESTRICTED))
        writer.add(
            [
                NewStatement(
                    "c1", "Company", "name", "name", "Makran Traders", "fiu", "f", RESTRICTED
                )
            ]
        )
    scope = all_scope(store)
    assert store.entity_ids(scope, schemata=["Company"]) == ["c1"]
    assert store.entity_ids(scope, datasets=["anf"]) == ["p1"]
    assert store.count_entities(scope, schemata=["Person", "Company"]) == 2
    assert store.entity_ids(scope, limit=1, offset=1) == ["p1"]


def test_canonical_ids_group_statements_without_rewriting_them(store: SQLStore) -> None:
    with store.writer("tester", "load") as writer:
        writer.add(person("anf-1", "Muhammad Yousaf", RESTRICTED))
        writer.add(person("fia-9", "Mohd Yusuf", RESTRICTED, dataset="fia"))
    scope = all_scope(store)
    before = sorted(s.id for s in store.iter_statements(scope))
    evidence = frozenset(store.markings())
    store.add_links([LinkRecord("anf-1", "fia-9", 0.97, "match", evidence)])
    store.ensure_canonical(scope)
    [canonical] = store.entity_ids(scope)
    assert canonical.startswith("NX-")
    rows = list(store.iter_statements(scope, canonical_ids=[canonical]))
    assert {r.entity_id for r in rows} == {"anf-1", "fia-9"}
    assert {r.canonical_id for r in rows} == {canonical}
    assert sorted(s.id for s in store.iter_statements(scope)) == before
    assert store.canonical_of(scope, ["anf-1", "fia-9", "nobody"]) == {
        "anf-1": canonical,
        "fia-9": canonical,
        "nobody": "nobody",
    }


def test_a_link_counts_only_for_scopes_that_may_see_its_evidence(store: SQLStore) -> None:
    with store.writer("tester", "load") as writer:
        writer.add(person("anf-1", "Muhammad Yousaf", RESTRICTED))
        writer.add(person("fia-9", "Mohd Yusuf", RESTRICTED, dataset="fia"))
        writer.add(person("ctd-3", "M. Yousuf", SECRET, dataset="ctd"))
    everything = all_scope(store)
    low = scope_of(store, RESTRICTED)
    store.add_links([LinkRecord("anf-1", "fia-9", 0.95, "match", everything.marking_ids)])
    store.ensure_canonical(low)
    store.ensure_canonical(everything)
    assert len(store.entity_ids(low)) == 2, "the link rests on SECRET evidence"
    assert len(store.entity_ids(everything)) == 2


def test_judgements_override_links_and_the_latest_one_wins(store: SQLStore) -> None:
    with store.writer("tester", "load") as writer:
        for i in range(3):
            writer.add(person(f"p{i}", "Gul Khan", RESTRICTED))
    scope = all_scope(store)
    evidence = scope.marking_ids
    store.add_links(
        [
            LinkRecord("p0", "p1", 0.99, "match", evidence),
            LinkRecord("p1", "p2", 0.98, "match", evidence),
        ]
    )
    store.ensure_canonical(scope)
    [merged] = store.entity_ids(scope)
    store.add_judgement(JudgementRecord("p1", "p2", "not_same", "ali", evidence))
    store.ensure_canonical(scope)
    ids = store.entity_ids(scope)
    assert len(ids) == 2 and merged in ids, "the larger part keeps its canonical id"
    store.add_judgement(JudgementRecord("p2", "p1", "same", "ali", evidence))
    store.ensure_canonical(scope)
    assert store.entity_ids(scope) == [merged]
    assert [j.verdict for j in store.judgements(scope, latest=False)] == ["not_same", "same"]


def test_users_are_created_and_updated(store: SQLStore) -> None:
    store.put_user(UserRecord("ali", "FIA", "RESTRICTED"))
    store.put_user(
        UserRecord("ali", "FIA", "SECRET", frozenset({"VICTIMS"}), None, frozenset({"admin"}))
    )
    user = store.get_user("ali")
    assert user == UserRecord(
        "ali", "FIA", "SECRET", frozenset({"VICTIMS"}), None, frozenset({"admin"})
    )
    assert store.get_user("nobody") is None


def test_audit_entries_chain_by_hash(store: SQLStore) -> None:
    first = store.append_audit("ali", "entity.get", {"id": "p1"})
    second = store.append_audit("ali", "entity.list", {"limit": 5})
    assert second.prev_hash == first.hash
    assert [e.id for e in store.audit_entries()] == [first.id, second.id]


def test_size_on_disk_grows_with_data(store: SQLStore) -> None:
    before = store.size_on_disk()
    with store.writer("tester", "load") as writer:
        writer.add(stmt for i in range(3000) for stmt in person(f"p{i}", f"Name {i}", RESTRICTED))
    assert store.size_on_disk() > before > 0


def test_integrity_checks_are_back_on_after_a_bulk_write(store: SQLStore) -> None:
    with store.writer("tester", "load") as writer:
        writer.add(person("p1", "Muhammad Yousaf", RESTRICTED))
    with pytest.raises(RuntimeError), store.writer("tester", "load") as writer:
        raise RuntimeError("interrupted")
    bad = text(
        "INSERT INTO statements (id, entity_id, schema, prop, prop_type, value, dataset, origin, "
        "marking_id, first_seen, last_seen) VALUES ('x', 'e', 'Person', 'name', 'name', 'v', "
        "'d', 'o', 999999, 't', 't')"
    )
    for _ in range(3):  # whichever pooled connection comes back must check foreign keys
        with pytest.raises(IntegrityError), store.engine.begin() as conn:
            conn.execute(bad)


def test_the_statements_version_is_the_same_for_scopes_that_see_the_same(store: SQLStore) -> None:
    with store.writer("tester", "anf.yml") as writer:
        writer.add(person("p1", "Muhammad Yousaf", RESTRICTED))
    restricted = scope_of(store, RESTRICTED)
    wider = Scope(restricted.marking_ids | {999}, "other")  # a marking nothing carries
    assert store.statements_version(restricted) == store.statements_version(wider)
    before = store.statements_version(restricted)
    with store.writer("tester", "ctd.yml") as writer:
        writer.add(person("p2", "Abdul Rehman", SECRET))
    assert store.statements_version(restricted) == before  # nothing it sees changed
    assert store.statements_version(all_scope(store)) != before
    with store.writer("tester", "anf.yml") as writer:  # the source re-sends what it sent
        writer.add(person("p1", "Muhammad Yousaf", RESTRICTED))
    assert store.statements_version(restricted) == before
    with store.writer("tester", "anf.yml") as writer:
        writer.add(person("p3", "Gul Zaman", RESTRICTED))
    assert store.statements_version(restricted) != before


def test_counts_and_versions_follow_a_re_marked_statement(store: SQLStore) -> None:
    with store.writer("tester", "anf.yml") as writer:
        writer.add(person("p1", "Muhammad Yousaf", RESTRICTED))
        writer.add(person("p2", "Gul Zaman", RESTRICTED))
    low = scope_of(store, RESTRICTED)
    assert store.count_entities(low) == 2  # counted, then kept with the data version
    version = store.data_version(low)
    with store.writer("tester", "anf.yml") as writer:  # the source now marks p2 SECRET
        writer.add(person("p2", "Gul Zaman", SECRET))
    low = scope_of(store, RESTRICTED)
    assert store.datasets(low) == {"anf": 2} and store.count_statements(low) == 2
    assert store.count_entities(low) == 1  # not the count kept at the old version
    assert store.data_version(low) != version
    high = all_scope(store)
    assert store.datasets(high) == {"anf": 4} and store.count_entities(high) == 2
    assert store.count_statements(high, datasets=["anf"]) == 4
    assert store.count_statements(high, datasets=["ctd"]) == 0


def test_a_merge_changes_the_kept_entity_count(store: SQLStore) -> None:
    with store.writer("tester", "anf.yml") as writer:
        writer.add(person("a", "Muhammad Yousaf", RESTRICTED))
        writer.add(person("b", "Muhammad Yousuf", RESTRICTED))
    scope = all_scope(store)
    store.ensure_canonical(scope)
    assert store.count_entities(scope) == 2
    store.add_links([LinkRecord("a", "b", 0.99, "match", frozenset(store.markings()))])
    store.ensure_canonical(scope)
    assert store.count_entities(scope) == 1


def test_a_shared_resolution_run_is_found_by_version_and_settings(store: SQLStore) -> None:
    with store.writer("tester", "anf.yml") as writer:
        writer.add(person("p1", "Muhammad Yousaf", RESTRICTED))
        writer.add(person("p2", "Abdul Rehman", SECRET))
    kinds = {"person": {"records": 2, "new_records": 2, "matches": 0, "review": 0}}
    shared = SharedRun("v1", "matchers", kinds)
    counts = {"records": 2, "new_records": 2, "matches": 0, "review": 0}
    store.add_resolution_run("first", "2026-12-04T00:00:00", counts, ["p1", "p2"], shared=shared)
    assert store.shared_resolution_run("v1", "other matchers") is None
    assert store.shared_resolution_run("v2", "matchers") is None
    assert store.shared_resolution_run("v1", "matchers") == ("first", shared)
    # Copied as far as the receiving scope sees: p2 is SECRET.
    assert store.copy_resolved_ids("first", "second", scope_of(store, RESTRICTED)) == 1
    assert store.resolved_ids("second") == {"p1"}
