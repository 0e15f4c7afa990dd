"""Learning from analysts' decisions: without enough decided alerts nothing changes; with them a
model re-ranks the open alerts by what the decisions teach, says why, is checked on a temporal
split, and learns only from what the viewer may read.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from nexus.cli import app
from nexus.finance.alerts import AlertStateError, queue, raise_alerts, transition
from nexus.finance.findings import Finding
from nexus.finance.learning import (
    CONFIRMED,
    FALSE_POSITIVE,
    alert_features,
    decided,
    evaluate,
    learnt_queue,
)
from nexus.policy import AccessLayer
from nexus.store import AlertRecord

ANALYST = "anf_analyst"
LIMITS = {"min_labels": 60, "min_per_class": 15}


def draw_findings(count: int, seed: int) -> tuple[list[Finding], dict[str, int]]:
    """Fan-in findings whose truth depends on how much of the money moved on (not on the
    detector's score, which is noise here): what an analyst's decisions can teach."""
    rng = np.random.default_rng(seed)
    findings, truth = [], {}
    for i in range(count):
        onward = float(rng.uniform(0, 1))
        laundering = (onward > 0.6) != (rng.uniform() < 0.08)  # 8% of decisions go the other way
        account = f"acct-{seed}-{i:04d}"
        truth[account] = int(laundering)
        findings.append(
            Finding(
                kind="fan_in",
                score=float(rng.uniform(0.5, 0.9)),
                reasons=(f"{int(rng.integers(4, 40))} payers into {account} within days",),
                entities=(account,),
                details={
                    "counterparties": int(rng.integers(4, 40)),
                    "onward_share": round(onward, 3),
                    "window_hours": float(rng.uniform(2, 300)),
                    "ethnicity_share": float(rng.uniform()),  # must never become a feature
                },
            )
        )
    return findings, truth


def raise_and_decide(
    access: AccessLayer, count: int, decide: int, seed: int = 3
) -> tuple[list[AlertRecord], dict[str, int]]:
    """Raise `count` alerts in ANF's queue and let the analyst decide the first `decide`."""
    findings, truth = draw_findings(count, seed)
    viewer = access.viewer(ANALYST)
    raise_alerts(access, viewer, findings, evidence=[frozenset()] * len(findings))
    alerts = sorted(access.reader(viewer).alerts(), key=lambda a: a.id)
    for alert in alerts[:decide]:
        if truth[alert.entities[0]]:
            transition(access, viewer, alert.id, "under_review")
            transition(access, viewer, alert.id, "escalated", "onward to a dealer")
        else:
            transition(access, viewer, alert.id, "closed", "payroll", outcome=FALSE_POSITIVE)
    return alerts, truth


def precision_at(order: list[AlertRecord], truth: dict[str, int], k: int) -> float:
    return sum(truth[a.entities[0]] for a in order[:k]) / k


def test_without_enough_decisions_the_queue_keeps_the_detectors_order(
    access: AccessLayer,
) -> None:
    raise_and_decide(access, 80, decide=20)
    reader = access.reader(ANALYST)
    learnt = learnt_queue(reader, status=["new"], **LIMITS)
    assert learnt.model is None and learnt.ranks == {}
    assert [a.id for a in learnt.alerts] == [a.id for a in queue(reader, status=["new"])]


def test_decisions_teach_a_model_that_reranks_open_alerts_and_names_its_drivers(
    access: AccessLayer,
) -> None:
    _, truth = raise_and_decide(access, 220, decide=150)
    reader = access.reader(ANALYST)
    learnt = learnt_queue(reader, status=["new"], **LIMITS)
    assert learnt.model is not None and learnt.model.labels == 150
    assert len(learnt.alerts) == 70 and set(learnt.ranks) == {a.id for a in learnt.alerts}
    k = sum(truth[a.entities[0]] for a in learnt.alerts)
    by_score = queue(reader, status=["new"])
    assert precision_at(learnt.alerts, truth, k) >= 0.8
    assert precision_at(learnt.alerts, truth, k) > precision_at(by_score, truth, k) + 0.2
    top = learnt.ranks[learnt.alerts[0].id]
    assert top.drivers[0].feature == "onward_share" and top.drivers[0].contribution > 0
    assert "ethnicity_share" not in learnt.model.features


def test_the_model_is_checked_on_decisions_made_after_those_it_learnt_from(
    access: AccessLayer,
) -> None:
    raise_and_decide(access, 200, decide=200)
    labelled = decided(access.reader(ANALYST).alerts(history=True))
    check = evaluate(labelled, **LIMITS)
    assert check is not None and check.trained_on == 140 and check.tested_on == 60
    assert check.model_auc >= 0.85 and check.model_auc > check.score_auc + 0.2
    assert check.model_precision_at_k > check.score_precision_at_k


def test_a_viewer_learns_only_from_the_alerts_they_may_read(access: AccessLayer) -> None:
    raise_and_decide(access, 120, decide=100)
    other = learnt_queue(access.reader("fia_secret"), **LIMITS)
    assert other.model is None and other.alerts == []


def test_protected_attributes_are_never_features(access: AccessLayer) -> None:
    alerts, _ = raise_and_decide(access, 1, decide=0)
    features = alert_features(alerts[0])
    assert "onward_share" in features and "typology=fan_in" in features
    assert not [name for name in features if "ethnic" in name]


def test_an_outcome_is_recorded_only_when_closing(access: AccessLayer) -> None:
    alerts, _ = raise_and_decide(access, 1, decide=0)
    viewer = access.viewer(ANALYST)
    with pytest.raises(AlertStateError, match="when closing"):
        transition(access, viewer, alerts[0].id, "under_review", outcome=CONFIRMED)
    with pytest.raises(AlertStateError, match="when closing"):
        transition(access, viewer, alerts[0].id, "closed", "x", outcome="probably")
    closed = transition(access, viewer, alerts[0].id, "closed", "reported", outcome=CONFIRMED)
    assert decided([access.reader(viewer).alert(closed.id)])[0][1] == 1


def test_the_commands_record_outcomes_and_show_the_learnt_rank(
    access: AccessLayer, monkeypatch: pytest.MonkeyPatch
) -> None:
    alerts, _ = raise_and_decide(access, 200, decide=150)
    monkeypatch.setenv("NEXUS_HOME", str(access.settings.home))
    monkeypatch.setenv("NEXUS_DATABASE_URL", access.settings.store_url)
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def nexus(*args: str) -> str:
        result = runner.invoke(app, [*args, "--as", ANALYST])
        assert result.exit_code == 0, (result.output, result.exception)
        return result.output

    number = str(alerts[-1].id)
    nexus("alerts", "close", number, "--reason", "salary", "--outcome", "false-positive")
    model = json.loads(nexus("alerts", "model", "--json"))
    assert model["labels"] == 151 and model["active"] is True
    assert next(iter(model["importance"])) == "onward_share"
    listing = nexus("alerts", "list", "--status", "new")
    assert "learnt" in listing and "onward_share" in listing
    first = json.loads(nexus("alerts", "list", "--status", "new", "--json").splitlines()[0])
    assert first["learnt"]["drivers"][0]["feature"] == "onward_share"
    assert "Learnt chance of confirmation" in nexus("alerts", "show", str(first["id"]))
