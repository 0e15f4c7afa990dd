"""The alert queue: findings raised once and kept up to date, an analyst's steps with who, when
and why, need-to-know on every read, and dissemination only where the sharing rules allow."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nexus.cli import app
from nexus.exceptions import AccessDenied, NotFound
from nexus.finance.alerts import (
    AlertStateError,
    disseminate,
    entity_risk,
    queue,
    raise_alerts,
    subgraph,
    transition,
)
from nexus.finance.findings import Finding
from nexus.ingest import ingest, load_mapping
from nexus.policy import AccessLayer
from nexus.store import Provenance
from tests.datafiles import load_ftm, write_anf, write_ftm


def load_anf(access: AccessLayer, tmp_path: Path, informants: bool = False) -> list[str]:
    """ANF's register (RESTRICTED, REL:UNODC; informants SECRET, AGENCY-ONLY): accused ids."""
    mapping, _ = write_anf(tmp_path, informants=informants)
    ingest(access, access.viewer("admin"), load_mapping(mapping, access.settings))
    accused = access.reader("admin").entities(schema="Person", dataset="anf_seizures", limit=None)
    return sorted(str(e.id) for e in accused if not str(e.first("name")).startswith("Source"))


def load_marked(access: AccessLayer, tmp_path: Path, agency: str, level: str, *caveats: str) -> str:
    """One person under the given marking; returns its id."""
    entity_id = f"{agency}-{level}-{'-'.join(caveats) or 'plain'}".lower()
    entity = {"id": entity_id, "schema": "Person", "properties": {"name": ["Marked Person"]}}
    provenance = Provenance(f"{agency.lower()}_notes", agency, level, frozenset(caveats))
    load_ftm(access, tmp_path / f"{entity_id}.ftm.json", [entity], provenance)
    return entity_id


def finding(*entities: str, score: float = 0.8, kind: str = "structuring") -> Finding:
    return Finding(
        kind=kind,
        score=score,
        reasons=(f"cash deposits just under PKR 2,000,000 by {entities[0]}",),
        entities=entities,
        details={"deposits": 4},
    )


def test_a_finding_becomes_a_new_alert_with_reasons_evidence_and_history(
    access: AccessLayer, tmp_path: Path
) -> None:
    accused = load_anf(access, tmp_path)
    analyst = access.viewer("anf_analyst")
    report = raise_alerts(access, analyst, [finding(accused[0])])
    (alert,) = access.reader(analyst).alerts()
    assert report.new == [alert.id]
    assert (alert.kind, alert.status, alert.agency, alert.score) == (
        "structuring",
        "new",
        "ANF",
        0.8,
    )
    assert alert.reasons == finding(accused[0]).reasons and alert.entities == (accused[0],)
    assert alert.evidence == access.reader(analyst).evidence([accused[0]])
    (raised,) = access.reader(analyst).alert(alert.id).history
    assert (raised.action, raised.user, raised.status) == ("raised", "anf_analyst", "new")
    actions = [e.action for e in access.store.audit_entries()]
    assert "alert.raise" in actions and "alert.get" in actions


def test_the_same_finding_again_updates_its_alert_and_never_duplicates_it(
    access: AccessLayer, tmp_path: Path
) -> None:
    accused = load_anf(access, tmp_path)
    analyst = access.viewer("anf_analyst")
    (first,) = raise_alerts(access, analyst, [finding(accused[0])]).new
    assert raise_alerts(access, analyst, [finding(accused[0])]).unchanged == [first]
    rescored = Finding("sanctions", 0.9, ("listed",), (), (accused[0],), {"key": "s:1"})
    (second,) = raise_alerts(access, analyst, [rescored]).new
    grown = Finding("sanctions", 0.95, ("listed",), (), (accused[0], accused[1]), {"key": "s:1"})
    assert raise_alerts(access, analyst, [grown]).updated == [second]
    alert = access.reader(analyst).alert(second)
    assert alert.entities == (accused[0], accused[1]) and alert.score == 0.95
    assert [e.action for e in alert.history] == ["raised", "updated"]
    assert "0.90 → 0.95" in str(alert.history[1].note)
    assert len(access.reader(analyst).alerts()) == 2


def test_a_closed_alert_reopens_only_when_a_run_brings_new_evidence(
    access: AccessLayer, tmp_path: Path
) -> None:
    accused = load_anf(access, tmp_path)
    analyst = access.viewer("anf_analyst")
    found = Finding("sanctions", 0.8, ("listed",), (), (accused[0],), {"key": "s:2"})
    (alert_id,) = raise_alerts(access, analyst, [found]).new
    transition(access, analyst, alert_id, "closed", "false positive: another father")
    assert raise_alerts(access, analyst, [found]).unchanged == [alert_id]
    more = Finding("sanctions", 0.8, ("listed",), ("pay-9",), (accused[0],), {"key": "s:2"})
    assert raise_alerts(access, analyst, [more]).reopened == [alert_id]
    alert = access.reader(analyst).alert(alert_id)
    assert alert.status == "new" and "pay-9" in str(alert.history[-1].note)


def test_an_alert_is_reviewed_escalated_and_closed_with_who_and_why(
    access: AccessLayer, tmp_path: Path
) -> None:
    accused = load_anf(access, tmp_path)
    analyst = access.viewer("anf_analyst")
    (alert_id,) = raise_alerts(access, analyst, [finding(accused[0])]).new
    with pytest.raises(AlertStateError, match="new: it can go to under_review, closed"):
        transition(access, analyst, alert_id, "escalated")
    transition(access, analyst, alert_id, "under_review", "taking it")
    transition(access, access.viewer("anf_secret"), alert_id, "escalated", "same CNIC")
    with pytest.raises(AlertStateError, match="needs a reason"):
        transition(access, analyst, alert_id, "closed", " ")
    closed = transition(access, analyst, alert_id, "closed", "reported to the ATC")
    assert [(e.user, e.status, e.note) for e in closed.history] == [
        ("anf_analyst", "new", "score 0.80"),
        ("anf_analyst", "under_review", "taking it"),
        ("anf_secret", "escalated", "same CNIC"),
        ("anf_analyst", "closed", "reported to the ATC"),
    ]
    assert [a.id for a in queue(access.reader(analyst), status=["closed"])] == [alert_id]
    assert queue(access.reader(analyst), status=["new"]) == []


def test_an_alert_resting_on_what_a_viewer_may_not_see_does_not_exist_for_them(
    access: AccessLayer, tmp_path: Path
) -> None:
    load_anf(access, tmp_path, informants=True)
    secret = access.viewer("anf_secret")
    informant = next(
        str(e.id)
        for e in access.reader(secret).entities(schema="Person", limit=None)
        if str(e.first("name")).startswith("Source")
    )
    (alert_id,) = raise_alerts(access, secret, [finding(informant)]).new
    assert [a.id for a in access.reader(secret).alerts()] == [alert_id]
    analyst = access.reader("anf_analyst")  # same agency, CONFIDENTIAL only
    assert analyst.alerts() == []
    with pytest.raises(NotFound):
        analyst.alert(alert_id)
    with pytest.raises(AccessDenied, match="evidence they cannot see"):
        raise_alerts(
            access,
            access.viewer("anf_analyst"),
            [finding(informant)],
            [access.reader(secret).evidence([informant])],
        )


def test_only_the_owning_agency_changes_an_alert_and_others_see_it_once_sent(
    access: AccessLayer, tmp_path: Path
) -> None:
    accused = load_anf(access, tmp_path)
    analyst = access.viewer("anf_analyst")
    (alert_id,) = raise_alerts(access, analyst, [finding(accused[0])]).new
    fia = access.viewer("fia_secret")
    with pytest.raises(NotFound):
        access.reader(fia).alert(alert_id)
    transition(access, analyst, alert_id, "under_review")
    with pytest.raises(AlertStateError, match="escalate it before"):
        disseminate(access, analyst, alert_id, "FIA")
    transition(access, analyst, alert_id, "escalated")
    sent = disseminate(access, analyst, alert_id, "FIA", "for the AHS circle")
    assert sent.shared_with == frozenset({"FIA"})
    assert sent.history[-1].action == "disseminated" and sent.history[-1].agency == "FIA"
    assert [a.id for a in access.reader(fia).alerts()] == [alert_id]
    with pytest.raises(AccessDenied, match="belongs to ANF"):
        transition(access, fia, alert_id, "closed", "not ours")
    assert "alert.disseminate" in [e.action for e in access.store.audit_entries()]


@pytest.mark.parametrize(
    ("owner", "marking", "to", "refusal"),
    [
        ("anf_secret", ("ANF", "RESTRICTED", "REL:UNODC"), "UNODC", None),
        ("anf_secret", ("ANF", "RESTRICTED", "REL:UNODC"), "INTERPOL", "not released to partner"),
        ("anf_secret", ("ANF", "SECRET", "AGENCY-ONLY"), "FIA", "only ANF may see it"),
        ("victims_officer", ("FIA", "SECRET", "COMP:VICTIMS"), "ANF", "compartment VICTIMS"),
        ("anf_secret", ("ANF", "RESTRICTED", "NOFORN", "REL:UNODC"), "UNODC", "not releasable"),
        ("anf_secret", ("ANF", "SECRET", "REL:UNODC"), "UNODC", "none of its viewers is cleared"),
        ("anf_secret", ("ANF", "SECRET"), "FIA", None),
    ],
)
def test_dissemination_follows_the_sharing_rules(
    access: AccessLayer,
    tmp_path: Path,
    owner: str,
    marking: tuple[str, ...],
    to: str,
    refusal: str | None,
) -> None:
    subject = load_marked(access, tmp_path, *marking)
    viewer = access.viewer(owner)
    (alert_id,) = raise_alerts(access, viewer, [finding(subject)]).new
    transition(access, viewer, alert_id, "under_review")
    transition(access, viewer, alert_id, "escalated")
    if refusal is None:
        assert to in disseminate(access, viewer, alert_id, to).shared_with
        return
    with pytest.raises(AccessDenied, match=refusal):
        disseminate(access, viewer, alert_id, to)
    assert access.reader(viewer).alert(alert_id).shared_with == frozenset()


def test_the_subgraph_holds_the_alerts_entities_and_the_links_between_them(
    access: AccessLayer, tmp_path: Path
) -> None:
    load_anf(access, tmp_path, informants=True)
    secret = access.reader("anf_secret")
    tips = [e for e in secret.entities(schema="UnknownLink", limit=None)]
    tip = tips[0]
    ends = [str(tip.first("subject")), str(tip.first("object"))]
    (alert_id,) = raise_alerts(access, secret.viewer, [finding(*ends)]).new
    graph = subgraph(secret, secret.alert(alert_id))
    assert {str(e.id) for e in graph} >= {*ends, str(tip.id)}


def test_screening_and_the_queue_from_the_command_line(
    access: AccessLayer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    listing = {
        "id": "os-yousaf",
        "schema": "Person",
        "properties": {"name": ["MUHAMMAD YOUSAF ACHAKZAI"], "topics": ["sanction"]},
    }
    customer = {
        "id": "kyc-7",
        "schema": "Person",
        "properties": {"name": ["Mohd. Yousuf Achakzai"]},
    }
    for dataset, agency, level, entity in (
        ("opensanctions", "NEXUS", "UNCLASSIFIED", listing),
        ("bank_kyc", "ANF", "RESTRICTED", customer),
    ):
        load_ftm(
            access, tmp_path / f"{dataset}.ftm.json", [entity], Provenance(dataset, agency, level)
        )
    monkeypatch.setenv("NEXUS_HOME", str(access.settings.home))
    monkeypatch.setenv("NEXUS_DATABASE_URL", access.settings.store_url)
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def nexus(*args: str) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == 0, (result.output, result.exception)
        return result.output

    assert "1 hits on 1 subjects" in nexus("screen", "--as", "anf_analyst")
    (line,) = nexus("alerts", "list", "--as", "anf_analyst", "--json").splitlines()
    alert = json.loads(line)
    assert alert["details"]["list_entries"] == ["os-yousaf"] and alert["status"] == "new"
    number = str(alert["id"])
    assert "under_review" in nexus("alerts", "review", number, "--as", "anf_analyst")
    nexus("alerts", "escalate", number, "--as", "anf_analyst", "--note", "same father")
    assert "FIA" in nexus("alerts", "disseminate", number, "--to", "FIA", "--as", "anf_analyst")
    shown = nexus("alerts", "show", number, "--as", "fia_clerk")
    assert "Mohd. Yousuf Achakzai" in shown and "disseminated to FIA" in shown
    nexus("alerts", "close", number, "--reason", "reported to CTD", "--as", "anf_analyst")
    assert "closed" in nexus("alerts", "list", "--as", "anf_analyst", "--status", "closed")


def test_loads_are_screened_at_once_for_the_configured_users(
    access: AccessLayer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer = {"id": "kyc-9", "schema": "Person", "properties": {"name": ["Gul Rehman Orakzai"]}}
    listing = {
        "id": "os-gul",
        "schema": "Person",
        "properties": {"name": ["GUL RAHMAN ORAKZAI"], "topics": ["sanction"]},
    }
    monkeypatch.setenv("NEXUS_HOME", str(access.settings.home))
    monkeypatch.setenv("NEXUS_DATABASE_URL", access.settings.store_url)
    monkeypatch.setenv("NEXUS_SCREENING_AFTER_INGEST", '["anf_analyst"]')
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def load(entity: dict[str, object], *marking: str) -> str:
        path = write_ftm(tmp_path / f"{entity['id']}.ftm.json", [entity])
        result = runner.invoke(app, ["import-ftm", str(path), *marking])
        assert result.exit_code == 0, (result.output, result.exception)
        return " ".join(result.output.split())

    first = load(
        customer, "--dataset", "bank_kyc", "--agency", "ANF", "--classification", "RESTRICTED"
    )
    assert (
        "Screened as anf_analyst: 1 record(s) and 0 list entr(ies) new or changed, 0 hit(s)"
        in first
    )
    second = load(
        listing,
        "--dataset",
        "opensanctions",
        "--agency",
        "NEXUS",
        "--classification",
        "UNCLASSIFIED",
    )
    assert "0 record(s) and 1 list entr(ies) new or changed, 1 hit(s)" in second
    assert "alerts of ANF: 1 new" in second
    (alert,) = access.reader("anf_analyst").alerts()
    assert alert.details["list_entries"] == ["os-gul"]


def test_a_listing_is_an_alerts_reason_not_a_subject_at_risk(
    access: AccessLayer, tmp_path: Path
) -> None:
    subject = load_marked(access, tmp_path, "ANF", "RESTRICTED")
    listing = load_marked(access, tmp_path, "NEXUS", "UNCLASSIFIED")
    hit = Finding(
        kind="sanctions",
        score=0.9,
        reasons=("resembles the listing",),
        entities=(subject, listing),
        details={"list_entries": [listing]},
    )
    raise_alerts(access, access.viewer("anf_analyst"), [hit, finding(subject, score=0.5)])
    (risk,) = entity_risk(access.reader("anf_analyst"))
    assert risk.entity_id == subject and risk.score == pytest.approx(1 - 0.1 * 0.5)
    assert [a.kind for a in risk.alerts] == ["sanctions", "structuring"]


def test_alerts_show_prints_payments_with_their_currency_and_the_account_holders(
    access: AccessLayer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entities: list[dict[str, object]] = [
        {"id": "p-sender", "schema": "Person", "properties": {"name": ["Tariq Mehmood"]}},
        {"id": "p-receiver", "schema": "Person", "properties": {"name": ["Nadia Qureshi"]}},
        {"id": "acc-1", "schema": "BankAccount", "properties": {"accountNumber": ["PK001"]}},
        {"id": "acc-2", "schema": "BankAccount", "properties": {"accountNumber": ["AE002"]}},
        {
            "id": "own-1",
            "schema": "Ownership",
            "properties": {"owner": ["p-sender"], "asset": ["acc-1"]},
        },
        {
            "id": "pay-1",
            "schema": "Payment",
            "properties": {
                "amount": ["6800.00"],
                "currency": ["USD"],
                "date": ["2024-03-02"],
                "payerAccount": ["acc-1"],
                "beneficiaryAccount": ["acc-2"],
                "beneficiary": ["p-receiver"],
            },
        },
    ]
    provenance = Provenance("bank_tx", "ANF", "RESTRICTED")
    load_ftm(access, tmp_path / "bank.ftm.json", entities, provenance)
    viewer = access.viewer("anf_analyst")
    found = Finding("fan_in", 0.7, ("a payment abroad",), ("pay-1",), ("acc-1",))
    (alert_id,) = raise_alerts(access, viewer, [found]).new
    monkeypatch.setenv("NEXUS_HOME", str(access.settings.home))
    monkeypatch.setenv("NEXUS_DATABASE_URL", access.settings.store_url)
    monkeypatch.setenv("COLUMNS", "200")
    result = CliRunner().invoke(app, ["alerts", "show", str(alert_id), "--as", "anf_analyst"])
    assert result.exit_code == 0, (result.output, result.exception)
    payments = result.output.split("Payments", 1)[1].split("History", 1)[0]
    (row,) = [line for line in payments.splitlines() if "6800.00" in line]
    assert "6800.00 USD" in row and "Tariq Mehmood" in row and "Nadia Qureshi" in row
