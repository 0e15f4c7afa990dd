"""The groups cores start from, in the graph without hubs: the k-truss (ties joined through
triangles), groups the truss misses because their ties close few triangles (apart from their
surroundings, or star-shaped), and the growth that attaches members and couriers to them.
`nexus.graph.roles` reads them; docs/network.md says why each rule is there."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from nexus.graph.roles import RoleOptions


def apart(
    label: np.ndarray,
    near: list[set[int]],
    weight: list[dict[int, float]],
    membership: np.ndarray,
    opts: RoleOptions,
    first: int,
) -> list[set[int]]:
    """Groups the truss misses because their ties close few triangles (a leader, spokes tied
    to the leader and to one or two others): an entity outside every group, most ties first,
    with its neighbours in its community and whoever has two ties or more into them and no
    more outside; those with more ties outside than in dropped again. Kept if `min_core` or
    more and clearly apart: ties inside at least `apart` times the ties leaving it."""
    found: list[set[int]] = []
    for v in _seeds(label, near, weight, opts):
        free = {u for u in near[v] if label[u] < 0 and membership[u] == membership[v]}
        group = free | {v}
        changed = True
        while changed:
            changed = False
            around = {u for x in group for u in near[x]} - group
            for u in sorted(around):
                if label[u] >= 0 or membership[u] != membership[v]:
                    continue
                inside = len(near[u] & group)
                if inside >= 2 and len(near[u]) - inside <= inside:
                    group.add(u)
                    changed = True
            for u in sorted(group - {v}):
                inside = len(near[u] & group)
                if len(near[u]) - inside > inside:
                    group.discard(u)
                    changed = True
        ties = sum(len(near[u] & group) for u in group) // 2
        leaving = sum(len(near[u] - group) for u in group)
        if len(group) >= opts.min_core and ties >= opts.apart * leaving:
            label[list(group)] = first + len(found)
            found.append(group)
    return found


def _seeds(
    label: np.ndarray, near: list[set[int]], weight: list[dict[int, float]], opts: RoleOptions
) -> Iterator[int]:
    """Who may start a group the truss misses, most ties first: enough ties, in no group yet
    (read as each is reached, so a group just formed is skipped), and no go-between."""
    for v in sorted(range(len(near)), key=lambda v: (-len(near[v]), v)):
        if len(near[v]) < opts.min_dense - 1:
            return
        if label[v] < 0 and not go_between(v, near, weight, opts.strong):
            yield v


def go_between(v: int, near: list[set[int]], weight: list[dict[int, float]], strong: float) -> bool:
    """Most of its ties strong (repeated facts): a go-between, who holds no group together."""
    return 2 * sum(1 for w in weight[v].values() if w >= strong) > len(near[v])


def stars(
    label: np.ndarray,
    near: list[set[int]],
    weight: list[dict[int, float]],
    membership: np.ndarray,
    opts: RoleOptions,
    first: int,
) -> list[set[int]]:
    """Star-shaped groups the truss misses (a leader and spokes who know only the leader and
    each other): an entity outside every group and no go-between, most ties first, with those
    of its neighbours in its community tied to another of them or to nobody else, if they are
    `min_dense` or more."""
    found: list[set[int]] = []
    for v in _seeds(label, near, weight, opts):
        ego = {u for u in near[v] if label[u] < 0 and membership[u] == membership[v]}
        ego.add(v)
        group = {v} | {u for u in ego if u != v and (len(near[u]) == 1 or len(near[u] & ego) >= 2)}
        if len(group) >= opts.min_dense:
            label[list(group)] = first + len(found)
            found.append(group)
    return found


def grow(label: np.ndarray, near: list[set[int]]) -> None:
    """Attach to the dense groups, until nothing changes, whoever has at least two ties into
    one and no more ties outside it than in (a member), or whose only ties go into it (a
    courier). Ties to others outside every group who are themselves tied into the same
    group's dense part count with it (members who answer to the leader and know each other);
    the dense part, not those attached to it, so that a group does not spread through
    society."""
    dense = label.copy()
    waiting = {u for v in np.flatnonzero(label >= 0).tolist() for u in near[v] if label[u] < 0}
    while waiting:
        following: set[int] = set()
        for v in sorted(waiting):
            ties = Counter(int(label[u]) for u in near[v] if label[u] >= 0)
            if not ties:
                continue
            best, inside = max(ties.items(), key=lambda ct: (ct[1], -ct[0]))
            fringe = sum(
                1 for u in near[v] if label[u] < 0 and any(dense[w] == best for w in near[u])
            )
            outside = len(near[v]) - inside - fringe
            if (inside + fringe >= 2 and outside <= inside + fringe) or outside + fringe == 0:
                label[v] = best
                following.update(u for u in near[v] if label[u] < 0)
        waiting = following
    _enclosed(label, near)


def _enclosed(label: np.ndarray, near: list[set[int]]) -> None:
    """People outside every group tied only to each other and to one group (a member with
    couriers of their own, a lieutenant's cell of errand-runners: a tree hanging from the
    group) belong to it: each connected set of them whose other ties all go into one group,
    by two ties or more, joins it (a household hanging from one member by one tie does not)."""
    seen: set[int] = set()
    for start in np.flatnonzero(label < 0).tolist():
        if start in seen:
            continue
        part, queue, reached, ties = [start], [start], set(), 0
        seen.add(start)
        while queue:
            v = queue.pop()
            for u in near[v]:
                if label[u] >= 0:
                    reached.add(int(label[u]))
                    ties += 1
                elif u not in seen:
                    seen.add(u)
                    part.append(u)
                    queue.append(u)
        if len(reached) == 1 and ties >= 2:
            label[part] = reached.pop()


def truss(low: np.ndarray, high: np.ndarray, k: int) -> list[tuple[int, int]]:
    """The ties of the k-truss: peeled until every tie is in at least k - 2 triangles."""
    around: dict[int, set[int]] = defaultdict(set)
    for a, b in zip(low.tolist(), high.tolist(), strict=True):
        around[a].add(b)
        around[b].add(a)
    need = k - 2
    support = {(a, b): len(around[a] & around[b]) for a in around for b in around[a] if a < b}
    weak = [pair for pair, count in support.items() if count < need]
    while weak:
        a, b = weak.pop()
        if b not in around[a]:
            continue
        for c in around[a] & around[b]:
            for pair in ((min(a, c), max(a, c)), (min(b, c), max(b, c))):
                support[pair] -= 1
                if support[pair] == need - 1:
                    weak.append(pair)
        around[a].discard(b)
        around[b].discard(a)
    return [(a, b) for a in around for b in around[a] if a < b]


def components(pairs: list[tuple[int, int]], apart: set[int] | None = None) -> list[list[int]]:
    """Groups of vertices whose ties are joined through shared triangles (a vertex tied into
    two such groups, a broker, goes with the one it has most ties in; a group whose most-tied
    vertex went with another goes with it, unless that vertex is in `apart`: a go-between
    holds no group together), each sorted."""
    parent: dict[tuple[int, int], tuple[int, int]] = {pair: pair for pair in pairs}

    def find(x: tuple[int, int]) -> tuple[int, int]:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    around: dict[int, set[int]] = defaultdict(set)
    for a, b in pairs:
        around[a].add(b)
        around[b].add(a)
    for a, b in pairs:
        for c in around[a] & around[b]:
            if c > b:
                root = find((a, b))
                for pair in ((min(a, c), max(a, c)), (b, c)):
                    parent[find(pair)] = root
    ties: dict[int, Counter[tuple[int, int]]] = defaultdict(Counter)
    for pair in pairs:
        root = find(pair)
        ties[pair[0]][root] += 1
        ties[pair[1]][root] += 1
    keep = apart or set()
    home = {v: max(counts.items(), key=lambda rc: (rc[1], rc[0]))[0] for v, counts in ties.items()}
    # A group whose most-tied vertex went with another (a leader whose second circle closes
    # triangles only through the leader) goes with it too.
    top: dict[tuple[int, int], tuple[int, int]] = {}
    for vertex, counts in sorted(ties.items()):
        for root, count in counts.items():
            if root not in top or count > top[root][0]:
                top[root] = (count, vertex)

    def leader_home(root: tuple[int, int]) -> tuple[int, int]:
        seen = {root}
        while top[root][1] not in keep and (moved := home[top[root][1]]) not in seen:
            seen.add(moved)
            root = moved
        return root

    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for vertex, root in home.items():
        groups[leader_home(root)].append(vertex)
    return [sorted(g) for g in groups.values()]
