"""The search index contract, run against every backend (SQLite FTS5, PostgreSQL tsvector).

Rows and terms are written by hand here: what keys mean is nexus.search's business (tests/search).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pytest

from nexus.store import (
    ID_PROP,
    IndexRow,
    IndexSource,
    LinkRecord,
    Marking,
    NewStatement,
    Scope,
    SearchPage,
    SearchTerm,
    SQLStore,
)

LOW = Marking("ANF", "RESTRICTED")
HIGH = Marking("CTD", "SECRET")
VERSION = "test-1"


def statements(
    entity_id: str,
    marking: Marking,
    dataset: str = "anf",
    schema: str = "Person",
    **props: str,
) -> list[NewStatement]:
    origin = f"{dataset}.csv#row=1"
    found = [NewStatement(entity_id, schema, ID_PROP, "id", entity_id, dataset, origin, marking)]
    kinds = {"name": "name", "idNumber": "identifier", "notes": "text", "country": "country"}
    for prop, value in props.items():
        found.append(
            NewStatement(entity_id, schema, prop, kinds[prop], value, dataset, origin, marking)
        )
    return found


def rows(sources: Sequence[IndexSource]) -> Iterable[IndexRow]:
    """Keys as the words of the value, lowercased; countries as facet rows."""
    for s in sources:
        if s.prop_type == "country":
            yield IndexRow(
                s.id,
                s.entity_id,
                s.marking_id,
                s.dataset,
                s.schema,
                s.prop,
                "country",
                s.value,
                None,
            )
        elif s.prop_type in ("name", "identifier", "text"):
            words = s.value.lower().replace("-", "").split()
            yield IndexRow(
                s.id,
                s.entity_id,
                s.marking_id,
                s.dataset,
                s.schema,
                s.prop,
                s.prop_type,
                s.value,
                None,
                " ".join(words),
                len(words),
                {"name": 1.0, "identifier": 1.2, "text": 0.3}[s.prop_type],
            )


def index(store: SQLStore, *, full: bool = False) -> int:
    state = store.search_index_state(VERSION)
    runs = None if full else state.pending
    return store.index_statements(rows, version=VERSION, runs=runs, skip_types=["id"])


def scope_of(store: SQLStore, *markings: Marking) -> Scope:
    ids = {mid for mid, m in store.markings().items() if m in markings}
    return Scope(frozenset(ids), "test:" + ",".join(sorted(m.label() for m in markings)))


def words(*query: str) -> list[SearchTerm]:
    return [SearchTerm(((w, 1.0),)) for w in query]


def found(page: SearchPage) -> list[str]:
    return [e.canonical_id for e in page.entities]


@pytest.fixture
def loaded(store: SQLStore) -> SQLStore:
    with store.writer("tester", "anf") as writer:
        writer.add(statements("p1", LOW, name="Muhammad Rashid", idNumber="59169-9854353-5"))
        writer.add(statements("p2", LOW, name="Muhammad Rashid Khan", country="pk"))
        writer.add(statements("p3", LOW, name="Rashid Ali", notes="courier Quetta"))
        writer.add(statements("c1", LOW, "fmu", "Company", name="Rashid Traders"))
    index(store)
    return store


def test_every_term_must_be_held_by_the_entitys_visible_rows(loaded: SQLStore) -> None:
    scope = scope_of(loaded, LOW)
    assert found(loaded.search(scope, words("muhammad", "rashid"))) == ["p1", "p2"]
    # Terms may be held by different rows of one entity: its name and its notes.
    assert found(loaded.search(scope, words("rashid", "quetta"))) == ["p3"]
    assert loaded.search(scope, words("rashid", "nobody")).total == 0
    assert found(loaded.search(scope, words("5916998543535"))) == ["p1"]


def test_the_best_match_ranks_first_and_pages_follow_the_ranking(loaded: SQLStore) -> None:
    scope = scope_of(loaded, LOW)
    page = loaded.search(scope, words("rashid"))
    assert page.total == 4
    # "Rashid Ali" and "Rashid Traders" (2 words) before "Muhammad Rashid Khan" (3 words); ties
    # by id.
    assert found(page) == ["c1", "p1", "p3", "p2"]
    assert [e.score for e in page.entities] == sorted(
        (e.score for e in page.entities), reverse=True
    )
    assert found(loaded.search(scope, words("rashid"), limit=2, offset=1)) == ["p1", "p3"]


def test_a_key_ending_in_a_star_is_a_prefix(loaded: SQLStore) -> None:
    scope = scope_of(loaded, LOW)
    assert found(loaded.search(scope, [SearchTerm((("trad*", 1.0),))])) == ["c1"]
    either = SearchTerm((("ali", 1.0), ("khan", 0.5)))
    page = loaded.search(scope, [either])
    assert found(page) == ["p3", "p2"]  # a weaker key scores less
    assert loaded.search(scope, [SearchTerm((("bad key!", 1.0),))]).total == 0


def test_facets_count_entities_and_filters_keep_those_with_a_value(loaded: SQLStore) -> None:
    scope = scope_of(loaded, LOW)
    page = loaded.search(scope, words("rashid"))
    assert page.facets["dataset"] == {"anf": 3, "fmu": 1}
    assert page.facets["schema"] == {"Company": 1, "Person": 3}
    assert page.facets["agency"] == {"ANF": 4}
    assert page.facets["classification"] == {"RESTRICTED": 4}
    assert page.facets["country"] == {"pk": 1}
    assert page.facets["topic"] == {}
    kept = loaded.search(scope, words("rashid"), filters={"dataset": ["fmu"]})
    assert found(kept) == ["c1"] and kept.total == 1
    assert kept.facets["dataset"] == {"fmu": 1}
    assert found(loaded.search(scope, words("rashid"), filters={"country": ["pk"]})) == ["p2"]
    assert loaded.search(scope, words("rashid"), filters={"schema": []}).total == 0


def test_a_page_shows_the_visible_values_of_its_entities(loaded: SQLStore) -> None:
    page = loaded.search(scope_of(loaded, LOW), words("quetta"))
    [entity] = page.entities
    shown = {(v.prop, v.value, v.score is not None) for v in entity.values}
    assert shown == {("name", "Rashid Ali", False), ("notes", "courier Quetta", True)}
    assert set(page.markings.values()) == {LOW}


def test_what_a_scope_may_not_see_changes_nothing_it_finds(loaded: SQLStore) -> None:
    low = scope_of(loaded, LOW)
    queries = [words("rashid"), words("muhammad", "rashid"), words("quetta"), words("secret")]
    before = [loaded.search(low, q) for q in queries]
    with loaded.writer("tester", "ctd") as writer:
        # Hidden rows on visible entities (a better name, a country), hidden entities, and a
        # hidden entity that would match every query.
        writer.add(statements("p2", HIGH, "ctd", name="Rashid", country="af"))
        writer.add(statements("p3", HIGH, "ctd", notes="secret source Muhammad"))
        writer.add(statements("s1", HIGH, "ctd", name="Muhammad Rashid Secret Quetta"))
    index(loaded)
    # A link resting on hidden evidence merges nothing for the low scope.
    loaded.add_links([LinkRecord("p1", "p2", 0.99, "match", frozenset(loaded.markings()))])
    loaded.ensure_canonical(low)
    after = [loaded.search(low, q) for q in queries]
    assert after == before
    both = scope_of(loaded, LOW, HIGH)
    loaded.ensure_canonical(both)
    high = loaded.search(both, words("rashid"))
    assert high.total == 4  # p1 and p2 are one entity now, and s1 is found
    assert "s1" in found(high) and high.facets["country"] == {"af": 1, "pk": 1}


def test_entities_resolution_joined_are_found_once_with_every_members_values(
    loaded: SQLStore,
) -> None:
    scope = scope_of(loaded, LOW)
    loaded.add_links([LinkRecord("p1", "p3", 0.99, "match", frozenset(loaded.markings()))])
    loaded.ensure_canonical(scope)
    page = loaded.search(scope, words("muhammad", "quetta"))  # held by two members together
    [entity] = page.entities
    assert entity.canonical_id.startswith("NX-")
    assert {v.entity_id for v in entity.values} == {"p1", "p3"}
    assert page.facets["schema"] == {"Person": 1}


def test_reindexing_a_run_replaces_its_rows_and_follows_a_new_marking(loaded: SQLStore) -> None:
    low, high = scope_of(loaded, LOW), None
    assert loaded.search_index_state(VERSION).pending == ()
    with loaded.writer("tester", "anf again") as writer:  # the same file, now SECRET
        writer.add(statements("p3", HIGH, name="Rashid Ali", notes="courier Quetta"))
    state = loaded.search_index_state(VERSION)
    assert len(state.pending) == 1 and not state.outdated
    index(loaded)
    assert loaded.search(low, words("quetta")).total == 0
    high = scope_of(loaded, HIGH)
    assert found(loaded.search(high, words("quetta"))) == ["p3"]
    before = loaded.search_index_state(VERSION).rows
    assert index(loaded, full=True) == before  # a rebuild makes the same rows
    assert loaded.search_index_state("test-2").outdated


def test_nothing_visible_or_no_usable_key_finds_nothing(loaded: SQLStore) -> None:
    assert loaded.search(Scope(frozenset(), "nobody"), words("rashid")).total == 0
    assert loaded.search(scope_of(loaded, LOW), [SearchTerm(())]).total == 0
    assert loaded.search(scope_of(loaded, LOW), words("rashid", "")).total == 0
