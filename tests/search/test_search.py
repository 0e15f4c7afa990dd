"""Searching as a viewer: names in any spelling or script, identifiers in any written form, facets,
and nothing a viewer may not see changing what they get. Run on SQLite and PostgreSQL."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from nexus.exceptions import NexusError, NotFound
from nexus.policy import AccessLayer
from nexus.search import search, update_index
from nexus.store import LinkRecord, Provenance
from tests.datafiles import load_ftm

FIA = Provenance("fia_cases", "FIA", "RESTRICTED")
ANF = Provenance("anf_seizures", "ANF", "RESTRICTED")


def person(entity_id: str, name: str, **props: str) -> dict[str, Any]:
    return {
        "id": entity_id,
        "schema": "Person",
        "properties": {"name": [name], **{k: [v] for k, v in props.items()}},
    }


def load(access: AccessLayer, tmp_path: Path, name: str, provenance: Provenance, *entities: Any):
    load_ftm(access, tmp_path / f"{name}.ftm.json", list(entities), provenance)
    update_index(access.store)


@pytest.fixture
def loaded(access: AccessLayer, tmp_path: Path) -> AccessLayer:
    load(
        access,
        tmp_path,
        "fia",
        FIA,
        person(
            "fia-1",
            "Mohd Rasheed",
            idNumber="59169-9854353-5",
            phone="+92 308 6033115",
            nationality="pk",
        ),
        {
            "id": "fia-acct",
            "schema": "BankAccount",
            "properties": {"iban": ["PK36SCBL0000001123456702"], "accountNumber": ["1123456702"]},
        },
        {
            "id": "fia-case",
            "schema": "InvestigationCase",
            "properties": {"name": ["FIR 123/2024"], "offence": ["Narcotics trafficking"]},
        },
    )
    load(
        access,
        tmp_path,
        "anf",
        ANF,
        person("anf-1", "محمد رشید", idNumber="5916998543535", fatherName="Dost Muhammad"),
        person("anf-2", "Muhammad Rashid", phone="+923086033115"),
        person("anf-3", "Gul Khan", address="Quetta"),
    )
    return access


def ids(result: Any) -> list[str]:
    return sorted(hit.id for hit in result.hits)


@pytest.mark.parametrize("query", ["Mohd Rasheed", "Muhammad Rashid", "محمد رشید"])
def test_every_spelling_and_script_finds_the_same_person(loaded: AccessLayer, query: str) -> None:
    reader = loaded.reader("fia_clerk")
    assert ids(search(reader, query)) == ["anf-1", "anf-2", "fia-1"]
    # Once resolution has made the records one person, the person is found once, with the
    # names of every record as written.
    records = ["anf-1", "anf-2", "fia-1"]
    evidence = frozenset(loaded.store.markings())
    loaded.store.add_links(
        [LinkRecord(a, b, 0.99, "match", evidence) for a, b in pairwise(records)]
    )
    [hit] = search(reader, query).hits
    assert hit.id.startswith("NX-") and hit.records == 3
    assert set(hit.names) == {"Mohd Rasheed", "محمد رشید", "Muhammad Rashid"}
    assert hit.datasets == ["anf_seizures", "fia_cases"] and hit.agencies == ["ANF", "FIA"]
    assert hit.markings == ["RESTRICTED (ANF)", "RESTRICTED (FIA)"]


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("59169-9854353-5", ["anf-1", "fia-1"]),
        ("5916998543535", ["anf-1", "fia-1"]),
        ("0308-6033115", ["anf-2", "fia-1"]),
        ("+92 308 6033115", ["anf-2", "fia-1"]),
        ("PK36 SCBL 0000 0011 2345 6702", ["fia-acct"]),
        ("pk36scbl0000001123456702", ["fia-acct"]),
        ("FIR 123/2024", ["fia-case"]),
        ("Rasheed 0308 6033115", ["anf-2", "fia-1"]),
    ],
)
def test_identifiers_are_found_in_any_written_form(
    loaded: AccessLayer, query: str, found: list[str]
) -> None:
    result = search(loaded.reader("fia_clerk"), query)
    assert ids(result) == found
    assert all(hit.matched for hit in result.hits)


def test_the_best_match_comes_first_and_says_what_matched(loaded: AccessLayer) -> None:
    result = search(loaded.reader("fia_clerk"), "Dost Muhammad")
    assert [hit.id for hit in result.hits] == ["anf-1"]
    [hit] = result.hits
    assert hit.caption == "محمد رشید" and ("fatherName", "Dost Muhammad") in hit.matched
    exact = search(loaded.reader("fia_clerk"), "Muhammad Rashid").hits
    assert exact[0].score >= exact[-1].score


def test_facets_count_what_was_found_and_filters_narrow_it(loaded: AccessLayer) -> None:
    reader = loaded.reader("fia_clerk")
    result = search(reader, "Rashid")
    facets = {name: {v.value: v.count for v in values} for name, values in result.facets.items()}
    assert facets["dataset"] == {"anf_seizures": 2, "fia_cases": 1}
    assert facets["agency"] == {"ANF": 2, "FIA": 1}
    assert facets["schema"] == {"Person": 3}
    assert facets["country"] == {"pk": 1}
    assert [v.label for v in result.facets["country"]] == ["Pakistan"]
    narrowed = search(reader, "Rashid", filters={"dataset": ["fia_cases"]})
    assert ids(narrowed) == ["fia-1"] and narrowed.total == 1
    assert ids(search(reader, "Rashid", filters={"schema": ["LegalEntity"]})) == ids(result)
    assert search(reader, "Rashid", filters={"schema": ["Company"]}).total == 0
    topics = search(reader, "FIR", filters={"topic": ["drugs"]})
    assert ids(topics) == ["fia-case"] and topics.facets["topic"][0].label == "Drug trafficking"
    # The search box of a long facet: only the values holding the text, by value or label.
    boxed = search(reader, "Rashid", facet_query={"dataset": "anf", "country": "pak"})
    assert [v.value for v in boxed.facets["dataset"]] == ["anf_seizures"]
    assert [v.value for v in boxed.facets["country"]] == ["pk"]
    assert len(search(reader, "Rashid", facet_limit=1).facets["dataset"]) == 1


def test_paging_and_mistakes(loaded: AccessLayer) -> None:
    reader = loaded.reader("fia_clerk")
    everyone = search(reader, "Rashid")
    page = search(reader, "Rashid", limit=1, offset=1)
    assert page.total == everyone.total and [h.id for h in page.hits] == [everyone.hits[1].id]
    with pytest.raises(NexusError, match="nothing to search"):
        search(reader, "  ")
    with pytest.raises(NexusError, match="unknown facet"):
        search(reader, "Rashid", filters={"colour": ["red"]})
    with pytest.raises(NotFound):
        search(reader, "Rashid", filters={"schema": ["NoSuchSchema"]})


QUERIES = [
    "Mohd Rasheed",
    "Muhammad Rashid Informant",
    "59169-9854353-5",
    "0308-6033115",
    "Rashid",
    "Victim",
    "Informant",
    "Secret",
]


def snapshot(access: AccessLayer, viewer: str) -> dict[str, Any]:
    reader = access.reader(viewer)
    shots = {}
    for query in QUERIES:
        shots[query] = search(reader, query, facet_limit=50).to_dict()
        shots[f"{query} | country"] = search(reader, query, filters={"country": ["pk"]}).to_dict()
    return shots


def test_what_a_viewer_may_not_see_changes_nothing_they_find(
    loaded: AccessLayer, tmp_path: Path
) -> None:
    before = snapshot(loaded, "fia_clerk")
    # SECRET statements about a person the clerk sees (a name, a nationality, a listing) and a
    # SECRET person; another agency's AGENCY-ONLY informant with the clerk's person's phone; and
    # victims in FIA's own VICTIMS compartment, one of them with the same CNIC.
    ctd = Provenance("ctd_watch", "CTD", "SECRET")
    load(
        loaded,
        tmp_path,
        "ctd",
        ctd,
        {
            "id": "fia-1",
            "schema": "Person",
            "properties": {
                "name": ["Secret Rashid"],
                "nationality": ["af"],
                "topics": ["sanction"],
            },
        },
        person("ctd-1", "Muhammad Rasheed", idNumber="59169-9854353-5", country="pk"),
    )
    informants = Provenance("anf_sources", "ANF", "RESTRICTED", frozenset({"AGENCY-ONLY"}))
    load(
        loaded,
        tmp_path,
        "sources",
        informants,
        person("anf-src", "Muhammad Rashid Informant", phone="+923086033115", country="pk"),
    )
    victims = Provenance("fia_victims", "FIA", "RESTRICTED", frozenset({"COMP:VICTIMS"}))
    load(
        loaded,
        tmp_path,
        "victims",
        victims,
        person("vic-1", "Rashid Victim", idNumber="59169-9854353-5", country="pk"),
    )
    # A match resting on the SECRET statements joins the clerk's records for those who see them.
    evidence = frozenset(loaded.store.markings())
    loaded.store.add_links([LinkRecord("anf-2", "fia-1", 0.99, "match", evidence)])
    assert snapshot(loaded, "fia_clerk") == before
    # Those cleared for each find it.
    assert "ctd-1" in ids(search(loaded.reader("admin"), "59169-9854353-5"))
    assert "Secret Rashid" in search(loaded.reader("admin"), "Secret").hits[0].names
    assert ids(search(loaded.reader("anf_secret"), "Informant")) == ["anf-src"]
    assert ids(search(loaded.reader("victims_officer"), "Victim")) == ["vic-1"]
    assert search(loaded.reader("admin"), "Victim").total == 0  # no VICTIMS compartment


def test_every_search_is_audited_with_its_query(loaded: AccessLayer) -> None:
    search(loaded.reader("fia_clerk"), "Mohd Rasheed", filters={"dataset": ["fia_cases"]})
    entry = list(loaded.store.audit_entries())[-1]
    assert (entry.actor, entry.action) == ("fia_clerk", "search")
    assert entry.detail["query"] == "Mohd Rasheed"
    assert entry.detail["filters"] == {"dataset": ["fia_cases"]}


def test_the_index_follows_new_runs_and_new_markings(loaded: AccessLayer, tmp_path: Path) -> None:
    reader = loaded.reader("fia_clerk")
    load_ftm(loaded, tmp_path / "more.json", [person("fia-9", "Zahid Hussain")], FIA)
    assert search(reader, "Zahid Hussain").total == 0  # not indexed yet
    report = update_index(loaded.store)
    assert (report.runs, report.rebuilt) == (1, False)
    assert ids(search(reader, "Zahid Hussain")) == ["fia-9"]
    assert update_index(loaded.store).runs == 0
    # The same file sent again as SECRET: its statements move, and the clerk loses them.
    secret = Provenance("fia_cases", "FIA", "SECRET")
    load(loaded, tmp_path, "more", secret, person("fia-9", "Zahid Hussain"))
    assert search(reader, "Zahid Hussain").total == 0
    assert ids(search(loaded.reader("fia_secret"), "Zahid Hussain")) == ["fia-9"]


def test_a_search_asked_again_follows_resolution_and_new_rows(
    loaded: AccessLayer, tmp_path: Path
) -> None:
    reader = loaded.reader("admin")
    assert ids(search(reader, "Muhammad Rashid")) == ["anf-1", "anf-2", "fia-1"]
    again = search(reader, "Muhammad Rashid")  # answered from the pages kept
    assert ids(again) == ["anf-1", "anf-2", "fia-1"]
    # A match joins two records: the same question now finds one entity for them.
    evidence = frozenset(loaded.store.markings())
    loaded.store.add_links([LinkRecord("anf-2", "fia-1", 0.99, "match", evidence)])
    joined = search(reader, "Muhammad Rashid")
    assert joined.total == 2
    assert max(hit.records for hit in joined.hits) == 2
    load(loaded, tmp_path, "more", FIA, person("fia-7", "Muhammad Rashid Baloch"))
    assert joined.total + 1 == search(reader, "Muhammad Rashid").total
