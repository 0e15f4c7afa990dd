"""Typology detectors on an independent family (tests/families/transactions.py): 20 seeds of
about 40,000 transactions over 30 days, every planted pattern's shape drawn from wide literature
ranges among six kinds of ordinary traffic. Default settings, no label.

The floors are the levels the detectors honestly reach today (goal: worst-seed recall and
precision 0.9 per typology, median transaction F1 0.95); they fail if the detectors get worse.
The median recall over the seeds is held as well (a seed holds only four or five patterns of
each typology, so one miss moves its worst figure by a fifth or more).
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

import pytest

from nexus.finance.sql import open_engine
from nexus.finance.typologies import scan
from nexus.settings import TypologySettings
from tests.families.transactions import TYPOLOGIES, evaluate, generate, summarise

SEEDS = 20
TRANSACTIONS = 40_000
# typology: (worst-seed recall, worst-seed alert precision, median recall over the seeds)
FLOORS = {
    "structuring": (0.55, 0.7, 0.95),
    "fan_in": (0.35, 0.6, 0.85),
    "fan_out": (0.2, 0.7, 0.9),
    "cycle": (0.95, 0.8, 0.95),
    "scatter_gather": (0.8, 0.95, 0.95),
    "pass_through": (0.35, 0.5, 0.7),
    "hawala": (0.35, 0.6, 0.85),
}
MEDIAN_F1 = 0.88


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    settings = TypologySettings()
    out = []
    for seed in range(SEEDS):
        family = generate(seed, TRANSACTIONS, tmp_path_factory.mktemp(f"family{seed}"))
        assert isinstance(family.csv, Path)
        with open_engine("duckdb", threads=2) as engine:
            assert engine.load_csv(family.csv, settings).errors == []
            out.append(evaluate(scan(engine, settings), family))
    return out


def test_report(results: list[dict[str, Any]], capsys: pytest.CaptureFixture[str]) -> None:
    summary = summarise(results)
    with capsys.disabled():
        print(f"\nfamily of {SEEDS} seeds: median F1 {summary['median_f1']:.3f}")
        for typology, worst in summary["worst"].items():
            median = statistics.median(r["typologies"][typology]["recall"] for r in results)
            print(
                f"{typology:15s} worst recall {worst['recall']:.2f}  worst precision "
                f"{worst['precision']:.2f}  median recall {median:.2f}"
            )
    assert set(summary["worst"]) == set(TYPOLOGIES)


@pytest.mark.parametrize("typology", TYPOLOGIES)
def test_each_typology_holds_its_floor(results: list[dict[str, Any]], typology: str) -> None:
    recall, precision, median = FLOORS[typology]
    figures = [r["typologies"][typology] for r in results]
    assert min(f["recall"] for f in figures) >= recall
    assert min(f["precision"] for f in figures) >= precision
    assert statistics.median(f["recall"] for f in figures) >= median


def test_median_transaction_f1(results: list[dict[str, Any]]) -> None:
    assert summarise(results)["median_f1"] >= MEDIAN_F1
