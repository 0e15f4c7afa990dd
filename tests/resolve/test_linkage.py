"""List linkage for analysts: one CSV deduplicated or two linked, every row written with its
cluster and confidence, and every kind of bad input refused before anything is written.
"""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from nexus.exceptions import SourceError
from nexus.resolve.linkage import dedupe_csv, link_csv
from nexus.scenario.generate import generate
from tests.resolve.test_model import person_rows

PEOPLE = """id,name,fatherName,idNumber,phone,birthDate
1,Muhammad Yousaf Khattak,Akbar Khan,17301-1234567-1,,
2,محمد یوسف خٹک,اکبر خان,1730112345671,,
3,Ali Khan s/o Gul Rahman,,,0300-1234567,
4,Ali Khan,Gul Rahman,,+92 300 1234567,
5,Zainab Bibi,,,,1990-05-04
6,Noor Ahmed,,42101-7654321-3,0321-7654321;0333-1111111,12/03/1980
7,Noor Ahmad,,42101 7654321 3,0092 321 7654321,1980-03-12
"""
WATCHLIST = """id,name,idNumber
1,M. Yousaf Khattak,17301-1234567-1
2,Bibi Zainab,
3,Sher Ali Afridi,17301-9999999-1
"""
COMPANIES = """id,name,registrationNumber,country
c1,Makkah Travel & Tours (Pvt) Ltd,0012345,Pakistan
c2,Makkah Travel and Tours Pvt. Ltd.,12345,PK
c3,Madina Exchange Company,0099999,Pakistan
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def cluster_of(rows: list[dict[str, str]]) -> dict[str, str]:
    return {row["id"]: row["cluster_id"] for row in rows}


def test_dedupe_writes_every_row_with_its_cluster_and_confidence(tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    report = dedupe_csv(write(tmp_path / "people.csv", PEOPLE), output)
    rows = read(output)
    assert list(rows[0]) == ["id", "cluster_id", "confidence"]
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5", "6", "7"]
    clusters = cluster_of(rows)
    assert clusters["1"] == clusters["2"]  # Urdu script and Latin
    assert clusters["3"] == clusters["4"]  # "s/o" and a father's name field
    assert clusters["6"] == clusters["7"]  # identifiers in other formats
    assert len({clusters["1"], clusters["3"], clusters["5"], clusters["6"]}) == 4
    assert [r["cluster_id"] for r in rows][:3] == ["C1", "C1", "C2"]
    assert all(0.0 <= float(r["confidence"]) <= 1.0 for r in rows)
    assert float(next(r for r in rows if r["id"] == "6")["confidence"]) >= 0.9
    assert (report.rows, report.clusters, report.linked_rows) == (7, 4, 6)
    assert report.schema == "Person" and not report.trained


def test_a_row_alone_has_the_confidence_of_not_matching(tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    dedupe_csv(write(tmp_path / "people.csv", PEOPLE), output)
    zainab = next(r for r in read(output) if r["id"] == "5")
    assert float(zainab["confidence"]) == 1.0


def test_link_shares_cluster_ids_across_the_two_lists(tmp_path: Path) -> None:
    output = tmp_path / "linked.csv"
    report = link_csv(
        write(tmp_path / "people.csv", PEOPLE), write(tmp_path / "watch.csv", WATCHLIST), output
    )
    rows = read(output)
    assert list(rows[0]) == ["list", "id", "cluster_id", "confidence"]
    assert len(rows) == 10 and report.rows == 10
    by = {(r["list"], r["id"]): r["cluster_id"] for r in rows}
    assert by[("watch.csv", "1")] == by[("people.csv", "1")] == by[("people.csv", "2")]
    assert by[("watch.csv", "3")] not in {v for (name, _), v in by.items() if name == "people.csv"}
    assert by[("people.csv", "6")] == by[("people.csv", "7")]  # duplicates within a list too


def test_an_organisation_list_is_recognised_and_deduplicated(tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    report = dedupe_csv(write(tmp_path / "companies.csv", COMPANIES), output)
    clusters = cluster_of(read(output))
    assert report.schema == "Organization"
    assert clusters["c1"] == clusters["c2"] != clusters["c3"]


def test_the_same_list_gives_the_same_output_bytes(tmp_path: Path) -> None:
    source = write(tmp_path / "people.csv", PEOPLE)
    dedupe_csv(source, tmp_path / "one.csv")
    dedupe_csv(source, tmp_path / "two.csv")
    assert (tmp_path / "one.csv").read_bytes() == (tmp_path / "two.csv").read_bytes()


def test_a_header_without_rows_gives_a_header_without_rows(tmp_path: Path) -> None:
    output = tmp_path / "out.csv"
    report = dedupe_csv(write(tmp_path / "people.csv", "id,name\n"), output)
    assert output.read_text(encoding="utf-8").splitlines() == ["id,cluster_id,confidence"]
    assert report.rows == 0


def test_the_scenario_people_as_one_spreadsheet_dedupe_with_high_precision(
    tmp_path: Path,
) -> None:
    root = tmp_path / "scenario"
    generate(7, "tiny", root)
    records, owner = person_rows(root)
    source = tmp_path / "people.csv"
    columns = ["id", "name", "fatherName", "idNumber", "phone", "birthDate", "gender", "address"]
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(records)
    report = dedupe_csv(source, tmp_path / "out.csv")
    clusters = cluster_of(read(tmp_path / "out.csv"))
    predicted = {
        pair
        for ids in _groups(clusters).values()
        for pair in itertools.combinations(sorted(ids), 2)
    }
    true = {
        pair for ids in _groups(owner).values() for pair in itertools.combinations(sorted(ids), 2)
    }
    precision, recall = len(predicted & true) / len(predicted), len(predicted & true) / len(true)
    print(f"tiny scenario people as one CSV: precision {precision:.3f}, recall {recall:.3f}")
    assert report.trained
    assert precision >= 0.97
    # The prosecution tracker's name-only rows of suspects are held for review, not clustered
    # (a names-only match is never automatic): recall was 0.88 when they joined on the name.
    assert recall >= 0.82
    assert report.review_pairs > 0 and report.review is not None and report.review.exists()


def _groups(assigned: dict[str, str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for record, group in assigned.items():
        groups.setdefault(group, []).append(record)
    return groups


BAD_INPUTS = {
    "no_id_column": (b"name,idNumber\nAli Khan,1\n", r"no `id` column .*found: name, idNumber"),
    "duplicate_id": (
        b"id,name\n1,Ali Khan\n2,Gul Khan\n1,Sher Ali\n",
        r"row 4: id '1' repeats the id of row 2",
    ),
    "unknown_column": (
        b"id,name,shoeSize\n1,Ali Khan,9\n",
        r"unknown column 'shoeSize'; allowed: id, address, birthDate",
    ),
    "not_utf8": (
        b"id,name\n1,Ali Khan\n2,Jos\xe9\n",
        r"not UTF-8 text: byte 0xe9 at offset 24 \(row 3\)",
    ),
    "empty_file": (b"", r"the file is empty"),
    "blank_file": (b"\n  \n", r"the file is empty"),
    "empty_id": (b"id,name\n1,Ali Khan\n,Gul Khan\n", r"row 3: the `id` cell is empty"),
    "too_many_cells": (b"id,name\n1,Ali Khan,extra\n", r"row 2: 3 cells but the header has 2"),
    "mixed_schemas": (
        b"id,name,fatherName,registrationNumber\n1,A,B,C\n",
        r"mixes Person columns \(fatherName\) with Organization columns \(registrationNumber\)",
    ),
    "repeated_column": (b"id,name,name\n1,A,B\n", r"column 'name' appears more than once"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_refused_and_nothing_is_written(tmp_path: Path, case: str) -> None:
    data, message = BAD_INPUTS[case]
    source = tmp_path / "list.csv"
    source.write_bytes(data)
    output = tmp_path / "out.csv"
    output.write_text("previous result\n", encoding="utf-8")
    with pytest.raises(SourceError, match=message) as raised:
        dedupe_csv(source, output)
    assert str(source) in str(raised.value)
    assert output.read_text(encoding="utf-8") == "previous result\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv", "out.csv"]


def test_link_refuses_a_bad_second_list_before_writing(tmp_path: Path) -> None:
    good = write(tmp_path / "a.csv", PEOPLE)
    bad = write(tmp_path / "b.csv", "name\nAli Khan\n")
    with pytest.raises(SourceError, match=r"b\.csv: no `id` column"):
        link_csv(good, bad, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_link_refuses_lists_of_different_kinds(tmp_path: Path) -> None:
    people = write(tmp_path / "people.csv", PEOPLE)
    companies = write(tmp_path / "companies.csv", COMPANIES)
    with pytest.raises(SourceError, match="link lists of one kind"):
        link_csv(people, companies, tmp_path / "out.csv")


def test_a_missing_output_folder_is_reported(tmp_path: Path) -> None:
    source = write(tmp_path / "people.csv", PEOPLE)
    with pytest.raises(SourceError, match="does not exist"):
        dedupe_csv(source, tmp_path / "nowhere" / "out.csv")
