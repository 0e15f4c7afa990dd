"""Search on the tiny scenario, where agencies write one person their own ways (spellings, Urdu
script, initials, typing slips, CNICs with and without dashes): the ground truth says who is who.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest

from nexus.ingest import ingest, load_mapping
from nexus.policy import AccessLayer, Reader
from nexus.resolve.normalise import format_cnic, normalise_cnic
from nexus.scenario.generate import generate
from nexus.search import search, update_index
from nexus.settings import load_settings
from nexus.store import open_store
from tests.conftest import VIEWERS


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Reader, Path]]:
    root = tmp_path_factory.mktemp("search")
    report = generate(11, "tiny", root / "scenario")
    settings = load_settings(home=root / "home")
    store = open_store(settings.store_url)
    access = AccessLayer(store, settings)
    access.add_user(None, VIEWERS[0])
    admin = access.viewer("admin")
    for mapping in sorted((report.outdir / "data").rglob("*.yml")):
        ingest(access, admin, load_mapping(mapping, settings))
    update_index(store)
    yield access.reader("admin"), report.outdir
    store.close()


def person_records(reader: Reader, outdir: Path) -> dict[str, dict[str, dict[str, str]]]:
    """True person → their records (entity id → property → first value)."""
    uids: dict[tuple[str, str], set[str]] = defaultdict(set)
    with (outdir / "truth" / "records.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["uid"].startswith("P"):
                uids[(Path(row["file"]).name, row["row"])].add(row["uid"])
    people: dict[str, dict[str, dict[str, str]]] = defaultdict(dict)
    for stmt in reader.iter_statements(schema="Person"):
        file, _, row = stmt.origin.partition("#row=")
        found = uids.get((file, row), set())
        if len(found) == 1:
            record = people[next(iter(found))].setdefault(stmt.entity_id, {})
            record.setdefault(stmt.prop, stmt.value)
    return people


def test_a_persons_name_as_one_agency_wrote_it_finds_the_others_records(
    scenario: tuple[Reader, Path],
) -> None:
    reader, outdir = scenario
    found = wanted = 0
    for records in person_records(reader, outdir).values():
        if len(records) < 2:
            continue
        for entity_id, record in sorted(records.items())[:3]:
            if "name" not in record:
                continue
            hits = {hit.id for hit in search(reader, record["name"], limit=500).hits}
            others = set(records) - {entity_id}
            found += len(others & hits)
            wanted += len(others)
    assert wanted > 100
    # Misses are typing slips of more than a letter ("Bii" for Bibi) and truncations.
    assert found / wanted > 0.8


def test_a_cnic_finds_its_records_written_with_dashes_or_without(
    scenario: tuple[Reader, Path],
) -> None:
    reader, outdir = scenario
    checked = 0
    for records in person_records(reader, outdir).values():
        for entity_id, record in records.items():
            digits = normalise_cnic(record.get("idNumber"))
            if digits is None or checked >= 40:
                continue
            checked += 1
            for query in (digits, format_cnic(digits) or digits):
                assert entity_id in {hit.id for hit in search(reader, query, limit=100).hits}
    assert checked == 40
