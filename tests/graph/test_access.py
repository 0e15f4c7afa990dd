"""A viewer's graph holds only what they may see: paths and neighbourhoods never pass through an
entity or edge another viewer alone sees, and the cache follows the data version."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

from nexus.graph import EntityGraph, GraphCache, neighbours, paths
from nexus.store import Provenance
from tests.datafiles import load_ftm
from tests.graph.conftest import HIGH, LOW, World


def _visible_statements(world: World, viewer: str) -> set[str]:
    return {s.id for s in world.access.reader(viewer).iter_statements()}


def test_the_low_viewer_sees_a_smaller_graph(world: World) -> None:
    high, low = world.graphs[HIGH], world.graphs[LOW]
    assert len(low.nodes) < len(high.nodes) and len(low.edges) < len(high.edges)
    visible = _visible_statements(world, LOW)
    for edge in low.edges:
        for fact in edge.facts:
            assert {s.statement for s in fact.sources} <= visible


def test_paths_and_neighbourhoods_never_cross_what_only_the_high_viewer_sees(
    world: World,
) -> None:
    high, low = world.graphs[HIGH], world.graphs[LOW]
    visible = _visible_statements(world, LOW)
    hidden = [n for n in high.nodes if not low.has(n.id)]
    checked = 0
    for node in hidden:
        around = neighbours(high, [node.id], hops=1).neighbours
        shared = [n.node.id for n in around if n.hop == 1 and low.has(n.node.id)]
        for a, b in combinations(shared[:4], 2):
            # The high viewer connects a and b through an entity the low viewer cannot see.
            assert (
                any(node.id in {n.id for n in p.nodes} for p in paths(high, a, b, k=20).paths)
                or paths(high, a, b, k=1).paths[0].hops <= 2
            )
            for path in paths(low, a, b, k=5).paths:
                assert all(low.has(n.id) and not _only_high(world, n.id) for n in path.nodes)
                for link in path.links:
                    assert all({s.statement for s in f.sources} <= visible for f in link.facts)
            for neighbour in neighbours(low, [a], hops=2).neighbours:
                assert neighbour.node.id != node.id
            checked += 1
    print(f"{len(hidden)} entities only {HIGH} sees; {checked} pairs around them checked")
    assert checked >= 5


def _only_high(world: World, entity_id: str) -> bool:
    return not world.access.reader(LOW).statements(entity_id)


def test_the_cache_rebuilds_only_when_what_the_viewer_sees_changes(
    world: World, tmp_path: Path
) -> None:
    cache = GraphCache(tmp_path / "graphs")
    reader = world.access.reader(LOW)
    first = cache.graph(reader)
    assert cache.graph(reader) is first
    assert GraphCache(tmp_path / "graphs").graph(reader).version == first.version  # from disk
    people = [n for n in first.nodes if n.schema == "Person"][:2]

    def family(entity_id: str, provenance: Provenance) -> None:
        """A Family link between the two people, loaded under `provenance`."""
        link = {
            "id": entity_id,
            "schema": "Family",
            "properties": {"person": [people[0].id], "relative": [people[1].id]},
        }
        load_ftm(world.access, tmp_path / f"{entity_id}.ftm.json", [link], provenance)

    family("ctd-secret-family", Provenance("ctd_watch", "CTD", "SECRET"))
    assert cache.graph(world.access.reader(LOW)) is first  # nothing the clerk may see changed
    family("fia-family", Provenance("fia_notes", "FIA", "RESTRICTED"))
    rebuilt = cache.graph(world.access.reader(LOW))
    assert rebuilt is not first and rebuilt.version != first.version
    edge = rebuilt.edge_between(people[0].id, people[1].id)
    assert edge is not None and "family" in edge.kinds
    assert all(s.agency == "FIA" for f in edge.facts if f.kind == "family" for s in f.sources)


def test_a_listing_is_kept_until_what_the_viewer_sees_changes(world: World, tmp_path: Path) -> None:
    computed: list[int] = []

    def count_people(graph: EntityGraph) -> dict[str, int]:
        computed.append(1)
        return {"people": sum(1 for n in graph.nodes if n.schema == "Person")}

    directory = tmp_path / "graphs"
    first = GraphCache(directory).derived(world.access.reader(LOW), "people", {}, count_people)
    for graph_file in directory.glob("*.pickle"):
        graph_file.unlink()
    again = GraphCache(directory).derived(world.access.reader(LOW), "people", {}, count_people)
    assert again == first and len(computed) == 1
    assert not list(directory.glob("*.pickle"))  # answered without reading or building a graph
    GraphCache(directory).derived(world.access.reader(LOW), "people", {"x": 1}, count_people)
    assert len(computed) == 2  # other parameters, another answer
    person = {"id": "ctd-secret-person", "schema": "Person", "properties": {"name": ["Zar Gul"]}}
    load_ftm(
        world.access, tmp_path / "s.ftm.json", [person], Provenance("ctd_watch", "CTD", "SECRET")
    )
    GraphCache(directory).derived(world.access.reader(LOW), "people", {}, count_people)
    assert len(computed) == 2  # nothing the clerk may see changed
    person = {"id": "fia-new-person", "schema": "Person", "properties": {"name": ["Zar Gul"]}}
    load_ftm(
        world.access,
        tmp_path / "r.ftm.json",
        [person],
        Provenance("fia_notes", "FIA", "RESTRICTED"),
    )
    after = GraphCache(directory).derived(world.access.reader(LOW), "people", {}, count_people)
    assert len(computed) == 3 and after["people"] == first["people"] + 1
