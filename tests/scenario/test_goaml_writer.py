"""The goAML writer: which bank files what, valid and deterministic XML that Nexus loads cleanly."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from lxml import etree

from nexus.ingest import MappingPlan, QueryPlan, ingest
from nexus.ingest.goaml import report_schema
from nexus.policy import AccessLayer
from nexus.scenario.finance_base import pk_iban
from nexus.scenario.goaml import GoamlReport, build_reports, report_xml, write_reports
from nexus.scenario.model import (
    CASH,
    Account,
    Channel,
    Organisation,
    Person,
    Place,
    Transaction,
    World,
)
from nexus.store import Provenance

DAY = dt.date(2024, 3, 12)
QUETTA = Place("Quetta", "pk", 30.18, 66.99, province="Balochistan")
KABUL = Place("Kabul", "af", 34.53, 69.17)

HBL_YOUSAF = pk_iban("HABB", "0000001123456702")
UBL_GUL = pk_iban("UNIL", "0000009876543210")
MEEZAN_MAKRAN = pk_iban("MEZN", "0101234500001111")
HBL_ZARMINA = pk_iban("HABB", "0000004455667788")
AZIZI_WALI = "1234567890123"

# pattern id -> the transactions planted for it (ground truth)
PATTERNS = {
    "structuring-1": ["S1", "S2", "S3"],
    "fan_out-1": ["F1", "F2", "F3"],
    "hawala-1": ["H1", "H2"],
}


def make_world() -> World:
    world = World(seed=1, scale="test", start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31))
    people = [
        Person("P1", "Muhammad Yousaf", "Khan", "Akbar Khan", "male", dt.date(1984, 6, 2), "pk",
               "3520212345671", ["+923001234567"], QUETTA, ["Haji"]),
        Person("P2", "Gul Khan", None, "Noor Muhammad", "male", dt.date(1979, 1, 9), "pk",
               "5440111111111", ["+923331234567"], QUETTA),
        Person("P3", "Zarmina", None, "Gul Khan", "female", dt.date(1990, 5, 5), "pk",
               "5440122222222", [], QUETTA),
        Person("P4", "Abdul Wali", "Achakzai", "Haji Sultan", "male", dt.date(1975, 2, 2), "af",
               None, ["+93701234567"], KABUL),
        Person("P5", "Sher Ali", "Baloch", "Mir Dad", "male", dt.date(1969, 8, 8), "pk",
               "5440333333333", ["+923451234567"], QUETTA, email="sher@example.pk",
               occupation="Trader"),
    ]  # fmt: skip
    world.people = {p.uid: p for p in people}
    makran = Organisation(
        "O1", "Makran Fisheries (Pvt) Ltd", "company", "pk", "0012345", "Private Limited",
        QUETTA, owners=["P1"], directors=["P5"],
    )  # fmt: skip
    world.organisations = {makran.uid: makran}
    accounts = [
        Account("A1", HBL_YOUSAF, "HBL", "Quetta Jinnah Road Branch", "P1", "PKR", "pk", DAY),
        Account("A2", UBL_GUL, "UBL", "Quetta Liaquat Bazar Branch", "P2", "PKR", "pk", DAY),
        Account("A3", MEEZAN_MAKRAN, "Meezan Bank", None, "O1", "PKR", "pk", DAY, "business"),
        Account("A4", HBL_ZARMINA, "HBL", "Quetta Satellite Town Branch", "P3", "PKR", "pk", DAY),
        Account("A5", AZIZI_WALI, "Azizi Bank", "Kabul Shahr-e Naw Branch", "P4", "AFN", "af",
                DAY),
    ]  # fmt: skip
    world.accounts = {a.uid: a for a in accounts}
    return world


def tx(
    tid: str,
    day: int,
    payer: str,
    beneficiary: str,
    amount: float,
    channel: Channel = "wire",
    currency: str = "PKR",
    countries: tuple[str, str] = ("pk", "pk"),
) -> Transaction:
    moment = dt.datetime.combine(DAY, dt.time(11)) + dt.timedelta(days=day, minutes=int(tid[1:]))
    return Transaction(tid, moment, payer, beneficiary, amount, currency, channel, *countries,
                       branch="Quetta Jinnah Road Branch")  # fmt: skip


def make_transactions() -> list[Transaction]:
    return [
        tx("C1", 0, CASH, HBL_YOUSAF, 2_500_000, "cash_deposit"),
        tx("C2", 0, CASH, HBL_ZARMINA, 3_000_000, "cash_deposit"),
        tx("C3", 0, UBL_GUL, CASH, 2_100_000, "cash_withdrawal"),
        tx("C4", 0, CASH, UBL_GUL, 10_000, "cash_deposit", currency="USD"),  # PKR 2.8 million
        tx("C5", 1, CASH, HBL_YOUSAF, 2_000_000, "cash_deposit"),  # at the threshold: reported
        tx("S1", 2, CASH, HBL_YOUSAF, 1_950_000, "cash_deposit"),
        tx("S2", 3, CASH, HBL_YOUSAF, 1_980_000, "cash_deposit"),
        tx("S3", 4, CASH, HBL_YOUSAF, 1_940_000, "cash_deposit"),
        tx("F1", 5, MEEZAN_MAKRAN, HBL_YOUSAF, 700_000),
        tx("F2", 5, MEEZAN_MAKRAN, UBL_GUL, 650_000),
        tx("F3", 6, MEEZAN_MAKRAN, HBL_ZARMINA, 800_000),
        tx("H1", 7, UBL_GUL, AZIZI_WALI, 900_000, "hawala", countries=("pk", "af")),
        tx("H2", 8, AZIZI_WALI, HBL_YOUSAF, 880_000, "hawala", countries=("af", "pk")),
        tx("O1", 9, UBL_GUL, HBL_YOUSAF, 15_000),  # ordinary: nobody reports it
    ]


SUSPICIOUS = {tid: pattern for pattern, tids in PATTERNS.items() for tid in tids}


def typed(transactions: list[Transaction]) -> list[Transaction]:
    for t in transactions:
        if t.id in SUSPICIOUS:
            t.pattern = SUSPICIOUS[t.id]
            t.typology = SUSPICIOUS[t.id].split("-")[0]
    return transactions


@pytest.fixture(scope="module")
def reports() -> list[GoamlReport]:
    return build_reports(make_world(), typed(make_transactions()), SUSPICIOUS, random.Random(5))


def filed(reports: list[GoamlReport], code: str) -> dict[str, list[str]]:
    """Bank code (from the reference) -> transaction numbers, for reports of one code."""
    found: dict[str, list[str]] = {}
    for report in reports:
        if report.report_code == code:
            key = report.entity_reference.split("-")[0]
            found.setdefault(key, []).append(",".join(t.number for t in report.transactions))
    return found


def test_the_same_seed_writes_the_same_files_byte_for_byte(tmp_path: Path) -> None:
    written = []
    for name in ("one", "two"):
        again = build_reports(
            make_world(), typed(make_transactions()), SUSPICIOUS, random.Random(5)
        )
        written.append({p.name: p.read_bytes() for p in write_reports(again, tmp_path / name)})
    assert written[0] == written[1]
    assert all(name.endswith(".goaml.xml") for name in written[0])


def test_every_written_report_validates_against_the_goaml_schema(
    reports: list[GoamlReport],
) -> None:
    schema = report_schema()
    for report in reports:
        document = etree.fromstring(report_xml(report))
        assert schema.validate(document), (report.entity_reference, schema.error_log)


def test_cash_at_or_above_the_threshold_is_one_ctr_per_bank_and_day(
    reports: list[GoamlReport],
) -> None:
    assert filed(reports, "CTR") == {"HABB": ["C1,C2", "C5"], "UNIL": ["C3,C4"]}
    usd = next(t for r in reports for t in r.transactions if t.number == "C4")
    assert usd.amount_local == 2_800_000
    assert usd.source.foreign_currency == ("USD", 10_000, 280.0)


def test_the_threshold_is_a_parameter(reports: list[GoamlReport]) -> None:
    lower = build_reports(
        make_world(), make_transactions(), {}, random.Random(5), threshold=1_900_000
    )
    assert filed(lower, "CTR")["HABB"] == ["C1,C2", "C5", "S1", "S2", "S3"]


def test_a_pattern_is_filed_by_the_bank_holding_its_busiest_account(
    reports: list[GoamlReport],
) -> None:
    # Structuring hits Yousaf's HBL account; the fan-out leaves Makran's Meezan account; the
    # hawala pair touches UBL and HBL once each (ties go to the lower account number).
    assert filed(reports, "STR") == {
        "HABB": ["H2", "S1,S2,S3"],
        "MEZN": ["F1,F2,F3"],
        "UNIL": ["H1"],
    }
    structuring = next(r for r in reports if r.transactions[0].number == "S1")
    assert structuring.indicators == ["CASH-STRUCTURING", "BELOW-CTR-THRESHOLD"]
    assert structuring.reason is not None
    assert "Muhammad Yousaf Khan" in structuring.reason
    assert "PKR 2,000,000 CTR threshold" in structuring.reason
    assert structuring.submission_date.date() > dt.date(2024, 3, 16)


def test_the_reporting_banks_own_customers_are_its_clients(reports: list[GoamlReport]) -> None:
    fan_out = next(r for r in reports if r.transactions[0].number == "F1")
    f1, f2 = fan_out.transactions[:2]
    assert (f1.source.my_client, f1.target.my_client) == (True, False)
    assert (f2.source.my_client, f2.target.my_client) == (True, False)
    deposit = next(t for r in reports for t in r.transactions if t.number == "S1")
    assert deposit.source.funds_code == "K" and deposit.source.my_client
    assert b"<t_from_my_client>" in report_xml(fan_out) and b"<t_to>" in report_xml(fan_out)


def test_written_reports_load_without_quarantine_and_keep_people_apart_by_cnic(
    reports: list[GoamlReport], access: AccessLayer, tmp_path: Path
) -> None:
    paths = write_reports(reports, tmp_path / "goaml")
    query = QueryPlan(
        provenance=Provenance("fmu_goaml", "FMU", "CONFIDENTIAL"), entities=[], files=paths
    )
    result = ingest(access, access.viewer("admin"), MappingPlan(tmp_path, [query]))
    assert (result.rows_loaded, result.rows_quarantined) == (len(reports), 0)
    found = list(access.reader("admin").iter_entities())
    cnics = [p.first("idNumber") for p in found if p.schema.name == "Person"]
    assert sorted(c for c in cnics if c) == [
        "35202-1234567-1",
        "54401-1111111-1",
        "54401-2222222-2",
        "54403-3333333-3",
    ]
    documents = [e for e in found if e.schema.name == "Document"]
    assert len(documents) == len(reports)
    payments = {e.first("transactionNumber") for e in found if e.schema.name == "Payment"}
    assert payments == {t.number for r in reports for t in r.transactions}


def test_a_transaction_naming_an_unknown_account_is_refused() -> None:
    stray = tx("X1", 0, CASH, "PK00NONE0000000000000000", 5_000_000, "cash_deposit")
    with pytest.raises(ValueError, match="X1: no account"):
        build_reports(make_world(), [stray], {}, random.Random(1))
