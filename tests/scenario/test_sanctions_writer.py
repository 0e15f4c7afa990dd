"""The synthetic UN list: reproducible, realistic in its variation, and loadable as published."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from lxml import etree

from nexus.ingest import MappingPlan, QueryPlan, ingest
from nexus.policy import AccessLayer
from nexus.scenario.model import (
    Event,
    Organisation,
    Participant,
    Person,
    Place,
    SanctionsEntry,
    Vehicle,
    World,
)
from nexus.scenario.sanctions import (
    sloppy_transliteration,
    spelling_variant,
    urdu_script,
    write_un_list,
)
from nexus.store import Provenance

CHAMAN = Place("Chaman", "pk", 30.92, 66.45, "crossing", "Balochistan")
QUETTA = Place("Quetta", "pk", 30.18, 67.0, "city", "Balochistan")


def small_world() -> World:
    """A hand-made world: two suspects, a victim, a front company, a proscribed group, four
    events and two listings; enough for the list and report writers."""
    world = World(seed=1, scale="test", start=dt.date(2023, 1, 1), end=dt.date(2024, 12, 31))
    world.places = {"chaman": CHAMAN, "quetta": QUETTA}
    people = [
        Person(
            "P1",
            "Muhammad Yousaf",
            "Achakzai",
            "Gul Khan",
            "male",
            dt.date(1978, 4, 2),
            "pk",
            "5440112345671",
            ["+923001234567"],
            QUETTA,
            ["Haji"],
            role="leader",
        ),
        Person(
            "P2",
            "Sher Ali",
            "Afridi",
            "Noor Muhammad",
            "male",
            dt.date(1985, 1, 9),
            "pk",
            "1710198765433",
            ["+923451112223", "+93701234567"],
            CHAMAN,
            role="courier",
        ),
        Person(
            "P3",
            "Ayesha",
            "Bibi",
            "Karim Bakhsh",
            "female",
            dt.date(2001, 1, 9),
            "pk",
            "3520211111112",
            ["+923331234567"],
            None,
            role="victim",
        ),
    ]
    world.people = {p.uid: p for p in people}
    world.organisations = {
        "O1": Organisation("O1", "Makran Fisheries (Pvt) Ltd", "company", "pk", address=QUETTA),
        "O2": Organisation("O2", "Lashkar-e-Fitna", "proscribed", "pk", proscribed=True),
    }
    world.vehicles = {"V1": Vehicle("V1", "BKA-567", "truck", "P2")}
    events = [
        Event(
            "E1",
            "seizure",
            dt.date(2024, 3, 12),
            "ANF",
            CHAMAN,
            [
                Participant("P2", "arrested"),
                Participant("P1", "absconder"),
                Participant("O1", "owner"),
            ],
            commodity="heroin",
            quantity=12.5,
            unit="kg",
            vehicles=["V1"],
        ),
        Event(
            "E2",
            "interdiction",
            dt.date(2024, 5, 1),
            "FIA",
            QUETTA,
            [Participant("P2", "arrested"), Participant("P3", "victim")],
            commodity="migrants",
            quantity=14,
            unit="persons",
        ),
        Event(
            "E3",
            "conviction",
            dt.date(2024, 9, 1),
            "ANF",
            QUETTA,
            [Participant("P2", "accused")],
            reference="ANF-CHA-012/2024",
        ),
        Event(
            "E4",
            "arrest",
            dt.date(2024, 6, 1),
            "FIA",
            QUETTA,
            [Participant("P1", "arrested")],
            commodity="currency",
            quantity=2_500_000,
            unit="PKR",
        ),
        Event("E5", "joint_operation", dt.date(2024, 7, 1), "ANF", CHAMAN),
    ]
    world.events = {e.uid: e for e in events}
    world.sanctions = [
        SanctionsEntry(
            "QDi.431", "P1", "Al-Qaida", dt.date(2019, 5, 1), narrative="Finances Lashkar-e-Fitna."
        ),
        SanctionsEntry(
            "QDe.181",
            "O2",
            "Al-Qaida",
            dt.date(2018, 2, 1),
            aliases=[("Good", "LeF")],
            narrative="A militant group.",
        ),
    ]
    return world


def written(tmp_path: Path, seed: int, name: str = "list.unsc.xml", padding: int = 40) -> Path:
    path = tmp_path / name
    write_un_list(small_world(), path, random.Random(seed), padding=padding)
    return path


def listing(path: Path, reference: str) -> etree._Element:
    root = etree.parse(str(path)).getroot()
    [found] = root.xpath(f"//*[REFERENCE_NUMBER='{reference}']")
    return found


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    assert written(tmp_path, 5, "a.unsc.xml").read_bytes() == (
        written(tmp_path, 5, "b.unsc.xml").read_bytes()
    )


def test_different_seeds_write_different_lists(tmp_path: Path) -> None:
    assert written(tmp_path, 5, "a.unsc.xml").read_bytes() != (
        written(tmp_path, 6, "b.unsc.xml").read_bytes()
    )


def test_the_list_holds_the_worlds_listings_and_the_padding(tmp_path: Path) -> None:
    path = tmp_path / "list.unsc.xml"
    assert write_un_list(small_world(), path, random.Random(1), padding=40) == 42
    root = etree.parse(str(path)).getroot()
    references = root.xpath("//REFERENCE_NUMBER/text()")
    assert len(references) == len(set(references)) == 42
    assert {"QDi.431", "QDe.181"} <= set(references)
    assert {r[:3] for r in references} > {"QDi", "QDe"}  # Taliban, Al-Shabaab, … too


def test_a_listed_person_has_aliases_of_both_qualities_and_an_arabic_script_name(
    tmp_path: Path,
) -> None:
    person = listing(written(tmp_path, 3), "QDi.431")
    assert person.findtext("FIRST_NAME") == "MUHAMMAD"
    qualities = {a.findtext("QUALITY") for a in person.iter("INDIVIDUAL_ALIAS")}
    assert qualities == {"Good", "Low"}
    script = person.findtext("NAME_ORIGINAL_SCRIPT") or ""
    assert script and all("\u0600" <= ch <= "\u06ff" or ch == " " for ch in script)
    documents = {
        d.findtext("TYPE_OF_DOCUMENT"): d.findtext("NUMBER")
        for d in person.iter("INDIVIDUAL_DOCUMENT")
    }
    assert documents["National Identification Number"] == "54401-1234567-1"
    assert person.findtext("NATIONALITY/VALUE") == "Pakistan"
    assert "Father's name is Gul Khan." in (person.findtext("COMMENTS1") or "")


def test_birth_dates_are_exact_years_or_ranges_around_the_truth(tmp_path: Path) -> None:
    kinds = set()
    for seed in range(12):
        dob = listing(written(tmp_path, seed), "QDi.431").find("INDIVIDUAL_DATE_OF_BIRTH")
        assert dob is not None
        kinds.add(dob.findtext("TYPE_OF_DATE"))
        if dob.findtext("DATE"):
            assert dob.findtext("DATE") == "1978-04-02"
        elif dob.findtext("FROM_YEAR"):
            assert int(dob.findtext("FROM_YEAR") or 0) <= 1978 <= int(dob.findtext("TO_YEAR") or 0)
        else:
            assert abs(int(dob.findtext("YEAR") or 0) - 1978) <= 1
    assert len(kinds) >= 2


def test_the_written_list_loads_with_nothing_quarantined(
    access: AccessLayer, tmp_path: Path
) -> None:
    path = written(tmp_path, 9, padding=200)
    provenance = Provenance("un_sc_sanctions", "UNSC", "UNCLASSIFIED")
    query = QueryPlan(provenance=provenance, entities=[], files=[path], format="unsc")
    report = ingest(access, access.viewer("admin"), MappingPlan(path, [query]))
    assert (report.rows_loaded, report.rows_quarantined) == (202, 0)
    person = access.reader("admin").entity("unsc-qdi-431")
    assert person.get("weakAlias") and person.get("alias")
    assert person.get("idNumber") == ["54401-1234567-1"]


def test_name_renderings_differ_from_the_name_as_a_clerk_would() -> None:
    rng = random.Random(2)
    assert spelling_variant("Muhammad Yousaf Achakzai", rng) != "Muhammad Yousaf Achakzai"
    assert spelling_variant("Xyz Qwv", rng) == "Xyz Qwv"
    assert sloppy_transliteration("Muhammad Yousaf", rng) != "Muhammad Yousaf"
    script = urdu_script("Muhammad Yousaf Khan")
    assert script.strip()
    assert all("\u0600" <= ch <= "\u06ff" or ch == " " for ch in script)
