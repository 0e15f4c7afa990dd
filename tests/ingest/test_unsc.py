"""The UN consolidated list loads as people, organisations and sanctions, quality and all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from nexus.exceptions import SourceError
from nexus.ingest import IngestReport, MappingPlan, QueryPlan, detect_format, ingest
from nexus.ingest.mapping import RowError
from nexus.ingest.unsc import element_record, read_unsc, unsc_statements
from nexus.policy import AccessLayer
from nexus.store import Marking, Provenance

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<CONSOLIDATED_LIST dateGenerated="2024-01-01">\n'
LISTED = """<INDIVIDUALS>
<INDIVIDUAL>
  <DATAID>6900001</DATAID>
  <FIRST_NAME>MUHAMMAD</FIRST_NAME><SECOND_NAME>YOUSAF</SECOND_NAME><THIRD_NAME>ACHAKZAI</THIRD_NAME>
  <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
  <REFERENCE_NUMBER>QDi.431</REFERENCE_NUMBER>
  <LISTED_ON>2019-05-01</LISTED_ON>
  <GENDER>Male</GENDER>
  <NAME_ORIGINAL_SCRIPT>محمد یوسف اچکزئی</NAME_ORIGINAL_SCRIPT>
  <COMMENTS1>Finances Lashkar-e-Fitna. Father's name is Gul Khan.</COMMENTS1>
  <TITLE><VALUE>Haji</VALUE></TITLE>
  <NATIONALITY><VALUE>Pakistan</VALUE></NATIONALITY>
  <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY>
    <ALIAS_NAME>Mohammad Yusuf Achakzai</ALIAS_NAME></INDIVIDUAL_ALIAS>
  <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Haji Sahib</ALIAS_NAME></INDIVIDUAL_ALIAS>
  <INDIVIDUAL_ADDRESS><CITY>Quetta</CITY><STATE_PROVINCE>Balochistan</STATE_PROVINCE>
    <COUNTRY>Pakistan</COUNTRY></INDIVIDUAL_ADDRESS>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1978-04-02</DATE></INDIVIDUAL_DATE_OF_BIRTH>
  <INDIVIDUAL_PLACE_OF_BIRTH><CITY>Chaman</CITY><COUNTRY>Pakistan</COUNTRY></INDIVIDUAL_PLACE_OF_BIRTH>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT>
    <NUMBER>54401-1234567-1</NUMBER><ISSUING_COUNTRY>Pakistan</ISSUING_COUNTRY></INDIVIDUAL_DOCUMENT>
  <INDIVIDUAL_DOCUMENT><TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>AB1234567</NUMBER></INDIVIDUAL_DOCUMENT>
</INDIVIDUAL>
<INDIVIDUAL>
  <FIRST_NAME>GUL</FIRST_NAME><SECOND_NAME>AGHA</SECOND_NAME><THIRD_NAME>ISHAQZAI</THIRD_NAME>
  <UN_LIST_TYPE>Taliban</UN_LIST_TYPE>
  <REFERENCE_NUMBER>TAi.147</REFERENCE_NUMBER>
  <LISTED_ON>2011-07-20</LISTED_ON>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1972</FROM_YEAR><TO_YEAR>1973</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>
</INDIVIDUAL>
"""
BROKEN = """<INDIVIDUAL>
  <FIRST_NAME>NOOR</FIRST_NAME><SECOND_NAME>AHMED</SECOND_NAME>
  <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
  <REFERENCE_NUMBER>QDi.500</REFERENCE_NUMBER>
  <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1975-02-31</DATE></INDIVIDUAL_DATE_OF_BIRTH>
</INDIVIDUAL>
"""
ENTITIES = """</INDIVIDUALS>
<ENTITIES>
<ENTITY>
  <FIRST_NAME>LASHKAR-E-FITNA</FIRST_NAME>
  <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
  <REFERENCE_NUMBER>QDe.181</REFERENCE_NUMBER>
  <LISTED_ON>2018-02-01</LISTED_ON>
  <ENTITY_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>LeF</ALIAS_NAME></ENTITY_ALIAS>
  <ENTITY_ADDRESS><CITY>Quetta</CITY><COUNTRY>Pakistan</COUNTRY></ENTITY_ADDRESS>
</ENTITY>
</ENTITIES>
</CONSOLIDATED_LIST>
"""
MARKING = Marking("UNSC", "UNCLASSIFIED", frozenset())


def write_list(path: Path, *, broken: bool = False) -> Path:
    path.write_text(HEAD + LISTED + (BROKEN if broken else "") + ENTITIES, encoding="utf-8")
    return path


def load(access: AccessLayer, path: Path) -> IngestReport:
    provenance = Provenance("un_sc_sanctions", "UNSC", "UNCLASSIFIED")
    query = QueryPlan(provenance=provenance, entities=[], files=[path], format="unsc")
    return ingest(access, access.viewer("admin"), MappingPlan(path, [query]))


def properties(access: AccessLayer) -> dict[str, dict[str, Any]]:
    found = {}
    for entity in access.reader("admin").iter_entities():
        data = entity.to_dict()
        found[data["id"]] = {"schema": data["schema"], **data["properties"]}
    return found


def listing(xml: str) -> dict[str, Any]:
    element = etree.fromstring(xml)
    return {"_kind": element.tag, **element_record(element)}


def person_values(xml: str, prop: str) -> list[str]:
    return sorted(
        s.value for s in unsc_statements(listing(xml), "un", "un.xml", MARKING) if s.prop == prop
    )


def test_listings_become_people_organisations_and_their_sanctions(
    access: AccessLayer, tmp_path: Path
) -> None:
    report = load(access, write_list(tmp_path / "consolidated.unsc.xml"))
    assert (report.rows_loaded, report.rows_quarantined) == (3, 0)
    found = properties(access)
    person, org = found["unsc-qdi-431"], found["unsc-qde-181"]
    assert (person["schema"], org["schema"]) == ("Person", "Organization")
    assert person["name"] == ["MUHAMMAD YOUSAF ACHAKZAI"]
    assert org["name"] == ["LASHKAR-E-FITNA"] and org["alias"] == ["LeF"]
    sanction = found["unsc-qdi-431-sanction"]
    assert sanction["schema"] == "Sanction"
    assert sanction["entity"] == ["unsc-qdi-431"]
    assert sanction["unscId"] == ["QDi.431"]
    assert sanction["program"] == ["Al-Qaida"]
    assert sanction["authority"] == ["United Nations Security Council"]
    assert sanction["listingDate"] == ["2019-05-01"]


def test_aliases_are_split_by_quality_and_the_original_script_is_an_alias() -> None:
    xml = LISTED.split("<INDIVIDUALS>")[1].split("</INDIVIDUAL>")[0] + "</INDIVIDUAL>"
    assert person_values(xml, "alias") == sorted(["Mohammad Yusuf Achakzai", "محمد یوسف اچکزئی"])
    assert person_values(xml, "weakAlias") == ["Haji Sahib"]


def test_identity_details_are_cleaned_to_ftm_values() -> None:
    xml = LISTED.split("<INDIVIDUALS>")[1].split("</INDIVIDUAL>")[0] + "</INDIVIDUAL>"
    assert person_values(xml, "nationality") == ["pk"]
    assert person_values(xml, "idNumber") == ["54401-1234567-1"]
    assert person_values(xml, "passportNumber") == ["AB1234567"]
    assert person_values(xml, "address") == ["Quetta, Balochistan, Pakistan"]
    assert person_values(xml, "birthPlace") == ["Chaman, Pakistan"]
    assert person_values(xml, "fatherName") == ["Gul Khan"]
    assert person_values(xml, "gender") == ["male"]
    assert person_values(xml, "title") == ["Haji"]


@pytest.mark.parametrize(
    ("dob", "expected"),
    [
        ("<TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1978-04-02</DATE>", ["1978-04-02"]),
        ("<TYPE_OF_DATE>EXACT</TYPE_OF_DATE><YEAR>1975</YEAR>", ["1975"]),
        ("<TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1968</YEAR>", ["1968"]),
        ("<TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><DATE>1968-01-01</DATE>", ["1968"]),
        (
            "<TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1972</FROM_YEAR><TO_YEAR>1974</TO_YEAR>",
            ["1972", "1973", "1974"],
        ),
        (
            "<TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1950</FROM_YEAR><TO_YEAR>1970</TO_YEAR>",
            ["1950", "1970"],
        ),
    ],
)
def test_partial_birth_dates_stay_as_precise_as_the_list(dob: str, expected: list[str]) -> None:
    xml = (
        "<INDIVIDUAL><FIRST_NAME>A</FIRST_NAME><SECOND_NAME>B</SECOND_NAME>"
        "<REFERENCE_NUMBER>QDi.1</REFERENCE_NUMBER>"
        f"<INDIVIDUAL_DATE_OF_BIRTH>{dob}</INDIVIDUAL_DATE_OF_BIRTH></INDIVIDUAL>"
    )
    assert person_values(xml, "birthDate") == expected


@pytest.mark.parametrize(
    ("fragment", "field"),
    [
        (
            "<INDIVIDUAL_DATE_OF_BIRTH><DATE>1975-02-31</DATE></INDIVIDUAL_DATE_OF_BIRTH>",
            "INDIVIDUAL_DATE_OF_BIRTH/DATE",
        ),
        (
            "<INDIVIDUAL_DATE_OF_BIRTH><YEAR>about 1970</YEAR></INDIVIDUAL_DATE_OF_BIRTH>",
            "INDIVIDUAL_DATE_OF_BIRTH/YEAR",
        ),
        ("<LISTED_ON>1st May 2019</LISTED_ON>", "LISTED_ON"),
        (
            "<INDIVIDUAL_DATE_OF_BIRTH><FROM_YEAR>1980</FROM_YEAR><TO_YEAR>1970</TO_YEAR>"
            "</INDIVIDUAL_DATE_OF_BIRTH>",
            "INDIVIDUAL_DATE_OF_BIRTH",
        ),
    ],
)
def test_an_unreadable_value_is_a_row_error_naming_its_field(fragment: str, field: str) -> None:
    xml = (
        "<INDIVIDUAL><FIRST_NAME>A</FIRST_NAME><REFERENCE_NUMBER>QDi.1</REFERENCE_NUMBER>"
        f"{fragment}</INDIVIDUAL>"
    )
    with pytest.raises(RowError) as caught:
        unsc_statements(listing(xml), "un", "un.xml", MARKING)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("xml", "field"),
    [
        ("<ENTITY><FIRST_NAME>X</FIRST_NAME></ENTITY>", "REFERENCE_NUMBER"),
        ("<ENTITY><FIRST_NAME/><REFERENCE_NUMBER>QDe.9</REFERENCE_NUMBER></ENTITY>", "FIRST_NAME"),
    ],
)
def test_a_listing_without_reference_or_name_is_a_row_error(xml: str, field: str) -> None:
    with pytest.raises(RowError) as caught:
        unsc_statements(listing(xml), "un", "un.xml", MARKING)
    assert caught.value.field == field


def test_a_nationality_that_is_no_country_is_kept_in_the_notes_not_lost() -> None:
    xml = (
        "<INDIVIDUAL><FIRST_NAME>A</FIRST_NAME><REFERENCE_NUMBER>QDi.1</REFERENCE_NUMBER>"
        "<NATIONALITY><VALUE>Pakistan</VALUE><VALUE>Citizenship withdrawn in 2002</VALUE>"
        "</NATIONALITY></INDIVIDUAL>"
    )
    assert person_values(xml, "nationality") == ["pk"]
    assert person_values(xml, "notes") == ["NATIONALITY: Citizenship withdrawn in 2002"]


def test_a_listing_with_a_broken_date_is_quarantined_and_the_others_load(
    access: AccessLayer, tmp_path: Path
) -> None:
    path = write_list(tmp_path / "consolidated.unsc.xml", broken=True)
    report = load(access, path)
    assert (report.rows_loaded, report.rows_quarantined) == (3, 1)
    [held] = access.reader("admin").quarantine()
    assert held.field == "INDIVIDUAL_DATE_OF_BIRTH/DATE"
    assert "1975-02-31" in held.reason
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [number for number, line in enumerate(lines, start=1) if line == "<INDIVIDUAL>"]
    assert held.row == starts[2]  # the third listing, where its element starts
    assert "unsc-qdi-500" not in properties(access)


def test_rows_are_named_by_reference_and_numbered_by_their_line(tmp_path: Path) -> None:
    rows = list(read_unsc(write_list(tmp_path / "list.unsc.xml"), "utf-8"))
    assert [r.ref for r in rows] == ["individual=QDi.431", "individual=TAi.147", "entity=QDe.181"]
    assert rows[0].number == 4
    assert rows[0].origin(Path("list.unsc.xml")) == "list.unsc.xml#individual=QDi.431"


def test_a_file_that_is_not_well_formed_stops_the_run_naming_file_and_line(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cut.unsc.xml"
    path.write_text(HEAD + LISTED[:400], encoding="utf-8")
    with pytest.raises(SourceError, match=r"cut\.unsc\.xml line \d+: not well-formed XML"):
        list(read_unsc(path, "utf-8"))


def test_another_xml_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.unsc.xml"
    path.write_text("<report><transaction/></report>", encoding="utf-8")
    with pytest.raises(SourceError, match="not a UN consolidated list"):
        list(read_unsc(path, "utf-8"))


def test_the_same_listing_has_the_same_ids_in_any_dataset() -> None:
    xml = "<ENTITY><FIRST_NAME>X</FIRST_NAME><REFERENCE_NUMBER>QDe.181</REFERENCE_NUMBER></ENTITY>"
    ours = {s.entity_id for s in unsc_statements(listing(xml), "un", "a", MARKING)}
    theirs = {s.entity_id for s in unsc_statements(listing(xml), "ctd", "b", MARKING)}
    assert ours == theirs == {"unsc-qde-181", "unsc-qde-181-sanction"}


def test_a_unsc_file_is_recognised_by_its_name() -> None:
    assert detect_format(Path("consolidated.unsc.xml")) == "unsc"
    assert detect_format(Path("consolidated.xml"), "unsc") == "unsc"
