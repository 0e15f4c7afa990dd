"""The array-level network core: an igraph graph built from integer edge arrays, and the
algorithms every analysis and `bench/network.py` run on it (Leiden, centralities, bounded BFS,
k shortest paths). Nothing here knows about entities, viewers or evidence.
"""

from __future__ import annotations

import random
import threading
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import igraph
import numpy as np

# igraph draws from one process-wide generator; seeded runs swap in their own under this lock
# so that the same graph and seed always give the same communities.
_RNG_LOCK = threading.Lock()


@dataclass
class Core:
    """An undirected simple graph: vertex i is node i, edge j has weight weights[j]."""

    graph: igraph.Graph
    weights: np.ndarray  # float64, one per edge
    low: np.ndarray  # int64 endpoint with the lower number, one per edge
    high: np.ndarray  # int64 endpoint with the higher number
    _adjacency: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    @property
    def n(self) -> int:
        return int(self.graph.vcount())

    @property
    def m(self) -> int:
        return int(self.graph.ecount())

    def adjacency(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Compressed rows: for vertex v, edges[start[v]:start[v+1]] are its edges, strongest
        first, and others[...] the vertices at their other ends. Built once, on first use."""
        if self._adjacency is None:
            rows = np.concatenate([self.low, self.high])
            others = np.concatenate([self.high, self.low])
            edges = np.concatenate([np.arange(self.m), np.arange(self.m)])
            order = np.lexsort((-np.concatenate([self.weights, self.weights]), rows))
            start = np.zeros(self.n + 1, dtype=np.int64)
            np.cumsum(np.bincount(rows, minlength=self.n), out=start[1:])
            self._adjacency = (start, edges[order], others[order])
        return self._adjacency


def aggregate(
    n: int, src: np.ndarray, dst: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected pairs (low, high) with parallel edges summed and self-loops dropped."""
    src = np.asarray(src, dtype=np.int64)
    dst = np.asarray(dst, dtype=np.int64)
    w = np.ones(len(src)) if weights is None else np.asarray(weights, dtype=np.float64)
    keep = src != dst
    low = np.minimum(src, dst)[keep]
    high = np.maximum(src, dst)[keep]
    keys = low * np.int64(n) + high
    unique, inverse = np.unique(keys, return_inverse=True)
    summed = np.bincount(inverse, weights=w[keep], minlength=len(unique))
    return unique // n, unique % n, summed


def build_core(
    n: int,
    src: np.ndarray,
    dst: np.ndarray,
    weights: np.ndarray | None = None,
    *,
    simple: bool = False,
) -> Core:
    """A graph on n vertices from edge arrays; unless `simple` says the pairs are already
    unique and loop-free, parallel edges are summed into one weighted edge."""
    if simple:
        low = np.asarray(src, dtype=np.int64)
        high = np.asarray(dst, dtype=np.int64)
        w = np.ones(len(low)) if weights is None else np.asarray(weights, dtype=np.float64)
    else:
        low, high, w = aggregate(n, src, dst, weights)
    graph = igraph.Graph(n=n, directed=False)
    if len(low):
        # add_edges on an (m, 2) int64 array is several times faster than the constructor.
        graph.add_edges(np.column_stack([low, high]))
    return Core(graph, w, low, high)


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    with _RNG_LOCK:
        igraph.set_random_number_generator(random.Random(seed))
        try:
            yield
        finally:
            igraph.set_random_number_generator(random)


def leiden(
    core: Core, *, resolution: float = 1.0, seed: int = 0, iterations: int = 2
) -> np.ndarray:
    """Community of each vertex: Leiden optimising weighted modularity (igraph's C
    implementation; ten times faster than leidenalg at equal modularity, see bench/network.py)."""
    if core.m == 0:
        return np.arange(core.n, dtype=np.int64)
    with _seeded(seed):
        partition = core.graph.community_leiden(
            objective_function="modularity",
            weights=core.weights.tolist(),
            resolution=resolution,
            n_iterations=iterations,
        )
    return relabel(np.asarray(partition.membership, dtype=np.int64))


def relabel(membership: np.ndarray) -> np.ndarray:
    """Community numbers by size, largest first (0 is the largest), ties by lowest member."""
    if len(membership) == 0:
        return membership
    labels, inverse, counts = np.unique(membership, return_inverse=True, return_counts=True)
    first = np.full(len(labels), len(membership), dtype=np.int64)
    np.minimum.at(first, inverse, np.arange(len(membership)))
    order = np.lexsort((first, -counts))
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels))
    return rank[inverse]


def modularity(core: Core, membership: np.ndarray) -> float:
    if core.m == 0:
        return 0.0
    return float(core.graph.modularity(membership.tolist(), weights=core.weights.tolist()))


def betweenness(
    core: Core, *, samples: int | None = None, seed: int = 0
) -> tuple[np.ndarray, bool]:
    """Normalised betweenness (share of shortest paths through each vertex, by hops) and
    whether it is exact. With `samples` below the vertex count, paths are counted from that
    many random sources and scaled up (Brandes & Pich's estimator)."""
    n = core.n
    if n < 3 or core.m == 0:
        return np.zeros(n), True
    exact = samples is None or samples >= n
    if exact:
        raw = np.asarray(core.graph.betweenness(directed=False), dtype=np.float64)
    else:
        assert samples is not None
        rng = np.random.default_rng(seed)
        sources = rng.choice(n, size=samples, replace=False).tolist()
        partial = core.graph.betweenness(directed=False, sources=sources)
        # A pair is counted when either end is a source (igraph halves undirected counts):
        # scaling by n / k makes the expectation the exact value.
        raw = np.asarray(partial, dtype=np.float64) * (n / samples)
    return raw / ((n - 1) * (n - 2) / 2.0), exact


def pagerank(core: Core, *, damping: float = 0.85) -> np.ndarray:
    if core.n == 0:
        return np.zeros(0)
    weights = core.weights.tolist() if core.m else None
    return np.asarray(
        core.graph.pagerank(directed=False, damping=damping, weights=weights), dtype=np.float64
    )


def degree(core: Core) -> np.ndarray:
    return np.asarray(core.graph.degree(), dtype=np.int64)


def coreness(core: Core) -> np.ndarray:
    return np.asarray(core.graph.coreness(), dtype=np.int64)


@dataclass
class Expansion:
    """A bounded BFS: vertices reached by hop, edges walked, and what was left out at hubs."""

    hops: dict[int, int]  # vertex → hop at which it was reached
    edges: list[int]  # edge ids walked (each between two reached vertices)
    truncated: dict[int, int]  # vertex → neighbours not followed (hub limit)
    limited: bool  # whether max_nodes stopped the expansion


def expand(
    core: Core,
    seeds: Sequence[int],
    hops: int,
    *,
    per_node: int = 50,
    max_nodes: int = 2_000,
    edge_mask: np.ndarray | None = None,
) -> Expansion:
    """The k-hop neighbourhood of the seeds, with the edges among the vertices reached. At each
    vertex at most `per_node` edges are followed, strongest first, so a hub with thousands of
    links shows its strongest ties and a count of the rest; no more than `max_nodes` vertices
    are reached."""
    reached: dict[int, int] = {int(s): 0 for s in seeds}
    walked: set[int] = set()
    truncated: dict[int, int] = {}
    frontier = list(reached)
    limited = False
    # One more round than hops: it only closes edges among vertices already reached.
    for hop in range(1, hops + 2):
        closing = hop > hops
        following: list[int] = []
        for vertex in frontier:
            incident, others = _strongest(core, vertex, per_node, edge_mask, truncated)
            for eid, other in zip(incident.tolist(), others.tolist(), strict=True):
                if other not in reached:
                    if closing:
                        continue
                    if len(reached) >= max_nodes:
                        limited = True
                        continue
                    reached[other] = hop
                    following.append(other)
                walked.add(eid)
        if closing or not following:
            break
        frontier = following
    return Expansion(reached, sorted(walked), truncated, limited)


def _strongest(
    core: Core,
    vertex: int,
    limit: int,
    edge_mask: np.ndarray | None,
    truncated: dict[int, int],
) -> tuple[np.ndarray, np.ndarray]:
    """A vertex's incident edges (at most `limit`, strongest first) and their other ends."""
    start, edges, others = core.adjacency()
    incident = edges[start[vertex] : start[vertex + 1]]
    ends = others[start[vertex] : start[vertex + 1]]
    if edge_mask is not None and len(incident):
        keep = edge_mask[incident]
        incident, ends = incident[keep], ends[keep]
    if len(incident) > limit:
        truncated[vertex] = len(incident) - limit
        incident, ends = incident[:limit], ends[:limit]
    return incident, ends


def k_shortest_paths(
    core: Core, source: int, target: int, *, k: int = 5, edge_mask: np.ndarray | None = None
) -> list[list[int]]:
    """Up to k loop-free paths from source to target, shortest first, as lists of edge ids
    (Yen's algorithm, by hops); only edges in the mask are used."""
    if source == target:
        return [[]]
    if edge_mask is None:
        graph, ids = core.graph, None
    else:
        ids = np.flatnonzero(edge_mask)
        graph = core.graph.subgraph_edges(ids.tolist(), delete_vertices=False)
    with warnings.catch_warnings():
        # igraph warns when the target cannot be reached; no path is the answer then.
        warnings.simplefilter("ignore", RuntimeWarning)
        paths = graph.get_k_shortest_paths(source, to=target, k=k, mode="all", output="epath")
    found = [list(p) for p in paths if p]
    if ids is not None:
        found = [[int(ids[e]) for e in p] for p in found]
    return found
