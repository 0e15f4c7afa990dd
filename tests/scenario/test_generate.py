"""The generated scenario: reproducible, realistic enough to matter, and loadable as it is."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from nexus.ingest import ingest, load_mapping
from nexus.policy import AccessLayer
from nexus.scenario.generate import GenerationReport, generate

SEED = 7


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> GenerationReport:
    return generate(SEED, "tiny", tmp_path_factory.mktemp("scenario") / "out")


def manifest(report: GenerationReport) -> dict[str, str]:
    data = json.loads((report.outdir / "manifest.json").read_text())
    return {entry["path"]: entry["sha256"] for entry in data["files"]}


def test_the_same_seed_gives_the_same_bytes(tiny: GenerationReport, tmp_path: Path) -> None:
    again = generate(SEED, "tiny", tmp_path / "again")
    assert manifest(again) == manifest(tiny)
    assert (again.outdir / "exports" / "transactions.csv").read_bytes() == (
        tiny.outdir / "exports" / "transactions.csv"
    ).read_bytes()


def test_different_seeds_give_different_pictures(tiny: GenerationReport, tmp_path: Path) -> None:
    other = manifest(generate(SEED + 1, "tiny", tmp_path / "other"))
    mine = manifest(tiny)
    # Mappings are fixed; generated data and truth files differ (a tiny list may coincide).
    generated = [path for path in mine if not path.endswith(".yml")]
    changed = [path for path in generated if other.get(path) != mine[path]]
    assert generated and len(changed) >= 0.9 * len(generated)


def test_every_agency_hands_over_its_own_format(tiny: GenerationReport) -> None:
    suffixes = Counter(p.suffix for p in tiny.data_files)
    assert suffixes[".csv"] >= 8 and suffixes[".xlsx"] == 1 and suffixes[".xml"] >= 2
    assert any(p.name.endswith(".reports.jsonl") for p in tiny.data_files)
    folders = {p.relative_to(tiny.outdir / "data").parts[0] for p in tiny.data_files}
    assert {"anf", "customs", "fia", "police", "ctd", "fmu", "un", "ncb", "banks"} <= folders


def test_ground_truth_lies_beside_the_data_and_no_mapping_reads_it(tiny: GenerationReport) -> None:
    assert all(p.is_relative_to(tiny.outdir / "truth") for p in tiny.truth_files)
    assert not any(p.is_relative_to(tiny.outdir / "truth") for p in tiny.data_files)
    for mapping in tiny.mappings:
        assert "truth" not in mapping.read_text()


def test_network_members_appear_in_several_agencies_records(tiny: GenerationReport) -> None:
    with (tiny.outdir / "truth" / "records.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    networks = json.loads((tiny.outdir / "truth" / "networks.json").read_text())
    agencies_of: dict[str, set[str]] = {}
    for row in rows:
        agencies_of.setdefault(row["uid"], set()).add(row["file"].split("/")[0])
    members = {uid for network in networks for uid in network["members"]}
    seen_twice = [uid for uid in members if len(agencies_of.get(uid, ())) >= 2]
    assert len(seen_twice) >= 5


def test_records_vary_as_real_ones_do(tiny: GenerationReport) -> None:
    text = "".join(p.read_text(encoding="utf-8") for p in tiny.data_files if p.suffix == ".csv")
    assert any("\u0600" <= ch <= "\u06ff" for ch in text), "some names in Urdu script"
    assert " s/o " in text or " S/O " in text or " son of " in text
    with (tiny.outdir / "truth" / "people.csv").open(encoding="utf-8") as fh:
        people = list(csv.DictReader(fh))
    assert any(p["lookalike_of"] for p in people), "look-alikes who are different people"
    assert any(p["relatives"] for p in people)


def test_every_generated_file_ingests_without_a_quarantined_row(
    tiny: GenerationReport, access: AccessLayer
) -> None:
    admin = access.viewer("admin")
    for mapping in tiny.mappings:
        report = ingest(access, admin, load_mapping(mapping, access.settings))
        assert report.rows_quarantined == 0, (mapping, access.reader("admin").quarantine(limit=3))
        assert report.statements > 0, mapping
    assert access.reader("admin").count_entities(schema="Seizure") > 5


def test_a_corrupted_copy_is_quarantined_with_reasons(
    tiny: GenerationReport, access: AccessLayer, tmp_path: Path
) -> None:
    source = tiny.outdir / "data" / "anf"
    copy = tmp_path / "anf"
    copy.mkdir()
    (copy / "anf_seizure_register.yml").write_text(
        (source / "anf_seizure_register.yml").read_text()
    )
    with (source / "anf_seizure_register.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["Date of Seizure"] = "31/02/2024"
    rows[1]["Cell No"] = "0300-12"
    with (copy / "anf_seizure_register.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]))
        out.writeheader()
        out.writerows(rows)
    report = ingest(
        access,
        access.viewer("admin"),
        load_mapping(copy / "anf_seizure_register.yml", access.settings),
    )
    assert report.rows_quarantined == 2
    reasons = {q.field: q.reason for q in access.reader("admin").quarantine()}
    assert "31/02/2024" in reasons["Date of Seizure"] and "0300-12" in reasons["Cell No"]


def _inside(lon: float, lat: float, ring: list[list[float]]) -> bool:
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > lat) != (y2 > lat) and lon < (x2 - x1) * (lat - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def test_map_layers_place_the_scenario_inside_real_country_outlines(tiny: GenerationReport) -> None:
    outlines = json.loads((tiny.outdir / "maps" / "countries.geojson").read_text())
    places = json.loads((tiny.outdir / "maps" / "places.geojson").read_text())
    pakistan = next(f for f in outlines["features"] if f["id"] == "pk")
    polygons = pakistan["geometry"]["coordinates"]
    if pakistan["geometry"]["type"] == "Polygon":
        polygons = [polygons]
    by_name = {f["id"]: f for f in places["features"]}
    lon, lat = by_name["Quetta"]["geometry"]["coordinates"]
    assert any(_inside(lon, lat, polygon[0]) for polygon in polygons)
    assert {"af", "ir", "pk"} <= {f["id"] for f in outlines["features"]}
