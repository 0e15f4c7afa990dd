"""Synthetic money: accounts, the time-ordered stream, planted typologies, look-alikes, writers.

Worlds are built by hand here, so these tests depend on nothing but the finance modules.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import random
from collections import Counter, defaultdict
from functools import cache
from pathlib import Path

import pytest
from stdnum import iban as stdnum_iban

from nexus.ingest import ingest, load_mapping
from nexus.policy import AccessLayer
from nexus.scenario import finance
from nexus.scenario.finance import SCALES, Pattern
from nexus.scenario.model import (
    CASH,
    Network,
    Organisation,
    Person,
    Place,
    Transaction,
    World,
)
from nexus.settings import load_settings
from nexus.store import UserRecord, open_store

TINY = SCALES["tiny"]
PESHAWAR = Place("Peshawar", "pk", 34.01, 71.58, province="Khyber Pakhtunkhwa")
KARACHI = Place("Karachi", "pk", 24.86, 67.01, province="Sindh")
LAHORE = Place("Lahore", "pk", 31.55, 74.34, province="Punjab")


def make_world(seed: int = 7) -> World:
    """Three networks (hawala, heroin, online fraud) with financiers, leaders, dealers, mules and
    fronts, plus a few ordinary people and a company."""
    world = World(seed=seed, scale="tiny", start=dt.date(2023, 1, 1), end=dt.date(2023, 12, 31))
    specs = [
        (
            "N1",
            "Peshawar-Dubai hawala",
            ["hawala"],
            PESHAWAR,
            [
                ("leader", "pk"),
                ("financier", "pk"),
                ("hawala_dealer", "pk"),
                ("hawala_dealer", "af"),
                ("courier", "pk"),
            ],
            [("exchange_company", "Khyber Exchange Company (Pvt) Ltd")],
        ),
        (
            "N2",
            "Makran heroin line",
            ["heroin"],
            KARACHI,
            [
                ("leader", "pk"),
                ("financier", "pk"),
                ("broker", "pk"),
                ("courier", "pk"),
            ],
            [("transporter", "Makran Goods Transport"), ("company", "Pasni Fisheries (Pvt) Ltd")],
        ),
        (
            "N3",
            "Lahore job-fraud cell",
            ["cyber_fraud"],
            LAHORE,
            [
                ("leader", "pk"),
                ("money_mule", "pk"),
                ("money_mule", "pk"),
                ("operator", "pk"),
            ],
            [("company", "Skyline Recruiters (Pvt) Ltd")],
        ),
    ]
    number = 0
    for uid, name, crimes, home, roles, fronts in specs:
        network = Network(uid=uid, name=name, crimes=crimes)
        for role, nationality in roles:
            number += 1
            person = Person(
                uid=f"P{number:06d}",
                given_name=f"Member {number}",
                family_name="Khan",
                father_name="Gul Khan",
                sex="male",
                birth_date=dt.date(1980, 1, 1),
                nationality=nationality,
                cnic=f"17301{number:07d}1" if nationality == "pk" else None,
                phones=[f"+92300{number:07d}"],
                home=home,
                network=uid,
                role=role,
            )
            world.people[person.uid] = person
            network.members.append(person.uid)
            if role == "leader":
                network.leaders.append(person.uid)
        for kind, org_name in fronts:
            number += 1
            org = Organisation(
                uid=f"O{number:06d}", name=org_name, kind=kind, country="pk", address=home,
                owners=[network.leaders[0]], network=uid, front=True,
            )  # fmt: skip
            world.organisations[org.uid] = org
            network.organisations.append(org.uid)
        world.networks[uid] = network
    for i in range(12):
        person = Person(
            uid=f"B{i + 1:06d}", given_name=f"Ordinary {i + 1}", family_name="Ahmed",
            father_name="Noor Ahmed", sex="female" if i % 4 == 0 else "male",
            birth_date=dt.date(1975 + i, 5, 1), nationality="pk", cnic=None, home=LAHORE,
        )  # fmt: skip
        world.people[person.uid] = person
    world.organisations["O900001"] = Organisation(
        uid="O900001", name="Ravi Textiles (Pvt) Ltd", kind="company", country="pk"
    )
    return world


def opened_world(seed: int = 7) -> World:
    world = make_world(seed)
    finance.open_accounts(world, random.Random(seed), TINY)
    return world


@cache
def generated(seed: int = 7) -> tuple[World, tuple[Transaction, ...], tuple[Pattern, ...]]:
    world = opened_world(seed)
    stream, patterns = finance.generate_transactions(world, seed, TINY)
    return world, tuple(stream), tuple(patterns)


def by_pattern() -> tuple[dict[str, Transaction], dict[str, list[Transaction]]]:
    _world, transactions, patterns = generated()
    index = {t.id: t for t in transactions}
    return index, {p.id: [index[i] for i in p.transaction_ids] for p in patterns}


def pkr(t: Transaction) -> float:
    return t.amount * finance.FX_TO_PKR[t.currency]


def of_typology(typology: str) -> list[Pattern]:
    found = [p for p in generated()[2] if p.typology == typology]
    assert found, f"no {typology} pattern was planted"
    return found


# -- accounts -------------------------------------------------------------------------------------


def test_pakistani_and_foreign_ibans_are_valid() -> None:
    world = opened_world()
    ibans = [a.number for a in world.accounts.values() if a.number[:2].isalpha()]
    pakistani = [n for n in ibans if n.startswith("PK")]
    assert len(pakistani) > 100 and all(len(n) == 24 for n in pakistani)
    assert {n[4:8] for n in pakistani} <= {
        "HABB", "UNIL", "MUCB", "ABPA", "ALFH", "MEZN", "ASCM", "MPBL", "FAYS", "JSBL", "NBPA",
    }  # fmt: skip
    assert any(n.startswith("AE") for n in ibans)
    assert all(stdnum_iban.is_valid(n) for n in ibans)


def test_accounts_are_unique_and_held_by_people_or_organisations_of_the_world() -> None:
    world = opened_world()
    numbers = [a.number for a in world.accounts.values()]
    assert len(numbers) == len(set(numbers))
    for account in world.accounts.values():
        assert account.holder in world.people or account.holder in world.organisations
    synthetic = [uid for uid in world.people if uid.startswith("FP")]
    assert synthetic and all(world.people[u].network is None for u in synthetic)
    assert any(uid.startswith("FO") for uid in world.organisations)


def test_wallets_have_mobile_numbers_and_branches_are_named_by_city_and_area() -> None:
    world = opened_world()
    wallets = [a for a in world.accounts.values() if a.kind == "wallet"]
    assert {a.bank for a in wallets} == {"JazzCash", "Easypaisa"}
    assert all(len(a.number) == 11 and a.number.startswith("03") for a in wallets)
    branches = {a.branch for a in world.accounts.values() if a.country == "pk" and a.branch}
    assert branches and all(b.endswith(" Branch") and len(b.split()) >= 3 for b in branches)


def test_network_members_fronts_and_dealers_get_accounts_at_home_and_abroad() -> None:
    world = opened_world()
    holders = Counter(a.holder for a in world.accounts.values())
    for network in world.networks.values():
        for uid in network.members:
            if world.people[uid].role in ("leader", "financier", "broker", "money_mule"):
                assert holders[uid] >= 1, uid
        assert all(holders[org] >= 1 for org in network.organisations)
    dealers = [p.uid for p in world.people.values() if p.role == "hawala_dealer"]
    countries = {a.country for a in world.accounts.values() if a.holder in dealers}
    assert "pk" in countries and countries & {"ae", "af"}
    assert any(a.dormant_until for a in world.accounts.values())


def test_opening_accounts_is_deterministic_from_the_rng() -> None:
    first, second = opened_world(3), opened_world(3)
    assert [(a.uid, a.number, a.holder) for a in first.accounts.values()] == [
        (a.uid, a.number, a.holder) for a in second.accounts.values()
    ]


# -- the stream -----------------------------------------------------------------------------------


def test_transactions_come_in_time_order_with_unique_sequential_ids() -> None:
    world, transactions, _patterns = generated()
    stamps = [t.timestamp for t in transactions]
    assert stamps == sorted(stamps)
    assert [t.id for t in transactions] == [f"T{i:09d}" for i in range(1, len(transactions) + 1)]
    assert dt.datetime.combine(world.start, dt.time()) <= stamps[0]
    assert stamps[-1] < dt.datetime.combine(world.end + dt.timedelta(days=1), dt.time())
    assert 2_000 <= len(transactions) <= 6_000


def test_every_side_is_a_known_account_or_cash_and_cash_only_moves_by_cash_channels() -> None:
    world, transactions, _patterns = generated()
    numbers = {a.number for a in world.accounts.values()}
    for t in transactions:
        assert {t.payer_account, t.beneficiary_account} <= numbers | {CASH}
        assert t.payer_account != t.beneficiary_account
        assert (t.payer_account == CASH) == (t.channel == "cash_deposit")
        assert (t.beneficiary_account == CASH) == (t.channel == "cash_withdrawal")
        assert t.amount > 0


def test_no_account_moves_money_before_it_was_opened() -> None:
    world, transactions, _patterns = generated()
    opened = {a.number: a.opened for a in world.accounts.values()}
    for t in transactions:
        for side in (t.payer_account, t.beneficiary_account):
            assert side == CASH or opened[side] <= t.timestamp.date(), (t, opened[side])


def test_ordinary_traffic_is_mostly_pkr_with_some_gulf_currencies_and_all_channels() -> None:
    _world, transactions, _patterns = generated()
    currencies = Counter(t.currency for t in transactions)
    assert currencies.most_common(1)[0][0] == "PKR"
    assert currencies["AED"] + currencies["USD"] + currencies["SAR"] > 0
    assert {t.channel for t in transactions} == {
        "cash_deposit", "cash_withdrawal", "wire", "mobile_wallet", "hawala", "other",
    }  # fmt: skip


def test_only_planted_transactions_carry_a_pattern_and_typology() -> None:
    _world, transactions, patterns = generated()
    planted = {i: p for p in patterns if not p.lookalike for i in p.transaction_ids}
    for t in transactions:
        if t.id in planted:
            assert (t.pattern, t.typology) == (planted[t.id].id, planted[t.id].typology)
        else:
            assert t.pattern is None and t.typology is None


def test_the_same_seed_gives_the_same_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    def scan(seed: int, name: str) -> bytes:
        world = opened_world(seed)
        stream, _patterns = finance.generate_transactions(world, seed, TINY)
        finance.write_scan_csv(stream, tmp_path / name)
        return (tmp_path / name).read_bytes()

    assert scan(11, "a.csv") == scan(11, "b.csv")
    assert scan(11, "a.csv") != scan(12, "c.csv")


def test_regenerating_from_the_same_world_gives_the_same_stream() -> None:
    world = opened_world(5)
    first, patterns = finance.generate_transactions(world, 5, TINY)
    second, again = finance.generate_transactions(world, 5, TINY)
    assert list(first) == list(second)
    assert patterns == again


# -- planted typologies ---------------------------------------------------------------------------


def test_every_typology_is_planted_with_its_transactions_in_the_stream() -> None:
    index, _members = by_pattern()
    _world, _transactions, patterns = generated()
    assert {p.typology for p in patterns if not p.lookalike} == set(finance.TYPOLOGIES)
    for pattern in patterns:
        assert pattern.transaction_ids and all(i in index for i in pattern.transaction_ids)
        assert pattern.accounts and pattern.description
    laundering = [p for p in patterns if not p.lookalike]
    assert sum(p.network is not None for p in laundering) == len(laundering)


def test_structuring_deposits_cash_just_under_the_threshold_across_branches() -> None:
    _index, members = by_pattern()
    for pattern in of_typology("structuring"):
        deposits = members[pattern.id]
        assert all(t.payer_account == CASH and t.channel == "cash_deposit" for t in deposits)
        assert all(1_500_000 <= t.amount < 2_000_000 for t in deposits)
        assert len({t.branch for t in deposits}) >= 2
        assert {t.beneficiary_account for t in deposits} <= set(pattern.accounts)
        assert len({t.timestamp.date() for t in deposits}) >= 3


def test_fan_in_collects_from_many_mostly_new_senders_then_moves_it_on() -> None:
    world, _transactions, _patterns = generated()
    opened = {a.number: a.opened for a in world.accounts.values()}
    _index, members = by_pattern()
    for pattern in of_typology("fan_in"):
        [collector] = pattern.roles["collector"]
        inflows = [t for t in members[pattern.id] if t.beneficiary_account == collector]
        outflows = [t for t in members[pattern.id] if t.payer_account == collector]
        senders = {t.payer_account for t in inflows}
        assert len(senders) >= 10
        assert max(t.timestamp for t in inflows) - min(t.timestamp for t in inflows) <= (
            dt.timedelta(days=7)
        )
        first = min(t.timestamp for t in inflows).date()
        new = [s for s in senders if (first - opened[s]).days <= 150]
        assert len(new) >= len(senders) // 2
        assert outflows and min(t.timestamp for t in outflows) > max(t.timestamp for t in inflows)
        assert sum(map(pkr, outflows)) >= 0.8 * sum(map(pkr, inflows))


def test_fan_out_pays_many_accounts_from_one() -> None:
    _index, members = by_pattern()
    for pattern in of_typology("fan_out"):
        [source] = pattern.roles["source"]
        out = [t for t in members[pattern.id] if t.payer_account == source]
        assert len({t.beneficiary_account for t in out}) >= 10


def test_cycles_return_to_their_origin_with_decaying_amounts() -> None:
    _index, members = by_pattern()
    for pattern in of_typology("cycle"):
        hops = members[pattern.id]
        [origin] = pattern.roles["origin"]
        assert 2 <= len(pattern.roles["intermediaries"]) <= 6
        assert len(hops) == len(pattern.roles["intermediaries"]) + 1
        assert hops[0].payer_account == origin and hops[-1].beneficiary_account == origin
        for before, after in itertools.pairwise(hops):
            assert before.beneficiary_account == after.payer_account
            assert after.amount < before.amount
            assert after.amount > 0.95 * before.amount
        assert hops[-1].timestamp - hops[0].timestamp <= dt.timedelta(days=30)


def test_scatter_gather_spreads_money_and_gathers_it_into_one_account() -> None:
    _index, members = by_pattern()
    for pattern in of_typology("scatter_gather"):
        [source], [destination] = pattern.roles["source"], pattern.roles["destination"]
        middle = set(pattern.roles["intermediaries"])
        txs = members[pattern.id]
        assert {t.beneficiary_account for t in txs if t.payer_account == source} == middle
        assert {t.payer_account for t in txs if t.beneficiary_account == destination} == middle


def test_pass_through_money_leaves_within_days_with_a_small_residue() -> None:
    _index, members = by_pattern()
    for pattern in of_typology("pass_through"):
        [through] = pattern.roles["through"]
        txs = members[pattern.id]
        inflow = sum(pkr(t) for t in txs if t.beneficiary_account == through)
        outflow = sum(pkr(t) for t in txs if t.payer_account == through)
        assert 0.95 * inflow <= outflow < inflow


def test_hawala_collects_small_payments_pays_abroad_and_settles_between_the_dealers() -> None:
    world, _transactions, _patterns = generated()
    country = {a.number: a.country for a in world.accounts.values()}
    _index, members = by_pattern()
    for pattern in of_typology("hawala"):
        [home], [abroad] = pattern.roles["domestic_dealer"], pattern.roles["foreign_dealer"]
        assert country[home] == "pk" and country[abroad] in ("ae", "af")
        txs = members[pattern.id]
        collected = [t for t in txs if t.beneficiary_account == home]
        assert len(collected) >= 10
        assert all(t.channel in ("mobile_wallet", "cash_deposit", "wire") for t in collected)
        payouts = [t for t in txs if t.payer_account == abroad and t.channel == "hawala"]
        assert len({t.beneficiary_account for t in payouts}) >= 3
        assert all(country[t.beneficiary_account] != "pk" for t in payouts)
        settlements = [t for t in txs if {t.payer_account, t.beneficiary_account} == {home, abroad}]
        assert len(settlements) >= 2 and all(t.channel == "wire" for t in settlements)


def test_a_dormant_account_wakes_after_months_and_moves_large_sums() -> None:
    world, transactions, _patterns = generated()
    accounts = {a.number: a for a in world.accounts.values()}
    for pattern in of_typology("dormant"):
        [number] = pattern.roles["dormant"]
        account = accounts[number]
        assert account.dormant_until is not None
        touching = [t for t in transactions if number in (t.payer_account, t.beneficiary_account)]
        assert {t.pattern for t in touching} == {pattern.id}
        first = min(t.timestamp for t in touching)
        assert (first.date() - world.start).days >= 120
        assert max(t.amount for t in touching) >= 1_000_000


def test_high_risk_flows_go_to_or_come_from_the_listed_jurisdictions() -> None:
    _index, members = by_pattern()
    for pattern in of_typology("high_risk"):
        for t in members[pattern.id]:
            sides = {t.payer_country, t.beneficiary_country}
            assert sides & set(finance.HIGH_RISK_JURISDICTIONS) and "pk" in sides


# -- look-alikes ----------------------------------------------------------------------------------


def test_lookalikes_are_present_and_not_labelled_as_laundering() -> None:
    _index, members = by_pattern()
    _world, _transactions, patterns = generated()
    lookalikes = [p for p in patterns if p.lookalike]
    assert {p.typology for p in lookalikes} == set(finance.LOOKALIKES)
    for pattern in lookalikes:
        assert all(t.typology is None and t.pattern is None for t in members[pattern.id])


def test_payroll_pays_the_same_employees_the_same_amounts_every_month() -> None:
    _index, members = by_pattern()
    for pattern in of_typology("payroll"):
        by_employee: dict[str, set[float]] = defaultdict(set)
        months: dict[str, set[tuple[int, int]]] = defaultdict(set)
        for t in members[pattern.id]:
            by_employee[t.beneficiary_account].add(t.amount)
            months[t.beneficiary_account].add((t.timestamp.year, t.timestamp.month))
        assert len(by_employee) >= 10
        assert all(len(amounts) == 1 for amounts in by_employee.values())
        assert all(len(m) >= 10 for m in months.values())


def test_daily_cash_shops_deposit_below_the_threshold_at_one_branch() -> None:
    _index, members = by_pattern()
    for pattern in of_typology("daily_cash_shop"):
        deposits = members[pattern.id]
        assert len(deposits) >= 200
        assert all(t.channel == "cash_deposit" and t.amount < 1_500_000 for t in deposits)
        assert len({t.branch for t in deposits}) == 1


def test_merchants_have_repeat_customers_and_no_onward_sweep() -> None:
    _index, members = by_pattern()
    for pattern in of_typology("merchant"):
        [merchant] = pattern.roles["merchant"]
        txs = members[pattern.id]
        inflow = [t for t in txs if t.beneficiary_account == merchant]
        payers = Counter(t.payer_account for t in inflow)
        assert len(payers) >= 10 and sum(n >= 3 for n in payers.values()) >= len(payers) // 2
        out = sum(t.amount for t in txs if t.payer_account == merchant)
        assert out <= 0.5 * sum(t.amount for t in inflow)


def test_families_receive_gulf_remittances_monthly() -> None:
    _index, members = by_pattern()
    for pattern in of_typology("remittance_family"):
        [sender] = pattern.roles["sender"]
        received = [t for t in members[pattern.id] if t.payer_account == sender]
        assert len(received) >= 10
        assert {t.payer_country for t in received} <= {"ae", "sa", "gb", "us"}
        assert {t.currency for t in received} & {"AED", "SAR", "GBP", "USD"}


# -- writers --------------------------------------------------------------------------------------


def test_the_scan_csv_has_exactly_the_agreed_columns_and_formats(tmp_path: Path) -> None:
    _world, transactions, _patterns = generated()
    count = finance.write_scan_csv(iter(transactions), tmp_path / "exports" / "tx.csv")
    with (tmp_path / "exports" / "tx.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert count == len(rows) == len(transactions)
    assert list(rows[0]) == [
        "id", "timestamp", "payer_account", "beneficiary_account", "amount", "currency",
        "channel", "payer_country", "beneficiary_country", "branch",
    ]  # fmt: skip
    assert all(len(r["timestamp"]) == 19 and r["timestamp"][10] == "T" for r in rows)
    assert all(r["amount"].split(".")[1].__len__() == 2 for r in rows)
    deposits = [r for r in rows if r["channel"] == "cash_deposit"]
    assert deposits and all(r["payer_account"] == CASH for r in deposits)
    at_banks = [r for r in deposits if r["beneficiary_account"].startswith("PK")]
    assert at_banks and all(r["branch"].endswith(" Branch") for r in at_banks)


def test_truth_files_list_planted_transactions_and_every_pattern(tmp_path: Path) -> None:
    _world, _transactions, patterns = generated()
    truth = tmp_path / "truth"
    finance.write_truth(list(patterns), truth / "tx.csv", truth / "p.json")
    with (truth / "tx.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    planted = sum(len(p.transaction_ids) for p in patterns if not p.lookalike)
    assert len(rows) == planted and list(rows[0]) == ["id", "pattern", "typology"]
    assert {r["typology"] for r in rows} == set(finance.TYPOLOGIES)
    text = (tmp_path / "truth" / "p.json").read_text(encoding="utf-8")
    loaded = json.loads(text)
    assert [p["id"] for p in loaded] == [p.id for p in patterns]
    assert text.startswith('[\n {\n  "accounts"')


def test_bank_extracts_differ_by_bank_and_carry_the_bank_side_of_each_transaction(
    tmp_path: Path,
) -> None:
    world, transactions, _patterns = generated()
    paths = finance.write_bank_extracts(iter(transactions), world, tmp_path / "banks")
    csvs = [p for p in paths if p.suffix == ".csv"]
    assert len(csvs) == 11 and len(paths) == 22
    headers = {p.name: p.read_text(encoding="utf-8").splitlines()[0] for p in csvs}
    assert headers["bank_habb.csv"].startswith("Txn Ref,Value Date (DD/MM/YYYY),Debit A/C")
    assert headers["bank_mucb.csv"].startswith("Transaction ID,Posting Date")
    assert len(set(headers.values())) >= 4
    hbl = (tmp_path / "banks" / "bank_habb.csv").read_text(encoding="utf-8").splitlines()
    assert len(hbl) > 50 and hbl[1].split(",")[1].count("/") == 2
    mcb = (tmp_path / "banks" / "bank_mucb.csv").read_text(encoding="utf-8").splitlines()
    assert len(mcb[1].split(",")[1]) == len("2023-01-01 10:00")


def test_mapped_bank_extracts_ingest_with_no_quarantined_rows(tmp_path: Path) -> None:
    world, transactions, _patterns = generated()
    paths = finance.write_bank_extracts(iter(transactions), world, tmp_path / "banks")
    settings = load_settings(
        home=tmp_path / "home", database_url=f"sqlite:///{tmp_path / 'nexus.sqlite'}"
    )
    store = open_store(settings.store_url)
    try:
        access = AccessLayer(store, settings)
        access.add_user(None, UserRecord("admin", "NEXUS", "SECRET", roles=frozenset({"admin"})))
        admin = access.viewer("admin")
        loaded = 0
        for mapping in (p for p in paths if p.suffix == ".yml"):
            report = ingest(access, admin, load_mapping(mapping, settings))
            assert report.rows_quarantined == 0, mapping.name
            loaded += report.rows_loaded
        assert loaded > 1_000
        reader = access.reader("admin")
        assert reader.count_entities(schema="Payment") == loaded
        assert reader.count_entities(schema="BankAccount") > 100
    finally:
        store.close()


@pytest.mark.parametrize("scale", ["tiny", "small", "medium", "large"])
def test_scales_grow_from_tiny_to_large(scale: str) -> None:
    order = ["tiny", "small", "medium", "large"]
    size = SCALES[scale]
    for smaller in order[: order.index(scale)]:
        assert SCALES[smaller].ordinary_transactions < size.ordinary_transactions
        assert SCALES[smaller].ordinary_accounts < size.ordinary_accounts
