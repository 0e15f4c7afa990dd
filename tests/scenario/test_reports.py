"""Generated reports: reproducible, loadable, and their mentions are what the truth file says."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest

from nexus.ingest import MappingPlan, QueryPlan, ingest
from nexus.ingest.text import extract_mentions
from nexus.policy import AccessLayer
from nexus.scenario.model import World
from nexus.scenario.reports import write_reports
from nexus.store import Provenance
from tests.scenario.test_sanctions_writer import small_world


def written(tmp_path: Path, seed: int, name: str = "r.reports.jsonl", count: int = 40) -> Path:
    path = tmp_path / name
    write_reports(small_world(), path, random.Random(seed), count)
    return path


@pytest.fixture
def reports(tmp_path: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    path = tmp_path / "ncb.reports.jsonl"
    truth = write_reports(small_world(), path, random.Random(11), 60)
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    return list(zip(records, truth, strict=True))


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    assert written(tmp_path, 4, "a.reports.jsonl").read_bytes() == (
        written(tmp_path, 4, "b.reports.jsonl").read_bytes()
    )


def test_different_seeds_write_different_reports(tmp_path: Path) -> None:
    assert written(tmp_path, 4, "a.reports.jsonl").read_bytes() != (
        written(tmp_path, 5, "b.reports.jsonl").read_bytes()
    )


def test_reports_are_situation_reports_and_news_about_reportable_events(
    reports: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    assert len(reports) == 60
    assert {truth["event"] for _, truth in reports} <= {"E1", "E2", "E3", "E4"}
    assert {truth["kind"] for _, truth in reports} == {"news", "situation_report"}
    for record, truth in reports:
        assert record["id"] == truth["id"]
        assert ("agency" in record) == (truth["kind"] == "situation_report")


def test_the_extractors_find_the_mentions_the_truth_records(
    reports: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    for record, truth in reports:
        found = extract_mentions(f"{record['title']}\n{record['body']}")
        assert sorted(found.phones) == sorted(truth["phones"]), record["body"]
        assert sorted(c.replace("-", "") for c in found.cnics) == sorted(truth["cnics"])
        assert set(truth["places"]) <= set(found.places)
        assert set(truth["written_names"].values()) == set(found.people), record["body"]


def test_spellings_vary_between_reports_about_the_same_person(
    reports: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    spellings = {t["written_names"]["P1"] for _, t in reports if "P1" in t["written_names"]}
    assert len(spellings) >= 2


def test_victims_are_counted_never_named(
    reports: list[tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    assert any("referred for protection" in record["body"] for record, _ in reports)
    for record, truth in reports:
        assert "Ayesha" not in record["body"] and "P3" not in truth["people"]


def test_the_written_reports_load_with_nothing_quarantined(
    access: AccessLayer, tmp_path: Path
) -> None:
    path = written(tmp_path, 8, count=50)
    provenance = Provenance("situation_reports", "NCB", "RESTRICTED")
    query = QueryPlan(provenance=provenance, entities=[], files=[path], format="text")
    report = ingest(access, access.viewer("admin"), MappingPlan(path, [query]))
    assert (report.rows_loaded, report.rows_quarantined) == (50, 0)


def test_a_world_without_reportable_events_gives_an_empty_file(tmp_path: Path) -> None:
    world: World = small_world()
    world.events = {k: e for k, e in world.events.items() if e.kind == "joint_operation"}
    path = tmp_path / "none.reports.jsonl"
    assert write_reports(world, path, random.Random(1), 10) == []
    assert path.read_text(encoding="utf-8") == ""
