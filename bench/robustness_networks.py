"""Robustness of the network roles on an independent family (tests/families/networks.py):
planted networks of 6 to 60 people, brokers, bystander hubs and thousands of bystanders per
seed. For each seed, `nexus.graph.roles` (hubs apart, cores, roles, ranking by role) against
plain Leiden communities with `key_players` (the peer). Prints ONE JSON line.

Figures per analysis: share of a planted network's members in its most common core (or
community) and that group's size over the network's, worst seed (the worst network of the
worst seed) and median; the share of networks with a leader in the top ten people, of brokers
in the top ten, and hubs in the top ten; how many seeds meet issue 11's goals for leaders
(4/5) and brokers (3/4), the share of networks with nine tenths or more in one group, and how
many are in none. `large` repeats the group figures for networks of 12 people or more
(smaller ones can look like a household with a friend).

With `--trade`, every world also has shops, utilities and employers trading with the public
and collectors paid by the networks (money ties only): the roles are then measured with and
without the trader rule (`RoleOptions.trade_degree`), with the share of traders told apart as
hubs and of collectors kept in their network's core.

    .venv/bin/python bench/robustness_networks.py [--seeds 20] [--size small|full] [--trade]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.families.networks import Found, NetworkWorld, generate, score

from nexus.graph.roles import RoleOptions, Roles, roles
from nexus.graph.structure import communities, key_players

LARGE = 12  # networks of at least this many people are reported apart as well


def measure(seed: int, size: str = "small", trade: bool = False) -> dict[str, Any]:
    """Roles and the peer (plain Leiden, key players by centrality) on one seed; with `trade`,
    the roles without the trader rule as well, and how traders and collectors came out."""
    world = generate(seed, size, trade=trade)
    graph = world.graph()
    found = roles(graph, seed=0)
    result: dict[str, Any] = {"roles": _score(world, found)}
    partition = communities(graph, seed=0)
    players = key_players(graph, limit=10, schemata=("Person",), partition=partition)
    membership = {node.id: int(partition.membership[i]) for i, node in enumerate(graph.nodes)}
    result["leiden"] = score(world, dict(membership), [p.id for p in players.players])
    if trade:
        without = roles(graph, seed=0, options=RoleOptions(trade_degree=len(graph.nodes) + 1))
        result["without_traders"] = _score(world, without)
        result["money"] = {
            name: _money(world, r) for name, r in (("with", found), ("without", without))
        }
    return result


def _score(world: NetworkWorld, found: Roles) -> Found:
    top = [r.id for r in found.key_players(limit=10, schemata=("Person",))]
    return score(world, {r.id: r.core for r in found.roles}, top)


def _money(world: NetworkWorld, found: Roles) -> dict[str, int]:
    """Traders told apart as hubs; collectors in the core most of their network is in."""
    hubs = {h.id for h in found.hubs}
    kept = 0
    for collector, number in world.collectors.items():
        cores = Counter(found.role(m).core for m in world.networks[number].members)
        cores.pop(None, None)
        home = cores.most_common(1)[0][0] if cores else None
        kept += home is not None and found.role(collector).core == home
    return {
        "traders": len(world.traders),
        "traders_as_hubs": sum(t in hubs for t in world.traders),
        "collectors": len(world.collectors),
        "collectors_in_their_core": kept,
    }


def summarise(found: list[Found]) -> dict[str, Any]:
    def figures(least: int) -> dict[str, float]:
        shares = [f.of_size(least)[0] for f in found]
        ratios = [f.of_size(least)[1] for f in found]
        flat_s = [s for seed in shares for s in seed]
        flat_r = [r for seed in ratios for r in seed]
        return {
            "share_worst": round(min((min(s) for s in shares if s), default=0.0), 3),
            "share_median": round(statistics.median(flat_s), 3) if flat_s else 0.0,
            "ratio_worst": round(max((max(r) for r in ratios if r), default=0.0), 3),
            "ratio_median": round(statistics.median(flat_r), 3) if flat_r else 0.0,
        }

    large_led = [x for f in found if (x := f.leaders_of_size(LARGE)) is not None]
    return {
        "all": figures(0),
        "large": {
            **figures(LARGE),
            "leaders_worst": round(min(large_led, default=1.0), 3),
            "leaders_median": round(statistics.median(large_led), 3) if large_led else 1.0,
        },
        "leaders_worst": round(min(f.leaders for f in found), 3),
        "leaders_median": round(statistics.median(f.leaders for f in found), 3),
        # How far the worst-seed goals are: seeds at issue 11's goals, networks in no core.
        "seeds_leaders_at_goal": sum(f.leaders >= 0.8 for f in found),
        "seeds_brokers_at_goal": sum(f.brokers >= 0.75 for f in found),
        "networks_share_at_goal": round(
            sum(s >= 0.9 for f in found for s in f.shares) / sum(len(f.shares) for f in found), 3
        ),
        "networks_in_no_group": sum(s == 0 for f in found for s in f.shares),
        "networks": sum(len(f.shares) for f in found),
        "brokers_worst": round(min(f.brokers for f in found), 3),
        "brokers_median": round(statistics.median(f.brokers for f in found), 3),
        "hubs_in_top_worst": max(f.hubs_in_top for f in found),
    }


def run(seeds: int = 20, size: str = "small", trade: bool = False) -> dict[str, Any]:
    """Per-family figures for the roles and for plain Leiden, over seeds 0..seeds-1."""
    started = time.perf_counter()
    per_seed = [measure(seed, size, trade) for seed in range(seeds)]
    found: dict[str, Any] = {
        "family": "networks",
        "seeds": seeds,
        "size": size,
        "trade": trade,
        "roles": summarise([m["roles"] for m in per_seed]),
        "peer_leiden": summarise([m["leiden"] for m in per_seed]),
    }
    if trade:
        found["roles_without_traders"] = summarise([m["without_traders"] for m in per_seed])
        for name in ("with", "without"):
            money = [m["money"][name] for m in per_seed]
            found[f"money_{name}_traders"] = {
                key: sum(m[key] for m in money) for key in money[0]
            } | {
                "worst_seed_traders_as_hubs": min(
                    m["traders_as_hubs"] / m["traders"] for m in money
                ),
            }
    found["seconds"] = round(time.perf_counter() - started, 2)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--size", choices=("small", "full"), default="small")
    parser.add_argument("--trade", action="store_true", help="shops, employers, collectors")
    args = parser.parse_args()
    print(json.dumps(run(args.seeds, args.size, args.trade)))


if __name__ == "__main__":
    main()
