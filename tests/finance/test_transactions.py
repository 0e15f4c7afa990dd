"""Transactions in columnar form: a scan CSV checked row by row, Parquet, stored Payments."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from nexus.exceptions import SourceError
from nexus.finance.sql import SCAN_COLUMNS, open_engine
from nexus.finance.transactions import payments_from_store, write_rejects
from nexus.finance.typologies import scan
from nexus.ingest import ingest, load_mapping
from nexus.policy import AccessLayer
from nexus.scenario.generate import GenerationReport, generate
from nexus.settings import TypologySettings


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> GenerationReport:
    return generate(3, "tiny", tmp_path_factory.mktemp("transactions") / "scenario")


def export_rows(scenario: GenerationReport) -> list[dict[str, str]]:
    with (scenario.outdir / "exports" / "transactions.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_rows(path: Path, rows: list[dict[str, str]], columns: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def wire_row(rows: list[dict[str, str]]) -> int:
    return next(i for i, r in enumerate(rows) if r["channel"] == "wire" and i > 5)


CORRUPTIONS = [
    ("amount", "abc", "amount", "not a number"),
    ("amount", "-5", "amount", "must be more than zero"),
    ("currency", "XYZ", "currency", "no exchange rate"),
    ("channel", "teleport", "channel", "not one of cash_deposit"),
    ("timestamp", "31/02/2024", "timestamp", "not a date and time"),
    ("payer_country", "Pakistan", "payer_country", "not a two-letter country code"),
    ("payer_account", "CASH", "payer_account", "CASH pays only in a cash_deposit"),
    ("beneficiary_account", "", "beneficiary_account", "missing"),
    ("id", "T000000001", "id", "repeats the id of an earlier row"),
]


@pytest.mark.parametrize(("column", "value", "field", "reason"), CORRUPTIONS)
def test_a_bad_row_is_reported_by_line_and_field_and_the_rest_is_loaded(
    scenario: GenerationReport, tmp_path: Path, column: str, value: str, field: str, reason: str
) -> None:
    rows = export_rows(scenario)
    index = wire_row(rows)
    rows[index][column] = value
    path = write_rows(tmp_path / "tx.csv", rows, list(SCAN_COLUMNS))
    with open_engine() as engine:
        report = engine.load_csv(path, TypologySettings())
        assert engine.transaction_count() == len(rows) - 1
    [error] = report.errors
    assert (error.line, error.field) == (index + 2, field)  # the header is line 1
    assert error.reason.startswith(reason)
    assert report.rows_read == len(rows) and report.rows_loaded == len(rows) - 1


def test_a_row_with_a_field_missing_is_set_aside_whole(
    scenario: GenerationReport, tmp_path: Path
) -> None:
    source = scenario.outdir / "exports" / "transactions.csv"
    lines = source.read_text(encoding="utf-8").splitlines()
    lines[10] = lines[10].rsplit(",", 1)[0]
    path = tmp_path / "tx.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open_engine() as engine:
        report = engine.load_csv(path, TypologySettings())
    [error] = report.errors
    assert (error.line, error.field, error.reason) == (11, "", "expected 10 fields, found 9")
    out = tmp_path / "rejects.csv"
    with out.open("w", encoding="utf-8") as fh:
        assert write_rejects(report.errors, fh) == 1
    assert out.read_text(encoding="utf-8").splitlines()[0] == "line,field,value,reason,record"


def test_a_file_without_the_scan_columns_is_refused_naming_them(
    scenario: GenerationReport, tmp_path: Path
) -> None:
    rows = [{k: v for k, v in r.items() if k != "channel"} for r in export_rows(scenario)]
    columns = [c for c in SCAN_COLUMNS if c != "channel"]
    path = write_rows(tmp_path / "tx.csv", rows, columns)
    with (
        open_engine() as engine,
        pytest.raises(SourceError, match=r"line 1: missing column\(s\) channel"),
    ):
        engine.load_csv(path, TypologySettings())


def test_columns_may_come_in_any_order_and_codes_in_any_case(
    scenario: GenerationReport, tmp_path: Path
) -> None:
    rows = export_rows(scenario)
    for row in rows:
        row["currency"] = row["currency"].lower()
        row["payer_country"] = row["payer_country"].upper()
    path = write_rows(tmp_path / "tx.csv", rows, list(reversed(SCAN_COLUMNS)))
    with open_engine() as engine:
        report = engine.load_csv(path, TypologySettings())
        assert report.errors == [] and engine.transaction_count() == len(rows)


def test_the_scanned_rows_are_kept_as_parquet(scenario: GenerationReport, tmp_path: Path) -> None:
    with open_engine() as engine:
        engine.load_csv(scenario.outdir / "exports" / "transactions.csv", TypologySettings())
        engine.write_parquet(tmp_path / "tx.parquet")
    table = pq.read_table(tmp_path / "tx.parquet")
    assert table.column_names == list(SCAN_COLUMNS)
    assert table.num_rows == len(export_rows(scenario))
    with open_engine() as again:
        assert again.load_arrow(table, TypologySettings()).errors == []
        assert again.transaction_count() == table.num_rows


def load_bank_extracts(access: AccessLayer, scenario: GenerationReport) -> None:
    admin = access.viewer("admin")
    for mapping in sorted((scenario.outdir / "data" / "banks").glob("*.yml")):
        ingest(access, admin, load_mapping(mapping, access.settings))


def test_payments_in_the_store_are_scanned_as_the_viewer_sees_them(
    access: AccessLayer, scenario: GenerationReport
) -> None:
    load_bank_extracts(access, scenario)
    settings = TypologySettings()
    payments = payments_from_store(access.reader("admin"), settings)
    exported = export_rows(scenario)
    # Every transfer that touches a Pakistani bank is in an extract; one reported by the banks
    # of both sides is counted once.
    domestic = [r for r in exported if "pk" in (r["payer_country"], r["beneficiary_country"])]
    assert payments.duplicates > 0
    assert abs(payments.table.num_rows - len(domestic)) <= 0.02 * len(domestic)
    assert payments.skipped == []
    with open_engine() as engine:
        assert engine.load_arrow(payments.table, settings).errors == []
        findings = scan(engine, settings, payments.entity_of)
    ids = set(payments.table.column("id").to_pylist())
    assert all(set(f.transactions) <= ids for f in findings)
    # Bank extracts are the FMU's, CONFIDENTIAL: a partner with no release sees none of them.
    assert payments_from_store(access.reader("unodc"), settings).table.num_rows == 0
