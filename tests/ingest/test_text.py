"""Free-text reports load as articles and situation reports with the mentions found in them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nexus.ingest import IngestReport, MappingPlan, QueryPlan, detect_format, ingest
from nexus.ingest.text import (
    extract_cnics,
    extract_companies,
    extract_countries,
    extract_emails,
    extract_fathers,
    extract_ibans,
    extract_people,
    extract_phones,
    extract_places,
    extract_quantities,
)
from nexus.policy import AccessLayer
from nexus.store import Provenance

SITREP = {
    "id": "ANF-SR-2024-00001",
    "date": "2024-03-12",
    "source": "ANF situation report",
    "title": "ANF recovers 12.5 kg heroin near Chaman",
    "body": "ANF recovered 12.5 kg heroin from a truck near Chaman. Accused Muhammad Yousaf s/o "
    "Gul Khan (CNIC 54401-1234567-1), cell 0300-1234567, was arrested; his accomplice, one "
    "Sher Ali Afridi, +93 70 123 4567, fled to Afghanistan. Payments went through IBAN "
    "PK36 SCBL 0000 0011 2345 6702 of Makran Fisheries (Pvt) Ltd.",
    "agency": "ANF",
}
NEWS = {
    "id": "NEWS-2024-00002",
    "date": "2024-05-01",
    "source": "Dawn",
    "title": "FIA foils smuggling bid",
    "body": "FIA intercepted 14 migrants at Taftan. Haji Noor Ahmed was arrested.",
}


def load(access: AccessLayer, path: Path) -> IngestReport:
    provenance = Provenance("situation_reports", "NCB", "RESTRICTED")
    query = QueryPlan(provenance=provenance, entities=[], files=[path], format="text")
    return ingest(access, access.viewer("admin"), MappingPlan(path, [query]))


def write_reports(path: Path, reports: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in reports), encoding="utf-8")
    return path


def entities(access: AccessLayer) -> dict[str, dict[str, Any]]:
    found = {}
    for entity in access.reader("admin").iter_entities():
        data = entity.to_dict()
        found[data["properties"]["messageId"][0]] = {"schema": data["schema"], **data["properties"]}
    return found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cell 0300-1234567", ["+923001234567"]),
        ("mobile 0345 1112223 and 03211234567", ["+923451112223", "+923211234567"]),
        ("whatsapp 923001234567", ["+923001234567"]),
        ("0092-300-1234567", ["+923001234567"]),
        ("Afghan number +93 70 123 4567", ["+93701234567"]),
        ("Afghan number 0093701234567", ["+93701234567"]),
        ("Iranian contact 0098 912 345 6789", ["+989123456789"]),
        ("in Dubai on +971 50 123 4567", ["+971501234567"]),
        ("CNIC 54401-1234567-1 and 5440112345671", []),
        ("FIR No. 123/2024 dated 12-03-2024", []),
    ],
)
def test_phones_in_any_usual_format_become_e164(text: str, expected: list[str]) -> None:
    assert extract_phones(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CNIC 54401-1234567-1", ["54401-1234567-1"]),
        ("CNIC No. 5440112345671", ["54401-1234567-1"]),
        ("NIC 54401 1234567 1", ["54401-1234567-1"]),
        ("account 54401123456712 (14 digits)", []),
        ("Afghan number 0093701234567", []),
        ("cell 0300-1234567", []),
    ],
)
def test_cnics_are_found_with_or_without_dashes(text: str, expected: list[str]) -> None:
    assert extract_cnics(text) == expected


def test_only_ibans_with_right_check_digits_are_taken() -> None:
    text = "to PK36 SCBL 0000 0011 2345 6702 and PK00SCBL0000001123456702"
    assert extract_ibans(text) == ["PK36SCBL0000001123456702"]


def test_emails_are_found_and_cleaned() -> None:
    assert extract_emails("wrote to khan.travels@gmail.com.") == ["khan.travels@gmail.com"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("accused Muhammad Yousaf s/o Gul Khan was held", ["Muhammad Yousaf"]),
        ("Accused Sher Ali Afridi fled", ["Sher Ali Afridi"]),
        ("police arrested one Noor ud Din Kakar near the border", ["Noor ud Din Kakar"]),
        ("Haji Gul Agha Noorzai owns the truck", ["Gul Agha Noorzai"]),
        ("M. Yousaf Khan d/o Karim Bakhsh", ["M. Yousaf Khan"]),
        ("accused Yousaf fled", []),
        ("The Customs team arrested the driver near Chaman", []),
    ],
)
def test_people_are_found_by_the_patterns_of_pakistani_reports(
    text: str, expected: list[str]
) -> None:
    assert extract_people(text) == expected


def test_a_patronymic_gives_the_fathers_name_apart() -> None:
    assert extract_fathers("accused Muhammad Yousaf s/o Haji Gul Khan, cell") == ["Gul Khan"]


def test_companies_are_found_by_their_legal_form() -> None:
    text = "The truck of Makran Fisheries (Pvt) Ltd. was used by Chaman Goods Transport."
    assert extract_companies(text) == ["Makran Fisheries (Pvt) Ltd", "Chaman Goods Transport"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("recovered 12.5 kg heroin", ["12.5 kg heroin"]),
        ("seized 3 Kgs of Hashish and 40 litres of acetic anhydride", ["3 kg hashish"]),
        ("intercepted 14 migrants", ["14 migrants"]),
        ("recovered PKR 2,500,000 and Rs. 3 million", ["PKR 2,500,000", "PKR 3 million"]),
    ],
)
def test_quantities_are_normalised(text: str, expected: list[str]) -> None:
    assert extract_quantities(text)[: len(expected)] == expected


def test_places_are_countries_and_capitalised_words_after_a_preposition() -> None:
    text = "Seized near Chaman and at Port Qasim on Monday; one Gul Khan fled to Afghanistan."
    assert extract_places(text, ["Gul Khan"]) == ["Afghanistan", "Chaman", "Port Qasim"]
    assert extract_countries(text) == ["af"]


def test_a_name_after_a_preposition_is_not_taken_for_a_place() -> None:
    assert extract_places("handed over to Muhammad Yousaf", ["Muhammad Yousaf"]) == []


def test_reports_become_situation_reports_or_articles_with_their_mentions(
    access: AccessLayer, tmp_path: Path
) -> None:
    path = write_reports(tmp_path / "ncb.reports.jsonl", [SITREP, NEWS])
    report = load(access, path)
    assert (report.rows_loaded, report.rows_quarantined) == (2, 0)
    found = entities(access)
    sitrep, news = found["ANF-SR-2024-00001"], found["NEWS-2024-00002"]
    assert (sitrep["schema"], news["schema"]) == ("PlainText", "Article")
    assert sitrep["author"] == ["ANF"] and sitrep["authoredAt"] == ["2024-03-12"]
    assert news["publisher"] == ["Dawn"] and news["publishedAt"] == ["2024-05-01"]
    assert sorted(sitrep["phoneMentioned"]) == ["+923001234567", "+93701234567"]
    assert sorted(sitrep["peopleMentioned"]) == ["Muhammad Yousaf", "Sher Ali Afridi"]
    assert sitrep["namesMentioned"] == ["Gul Khan"]
    assert sitrep["ibanMentioned"] == ["PK36SCBL0000001123456702"]
    assert sitrep["companiesMentioned"] == ["Makran Fisheries (Pvt) Ltd"]
    assert "54401-1234567-1" in sitrep["keywords"] and "12.5 kg heroin" in sitrep["keywords"]
    assert sorted(sitrep["locationMentioned"]) == ["Afghanistan", "Chaman"]
    assert news["peopleMentioned"] == ["Noor Ahmed"]
    assert news["locationMentioned"] == ["Taftan"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"date": "12th of March"}, "date"),
        ({"body": ""}, "body"),
        ({"id": None}, "id"),
        ({"agency": 7}, "agency"),
    ],
)
def test_a_report_that_cannot_be_read_is_quarantined_with_its_field(
    access: AccessLayer, tmp_path: Path, change: dict[str, Any], field: str
) -> None:
    path = write_reports(tmp_path / "bad.reports.jsonl", [NEWS, {**SITREP, **change}])
    report = load(access, path)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)
    [held] = access.reader("admin").quarantine()
    assert (held.row, held.field) == (2, field)


def test_a_reports_file_is_recognised_by_its_name() -> None:
    assert detect_format(Path("ncb/situation.reports.jsonl")) == "text"
