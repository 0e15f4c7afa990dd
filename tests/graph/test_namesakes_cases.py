"""The namesakes rule case by case, on a small world of FtM entities loaded through the store:
what sets two people of one name apart, which ties in common say they are one, and how
businesses of one name are weighed."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from nexus.graph import load_graph
from nexus.graph.namesakes import BUSINESS, MERGED, REVIEW, Namesake, namesakes
from nexus.graph.roles import roles
from nexus.policy import AccessLayer
from nexus.settings import load_settings
from nexus.store import Provenance, open_store
from tests.conftest import VIEWERS
from tests.datafiles import load_ftm

Entity = dict[str, object]


def _person(uid: str, name: str, **props: str) -> Entity:
    return {"id": uid, "schema": "Person", "properties": {"name": [name]} | {
        k: [v] for k, v in props.items()
    }}  # fmt: skip


def _link(schema: str, a: str, b: str, ends: tuple[str, str] = ("person", "associate")) -> Entity:
    return {"id": f"{schema}-{a}-{b}", "schema": schema, "properties": {ends[0]: [a], ends[1]: [b]}}


def _world() -> list[Entity]:
    # Anchors tied to each other.
    anchors = [f"anchor{i}" for i in range(8)]
    found = [_person(a, f"Anchor Person {a[-1]}") for a in anchors]
    found += [_link("Associate", a, b) for i, a in enumerate(anchors) for b in anchors[i + 1 :]]
    found += [
        # CNICs differ: two people.
        _person("cnic1", "Muhammad Rafiq", idNumber="35202-1234567-1"),
        _person("cnic2", "MUHAMMAD RAFIQ", idNumber="3520298765431"),
        _link("Associate", "cnic1", "anchor0"),
        _link("Associate", "cnic2", "anchor0"),
        # Fathers differ: two people.
        _person("father1", "Ghulam Abbas", fatherName="Allah Ditta"),
        _person("father2", "Ghulam Abbas s/o Noor Din"),
        _link("Associate", "father1", "anchor1"),
        _link("Associate", "father2", "anchor1"),
        # One phone both give, one with no CNIC: one person.
        _person("phone1", "Asif Iqbal", phone="+923001234567", idNumber="35202-5555555-3"),
        _person("phone2", "ASIF IQBAL", phone="+923001234567"),
        _link("Associate", "phone1", "anchor2"),
        # Every person the bare record is tied to, the other is too: one person.
        _person("same1", "Tariq Mehmood", idNumber="35202-7777777-5"),
        _person("same2", "Tariq Mehmood"),
        _link("Associate", "same1", "anchor3"),
        _link("Associate", "same1", "anchor4"),
        _link("Associate", "same2", "anchor3"),
        # Tied to one person in common, each to people the other is not: queued.
        _person("part1", "Zafar Khan", idNumber="35202-3333333-9"),
        _person("part2", "Zafar Khan"),
        _link("Associate", "part1", "anchor5"),
        _link("Associate", "part2", "anchor5"),
        _link("Associate", "part2", "anchor6"),
        # Only an employer in common: queued.
        {"id": "mill", "schema": "Company", "properties": {"name": ["Crescent Rice Mills"]}},
        _link("Ownership", "anchor7", "mill", ("owner", "asset")),
        _person("work1", "Sajid Ali", idNumber="35202-4444444-7"),
        _person("work2", "Sajid Ali"),
        _link("Employment", "work1", "mill", ("employee", "employer")),
        _link("Employment", "work2", "mill", ("employee", "employer")),
        # Initials are part of the name: not namesakes.
        _person("initial1", "M. Yousaf"),
        _person("initial2", "Yousaf"),
        _link("Associate", "initial1", "anchor2"),
        _link("Associate", "initial2", "anchor2"),
        # Named together in one case with a third man, and nothing else: queued.
        _person("case1", "Naveed Akhtar"),
        _person("case2", "Naveed Akhtar", idNumber="35202-2222222-1"),
        {
            "id": "fir1",
            "schema": "Event",
            "properties": {"name": ["FIR 12/2024"], "involved": ["case1", "case2", "anchor6"]},
        },
    ]
    # Businesses of one name: the same registration number, different ones, none.
    for uid, name, reg, owner in (
        ("shop1", "Bismillah Traders", "DC-1001", "anchor0"),
        ("shop2", "BISMILLAH TRADERS", "DC-1001", "anchor1"),
        ("shop3", "Madina General Store", "DC-2001", "anchor2"),
        ("shop4", "M/S MADINA GENERAL STORE", "DC-2002", "anchor3"),
        ("shop5", "Data Kiryana Store", "", "anchor4"),
        ("shop6", "DATA KIRYANA STORE", "", "anchor5"),
    ):
        props = {"name": [name]} | ({"registrationNumber": [reg]} if reg else {})
        found.append({"id": uid, "schema": "Company", "properties": props})
        found.append(_link("Ownership", owner, uid, ("owner", "asset")))
    return found


@pytest.fixture(scope="module")
def pairs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[frozenset[str], Namesake]]:
    home = tmp_path_factory.mktemp("namesake-cases")
    settings = load_settings(home=home / "home")
    store = open_store(settings.store_url, batch_size=settings.batch_size)
    try:
        access = AccessLayer(store, settings)
        access.add_user(None, VIEWERS[0])
        provenance = Provenance("namesake_cases", "FIA", "RESTRICTED")
        load_ftm(access, home / "world.ftm.json", _world(), provenance)
        reader = access.reader("admin")
        graph = load_graph(reader)
        found = roles(graph, seed=0)
        assert not [r for r in found.roles if r.role == "hub"]
        for role in found.roles:  # the weighing is under test here, not Leiden: one community
            role.community = 0
        yield {frozenset((p.left, p.right)): p for p in namesakes(graph, found, reader)}
    finally:
        store.close()


def _pair(pairs: dict[frozenset[str], Namesake], a: str, b: str) -> Namesake:
    return pairs[frozenset((a, b))]


@pytest.mark.parametrize(
    ("a", "b", "outcome", "said"),
    [
        ("cnic1", "cnic2", REVIEW, "not merged: CNIC differs"),
        ("father1", "father2", REVIEW, "not merged: father's name differs"),
        ("part1", "part2", REVIEW, "no CNIC or birth date is tied to Anchor Person 6 too"),
        ("work1", "work2", REVIEW, "Crescent Rice Mills (an organisation"),
        ("case1", "case2", REVIEW, "only through the case or event naming both"),
        ("phone1", "phone2", MERGED, "both give the same phone +923001234567"),
        ("same1", "same2", MERGED, "everyone that record is tied to is tied to the other too"),
    ],
)
def test_what_sets_namesakes_apart_and_what_makes_them_one(
    pairs: dict[frozenset[str], Namesake], a: str, b: str, outcome: str, said: str
) -> None:
    """Apart: a CNIC or father that differs; queued: ties that say too little (people the bare
    record has besides, only an employer, only the case naming both); one: a value both give,
    or everyone the bare record is tied to."""
    pair = _pair(pairs, a, b)
    assert pair.outcome == outcome
    assert any(said in reason for reason in pair.reasons), pair.reasons


def test_initials_are_part_of_the_name(pairs: dict[frozenset[str], Namesake]) -> None:
    assert frozenset(("initial1", "initial2")) not in pairs


def test_businesses_of_one_name_merge_only_on_a_registration_number(
    pairs: dict[frozenset[str], Namesake],
) -> None:
    same = _pair(pairs, "shop1", "shop2")
    assert same.kind == BUSINESS and same.outcome == MERGED
    assert any("registration number DC1001" in r for r in same.reasons), same.reasons
    differ = _pair(pairs, "shop3", "shop4")
    assert differ.outcome == REVIEW
    assert any("registration number differs" in r for r in differ.reasons), differ.reasons
    bare = _pair(pairs, "shop5", "shop6")
    assert bare.outcome == REVIEW
    assert any("no registration number or account in common" in r for r in bare.reasons)
    assert {p.to_dict()["kind"] for p in pairs.values()} == {"person", BUSINESS}


def test_every_pair_is_of_one_name_and_every_review_says_why(
    pairs: dict[frozenset[str], Namesake],
) -> None:
    for pair in pairs.values():
        assert pair.reasons[0].startswith("same name")
        if pair.outcome == REVIEW:
            assert any(r.startswith("not merged:") for r in pair.reasons), pair.reasons
