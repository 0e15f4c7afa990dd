"""Clusters source entities into canonical entities from positive links under cannot-link rules.

Pure functions: the store materialises their result per scope; nothing here touches a database.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable, Mapping


def _pair(a: str, b: str) -> frozenset[str]:
    return frozenset((a, b))


def cluster(
    positives: Iterable[tuple[str, str, float]],
    negatives: Iterable[tuple[str, str]] = (),
) -> list[list[str]]:
    """Components of the positive links, strongest first, never joining two components that hold
    a cannot-link pair between them. Returns the multi-member clusters, each sorted."""
    forbidden: dict[str, set[str]] = {}
    for a, b in negatives:
        forbidden.setdefault(a, set()).add(b)
        forbidden.setdefault(b, set()).add(a)
    parent: dict[str, str] = {}
    members: dict[str, list[str]] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        members.setdefault(x, [x])
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b, _weight in sorted(positives, key=lambda p: (-p[2], p[0], p[1])):
        ra, rb = root(a), root(b)
        if ra == rb:
            continue
        small, large = sorted((ra, rb), key=lambda r: (len(members[r]), r))
        if any(forbidden.get(m, set()) & set(members[large]) for m in members[small]):
            continue  # an analyst said some pair across these two is not the same
        parent[small] = large
        members[large].extend(members.pop(small))
    return sorted(sorted(m) for r, m in members.items() if parent[r] == r and len(m) > 1)


def canonical_ids(clusters: list[list[str]], previous: Mapping[str, str]) -> dict[str, str]:
    """A stable id per cluster: the previous id most of its members had (each id used once),
    else a new one derived from its smallest member."""
    assigned: dict[str, str] = {}
    taken: set[str] = set()
    for members in sorted(clusters, key=lambda m: (-len(m), m[0])):
        votes = Counter(previous[m] for m in members if m in previous)
        choice = next(
            (
                cid
                for cid, _n in sorted(votes.items(), key=lambda v: (-v[1], v[0]))
                if cid not in taken
            ),
            None,
        )
        if choice is None:
            choice = "NX-" + hashlib.sha1(members[0].encode("utf-8")).hexdigest()[:24]
            while choice in taken:
                choice = "NX-" + hashlib.sha1(choice.encode("utf-8")).hexdigest()[:24]
        taken.add(choice)
        for member in members:
            assigned[member] = choice
    return assigned
