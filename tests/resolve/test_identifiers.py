"""Identifier entities: which written forms are one account, vehicle, wallet or handle."""

from __future__ import annotations

from nexus.resolve.identifiers import ThingRecord, identifier_links, identify


def thing(id: str, kind: str, **values: str) -> ThingRecord:
    return ThingRecord(id, kind, "test", {k: [v] for k, v in values.items()}, {1})


def groups(records: list[ThingRecord]) -> set[frozenset[str]]:
    keys = identify(records)
    found: dict[str, set[str]] = {}
    for record in records:
        if record.id in keys:
            found.setdefault(keys[record.id].key, set()).add(record.id)
    return {frozenset(ids) for ids in found.values()}


def test_an_iban_is_one_account_however_it_is_spaced_and_wherever_it_is_written() -> None:
    records = [
        thing("a", "bank account", accountNumber="PK36SCBL0000001123456702"),
        thing("b", "bank account", iban="pk36 scbl 0000 0011 2345 6702", accountNumber="x"),
        thing("c", "bank account", accountNumber="PK36SCBL0000001123456703"),  # bad check
    ]
    assert frozenset({"a", "b"}) in groups(records)
    assert identify(records)["a"].feature == "IBAN"


def test_a_local_number_joins_the_iban_of_its_bank_named_in_any_way() -> None:
    records = [
        # The bank's name is learnt from records that carry it beside an IBAN or BIC.
        thing("iban", "bank account", accountNumber="PK57HABB1374998719559059", bankName="HBL"),
        thing("local", "bank account", accountNumber="1374998719559059", bankName="HBL"),
        thing("bic", "bank account", accountNumber="1374998719559059", bic="HABBPKKA"),
        thing("other bank", "bank account", accountNumber="1374998719559059", bankName="UBL"),
        thing("no bank", "bank account", accountNumber="1374998719559059"),
    ]
    assert groups(records) == {frozenset({"iban", "local", "bic"}), frozenset({"other bank"})}


def test_vehicles_wallets_and_handles_compare_by_their_identifier() -> None:
    records = [
        thing("v1", "vehicle", registrationNumber="LEA-1234"),
        thing("v2", "vehicle", registrationNumber="lea 1234"),
        thing("v3", "vehicle", registrationNumber="LEA-1235"),
        thing("w1", "crypto wallet", publicKey="0xAbC123"),
        thing("w2", "crypto wallet", cryptoAddress="0xabc123"),
        thing("w3", "crypto wallet", publicKey="TdnKjmdm"),
        thing("w4", "crypto wallet", publicKey="tdnkjmdm"),  # base58 is case-sensitive
        thing("h1", "online account", service="Facebook", username="@Pervaiz.Jobs"),
        thing("h2", "online account", service="facebook", username="pervaiz.jobs"),
    ]
    found = groups(records)
    assert {frozenset({"v1", "v2"}), frozenset({"w1", "w2"}), frozenset({"h1", "h2"})} <= found
    assert frozenset({"w3", "w4"}) not in found and frozenset({"v3"}) in found


def test_links_are_certain_matches_that_name_the_identifier() -> None:
    records = [
        thing("a", "bank account", accountNumber="PK36SCBL0000001123456702"),
        thing("b", "bank account", iban="PK36SCBL0000001123456702"),
        thing("c", "bank account", iban="PK36SCBL0000001123456702"),
    ]
    records[2].evidence = {2}
    links = identifier_links(records, identify(records), "run")
    assert [(k.left_id, k.right_id) for k in links] == [("a", "b"), ("a", "c")]
    assert all(k.probability == 1.0 and k.verdict == "match" for k in links)
    assert links[1].evidence == frozenset({1, 2})
    assert links[0].explanation[0]["feature"] == "IBAN"
    assert identifier_links(records, identify(records), "run", new=set()) == []
