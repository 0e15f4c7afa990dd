"""The store's alert and screening tables behave the same on every backend."""

from __future__ import annotations

from dataclasses import replace

from nexus.store import AlertEvent, AlertRecord, Scope, ScreeningRun, SQLStore


def alert(key: str = "sanctions:P1@FMU", evidence: frozenset[int] = frozenset({1})) -> AlertRecord:
    return AlertRecord(
        key=key,
        kind="sanctions",
        score=0.82,
        reasons=("Murad resembles MURAD (unsc-qdi-443)", "name: murad=murad (+0.70)"),
        evidence=evidence,
        agency="FMU",
        created_by="fmu_analyst",
        transactions=("pay-1",),
        entities=("p-1", "unsc-qdi-443"),
        details={"key": "sanctions:P1", "listings": [{"entry": "unsc-qdi-443", "score": 0.82}]},
    )


def scope(*marking_ids: int) -> Scope:
    return Scope(frozenset(marking_ids), "tester")


def test_an_alert_is_saved_with_its_fields_and_first_event(store: SQLStore) -> None:
    saved = store.save_alert(alert(), AlertEvent("raised", "fmu_analyst", "new", "score 0.82"))
    assert saved.id > 0
    assert (saved.status, saved.score, saved.agency) == ("new", 0.82, "FMU")
    assert saved.reasons == alert().reasons
    assert saved.entities == ("p-1", "unsc-qdi-443") and saved.transactions == ("pay-1",)
    assert saved.details["listings"][0]["entry"] == "unsc-qdi-443"
    assert [(e.action, e.user, e.status, e.note) for e in saved.history] == [
        ("raised", "fmu_analyst", "new", "score 0.82")
    ]
    assert saved.created_at and saved.updated_at


def test_an_update_changes_the_alert_and_appends_to_its_history(store: SQLStore) -> None:
    saved = store.save_alert(alert(), AlertEvent("raised", "a", "new"))
    changed = store.save_alert(
        replace(saved, status="closed", score=0.9),
        AlertEvent("status", "b", "closed", "false positive: other DOB"),
    )
    assert changed.id == saved.id
    assert (changed.status, changed.score) == ("closed", 0.9)
    assert [(e.action, e.status, e.note) for e in changed.history] == [
        ("raised", "new", None),
        ("status", "closed", "false positive: other DOB"),
    ]


def test_alerts_are_visible_only_to_scopes_that_see_all_their_evidence(store: SQLStore) -> None:
    low = store.save_alert(alert("k1@FMU", frozenset({1})), AlertEvent("raised", "a", "new"))
    high = store.save_alert(alert("k2@FMU", frozenset({1, 2})), AlertEvent("raised", "a", "new"))
    assert [a.id for a in store.alerts(scope(1))] == [low.id]
    assert {a.id for a in store.alerts(scope(1, 2))} == {low.id, high.id}
    assert store.alerts(scope(2)) == []
    assert store.alerts(scope(1), ids=[high.id], history=True) == []


def test_alerts_filter_by_key_kind_and_status_highest_score_first(store: SQLStore) -> None:
    first = store.save_alert(alert("k1@FMU"), AlertEvent("raised", "a", "new"))
    second = store.save_alert(
        replace(alert("k2@FMU"), kind="structuring", score=0.95), AlertEvent("raised", "a", "new")
    )
    store.save_alert(replace(first, status="closed"), AlertEvent("status", "a", "closed", "fp"))
    assert [a.id for a in store.alerts(scope(1))] == [second.id, first.id]
    assert [a.id for a in store.alerts(scope(1), keys=["k1@FMU"])] == [first.id]
    assert [a.id for a in store.alerts(scope(1), kinds=["structuring"])] == [second.id]
    assert [a.id for a in store.alerts(scope(1), statuses=["closed"])] == [first.id]


def test_the_same_key_may_rest_on_different_evidence(store: SQLStore) -> None:
    one = store.save_alert(alert("k@FMU", frozenset({1})), AlertEvent("raised", "a", "new"))
    two = store.save_alert(alert("k@FMU", frozenset({1, 2})), AlertEvent("raised", "b", "new"))
    assert one.id != two.id
    assert [a.id for a in store.alerts(scope(1), keys=["k@FMU"])] == [one.id]


def test_sharing_adds_a_recipient_once_and_records_each_dissemination(store: SQLStore) -> None:
    saved = store.save_alert(alert(), AlertEvent("raised", "a", "new"))
    for _ in range(2):
        store.share_alert(saved.id, "FIA", AlertEvent("disseminated", "a", "new", "CT case", "FIA"))
    (found,) = store.alerts(scope(1), ids=[saved.id], history=True)
    assert found.shared_with == frozenset({"FIA"})
    assert [(e.action, e.agency) for e in found.history][1:] == [
        ("disseminated", "FIA"),
        ("disseminated", "FIA"),
    ]


def test_screening_runs_keep_the_digests_of_what_each_viewer_screened(store: SQLStore) -> None:
    run = ScreeningRun("fmu", "2026-01-01T00:00:00", "2026-01-01T00:01:00", {"hits": 3})
    saved = store.add_screening_run(run, {"p-1": "a" * 40, "p-2": "b" * 40})
    assert saved.id > 0
    store.add_screening_run(replace(run, full=False), {"p-2": "c" * 40})
    assert store.screened("fmu") == {"p-1": "a" * 40, "p-2": "c" * 40}
    assert store.screened("fia") == {}
    runs = store.screening_runs("fmu")
    assert [(r.full, r.counts) for r in runs] == [(False, {"hits": 3}), (True, {"hits": 3})]


def test_long_key_and_id_lists_are_answered_whole(store: SQLStore) -> None:
    saved = [
        store.save_alert(alert(f"k{n}@FMU"), AlertEvent("raised", "a", "new")) for n in (3, 11_999)
    ]
    keys = [f"k{n}@FMU" for n in range(12_000)]
    assert {a.id for a in store.alerts(scope(1), keys=keys)} == {a.id for a in saved}
    ids = list(range(1, 40_000))
    assert {a.id for a in store.alerts(scope(1), ids=ids, keys=keys)} == {a.id for a in saved}
    assert store.alerts(scope(1), keys=[]) == []
