"""goAML reports in: each validated on its own, mapped to FtM, keyed to merge across reports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from followthemoney import StatementEntity

from nexus.exceptions import SourceError
from nexus.ingest import MappingPlan, QueryPlan, ingest, load_mapping
from nexus.ingest.goaml import read_reports
from nexus.policy import AccessLayer
from nexus.store import Provenance, open_store

PROVENANCE = Provenance("fmu_goaml", "FMU", "CONFIDENTIAL")
HBL_IBAN = "PK13HABB0000001123456702"
UBL_IBAN = "PK12UNIL0000009876543210"


# -- report builders ----------------------------------------------------------------------------
def person(
    first: str,
    last: str,
    *,
    cnic: str | None = None,
    middle: str | None = None,
    birth: str | None = None,
    phone: str | None = None,
) -> str:
    parts = ["<gender>M</gender>", f"<first_name>{first}</first_name>"]
    if middle:
        parts.append(f"<middle_name>{middle}</middle_name>")
    parts.append(f"<last_name>{last}</last_name>")
    if birth:
        parts.append(f"<birthdate>{birth}</birthdate>")
    if cnic:
        parts.append(f"<id_number>{cnic}</id_number>")
    parts.append("<nationality1>PK</nationality1>")
    if phone:
        parts.append(
            "<phones><phone><tph_contact_type>P</tph_contact_type>"
            "<tph_communication_type>M</tph_communication_type>"
            f"<tph_number>{phone}</tph_number></phone></phones>"
        )
    return "".join(parts)


def account(number: str, holder: str, *, bank: str = "HBL", swift: str = "HABBPKKA") -> str:
    return (
        f"<institution_name>{bank}</institution_name><swift>{swift}</swift>"
        f"<branch>Quetta Jinnah Road Branch</branch><account>{number}</account>"
        "<currency_code>PKR</currency_code>"
        f"<signatory><is_primary>true</is_primary><t_person>{holder}</t_person></signatory>"
    )


def transaction(
    number: str,
    source: str,
    target: str,
    *,
    amount: str = "1950000.00",
    date: str = "2024-03-12T10:15:00",
) -> str:
    return (
        f"<transaction><transactionnumber>{number}</transactionnumber>"
        f"<date_transaction>{date}</date_transaction><transmode_code>EFT</transmode_code>"
        f"<amount_local>{amount}</amount_local>{source}{target}</transaction>"
    )


def from_account(body: str, *, mine: bool = True) -> str:
    tag = "t_from_my_client" if mine else "t_from"
    return (
        f"<{tag}><from_funds_code>A</from_funds_code><from_account>{body}</from_account>"
        f"<from_country>PK</from_country></{tag}>"
    )


def to_account(body: str, *, mine: bool = False) -> str:
    tag = "t_to_my_client" if mine else "t_to"
    return (
        f"<{tag}><to_funds_code>A</to_funds_code><to_account>{body}</to_account>"
        f"<to_country>PK</to_country></{tag}>"
    )


def from_cash(body: str) -> str:
    return (
        "<t_from><from_funds_code>K</from_funds_code>"
        f"<from_person>{body}</from_person><from_country>PK</from_country></t_from>"
    )


def report(reference: str, *transactions: str, code: str = "STR", date: str | None = None) -> str:
    return (
        "<report>\n"
        "  <rentity_id>1042</rentity_id>\n"
        "  <submission_code>E</submission_code>\n"
        f"  <report_code>{code}</report_code>\n"
        f"  <entity_reference>{reference}</entity_reference>\n"
        f"  <submission_date>{date or '2024-03-20T00:00:00'}</submission_date>\n"
        "  <currency_code_local>PKR</currency_code_local>\n"
        "  <reason>Cash deposits just under the CTR threshold</reason>\n"
        + "".join(f"  {t}\n" for t in transactions)
        + "  <report_indicators><indicator>CASH-STRUCTURING</indicator></report_indicators>\n"
        "</report>"
    )


def batch(*reports: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<reports>\n'
        + "\n".join(reports)
        + "\n</reports>\n"
    )


YOUSAF = person(
    "Muhammad",
    "Khan",
    middle="Yousaf",
    cnic="35202-1234567-1",
    birth="1984-06-02T00:00:00",
    phone="0300-1234567",
)
GUL = person("Gul", "Khan", cnic="5440111111111")


def str_report(reference: str = "HBL-STR-001") -> str:
    return report(
        reference,
        transaction(
            "TX-1",
            from_account(account(HBL_IBAN, YOUSAF)),
            to_account(account(UBL_IBAN, GUL, bank="UBL", swift="UNILPKKA")),
        ),
        transaction("TX-2", from_cash(YOUSAF), to_account(account(HBL_IBAN, YOUSAF), mine=True)),
    )


# -- helpers ------------------------------------------------------------------------------------
def load(access: AccessLayer, path: Path, fmt: str | None = None) -> tuple[int, int]:
    query = QueryPlan(provenance=PROVENANCE, entities=[], files=[path], format=fmt)
    result = ingest(access, access.viewer("admin"), MappingPlan(path, [query]))
    return result.rows_loaded, result.rows_quarantined


def entities(access: AccessLayer, schema: str | None = None) -> list[StatementEntity]:
    found = list(access.reader("admin").iter_entities())
    return [e for e in found if schema is None or e.schema.name == schema]


def one(access: AccessLayer, schema: str) -> StatementEntity:
    found = entities(access, schema)
    assert len(found) == 1, [e.caption for e in found]
    return found[0]


def comparable(found: list[StatementEntity]) -> list[dict[str, object]]:
    return [{k: e.to_dict()[k] for k in ("id", "schema", "properties")} for e in found]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# -- tests --------------------------------------------------------------------------------------
def test_a_report_becomes_people_accounts_payments_and_a_report_document(
    access: AccessLayer, tmp_path: Path
) -> None:
    path = write(tmp_path / "hbl.goaml.xml", str_report())
    assert load(access, path) == (1, 0)

    people = {p.first("idNumber"): p for p in entities(access, "Person")}
    assert set(people) == {"35202-1234567-1", "54401-1111111-1"}
    yousaf = people["35202-1234567-1"]
    assert yousaf.get("name") == ["Muhammad Yousaf Khan"]
    assert yousaf.get("birthDate") == ["1984-06-02"]
    assert yousaf.get("phone") == ["+923001234567"]
    assert yousaf.get("nationality") == ["pk"]

    accounts = {a.first("iban"): a for a in entities(access, "BankAccount")}
    assert set(accounts) == {HBL_IBAN, UBL_IBAN}
    assert accounts[HBL_IBAN].get("bankName") == ["HBL"]
    assert accounts[HBL_IBAN].get("bic") == ["HABBPKKA"]
    owners = {(o.first("owner"), o.first("asset")) for o in entities(access, "Ownership")}
    assert owners == {
        (yousaf.id, accounts[HBL_IBAN].id),
        (people["54401-1111111-1"].id, accounts[UBL_IBAN].id),
    }

    document = one(access, "Document")
    assert document.get("title") == ["STR HBL-STR-001"]
    assert document.get("date") == ["2024-03-20"]
    assert sorted(document.get("keywords")) == ["CASH-STRUCTURING", "STR"]
    assert document.get("summary") == ["Cash deposits just under the CTR threshold"]

    payments = {p.first("transactionNumber"): p for p in entities(access, "Payment")}
    wire = payments["TX-1"]
    assert wire.get("payer") == [yousaf.id]
    assert wire.get("payerAccount") == [accounts[HBL_IBAN].id]
    assert wire.get("beneficiary") == [people["54401-1111111-1"].id]
    assert wire.get("beneficiaryAccount") == [accounts[UBL_IBAN].id]
    assert (wire.get("amount"), wire.get("currency")) == (["1950000.00"], ["PKR"])
    assert wire.get("date") == ["2024-03-12T10:15:00"]
    assert wire.get("proof") == [document.id]


def test_a_cash_deposit_has_a_payer_but_no_payer_account(
    access: AccessLayer, tmp_path: Path
) -> None:
    load(access, write(tmp_path / "hbl.goaml.xml", str_report()))
    deposit = next(p for p in entities(access, "Payment") if p.first("transactionNumber") == "TX-2")
    assert deposit.get("payerAccount") == []
    assert deposit.get("payer") == deposit.get("beneficiary")
    assert "from_funds_code=K" in (deposit.first("description") or "")


def test_statements_point_at_their_report_and_transaction(
    access: AccessLayer, tmp_path: Path
) -> None:
    load(access, write(tmp_path / "hbl.goaml.xml", str_report()))
    origins = {s.origin for s in access.reader("admin").iter_statements()}
    assert origins == {
        "hbl.goaml.xml#report=HBL-STR-001",
        "hbl.goaml.xml#report=HBL-STR-001/transaction=TX-1",
        "hbl.goaml.xml#report=HBL-STR-001/transaction=TX-2",
    }


def test_the_same_person_in_two_reports_is_one_entity(access: AccessLayer, tmp_path: Path) -> None:
    # Two banks write the same customer differently: names split otherwise, CNIC without dashes.
    again = person("MUHAMMAD YOUSAF", "KHAN", cnic="3520212345671")
    other = report(
        "UBL-CTR-007",
        transaction(
            "U-1",
            from_cash(again),
            to_account(account(UBL_IBAN, again, bank="UBL", swift="UNILPKKA"), mine=True),
        ),
        code="CTR",
    )
    assert load(access, write(tmp_path / "two.goaml.xml", batch(str_report(), other))) == (2, 0)
    yousaf = [p for p in entities(access, "Person") if p.first("idNumber") == "35202-1234567-1"]
    assert len(yousaf) == 1
    assert {"Muhammad Yousaf Khan", "MUHAMMAD YOUSAF KHAN"} <= set(yousaf[0].get("name"))
    assert len(entities(access, "Document")) == 2
    assert len(entities(access, "BankAccount")) == 2  # the UBL account is in both reports


def test_a_person_without_identifiers_is_known_only_at_their_place_in_the_report(
    access: AccessLayer, tmp_path: Path
) -> None:
    nameless = person("Noor", "Ahmed")  # no CNIC, no birth date: cannot be told apart
    first = report(
        "R-1",
        transaction("T-1", from_cash(nameless), to_account(account(HBL_IBAN, YOUSAF), mine=True)),
    )
    second = report(
        "R-2",
        transaction("T-1", from_cash(nameless), to_account(account(HBL_IBAN, YOUSAF), mine=True)),
    )
    load(access, write(tmp_path / "two.goaml.xml", batch(first, second)))
    noors = [p for p in entities(access, "Person") if p.first("firstName") == "Noor"]
    assert len(noors) == 2


MALFORMED = {
    "missing element": (
        lambda text: text.replace("<currency_code_local>PKR</currency_code_local>", ""),
        "reason",  # the schema names the element it expected instead
        "Expected is ( currency_code_local )",
    ),
    "bad date": (
        lambda text: text.replace("2024-03-20T00:00:00", "2024-02-30T00:00:00"),
        "submission_date",
        "not a valid value",
    ),
    "wrong element order": (
        lambda text: text.replace(
            "<submission_code>E</submission_code>\n  <report_code>STR</report_code>",
            "<report_code>STR</report_code>\n  <submission_code>E</submission_code>",
        ),
        "report_code",
        "This element is not expected",
    ),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_a_malformed_report_is_quarantined_whole_and_the_others_load(
    case: str,
    access: AccessLayer,
    tmp_path: Path,
    fresh_store_url: Callable[[], str],
) -> None:
    breaks, element, message = MALFORMED[case]
    good_1, good_3 = str_report("GOOD-1"), str_report("GOOD-3")
    bad = breaks(str_report("BAD-2"))
    text = batch(good_1, bad, good_3)
    report_line = text.splitlines().index(
        "<report>", text.splitlines().index(good_1.splitlines()[-1])
    )
    assert load(access, write(tmp_path / "batch.goaml.xml", text)) == (2, 1)

    (held,) = access.reader("admin").quarantine()
    assert held.row == report_line + 1
    assert f"Element '{element}'" in held.reason and message in held.reason
    error_line = next(
        n
        for n, line in enumerate(text.splitlines(), start=1)
        if n > report_line and f"<{element}>" in line
    )
    assert f"line {error_line}" in held.reason
    assert "BAD-2" in held.record["xml"]

    # Nothing else changes: the batch holds exactly what the two good reports hold on their own.
    alone = open_store(fresh_store_url())
    try:
        other = AccessLayer(alone, access.settings)
        other.add_user(None, access.store.get_user("admin"))  # type: ignore[arg-type]
        (tmp_path / "alone").mkdir()
        load(other, write(tmp_path / "alone" / "batch.goaml.xml", batch(good_1, good_3)))
        assert comparable(entities(other)) == comparable(entities(access))
    finally:
        alone.close()


def test_an_unreadable_value_quarantines_its_report_naming_the_element(
    access: AccessLayer, tmp_path: Path
) -> None:
    broken = str_report().replace("0300-1234567", "12", 1)
    assert load(access, write(tmp_path / "hbl.goaml.xml", broken)) == (0, 1)
    (held,) = access.reader("admin").quarantine()
    assert held.field is not None and held.field.endswith("/phones/phone/tph_number")
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if "<tph_number>12<" in text)
    assert held.reason.startswith(f"line {line}: cannot read '12' as phone")


def test_a_file_that_is_not_xml_is_refused_naming_file_and_line(
    access: AccessLayer, tmp_path: Path
) -> None:
    path = write(tmp_path / "broken.goaml.xml", "<report>\n  <rentity_id>1042</rentity_id>\n<rep")
    with pytest.raises(SourceError, match=r"broken\.goaml\.xml line 3: not well-formed XML"):
        load(access, path)
    assert entities(access) == []


def test_a_file_whose_root_is_not_a_report_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "other.goaml.xml", "<invoice><total>5</total></invoice>")
    with pytest.raises(SourceError, match="root element is <invoice>"):
        list(read_reports(path, "utf-8"))


def test_each_report_is_a_row_numbered_by_its_line_and_named_by_its_reference(
    tmp_path: Path,
) -> None:
    unnamed = str_report().replace("<entity_reference>HBL-STR-001</entity_reference>\n", "")
    path = write(tmp_path / "two.goaml.xml", batch(str_report(), unnamed))
    rows = list(read_reports(path, "utf-8-sig"))
    assert [(r.number, r.ref, r.problem) for r in rows] == [
        (3, "report=HBL-STR-001", None),
        (3 + len(str_report().splitlines()), "report=2", None),
    ]


def test_a_mapping_may_declare_goaml_for_any_xml_file(access: AccessLayer, tmp_path: Path) -> None:
    write(tmp_path / "export_2024_03.xml", str_report())
    mapping = write(
        tmp_path / "fmu.yml",
        "fmu_goaml:\n  agency: FMU\n  classification: CONFIDENTIAL\n  queries:\n"
        "    - csv_url: export_2024_03.xml\n      format: goaml\n",
    )
    result = ingest(access, access.viewer("admin"), load_mapping(mapping, access.settings))
    assert (result.rows_loaded, result.rows_quarantined) == (1, 0)
    assert one(access, "Document").get("fileName") == ["export_2024_03.xml"]


def test_an_activity_report_links_its_parties_to_the_report(
    access: AccessLayer, tmp_path: Path
) -> None:
    activity = (
        report("SAR-9", "")
        .replace(
            "  \n",
            "<activity><report_parties><report_party>"
            f"<person>{GUL}</person><significance>8</significance>"
            "<reason>Frequent visitor of a proscribed group's office</reason>"
            "</report_party></report_parties></activity>\n",
        )
        .replace("<report_code>STR</report_code>", "<report_code>SAR</report_code>")
    )
    assert load(access, write(tmp_path / "sar.goaml.xml", activity)) == (1, 0)
    link = one(access, "Documentation")
    assert link.get("document") == [one(access, "Document").id]
    assert link.get("entity") == [one(access, "Person").id]
    assert link.get("role") == ["report party (significance 8)"]
    assert link.get("summary") == ["Frequent visitor of a proscribed group's office"]


def test_a_company_account_is_held_by_the_company_and_signed_by_its_directors(
    access: AccessLayer, tmp_path: Path
) -> None:
    company = (
        "<institution_name>Meezan Bank</institution_name><swift>MEZNPKKA</swift>"
        "<account>PK30MEZN0101234500001111</account>"
        "<t_entity><name>Makran Fisheries (Pvt) Ltd</name>"
        "<incorporation_legal_form>Private Limited</incorporation_legal_form>"
        "<incorporation_number>0012345</incorporation_number>"
        "<incorporation_country_code>PK</incorporation_country_code>"
        f"<director_id>{GUL}<role>Director</role></director_id></t_entity>"
        f"<signatory><is_primary>false</is_primary><t_person>{GUL}</t_person>"
        "<role>Authorised signatory</role></signatory>"
    )
    text = report(
        "MZN-1", transaction("M-1", from_account(company), to_account(account(HBL_IBAN, YOUSAF)))
    )
    assert load(access, write(tmp_path / "mzn.goaml.xml", text)) == (1, 0)
    firm = one(access, "Company")
    assert firm.get("registrationNumber") == ["0012345"]
    assert firm.get("jurisdiction") == ["pk"]
    gul = next(p for p in entities(access, "Person") if p.first("firstName") == "Gul")
    assert one(access, "Directorship").get("director") == [gul.id]
    signing = one(access, "UnknownLink")
    assert (signing.get("subject"), signing.get("role")) == (
        [gul.id],
        ["signatory (Authorised signatory)"],
    )
    payment = one(access, "Payment")
    assert payment.get("payer") == [firm.id]


def test_entities_in_a_report_are_never_expanded(tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.txt", "root:x:0:0")
    path = write(
        tmp_path / "xxe.goaml.xml",
        f'<?xml version="1.0"?>\n<!DOCTYPE report [<!ENTITY x SYSTEM "{secret.as_uri()}">]>\n'
        "<report><rentity_id>&x;</rentity_id></report>\n",
    )
    (row,) = read_reports(path, "utf-8")
    assert row.problem is not None and row.problem.startswith("line 3: the report cannot be")
    assert "root:x" not in row.record["xml"]
