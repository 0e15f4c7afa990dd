"""Cores, roles and the ranking by role on an independent family of worlds (planted networks,
brokers, bystander hubs, households; tests/families/networks.py), seed by seed, against what
plain Leiden and the centrality ranking give on the same worlds; and on the scenario."""

from __future__ import annotations

import statistics
from collections import Counter
from pathlib import Path

import pytest

from nexus.graph import communities, key_players, load_graph
from nexus.graph.roles import RoleOptions, Roles, roles
from nexus.policy import AccessLayer
from nexus.settings import load_settings
from nexus.store import Provenance, open_store
from tests.conftest import VIEWERS
from tests.datafiles import load_ftm
from tests.families.networks import Found, NetworkWorld, generate, score
from tests.graph.conftest import HIGH, World

SEEDS = range(20)
LARGE = 12  # networks of 12 people or more; smaller ones can look like a family with a friend

# Floors and ceilings under the figures measured over the 20 seeds (printed by the tests).
# Measured: median share 1.0; of the 63 networks of 12+, 98% have half their members or
# more in one core, 92% nine tenths or more (the worst seed has one in no core at all: sparse,
# flat, its ties inside 1.6 times those leaving); largest core over its network 1.25 (two
# networks of 10 and 8 a go-between ties into one core); a leader of every network of 12+
# among the top ten in 19 of 20 seeds, worst 3 of 4; of all networks, median 1.0, 18 seeds
# 4/5 or more (the worst, 0.2, a seed whose small networks are trees); brokers median 1.0,
# half or more in 19 of 20 seeds, three quarters or more in 16 (the worst seed 0 of 2: both
# tie tree-shaped networks found in no core).
CORE_SHARE_MEDIAN = 0.95  # median share of a network's members in one core
LARGE_HALF_IN_ONE = 0.95  # networks of 12+ with half their members or more in one core
LARGE_MOST_IN_ONE = 0.8  # ... with nine tenths or more
CORE_RATIO_WORST = 1.5  # largest core over its network, worst seed
LEADERS_LARGE_WORST = 0.75  # networks of 12+ people with a leader in the top ten, worst seed
LEADERS_LARGE_MEDIAN = 1.0
LEADERS_MEDIAN = 0.9  # all networks with a leader in the top ten, median over seeds
LEADERS_MOST_SEEDS = 0.8  # seeds with 0.6 or more of all networks' leaders in the top ten
LEADERS_GOAL_SEEDS = 0.85  # seeds with 4/5 or more (issue 11's goal for every seed)
BROKERS_MEDIAN = 0.9
BROKERS_HALF_SEEDS = 0.9  # seeds with half their brokers or more in the top ten
BROKERS_MOST_SEEDS = 0.7  # seeds with three quarters of their brokers or more in the top ten


@pytest.fixture(scope="module")
def family() -> list[tuple[NetworkWorld, Roles, Found]]:
    found = []
    for seed in SEEDS:
        world = generate(seed)
        result = roles(world.graph(), seed=0)
        top = [r.id for r in result.key_players(limit=10, schemata=("Person",))]
        found.append((world, result, score(world, {r.id: r.core for r in result.roles}, top)))
    return found


def test_hubs_are_told_apart_and_never_ranked(
    family: list[tuple[NetworkWorld, Roles, Found]],
) -> None:
    for world, result, found in family:
        assert all(result.role(h).role == "hub" for h in world.hubs), world.seed
        leaders = {leader for n in world.networks for leader in n.leaders}
        assert not any(result.role(leader).role == "hub" for leader in leaders), world.seed
        assert found.hubs_in_top == 0, world.seed
        assert all(h.closure < result.options.hub_closure for h in result.hubs)
        assert "service provider" in result.role(next(iter(world.hubs))).reasons[0]


def test_each_planted_network_is_one_core_of_about_its_size(
    family: list[tuple[NetworkWorld, Roles, Found]],
) -> None:
    shares = [s for _w, _r, f in family for s in f.shares]
    large = [s for _w, _r, f in family for s in f.of_size(LARGE)[0]]
    worst_large = min(large)
    half = sum(s >= 0.5 for s in large) / len(large)
    most = sum(s >= 0.9 for s in large) / len(large)
    ratio = max(max(f.ratios) for _w, _r, f in family)
    for world, _result, found in family:
        print(
            f"seed {world.seed}: "
            + ", ".join(
                f"{n}: {s:.2f} in one core x{r:.2f}"
                for n, s, r in zip(found.sizes, found.shares, found.ratios, strict=True)
            )
        )
    print(
        f"median share {statistics.median(shares):.2f}, worst network of {LARGE}+ "
        f"{worst_large:.2f}, largest core over its network {ratio:.2f}; of {len(large)} "
        f"networks of {LARGE}+, {half:.0%} half or more in one core, {most:.0%} 0.9 or more"
    )
    assert statistics.median(shares) >= CORE_SHARE_MEDIAN
    assert half >= LARGE_HALF_IN_ONE and most >= LARGE_MOST_IN_ONE
    assert ratio <= CORE_RATIO_WORST


def test_leaders_and_brokers_lead_the_ranking(
    family: list[tuple[NetworkWorld, Roles, Found]],
) -> None:
    leaders = [x for _w, _r, f in family if (x := f.leaders_of_size(LARGE)) is not None]
    brokers = [f.brokers for _w, _r, f in family]
    every = [f.leaders for _w, _r, f in family]
    print(
        f"networks of {LARGE}+ with a leader in the top ten: worst {min(leaders):.2f}, median "
        f"{statistics.median(leaders):.2f}; all networks: worst {min(every):.2f}, median "
        f"{statistics.median(every):.2f}; brokers in the top ten: worst {min(brokers):.2f}, "
        f"median {statistics.median(brokers):.2f}"
    )
    assert min(leaders) >= LEADERS_LARGE_WORST
    assert statistics.median(leaders) >= LEADERS_LARGE_MEDIAN
    assert statistics.median(every) >= LEADERS_MEDIAN
    assert sum(x >= 0.6 for x in every) / len(every) >= LEADERS_MOST_SEEDS
    assert sum(x >= 0.8 for x in every) / len(every) >= LEADERS_GOAL_SEEDS
    assert statistics.median(brokers) >= BROKERS_MEDIAN
    assert sum(b >= 0.5 for b in brokers) / len(brokers) >= BROKERS_HALF_SEEDS
    assert sum(b >= 0.75 for b in brokers) / len(brokers) >= BROKERS_MOST_SEEDS


def test_roles_do_better_than_plain_leiden_on_the_same_worlds(
    family: list[tuple[NetworkWorld, Roles, Found]],
) -> None:
    peer_ratio, peer_brokers, peer_hubs = [], [], 0
    for world, _result, _found in family[:5]:
        graph = world.graph()
        partition = communities(graph, seed=0)
        top = key_players(graph, limit=10, schemata=("Person",), partition=partition)
        membership = {node.id: int(partition.membership[i]) for i, node in enumerate(graph.nodes)}
        peer = score(world, dict(membership), [p.id for p in top.players])
        peer_ratio.append(max(peer.ratios))
        peer_brokers.append(peer.brokers)
        peer_hubs += peer.hubs_in_top
    ours = family[:5]
    print(f"plain Leiden: community over network up to {max(peer_ratio):.1f}, {peer_hubs} hubs")
    assert max(peer_ratio) > max(max(f.ratios) for _w, _r, f in ours)
    assert peer_hubs > sum(f.hubs_in_top for _w, _r, f in ours)
    assert statistics.mean(peer_brokers) < statistics.mean(f.brokers for _w, _r, f in ours)


def test_shops_and_employers_are_hubs_and_collectors_stay_in_their_networks_core() -> None:
    """With money in the worlds (shops and utilities paid by the public, employers paying
    staff, collectors paid by a network's members: money ties only), every trader is told apart
    as a hub, while every collector stays in the core of its network. Without the trader rule
    only the traders with 20 ties or more are hubs (measured 184 of 289 over 20 seeds)."""
    traders = hubs = hubs_without = collectors = kept = 0
    for seed in SEEDS:
        world = generate(seed, trade=True)
        result = roles(world.graph(), seed=0)
        without = roles(world.graph(), seed=0, options=RoleOptions(trade_degree=10**9))
        traders += len(world.traders)
        hubs += sum(result.role(t).role == "hub" for t in world.traders)
        hubs_without += sum(without.role(t).role == "hub" for t in world.traders)
        reason = result.role(next(iter(world.traders))).reasons[0]
        assert "by money alone" in reason or "service provider" in reason
        for collector, number in world.collectors.items():
            cores = Counter(result.role(m).core for m in world.networks[number].members)
            cores.pop(None, None)
            collectors += 1
            kept += bool(cores) and result.role(collector).core == cores.most_common(1)[0][0]
    print(f"traders as hubs {hubs}/{traders} (without the rule {hubs_without}); collectors in")
    print(f"their network's core {kept}/{collectors}")
    assert hubs == traders and hubs_without < traders
    assert collectors >= 20 and kept == collectors


def test_every_role_comes_with_its_core_and_reasons(
    family: list[tuple[NetworkWorld, Roles, Found]],
) -> None:
    world, result, _found = family[0]
    data = result.to_dict(members=5, players=10)
    assert data["cores"] and data["hubs"] and len(data["key_players"]) == 10
    assert {c["number"] for c in data["cores"]} == set(range(len(result.cores)))
    for player in result.key_players(limit=10):
        assert player.role in ("leader", "broker") and player.reasons
        assert player.role != "broker" or len(player.cores_reached) >= 2
    for c in result.cores:
        assert c.size >= c.dense >= result.options.min_dense and c.leaders
        assert all(result.role(m).core == c.number for m in c.members)
    assert Counter(r.role for r in result.roles)["bystander"] > world.bystanders / 2
    again = roles(world.graph(), seed=0)
    assert [r.role for r in again.roles] == [r.role for r in result.roles]


def test_on_the_scenario_planted_leaders_and_brokers_keep_their_roles(world: World) -> None:
    graph = world.graphs[HIGH]
    found = roles(graph, seed=0)
    nodes = world.person_nodes(HIGH)
    ranked = [r.id for r in found.key_players(limit=None, schemata=("Person",))]
    roles_of: Counter[str] = Counter()
    hits, wanted = 0, 0
    for network in world.truth("networks.json"):
        for uid in network["leaders"] + network["brokers"]:
            if uid not in nodes:
                continue
            wanted += 1
            role = found.role(nodes[uid])
            roles_of[role.role] += 1
            kind = "leader" if uid in network["leaders"] else "broker"
            print(f"{network['name']} {kind}: {role.role}, {role.degree} ties; {role.reasons[:1]}")
            same = [i for i in ranked if found.role(i).community == role.community]
            hits += nodes[uid] in same[:10]
    print(f"scenario: {hits} of {wanted} leaders/brokers in their community's top ten by role")
    print(f"their roles: {dict(roles_of)}; hubs: {len(found.hubs)}, cores: {len(found.cores)}")
    assert hits / wanted >= 0.7  # measured 9 of 12 (by centrality: 10 of 12)


def test_the_same_roles_come_out_of_ftm_entities_loaded_through_the_store(
    tmp_path: Path, family: list[tuple[NetworkWorld, Roles, Found]]
) -> None:
    """One seed as FtM Person, Associate and Family entities, ingested and read back as the
    administrator's graph (every link kind an Associate or Family, so weights differ from the
    direct graph): the hubs, cores and the ranking hold."""
    world = family[1][0]
    settings = load_settings(home=tmp_path / "home")
    store = open_store(settings.store_url, batch_size=settings.batch_size)
    try:
        access = AccessLayer(store, settings)
        access.add_user(None, VIEWERS[0])
        load_ftm(
            access,
            tmp_path / "world.ftm.json",
            world.entities(),
            Provenance("family_networks", "FIA", "RESTRICTED"),
        )
        graph = load_graph(access.reader("admin"))
    finally:
        store.close()
    assert {n.id for n in graph.nodes if n.schema == "Person"} >= set(world.hubs)
    result = roles(graph, seed=0)
    top = [r.id for r in result.key_players(limit=10, schemata=("Person",))]
    found = score(world, {r.id: r.core for r in result.roles}, top)
    print(f"through the store: {found}")
    assert all(result.role(h).role == "hub" for h in world.hubs)
    assert found.hubs_in_top == 0 and max(found.ratios) <= CORE_RATIO_WORST
    assert statistics.median(found.shares) >= CORE_SHARE_MEDIAN
    assert found.leaders >= 0.5 and found.brokers >= 0.5


def test_a_graph_with_no_dense_group_has_no_core_and_everyone_a_bystander(
    access: AccessLayer, tmp_path: Path
) -> None:
    people = [{"id": p, "schema": "Person", "properties": {"name": [p]}} for p in "abc"]
    ties = [
        {"id": f"{x}{y}", "schema": "Associate", "properties": {"person": [x], "associate": [y]}}
        for x, y in ("ab", "bc")
    ]
    load_ftm(
        access, tmp_path / "few.ftm.json", people + ties, Provenance("few", "FIA", "RESTRICTED")
    )
    found = roles(load_graph(access.reader("admin")))
    assert found.cores == [] and found.hubs == []
    assert {found.role(p).role for p in "abc"} == {"bystander"}
