"""Network analysis benchmark: Nexus's array core (python-igraph) against networkx on the same
generated graphs of 100k, 1M and 10M edges, in one run. Prints ONE JSON line.

The graphs are planted partitions shaped like the scenario's networks: communities of
power-law sizes, 85% of edges inside them, and heavy-tailed degrees (a few hubs with
thousands of links). Measured per size: build time, communities (Nexus: Leiden on igraph;
peer: networkx's Louvain; leidenalg is timed too, as the reason Nexus uses igraph's own
Leiden), approximate betweenness from sampled sources, and 2-hop neighbourhood latency
(p50/p95 over random entities: Nexus bounded at 50 links per entity as `nexus network
neighbours` is, and unbounded like networkx's `ego_graph`). networkx is time-boxed: above
--peer-max-edges it is not run, and the JSON says why.

    .venv/bin/python bench/network.py [--sizes 100000,1000000,10000000] [--peer-max-edges N]
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from nexus.graph.core import betweenness, build_core, expand, leiden, modularity

SAMPLES = 64  # sources for approximate betweenness, both tools
QUERIES = 200  # 2-hop neighbourhood queries per size
MIXING = 0.15  # share of edges between communities


def generate(edges: int, seed: int = 7) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """A planted partition with power-law community sizes and heavy-tailed degrees, with
    exactly `edges` distinct links (no loops, no parallel edges)."""
    rng = np.random.default_rng(seed)
    n = max(edges // 10, 100)  # mean degree about 20
    sizes = np.minimum(np.round(rng.pareto(1.5, n) * 20 + 8).astype(np.int64), 2_000)
    sizes = sizes[np.cumsum(sizes) <= n]
    sizes = np.append(sizes, n - sizes.sum()) if sizes.sum() < n else sizes
    community = np.repeat(np.arange(len(sizes)), sizes)
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    activity = rng.pareto(2.0, n) + 1.0  # hubs: a few entities take part in many links
    activity /= activity.sum()
    keys = np.zeros(0, dtype=np.int64)
    while len(keys) < edges:
        draw = int((edges - len(keys)) * 1.3) + 1000
        src = rng.choice(n, size=draw, p=activity)
        inside = rng.random(draw) >= MIXING
        c = community[src]
        same = start[c] + (rng.random(draw) * sizes[c]).astype(np.int64)
        dst = np.where(inside, same, rng.choice(n, size=draw, p=activity))
        keep = src != dst
        low, high = np.minimum(src, dst)[keep], np.maximum(src, dst)[keep]
        keys = np.unique(np.concatenate([keys, low * n + high]))
    keys = rng.choice(keys, size=edges, replace=False)
    return n, keys // n, keys % n, community


def timed(call: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def percentiles(latencies: list[float]) -> dict[str, float]:
    ms = np.array(latencies) * 1000
    return {
        "p50_ms": round(float(np.percentile(ms, 50)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
    }


def nexus_run(n: int, src: np.ndarray, dst: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    core, build = timed(lambda: build_core(n, src, dst))
    _, index = timed(core.adjacency)  # the neighbourhood index is part of building
    build += index
    membership, seconds = timed(lambda: leiden(core, seed=0))
    _, btw_seconds = timed(lambda: betweenness(core, samples=SAMPLES, seed=0))
    queries = rng.integers(0, n, QUERIES).tolist()
    latencies, unbounded = [], []
    for vertex in queries:
        _, took = timed(lambda v=vertex: expand(core, [v], 2, per_node=50, max_nodes=5_000))
        latencies.append(took)
    for vertex in queries:  # the same expansion without hub limits, as networkx's ego_graph
        _, took = timed(lambda v=vertex: expand(core, [v], 2, per_node=n, max_nodes=n))
        unbounded.append(took)
    return {
        "nodes": core.n,
        "edges": core.m,
        "build_s": round(build, 2),
        "communities_s": round(seconds, 2),
        "build_and_communities_s": round(build + seconds, 2),
        "communities": int(membership.max() + 1),
        "modularity": round(modularity(core, membership), 4),
        "betweenness_s": round(btw_seconds, 2),
        "betweenness_samples": SAMPLES,
        "two_hop": percentiles(latencies),
        "two_hop_unbounded": percentiles(unbounded),
        "_membership": membership,
        "_core": core,
    }


def leidenalg_run(core: Any) -> dict[str, Any]:
    import leidenalg

    partition, seconds = timed(
        lambda: leidenalg.find_partition(
            core.graph, leidenalg.ModularityVertexPartition, n_iterations=2, seed=0
        )
    )
    return {"communities_s": round(seconds, 2), "modularity": round(partition.modularity, 4)}


def networkx_run(
    n: int, src: np.ndarray, dst: np.ndarray, rng: np.random.Generator
) -> dict[str, Any]:
    import networkx as nx

    def build() -> nx.Graph:
        graph = nx.Graph()
        graph.add_nodes_from(range(n))
        graph.add_edges_from(zip(src.tolist(), dst.tolist(), strict=True))
        graph.remove_edges_from(nx.selfloop_edges(graph))
        return graph

    graph, build_seconds = timed(build)
    found, seconds = timed(lambda: nx.community.louvain_communities(graph, seed=0))
    _, btw_seconds = timed(lambda: nx.betweenness_centrality(graph, k=SAMPLES, seed=0))
    latencies = []
    for vertex in rng.integers(0, n, QUERIES).tolist():
        _, took = timed(lambda v=vertex: nx.ego_graph(graph, v, radius=2))
        latencies.append(took)
    return {
        "edges": graph.number_of_edges(),
        "build_s": round(build_seconds, 2),
        "communities_s": round(seconds, 2),
        "build_and_communities_s": round(build_seconds + seconds, 2),
        "communities": len(found),
        "modularity": round(float(nx.community.modularity(graph, found)), 4),
        "betweenness_s": round(btw_seconds, 2),
        "betweenness_samples": SAMPLES,
        "two_hop": percentiles(latencies),
    }


def planted_recovery(membership: np.ndarray, community: np.ndarray) -> float:
    """Mean share of each planted community (of 20+ members) found in one detected community."""
    shares = []
    for c in np.unique(community):
        members = membership[community == c]
        if len(members) >= 20:
            shares.append(np.bincount(members).max() / len(members))
    return round(float(np.mean(shares)), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--peer-max-edges", type=int, default=1_000_000)
    parser.add_argument("--leidenalg-max-edges", type=int, default=1_000_000)
    args = parser.parse_args()
    results: dict[str, Any] = {"benchmark": "network", "samples": SAMPLES, "sizes": []}
    for size in [int(s) for s in args.sizes.split(",")]:
        n, src, dst, community = generate(size)
        rng = np.random.default_rng(1)
        nexus = nexus_run(n, src, dst, rng)
        core, membership = nexus.pop("_core"), nexus.pop("_membership")
        nexus["planted_recovery"] = planted_recovery(membership, community)
        entry: dict[str, Any] = {"edges": size, "nexus": nexus}
        if size <= args.leidenalg_max_edges:
            entry["leidenalg"] = leidenalg_run(core)
        else:
            entry["leidenalg"] = {"skipped": f"above {args.leidenalg_max_edges} edges (time box)"}
        if size <= args.peer_max_edges:
            peer = networkx_run(n, src, dst, np.random.default_rng(1))
            entry["networkx"] = peer
            entry["ratio"] = {
                "build_and_communities": round(
                    peer["build_and_communities_s"] / nexus["build_and_communities_s"], 1
                ),
                "betweenness": round(peer["betweenness_s"] / max(nexus["betweenness_s"], 1e-3), 1),
                "two_hop_p95": round(
                    peer["two_hop"]["p95_ms"] / max(nexus["two_hop"]["p95_ms"], 1e-3), 1
                ),
                "two_hop_unbounded_p95": round(
                    peer["two_hop"]["p95_ms"] / max(nexus["two_hop_unbounded"]["p95_ms"], 1e-3), 1
                ),
            }
        else:
            entry["networkx"] = {
                "skipped": f"above {args.peer_max_edges} edges: pure-Python Louvain and "
                "betweenness would take hours (time box)"
            }
        results["sizes"].append(entry)
        print(json.dumps(entry), file=sys.stderr, flush=True)
    biggest = results["sizes"][-1]["nexus"]
    million = next((s["nexus"] for s in results["sizes"] if s["edges"] == 1_000_000), None)
    results["goals"] = {
        "10M_build_and_communities_under_120s": biggest["build_and_communities_s"] < 120,
        "1M_two_hop_p95_under_50ms": None if million is None else million["two_hop"]["p95_ms"] < 50,
    }
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
