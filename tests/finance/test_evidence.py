"""Evidence scores: monotone in every feature its documented way, the same in SQL as in Python,
and every evidence-scored alert says what drove it."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from nexus.finance.evidence import EVIDENCE, Evidence, Feature
from nexus.finance.sql import open_engine
from nexus.finance.typologies import scan
from nexus.settings import TypologySettings
from tests.families.transactions import generate


def test_a_weight_against_its_direction_is_refused() -> None:
    with pytest.raises(ValueError, match="direction"):
        Feature("x", "x", 1, -0.5, 0.0, "x")
    with pytest.raises(ValueError, match="direction"):
        Feature("x", "x", 0, 0.5, 0.0, "x")


@pytest.mark.parametrize("typology", sorted(EVIDENCE))
def test_the_score_moves_only_the_documented_way(typology: str) -> None:
    evidence = EVIDENCE[typology]
    rng = np.random.default_rng(3)
    for _ in range(200):
        base = {f.name: float(rng.uniform(-5, 5)) for f in evidence.features}
        step = float(rng.uniform(0.01, 3))
        for feature in evidence.features:
            raised = {**base, feature.name: base[feature.name] + step}
            before, after = evidence.score(base), evidence.score(raised)
            assert after >= before if feature.direction > 0 else after <= before


@pytest.mark.parametrize("typology", sorted(EVIDENCE))
def test_sql_and_python_give_the_same_score(typology: str) -> None:
    evidence: Evidence = EVIDENCE[typology]
    values = {f.name: 0.3 * (i + 1) for i, f in enumerate(evidence.features)}
    columns = ", ".join(f"CAST({v!r} AS DOUBLE) AS f_{k}" for k, v in values.items())
    (sql_score,) = duckdb.sql(f"SELECT {evidence.score_sql()} FROM (SELECT {columns})").fetchone()
    assert sql_score == pytest.approx(evidence.score(values), rel=1e-9)


@pytest.mark.parametrize("typology", sorted(EVIDENCE))
def test_sql_and_python_agree_on_every_branch_of_the_trees(typology: str) -> None:
    evidence: Evidence = EVIDENCE[typology]
    rng = np.random.default_rng(11)
    points = [{f.name: float(rng.uniform(-1.5, 5)) for f in evidence.features} for _ in range(300)]
    rows = " UNION ALL ".join(
        "SELECT "
        + ", ".join([f"{i} AS i", *(f"CAST({v!r} AS DOUBLE) AS f_{k}" for k, v in p.items())])
        for i, p in enumerate(points)
    )
    scores = duckdb.sql(f"SELECT i, {evidence.score_sql()} FROM ({rows}) ORDER BY i").fetchall()
    assert [s for _, s in scores] == pytest.approx([evidence.score(p) for p in points], rel=1e-9)


def test_the_fans_are_scored_by_trees_whose_pushes_add_up_to_their_output() -> None:
    rng = np.random.default_rng(5)
    for typology in ("fan_in", "fan_out"):
        evidence = EVIDENCE[typology]
        assert len(evidence.trees) >= 10
        assert all(f.weight == 0 for f in evidence.features)
        for tree in evidence.trees:
            x = [float(v) for v in rng.uniform(-1.5, 5, len(evidence.features))]
            assert tree.value[0] + sum(tree.pushes(x).values()) == pytest.approx(tree.output(x))


def test_every_evidence_scored_alert_keeps_its_features_and_names_its_drivers(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    family = generate(7, 40_000, tmp_path_factory.mktemp("evidence"))
    assert family.csv is not None
    typology_settings = TypologySettings()
    with open_engine("duckdb", threads=2) as engine:
        engine.load_csv(family.csv, typology_settings)
        findings = [f for f in scan(engine, typology_settings) if f.kind in EVIDENCE]
    assert {f.kind for f in findings} == set(EVIDENCE)
    for finding in findings:
        threshold = getattr(typology_settings, finding.kind).min_evidence
        assert finding.score >= threshold - 1e-3
        assert all(f"f_{f.name}" in finding.details for f in EVIDENCE[finding.kind].features)
        told = [r for r in finding.reasons if r.startswith("evidence ")]
        assert len(told) == 1 and f"(alerts from {threshold:.2f})" in told[0]
    assert any("driven by" in r for f in findings for r in f.reasons)
