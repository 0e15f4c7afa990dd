"""Ingesting agency files through mappings: provenance, cleaning, quarantine, transactions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import Workbook

from nexus.exceptions import MappingError, SourceError
from nexus.ingest import ingest, load_mapping
from nexus.policy import AccessLayer
from nexus.store import ID_PROP
from tests.datafiles import ANF_COLUMNS, anf_rows, write_anf, write_csv


def load(access: AccessLayer, mapping: Path, files: list[Path] | None = None) -> object:
    return ingest(
        access, access.viewer("admin"), load_mapping(mapping, access.settings), files or []
    )


def visible_statements(access: AccessLayer) -> list[tuple[str, str, str, str]]:
    reader = access.reader("admin")
    return sorted((s.entity_id, s.prop, s.value, s.last_seen) for s in reader.iter_statements())


def test_every_value_keeps_its_source_row_agency_and_marking(
    access: AccessLayer, tmp_path: Path
) -> None:
    mapping, data = write_anf(tmp_path, count=3)
    load(access, mapping)
    reader = access.reader("admin")
    person = reader.entities(schema="Person", limit=1)[0]
    stmts = reader.statements(str(person.id))
    assert {s.dataset for s in stmts} == {"anf_seizures"}
    assert {s.marking.agency for s in stmts} == {"ANF"}
    assert {s.marking.classification for s in stmts} == {"RESTRICTED"}
    assert {s.marking.caveats for s in stmts} == {frozenset({"REL:UNODC"})}
    assert all(s.origin.startswith(f"{data.name}#row=") for s in stmts)


def test_phones_become_e164_and_keep_what_was_written(access: AccessLayer, tmp_path: Path) -> None:
    mapping, _ = write_anf(tmp_path, count=5)
    load(access, mapping)
    stmts = [s for s in access.reader("admin").iter_statements() if s.prop == "phone"]
    assert stmts and all(s.value.startswith("+923") and len(s.value) == 13 for s in stmts)
    assert all(s.original_value and s.original_value.startswith("03") for s in stmts)


def test_day_first_dates_are_read_in_any_listed_format(access: AccessLayer, tmp_path: Path) -> None:
    rows = anf_rows(2)
    rows[0]["Date of Seizure"] = "05/03/2024"
    rows[1]["Date of Seizure"] = "17-Mar-2024"
    mapping, _ = write_anf(tmp_path)
    write_csv(tmp_path / "anf_register.csv", rows, ANF_COLUMNS)
    load(access, mapping)
    dates = sorted(s.value for s in access.reader("admin").iter_statements() if s.prop == "date")
    assert dates == ["2024-03-05", "2024-03-17"]


def test_reingesting_a_file_adds_no_statements_and_refreshes_last_seen(
    access: AccessLayer, tmp_path: Path
) -> None:
    mapping, _ = write_anf(tmp_path, count=30)
    load(access, mapping)
    first = visible_statements(access)
    load(access, mapping)
    second = visible_statements(access)
    assert [s[:3] for s in first] == [s[:3] for s in second]
    assert all(b[3] >= a[3] for a, b in zip(first, second, strict=True))


def test_a_tenth_of_bad_rows_is_quarantined_and_the_rest_loads(
    access: AccessLayer, tmp_path: Path
) -> None:
    earlier_mapping, _ = write_anf(tmp_path, count=15, seed=1, name="earlier.csv")
    load(access, earlier_mapping)
    earlier = visible_statements(access)

    rows = anf_rows(100, seed=2)
    for i in range(0, 100, 10):
        kind = (i // 10) % 3
        if kind == 0:
            rows[i]["Date of Seizure"] = "31/02/2024"
        elif kind == 1:
            rows[i]["CNIC"] = ""  # the accused has a name but no key
        else:
            rows[i]["Mobile"] = "12"  # not a phone number anywhere
    mapping, data = write_anf(tmp_path, name="register.csv")
    write_csv(data, rows, ANF_COLUMNS)
    report = load(access, mapping)
    assert (report.rows_loaded, report.rows_quarantined) == (90, 10)  # type: ignore[attr-defined]

    quarantined = access.reader("anf_secret").quarantine(limit=100)
    assert len(quarantined) == 10
    assert {q.source for q in quarantined} == {str(data)}
    assert sorted(q.row for q in quarantined if q.row) == [i + 2 for i in range(0, 100, 10)]
    by_field = {q.field: q.reason for q in quarantined}
    assert "31/02/2024" in by_field["Date of Seizure"]
    assert "missing key for accused" in by_field["CNIC"]
    assert "'12'" in by_field["Mobile"]
    assert all(q.record["FIR No"] for q in quarantined)
    # a value the new file observes again keeps its row but refreshes last_seen
    assert {s[:3] for s in earlier} <= {s[:3] for s in visible_statements(access)}


def test_a_row_with_the_wrong_number_of_fields_is_quarantined(
    access: AccessLayer, tmp_path: Path
) -> None:
    mapping, data = write_anf(tmp_path, count=3)
    with data.open("a", encoding="utf-8") as fh:
        fh.write("ANF-X-1/2024,01/01/2024,Short Row\n")
    report = load(access, mapping)
    assert report.rows_quarantined == 1  # type: ignore[attr-defined]
    [record] = access.reader("anf_secret").quarantine()
    assert record.row == 5 and "fields" in record.reason


def test_quarantined_rows_take_the_strictest_marking_of_their_entities(
    access: AccessLayer, tmp_path: Path
) -> None:
    rows = anf_rows(3, informants=True)
    rows[0]["Date of Seizure"] = "never"
    mapping, data = write_anf(tmp_path)
    write_csv(data, rows, ANF_COLUMNS)
    load(access, mapping)
    [record] = access.reader("anf_secret").quarantine()
    assert record.marking.classification == "SECRET"
    assert "AGENCY-ONLY" in record.marking.caveats and "REL:UNODC" not in record.marking.caveats
    assert access.reader("unodc").quarantine() == []


def test_a_failed_run_leaves_earlier_data_untouched(access: AccessLayer, tmp_path: Path) -> None:
    mapping, _ = write_anf(tmp_path, count=10, name="first.csv")
    load(access, mapping)
    before = visible_statements(access)
    # Large enough that the bad byte lies past the header check, deep inside the run.
    bad_mapping, data = write_anf(tmp_path, count=1500, seed=9, name="second.csv")
    with data.open("ab") as fh:
        fh.write("ANF-9/2024,01/01/2024,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(SourceError, match=r"second.csv row 1502: not utf-8-sig text"):
        load(access, bad_mapping)
    assert visible_statements(access) == before
    assert access.store.runs()[0].status == "failed"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.replace("fatherName", "fathersName"), "Invalid property: fathersName"),
        (lambda m: m.replace("schema: Vehicle", "schema: Lorry"), "Invalid schema: Lorry"),
        (lambda m: m.replace("column: Mobile", "column: Mobile No"), "'Mobile No'"),
        (lambda m: m.replace("[REL:UNODC]", "[REL-UNODC]"), "unknown caveat 'REL-UNODC'"),
        (lambda m: m.replace("agency: ANF", "agency: ''"), "`agency:` is required"),
        (
            lambda m: m.replace("classification: SECRET", "classification: TOPMOST"),
            "entity 'informant': unknown classification 'TOPMOST'",
        ),
        (lambda m: m + "\n  : [", "not valid YAML"),
    ],
)
def test_an_invalid_mapping_is_refused_with_where_and_why(
    access: AccessLayer, tmp_path: Path, edit: object, message: str
) -> None:
    mapping, data = write_anf(tmp_path, count=3)
    mapping.write_text(edit(mapping.read_text()), encoding="utf-8")  # type: ignore[operator]
    with pytest.raises(MappingError) as caught:
        load(access, mapping)
    assert message in str(caught.value)
    assert str(mapping) in str(caught.value) or str(data) in str(caught.value)
    assert access.store.count_statements(access.scope(access.viewer("admin"))) == 0


def test_excel_workbooks_load_with_dates_from_date_cells(
    access: AccessLayer, tmp_path: Path
) -> None:
    import datetime as dt

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Seizures"
    sheet.append(["Seizure No", "Date", "Owner", "Goods", "Value (PKR)"])
    sheet.append(["CUS-KHI-1", dt.datetime(2024, 5, 2), "Makran Traders", "Cloth", 1250000])
    sheet.append(["CUS-KHI-2", dt.datetime(2024, 5, 9), "Gwadar Fisheries", "Diesel", 88000.0])
    book.save(tmp_path / "customs.xlsx")
    (tmp_path / "customs.yml").write_text(
        """
customs:
  agency: CUSTOMS
  classification: RESTRICTED
  queries:
    - csv_url: customs.xlsx
      sheet: Seizures
      entities:
        owner:
          schema: Company
          keys: [Owner]
          properties:
            name: {column: Owner}
        seizure:
          schema: Event
          keys: [Seizure No]
          properties:
            name: {column: Seizure No}
            date: {column: Date}
            summary: {column: Goods}
            involved: {entity: owner}
""",
        encoding="utf-8",
    )
    load(access, tmp_path / "customs.yml")
    events = access.reader("admin").entities(schema="Event")
    assert sorted(e.first("date") or "" for e in events) == ["2024-05-02", "2024-05-09"]
    origins = {s.origin for s in access.reader("admin").iter_statements()}
    assert "customs.xlsx#row=2" in origins


def test_json_lines_records_load_and_broken_lines_are_quarantined(
    access: AccessLayer, tmp_path: Path
) -> None:
    lines = [
        json.dumps({"name": "Sher Ali", "cnic": "54401-1111111-1"}),
        "{not json",
        json.dumps({"name": "Gul Khan", "cnic": "54401-2222222-3"}),
    ]
    (tmp_path / "police.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "police.yml").write_text(
        """
police_fir:
  agency: PUNJAB-POLICE
  classification: RESTRICTED
  query:
    csv_url: police.jsonl
    entities:
      person:
        schema: Person
        keys: [cnic]
        properties:
          name: {column: name}
          idNumber: {column: cnic}
""",
        encoding="utf-8",
    )
    report = load(access, tmp_path / "police.yml")
    assert (report.rows_loaded, report.rows_quarantined) == (2, 1)  # type: ignore[attr-defined]
    [bad] = access.reader("admin").quarantine()
    assert bad.row == 2 and "not valid JSON" in bad.reason


def test_files_named_on_the_command_line_go_to_the_matching_query(
    access: AccessLayer, tmp_path: Path
) -> None:
    mapping, data = write_anf(tmp_path, count=4)
    other = write_csv(tmp_path / "april.csv", anf_rows(3, seed=11), ANF_COLUMNS)
    report = load(access, mapping, [data, other])
    assert report.rows_loaded == 7  # type: ignore[attr-defined]
    assert {s.prop for s in access.reader("admin").iter_statements()} >= {ID_PROP, "name"}


def test_an_entity_absent_from_a_row_is_skipped_even_with_literal_properties(
    access: AccessLayer, tmp_path: Path
) -> None:
    write_csv(
        tmp_path / "cases.csv",
        [
            {"case": "FIA-1", "company": "Royal Overseas", "cnic": "34101-5556667-7"},
            {"case": "FIA-2", "company": "", "cnic": "34201-8889990-1"},
        ],
    )
    (tmp_path / "cases.yml").write_text(
        """
fia:
  agency: FIA
  classification: RESTRICTED
  query:
    csv_url: cases.csv
    entities:
      company:
        schema: Company
        keys: [company]
        properties:
          name: {column: company}
          country: {literal: pk}
""",
        encoding="utf-8",
    )
    report = load(access, tmp_path / "cases.yml")
    assert (report.rows_loaded, report.rows_quarantined) == (2, 0)  # type: ignore[attr-defined]
    assert access.reader("admin").count_entities(schema="Company") == 1
