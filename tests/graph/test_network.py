"""On the scenario, the analyses find what was planted: the networks as communities, their
leaders and brokers as key players, the hawala network's crime-terror link, cross-border ties."""

from __future__ import annotations

from collections import Counter

import pytest

from nexus.exceptions import NexusError, NotFound
from nexus.graph import (
    bridges,
    communities,
    convergence,
    cross_border,
    key_players,
    neighbours,
    paths,
    timeline,
)
from tests.graph.conftest import HIGH, World

# Floors under the figures measured on the tiny scenario (printed by the tests).
COMMUNITY_SHARE_FLOOR = 0.7  # mean share of a network's members found in one community
WORST_NETWORK_FLOOR = 0.4
TOP_IN_COMMUNITY = 10  # a leader or broker counts as found among its community's top 10 people
LEADERS_FOUND_FLOOR = 0.65


def test_planted_networks_are_recovered_as_communities(world: World) -> None:
    graph = world.graphs[HIGH]
    found = communities(graph, seed=0)
    nodes = world.person_nodes(HIGH)
    shares = []
    for network in world.truth("networks.json"):
        members = [nodes[uid] for uid in network["members"] if uid in nodes]
        counts = Counter(found.of(graph, node) for node in members)
        share = counts.most_common(1)[0][1] / len(members)
        shares.append(share)
        print(f"{network['name']}: {len(members)} members found, {share:.0%} in one community")
    mean = sum(shares) / len(shares)
    print(f"mean share {mean:.2f}, modularity {found.modularity:.3f}")
    assert mean >= COMMUNITY_SHARE_FLOOR and min(shares) >= WORST_NETWORK_FLOOR


def test_planted_leaders_and_brokers_rank_among_the_key_players(world: World) -> None:
    graph = world.graphs[HIGH]
    partition = communities(graph, seed=0)
    # "Who leads" asks about people: fronts and accounts are ranked apart (schemata).
    players = key_players(
        graph, limit=len(graph.nodes), partition=partition, schemata=("Person",)
    ).players
    overall = {p.id: i for i, p in enumerate(players)}
    nodes = world.person_nodes(HIGH)
    found, wanted = 0, 0
    for network in world.truth("networks.json"):
        for uid in network["leaders"] + network["brokers"]:
            if uid not in nodes:
                continue
            wanted += 1
            node = nodes[uid]
            same = [p.id for p in players if p.community == partition.of(graph, node)]
            rank = same.index(node)
            found += rank < TOP_IN_COMMUNITY
            print(
                f"{network['name']}: {uid} ranks {rank + 1} in its community, "
                f"{overall[node] + 1} of {len(players)} overall"
            )
    print(f"{found} of {wanted} leaders/brokers in their community's top {TOP_IN_COMMUNITY}")
    assert found / wanted >= LEADERS_FOUND_FLOOR


def test_every_key_player_comes_with_its_measures_and_reasons(world: World) -> None:
    players = key_players(world.graphs[HIGH], limit=5)
    assert len(players.players) == 5
    assert players.players[0].score >= players.players[-1].score
    assert all(p.reasons and p.degree > 0 for p in players.players)
    with pytest.raises(ValueError, match="unknown measure"):
        key_players(world.graphs[HIGH], by="fame")


def test_communities_are_the_same_for_the_same_seed(world: World) -> None:
    graph = world.graphs[HIGH]
    first, second = communities(graph, seed=3), communities(graph, seed=3)
    assert (first.membership == second.membership).all()
    biggest = first.communities[0]
    assert biggest.size >= biggest.actors > 0 and biggest.members
    assert biggest.size == max(c.size for c in first.communities)


def test_the_hawala_network_shows_crime_terror_convergence(world: World) -> None:
    graph = world.graphs[HIGH]
    partition = communities(graph, seed=0)
    found = convergence(graph, partition)
    nodes = world.person_nodes(HIGH)
    hawala = next(n for n in world.truth("networks.json") if n["finances"])
    members = {nodes[uid] for uid in hawala["members"] if uid in nodes}
    converging = {a.id for a in found.actors}
    print(f"{len(members & converging)} of {len(members)} hawala members converge")
    assert members & converging
    top = found.actors[0]
    assert top.score == top.market.strength * top.terror.strength > 0
    assert top.market.reasons and top.terror.reasons
    assert found.communities and all(c.listed and c.markets for c in found.communities)


def test_bridges_name_the_entities_between_communities(world: World) -> None:
    graph = world.graphs[HIGH]
    partition = communities(graph, seed=0)
    found = bridges(graph, partition, limit=5)
    assert found and found[0].weight >= found[-1].weight
    assert all(b.communities[0] < b.communities[1] and b.brokers for b in found)


def test_cross_border_entities_say_which_country_comes_from_what(world: World) -> None:
    found = cross_border(world.graphs[HIGH], limit=20)
    assert found
    for entity in found:
        assert len(entity.countries) >= 2
        assert all(reasons for reasons in entity.countries.values())


def test_paths_carry_the_statements_and_agencies_behind_every_step(world: World) -> None:
    graph = world.graphs[HIGH]
    players = key_players(graph, limit=10).players
    found = paths(graph, players[0].id, players[5].id, k=3)
    assert found.paths and found.paths[0].hops >= 1
    assert [p.hops for p in found.paths] == sorted(p.hops for p in found.paths)
    for path in found.paths:
        assert path.nodes[0].id == players[0].id and path.nodes[-1].id == players[5].id
        for link in path.links:
            assert link.facts and all(f.sources and f.agencies for f in link.facts)


def test_a_path_follows_only_the_edge_kinds_asked_for(world: World) -> None:
    graph = world.graphs[HIGH]
    players = key_players(graph, limit=10).players
    only = paths(graph, players[0].id, players[5].id, kinds=["payment", "shared"], k=3)
    for path in only.paths:
        for link in path.links:
            assert {f.kind for f in link.facts} <= {"payment", *only.kinds}
            assert link.facts
    with pytest.raises(NexusError, match="unknown edge kind"):
        paths(graph, players[0].id, players[5].id, kinds=["telepathy"])
    with pytest.raises(NotFound):
        paths(graph, players[0].id, "no-such-entity")


def test_the_neighbourhood_of_a_hub_is_bounded_and_says_what_it_left_out(world: World) -> None:
    graph = world.graphs[HIGH]
    hub = key_players(graph, limit=1, by="degree").players[0]
    assert hub.degree > 10
    found = neighbours(graph, [hub.id], hops=2, per_node=5, max_nodes=40)
    assert len(found.neighbours) <= 40
    assert [n.hop for n in found.neighbours if n.node.id == hub.id] == [0]
    assert any(str(hub.degree - 5) in note for note in found.notes)
    assert found.neighbours and all(n.hop <= 2 for n in found.neighbours)
    shown = {n.node.id for n in found.neighbours}
    assert all(link.a.id in shown and link.b.id in shown for link in found.links)


def test_a_timeline_lists_occasions_and_dated_links_oldest_first(world: World) -> None:
    graph = world.graphs[HIGH]
    hub = key_players(graph, limit=1).players[0]
    moments = timeline(graph, [hub.id], limit=None)
    assert moments
    assert [m.date for m in moments] == sorted(m.date for m in moments)
    assert all(m.agencies and m.statements for m in moments)
    assert {m.kind for m in moments} & {"payment", "Seizure", "InvestigationCase", "CourtCase"}
