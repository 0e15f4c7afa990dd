"""The array core on generated graphs: planted communities are found, sampled betweenness
estimates the exact one, a bounded expansion stays bounded, paths respect the edge mask."""

from __future__ import annotations

import numpy as np
import pytest

from nexus.graph.core import (
    aggregate,
    betweenness,
    build_core,
    expand,
    k_shortest_paths,
    leiden,
    modularity,
)


def planted(groups: int, size: int, degree: int, mixing: float, seed: int = 1) -> tuple:
    rng = np.random.default_rng(seed)
    n = groups * size
    src = rng.integers(0, n, n * degree // 2)
    inside = rng.random(len(src)) >= mixing
    same = (src // size) * size + rng.integers(0, size, len(src))
    dst = np.where(inside, same, rng.integers(0, n, len(src)))
    return n, src, dst


def test_parallel_edges_are_summed_and_loops_dropped() -> None:
    low, high, weights = aggregate(4, np.array([0, 1, 2, 3]), np.array([1, 0, 2, 1]))
    assert low.tolist() == [0, 1] and high.tolist() == [1, 3] and weights.tolist() == [2.0, 1.0]


def test_leiden_finds_planted_groups_and_is_reproducible() -> None:
    n, src, dst = planted(groups=20, size=50, degree=12, mixing=0.1)
    core = build_core(n, src, dst)
    membership = leiden(core, seed=7)
    assert (membership == leiden(core, seed=7)).all()
    truth = np.arange(n) // 50
    agreement = [np.bincount(membership[truth == g]).max() / 50 for g in range(20)]
    assert np.mean(agreement) > 0.9 and modularity(core, membership) > 0.7
    assert np.bincount(membership)[0] == np.bincount(membership).max()  # largest first


def test_sampled_betweenness_estimates_the_exact_one() -> None:
    n, src, dst = planted(groups=5, size=60, degree=6, mixing=0.2)
    core = build_core(n, src, dst)
    exact, was_exact = betweenness(core)
    sampled, sampled_exact = betweenness(core, samples=150, seed=3)
    assert was_exact and not sampled_exact
    assert np.corrcoef(exact, sampled)[0, 1] > 0.9
    assert sampled.sum() == pytest.approx(exact.sum(), rel=0.2)


def test_expansion_of_a_hub_follows_its_strongest_links_only() -> None:
    hub_links = np.arange(1, 101)
    weights = np.arange(1, 101, dtype=float)
    core = build_core(101, np.zeros(100, dtype=np.int64), hub_links, weights)
    found = expand(core, [0], 1, per_node=10)
    assert sorted(found.hops) == [0, *range(91, 101)]
    assert found.truncated == {0: 90}
    limited = expand(core, [0], 1, per_node=100, max_nodes=20)
    assert len(limited.hops) == 20 and limited.limited


def test_two_hops_close_the_edges_among_the_entities_reached() -> None:
    # 0-1, 1-2, 2-3, 1-3: from 0 two hops reach 1, 2, 3 and the edge 2-3 closes the triangle.
    core = build_core(4, np.array([0, 1, 2, 1]), np.array([1, 2, 3, 3]))
    found = expand(core, [0], 2)
    assert found.hops == {0: 0, 1: 1, 2: 2, 3: 2}
    assert len(found.edges) == 4


def test_k_shortest_paths_use_only_the_edges_allowed() -> None:
    # Two routes from 0 to 3: 0-1-3 (short) and 0-2-4-3 (long).
    core = build_core(5, np.array([0, 1, 0, 2, 4]), np.array([1, 3, 2, 4, 3]))
    assert [len(p) for p in k_shortest_paths(core, 0, 3, k=5)] == [2, 3]
    mask = np.ones(core.m, dtype=bool)
    mask[0] = False  # without the edge 0-1
    only_long = k_shortest_paths(core, 0, 3, k=5, edge_mask=mask)
    assert [len(p) for p in only_long] == [3] and 0 not in only_long[0]
    mask[:] = False
    assert k_shortest_paths(core, 0, 3, edge_mask=mask) == []
