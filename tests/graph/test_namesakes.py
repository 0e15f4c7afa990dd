"""Communities worth reading: those crime touches come first, and two people of one community
with the same name are merged when nothing sets them apart or queued for review with why."""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from nexus.graph import GraphCache, by_relevance, load_graph
from nexus.graph.listings import organised
from nexus.graph.namesakes import MERGED, REVIEW, namesakes, settle
from nexus.graph.roles import roles
from nexus.policy import AccessLayer, Reader
from nexus.settings import load_settings
from nexus.store import SQLStore, open_store
from tests.cli.test_cli import run
from tests.graph.conftest import HIGH, World

# Of the planted networks, how many have their community among the first (networks + 1);
# listed by size, the arms trade came 8th of six networks.
RANKED_FLOOR = 1.0
WRONG_MERGES_CEILING = 0.05  # share of merged namesakes that are two people (measured 0)


def _people_of_nodes(world: World, reader: Reader) -> defaultdict[str, set[str]]:
    """Node → the true people its records stand for, from rows that name one person."""
    rows: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for row in world.truth("records.csv"):
        if row["uid"].startswith("P"):
            rows[(Path(row["file"]).name, row["row"])].add(row["uid"])
    people: defaultdict[str, set[str]] = defaultdict(set)
    for stmt in reader.iter_statements(schema="Person"):
        file, _, row = stmt.origin.partition("#row=")
        named = rows.get((file, row), set())
        if len(named) == 1:
            people[stmt.canonical_id] |= named
    return people


def _network_communities(world: World) -> dict[str, int]:
    """Each planted network → the community holding most of its members."""
    graph = world.graphs[HIGH]
    found = roles(graph, seed=0).partition
    nodes = world.person_nodes(HIGH)
    homes = {}
    for network in world.truth("networks.json"):
        members = [nodes[uid] for uid in network["members"] if uid in nodes]
        if members:
            counts = Counter(found.of(graph, m) for m in members)
            homes[network["name"]] = counts.most_common(1)[0][0]
    return homes


def test_communities_crime_touches_are_listed_before_larger_ones_of_shops(world: World) -> None:
    graph = world.graphs[HIGH]
    analysed = roles(graph, seed=0)
    found = analysed.partition
    ranked = by_relevance(graph, found.communities, organised=organised(analysed))
    order = [c.number for c, _ in ranked]
    homes = _network_communities(world)
    top = set(order[: len(set(homes.values())) + 1])
    placed = {name: order.index(number) for name, number in homes.items()}
    print(f"planted networks' places: {placed}")
    by_size = [c.number for c in sorted(found.communities, key=lambda c: -c.size)]
    print(f"by size they were: { {n: by_size.index(c) for n, c in homes.items()} }")
    assert sum(number in top for number in homes.values()) / len(homes) >= RANKED_FLOOR
    relevance = ranked[0][1]
    assert relevance.crime > 0 and "tied to crimes" in relevance.text()
    scores = [r.score for _, r in ranked]
    assert scores == sorted(scores, reverse=True)


def test_an_alert_on_a_member_raises_its_community(world: World) -> None:
    graph = world.graphs[HIGH]
    found = roles(graph, seed=0).partition
    quiet = next(c for c, r in reversed(by_relevance(graph, found.communities)) if r.score == 0)
    alerted = frozenset(m.id for m in quiet.members[:3])
    ranked = by_relevance(graph, found.communities, alerted)
    relevance = next(r for c, r in ranked if c.number == quiet.number)
    assert relevance.alerted == min(3, quiet.size)
    assert f"{relevance.alerted} under alert" in relevance.text()


@pytest.fixture()
def copy(world: World, tmp_path: Path) -> Iterator[tuple[AccessLayer, SQLStore]]:
    """The network world's store, copied: settling namesakes writes links."""
    home = tmp_path / "home"
    shutil.copytree(world.settings.home, home)
    settings = load_settings(home=home)
    store = open_store(settings.store_url)
    yield AccessLayer(store, settings), store
    store.close()


def test_namesakes_nothing_sets_apart_are_merged_and_the_others_queued(
    world: World, copy: tuple[AccessLayer, SQLStore]
) -> None:
    access, _store = copy
    viewer = access.viewer(HIGH)
    reader = access.reader(viewer)
    cache = GraphCache(access.settings.home / "graphs")
    graph = load_graph(reader, cache=cache)
    pairs = namesakes(graph, roles(graph, seed=0), reader)
    outcomes = Counter(p.outcome for p in pairs)
    print(f"namesakes: {dict(outcomes)}")
    assert outcomes[MERGED] > 0
    # Against the truth: the rows naming one person each say who a node's records are.
    people = _people_of_nodes(world, reader)
    merged_people = [(people[p.left], people[p.right]) for p in pairs if p.outcome == MERGED]
    known = [(a, b) for a, b in merged_people if a and b]
    wrong = sum(not a & b for a, b in known)
    print(f"merged pairs whose people the rows name: {len(known)}, different people: {wrong}")
    assert known and wrong / len(known) <= WRONG_MERGES_CEILING
    for pair in pairs:
        assert pair.reasons[0].startswith("same name")
        if pair.outcome == REVIEW:
            assert any(r.startswith("not merged:") for r in pair.reasons), pair.reasons
    written = settle(access, viewer, pairs)
    assert written == outcomes[MERGED] + outcomes[REVIEW]
    after = load_graph(access.reader(viewer), cache=cache)
    again = namesakes(after, roles(after, seed=0), access.reader(viewer))
    merged = {frozenset((p.left, p.right)) for p in pairs if p.outcome == MERGED}
    assert not merged & {frozenset((p.left, p.right)) for p in again}, "merged: one entity now"
    # Only pairs the merges brought together (a tie in common through a merged entity) are new.
    assert all(p.outcome != REVIEW for p in again if frozenset((p.left, p.right)) in merged)
    assert settle(access, viewer, again) == sum(p.outcome in (MERGED, REVIEW) for p in again)
    queue = access.reader(viewer).review_queue(limit=100_000)
    assert not any(
        p.outcome == MERGED and {p.records[0], p.records[1]} == {k.left_id, k.right_id}
        for p in pairs
        for k in queue
    ), "a merged pair leaves the review queue"


def test_the_commands_list_crime_first_and_settle_namesakes(
    world: World, copy: tuple[AccessLayer, SQLStore]
) -> None:
    access, _store = copy
    home = access.settings.home
    listing = run(home, "network", "communities", "--json", "--limit", "5", "--as", HIGH)
    ranked = orjson.loads(listing.stdout)["communities"]
    scores = [c["relevance"]["score"] for c in ranked]
    assert scores == sorted(scores, reverse=True) and scores[0] > 0
    preview = run(home, "network", "namesakes", "--as", HIGH).stdout
    assert "--settle` records them" in " ".join(preview.split())
    done = " ".join(run(home, "network", "namesakes", "--settle", "--as", HIGH).stdout.split())
    assert "links recorded:" in done and "merged" in done
    lines = run(home, "network", "namesakes", "--json", "--as", HIGH).stdout.splitlines()
    assert all(orjson.loads(line)["outcome"] != MERGED for line in lines)
