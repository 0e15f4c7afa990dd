"""Transaction monitoring of the store: typology findings raised into the agency's queue, kept
up to date by later scans, and combined into a risk per person, company and account."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from nexus.finance.alerts import entity_risk, queue, raise_alerts, transition
from nexus.finance.monitoring import monitor_store
from nexus.finance.sql import DETECTOR_NAMES
from nexus.policy import AccessLayer
from nexus.scenario.generate import GenerationReport, generate
from nexus.store import ID_PROP, Marking, NewStatement
from tests.finance.stores import copied_store, load_store


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> GenerationReport:
    return generate(3, "tiny", tmp_path_factory.mktemp("monitoring") / "scenario")


@pytest.fixture(scope="module")
def loaded(scenario: GenerationReport, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The FMU's holdings of the tiny scenario (bank extracts and goAML reports), loaded once;
    each test gets a copy of the store file."""
    return load_store(tmp_path_factory.mktemp("monitoring-store"), scenario, ("banks", "fmu"))


@pytest.fixture
def access(loaded: Path, tmp_path: Path) -> Iterator[AccessLayer]:
    with copied_store(loaded, tmp_path) as layer:
        yield layer


def test_a_store_scan_raises_its_findings_in_the_agencys_queue(
    access: AccessLayer, tmp_path: Path
) -> None:
    fmu = access.viewer("fmu")
    report = monitor_store(access, fmu, columnar=tmp_path / "payments.parquet")
    assert report.payments > 1000 and report.findings and report.alerts is not None
    assert (tmp_path / "payments.parquet").exists()
    alerts = queue(access.reader(fmu))
    assert len(alerts) == len(report.alerts.new) > 0
    assert {a.kind for a in alerts} <= set(DETECTOR_NAMES)
    # Several planted typologies sit in the banks' extracts, each alert with its case.
    assert len({a.kind for a in alerts}) >= 5
    for alert in alerts:
        assert alert.agency == "FMU" and alert.status == "new" and alert.reasons
        assert alert.transactions and alert.entities and alert.evidence
        assert alert.key.startswith(f"{alert.kind}:") and alert.key.endswith("@FMU")
    # The extracts are CONFIDENTIAL FMU material: a RESTRICTED clerk of another agency sees
    # neither the payments nor the alerts.
    assert queue(access.reader("fia_clerk")) == []
    assert monitor_store(access, access.viewer("fia_clerk")).payments == 0


def test_a_second_scan_changes_nothing_and_a_closed_alert_stays_closed(
    access: AccessLayer,
) -> None:
    fmu = access.viewer("fmu")
    first = monitor_store(access, fmu)
    assert first.alerts is not None
    closed = first.alerts.new[0]
    transition(access, fmu, closed, "closed", "explained by the customer's trade")
    again = monitor_store(access, fmu)
    assert again.alerts is not None
    assert again.alerts.new == [] and again.alerts.updated == [] and again.alerts.reopened == []
    assert sorted(again.alerts.unchanged) == sorted(first.alerts.new)
    assert access.reader(fmu).alert(closed).status == "closed"


def test_a_scan_that_finds_more_of_a_pattern_updates_its_alert(access: AccessLayer) -> None:
    """The alert is about the typology and its core accounts, so payments found later join it
    (and reopen it if it was closed) instead of making another alert."""
    fmu = access.viewer("fmu")
    findings = monitor_store(access, fmu, alerts=False).findings
    finding = next(f for f in findings if len(f.transactions) >= 4)
    earlier = replace(finding, transactions=finding.transactions[:2])
    (alert_id,) = raise_alerts(access, fmu, [earlier]).new
    transition(access, fmu, alert_id, "closed", "two deposits, nothing more")
    later = monitor_store(access, fmu)
    assert later.alerts is not None and later.alerts.reopened == [alert_id]
    alert = access.reader(fmu).alert(alert_id)
    assert alert.status == "new" and set(alert.transactions) == set(finding.transactions)
    assert alert.history[-1].action == "reopened"
    assert len([a for a in queue(access.reader(fmu)) if a.key == alert.key]) == 1


def test_findings_about_one_subject_in_one_run_are_one_alert(access: AccessLayer) -> None:
    fmu = access.viewer("fmu")
    finding = monitor_store(access, fmu, alerts=False).findings[0]
    first = replace(finding, transactions=finding.transactions[:1], reasons=("first episode",))
    second = replace(finding, transactions=finding.transactions[1:], reasons=("second",))
    report = raise_alerts(access, fmu, [first, second])
    (alert_id,) = report.new
    alert = access.reader(fmu).alert(alert_id)
    assert set(alert.transactions) == set(finding.transactions)
    assert set(alert.reasons) == {"first episode", "second"}


def test_entities_are_ranked_by_their_alerts_combined(access: AccessLayer) -> None:
    fmu = access.viewer("fmu")
    monitor_store(access, fmu)
    reader = access.reader(fmu)
    alerts = {a.id: a for a in queue(reader)}
    ranked = entity_risk(reader)
    assert ranked and [r.score for r in ranked] == sorted((r.score for r in ranked), reverse=True)
    for risk in ranked:
        unlikely = 1.0
        for share in risk.alerts:
            assert alerts[share.alert_id].score == share.score
            unlikely *= 1 - share.score
        assert risk.score == pytest.approx(1 - unlikely, abs=1e-3)
        assert len({s.alert_id for s in risk.alerts}) == len(risk.alerts)
    # goAML reports name the holders of the accounts: they inherit their accounts' alerts.
    holders = [r for r in ranked if r.schema != "BankAccount" and any(s.via for s in r.alerts)]
    assert holders
    assert all(
        s.via for r in holders for s in r.alerts if r.entity_id not in alerts[s.alert_id].entities
    )
    # Closing every alert empties the open ranking; asking for closed ones too brings it back.
    for alert_id in alerts:
        transition(access, fmu, alert_id, "closed", "reviewed")
    assert entity_risk(reader) == []
    assert len(entity_risk(reader, status=("closed",))) == len(ranked)


def test_a_scan_with_nothing_new_does_not_scan_again(access: AccessLayer, tmp_path: Path) -> None:
    fmu, columnar = access.viewer("fmu"), tmp_path / "payments.parquet"
    first = monitor_store(access, fmu, columnar=columnar)
    assert first.unchanged_since is None and first.findings
    again = monitor_store(access, fmu, columnar=columnar)
    assert again.unchanged_since is not None and again.findings == [] and again.alerts is None
    assert (again.payments, again.duplicates) == (first.payments, first.duplicates)
    # Other settings, or a scan that raises no alerts, scan again.
    settings = access.settings.typologies
    fewer = settings.model_copy(update={"detectors": ["structuring"]})
    assert monitor_store(access, fmu, fewer, columnar=columnar).unchanged_since is None
    assert monitor_store(access, fmu, columnar=columnar, alerts=False).unchanged_since is None


def test_new_statements_the_viewer_sees_end_a_scans_watermark(
    access: AccessLayer, tmp_path: Path
) -> None:
    fmu, columnar = access.viewer("fmu"), tmp_path / "payments.parquet"
    monitor_store(access, fmu, columnar=columnar)
    marking = Marking("FMU", "CONFIDENTIAL")
    origin = "late_str.csv#row=2"
    with access.store.writer("tester", "late_str.yml") as writer:
        writer.add(
            [NewStatement("p-late", "Person", ID_PROP, "id", "p-late", "fmu", origin, marking)]
        )
    assert monitor_store(access, fmu, columnar=columnar).unchanged_since is None
