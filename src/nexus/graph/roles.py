"""Cores, peripheries and roles: who leads a network, who brokers between networks, who is a
service provider (a hub) everyone uses, and who only runs errands.

Plain modularity communities answer "who belongs together" badly in a society: a lawyer or a
transporter tied to a hundred unrelated people pulls them into one community, and the sparse
acquaintances of a network's members swell its community to several times its size. So:

1. **Hubs**: entities with many ties (`hub_degree`) to people who are hardly tied to each
   other (local clustering below `hub_closure`), and traders: entities tied by nothing but
   money whose money runs one way (`trade_lopsided`), paid by at least `trade_degree` payers
   (a shop, a utility) or paying as many who are mostly not sellers (a payroll employer),
   who are hardly tied to each other: the public a business trades with is no network.
   Reported as service providers, their ties left out of what follows; they never rank as
   key players.
2. **Communities**: Leiden (weighted modularity) on the graph without the hubs' ties.
3. **Cores**: inside each community, the groups of ties joined through triangles (the
   `k`-truss) of `min_dense` people or more (a group whose most-tied member went with
   another group, a leader's second circle, goes with it, unless that member is a
   go-between); groups the truss misses because their ties close
   few triangles (an entity, its neighbours and whoever has two ties into them), kept when
   clearly apart (ties inside `apart` times those leaving); and stars (an entity and those of
   its neighbours tied to another of them or to nobody else). Go-betweens (most ties strong)
   start no group. Then, repeatedly, whoever has two ties or more into a group (ties to others
   tied into its dense part count with it) and no more outside than in (members), or whose
   only ties go into it (couriers); then people tied only to each other and, by two ties or
   more, to one group (a tree hanging from it). Groups under `min_core` are dropped; the rest
   of a community is its periphery.
4. **Brokers**: whose ties reach two or more groups about evenly (`broker_balance`), each
   of them by a strong tie at least, and weigh more than half their other ties, taken out
   of the groups, evenest first, so that a broker's contacts are not brokers because of it.
5. **Roles and ranking**: in a core the leader has most ties inside it, the heavier first
   between equals (a co-leader at least `leader_share` of that), lieutenants
   `lieutenant_share`, couriers one or two ties; a core whose leader has `leader_ties` ties
   inside or more is significant (not a household with a friend), and so is a small core a
   broker ties by strong ties (`strong`) to a significant one. Key players: leaders of
   significant cores and brokers reaching one first, then co-leaders of significant cores,
   then leaders of small cores (nearly all of them households with friends), then
   lieutenants, members, couriers and co-leaders of small cores, then everyone else; within
   a tier by the mean percentile of degree, betweenness, PageRank and k-core on the graph
   without hubs.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nexus.graph import core as array
from nexus.graph.elements import EntityGraph
from nexus.graph.groups import apart, components, go_between, grow, stars, truss
from nexus.graph.structure import (
    MEASURES,
    Communities,
    Community,
    _community,
    _is_any,
    _percentile,
    _weights,
)

MONEY_KINDS = frozenset({"payment", "account"})  # ties of money: a trader has no other
ROLES = ("leader", "broker", "lieutenant", "member", "courier", "hub", "bystander")


@dataclass(frozen=True)
class RoleOptions:
    """The thresholds of the role analysis (docs/network.md says how they were chosen)."""

    hub_degree: int = 20  # ties a hub has at least
    hub_closure: float = 0.05  # clustering (share of its neighbours' pairs tied), below which
    hub_chance: float = 1e-4  # a hub tied to a core more than chance gives this seldom is in it
    trade_degree: int = 8  # payers (or payees) a trader, tied by money alone, has at least
    trade_lopsided: float = 4.0  # a trader's payers are this many times its payees, or inversely
    k: int = 3  # the dense part of a core: its k-truss (every tie in k - 2 triangles)
    min_dense: int = 5  # smallest dense part of a core
    min_core: int = 5  # smallest core (dense part and attached members)
    leader_share: float = 0.75  # of the most ties inside the core
    lieutenant_share: float = 0.4
    courier_ties: int = 2  # members with at most this many ties are couriers
    broker_balance: float = 0.5  # ties into its second core, at least this share of its first
    leader_ties: int = 6  # a core is ranked first if its leader has this many ties inside
    strong: float = 2.0  # a tie this heavy (two facts or more) is strong
    apart: float = 2.0  # a sparse group is a core if its ties inside are this many times those out


@dataclass
class Hub:
    """A service provider: many ties to people who do not know each other, in many
    communities. Reported, kept out of communities, cores and the key-player ranking."""

    id: str
    caption: str
    schema: str
    degree: int
    closure: float  # local clustering: share of its neighbours' pairs that are tied
    communities: int  # communities its neighbours belong to

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "caption": self.caption,
            "schema": self.schema,
            "degree": self.degree,
            "closure": round(self.closure, 3),
            "communities": self.communities,
        }


@dataclass
class Core:
    """The dense core of a community: its members (the k-core and those attached to it), the
    leaders, and how many of the community are left in its periphery."""

    number: int
    community: int
    members: list[str]
    dense: int  # members in the k-core itself
    k: int
    leaders: list[str]
    couriers: list[str]
    periphery: int  # community members outside the core
    internal_ties: int
    density: float
    significant: bool  # its leader has `leader_ties` ties inside, or a broker ties it to one
    linked_to: int | None = None  # the significant core a broker ties this small one to

    @property
    def size(self) -> int:
        return len(self.members)

    def to_dict(self, *, members: int | None = None) -> dict[str, Any]:
        shown = self.members if members is None else self.members[:members]
        return {
            "number": self.number,
            "community": self.community,
            "size": self.size,
            "dense": self.dense,
            "k": self.k,
            "leaders": self.leaders,
            "couriers": len(self.couriers),
            "periphery": self.periphery,
            "internal_ties": self.internal_ties,
            "density": round(self.density, 3),
            "significant": self.significant,
            "linked_to": self.linked_to,
            "members": shown,
        }


@dataclass
class Role:
    """One entity's place: its role, its core and community, and why."""

    id: str
    caption: str
    schema: str
    role: str
    community: int
    core: int | None
    ties_inside: int  # ties into its own core
    cores_reached: list[int]  # other cores its ties reach
    tier: int
    score: float  # mean percentile of the measures on the graph without hubs
    degree: int
    betweenness: float
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "caption": self.caption,
            "schema": self.schema,
            "role": self.role,
            "community": self.community,
            "core": self.core,
            "ties_inside": self.ties_inside,
            "cores_reached": self.cores_reached,
            "tier": self.tier,
            "score": round(self.score, 4),
            "degree": self.degree,
            "betweenness": self.betweenness,
            "reasons": self.reasons,
        }


@dataclass
class Roles:
    """Communities without hubs, their cores, every entity's role, the hubs apart."""

    partition: Communities
    cores: list[Core]
    roles: list[Role]  # every node, in node order
    hubs: list[Hub]
    options: RoleOptions
    betweenness_exact: bool
    _by_id: dict[str, Role] = field(default_factory=dict, repr=False)

    def role(self, node_id: str) -> Role:
        if not self._by_id:
            self._by_id = {r.id: r for r in self.roles}
        return self._by_id[node_id]

    def core_of(self, community: int) -> Core | None:
        return next((c for c in self.cores if c.community == community), None)

    def key_players(
        self, *, limit: int | None = 25, schemata: tuple[str, ...] = ("LegalEntity",)
    ) -> list[Role]:
        """Ranked by role tier, then score; hubs are not ranked."""
        chosen = [r for r in self.roles if r.role != "hub" and _is_any(r.schema, schemata)]
        chosen.sort(key=lambda r: (r.tier, -r.score, r.id))
        return chosen if limit is None else chosen[:limit]

    def to_dict(self, *, members: int | None = 20, players: int = 25) -> dict[str, Any]:
        return {
            "partition": self.partition.to_dict(members=members),
            "cores": [c.to_dict(members=members) for c in self.cores],
            "hubs": [h.to_dict() for h in self.hubs],
            "key_players": [r.to_dict() for r in self.key_players(limit=players)],
            "options": self.options.__dict__,
            "betweenness_exact": self.betweenness_exact,
        }


def roles(
    graph: EntityGraph,
    *,
    resolution: float = 1.0,
    seed: int = 0,
    options: RoleOptions | None = None,
    samples: int | None = 512,
) -> Roles:
    """Hubs, communities without them, each community's core, and every entity's role."""
    opts = options or RoleOptions()
    full = graph.core
    n = full.n
    adjacency = [set(a) for a in full.graph.get_adjlist()] if n else []
    degree = np.array([len(a) for a in adjacency], dtype=np.int64)
    closure = np.asarray(full.graph.transitivity_local_undirected(mode="zero"), dtype=np.float64)
    traders = _traders(graph, opts)
    is_hub = ((degree >= opts.hub_degree) | traders) & (closure < opts.hub_closure)
    for _round in range(2):
        keep = ~(is_hub[full.low] | is_hub[full.high])
        core = array.build_core(n, full.low[keep], full.high[keep], full.weights[keep], simple=True)
        membership = array.leiden(core, resolution=resolution, seed=seed)
        near = [
            {u for u in a if not is_hub[u]} if not is_hub[v] else set()
            for v, a in enumerate(adjacency)
        ]
        core_of = np.full(n, -1, dtype=np.int64)
        cores, brokers = _cores(graph, core, membership, near, core_of, opts)
        # A hub is tied to people who do not know each other: one tied to many of a core's
        # members, far more than its ties spread at random would give, is one of them.
        tied = _inside_hubs(adjacency, is_hub, core_of, cores, opts)
        if not tied:
            break
        is_hub[tied] = False
    _link(cores, brokers, core, core_of, opts.strong)
    partition = _partition(graph, core, membership, resolution, seed)
    players = _measures(core, samples, seed)
    found = []
    chiefs = {c.leaders[0] for c in cores if c.leaders}
    leaders = {leader for c in cores for leader in c.leaders}
    couriers = {x for c in cores for x in c.couriers}
    for v, node in enumerate(graph.nodes):
        own = int(core_of[v])
        reached = sorted({int(core_of[u]) for u in near[v]} - {own, -1})
        inside = sum(1 for u in near[v] if own >= 0 and core_of[u] == own)
        top = cores[own].internal_top if own >= 0 else 0
        significant = own >= 0 and cores[own].significant
        if is_hub[v]:
            role, tier = "hub", 9
        elif node.id in leaders:
            role = "leader"
            tier = (0 if node.id in chiefs else 1) if significant else 2
        elif v in brokers and len(reached) >= 2:
            role = "broker"
            tier = 0 if any(cores[c].significant for c in reached) else 3
        elif own >= 0 and node.id in couriers:
            role, tier = "courier", 3
        elif own >= 0 and inside >= opts.lieutenant_share * top:
            role, tier = "lieutenant", 3
        elif own >= 0:
            role, tier = "member", 3
        else:
            role, tier = "bystander", 4
        found.append(
            Role(
                id=node.id,
                caption=node.caption,
                schema=node.schema,
                role=role,
                community=int(membership[v]),
                core=None if own < 0 else own,
                ties_inside=inside,
                cores_reached=reached,
                tier=tier,
                score=float(players.score[v]),
                degree=int(degree[v]),
                betweenness=float(players.betweenness[v]),
                reasons=_reasons(
                    role, node.id in chiefs, inside, reached, cores, own, int(degree[v])
                ),
            )
        )
    hubs = [
        Hub(
            graph.nodes[v].id,
            graph.nodes[v].caption,
            graph.nodes[v].schema,
            int(degree[v]),
            float(closure[v]),
            _spread(adjacency[v], membership),
        )
        for v in np.flatnonzero(is_hub).tolist()
    ]
    hubs.sort(key=lambda h: (-h.degree, h.id))
    for role_ in found:
        if role_.role == "hub":
            hub = next(h for h in hubs if h.id == role_.id)
            by = "by money alone, one way, " if traders[graph.index[hub.id]] else ""
            role_.reasons = [
                f"tied {by}to {hub.degree} entities in {hub.communities} communities who are "
                f"hardly tied to each other (clustering {hub.closure:.3f}): a service "
                "provider, not ranked"
            ]
    return Roles(partition, [c.public() for c in cores], found, hubs, opts, players.exact)


def _link(
    cores: list[_Core],
    brokers: set[int],
    core: array.Core,
    core_of: np.ndarray,
    strong: float,
) -> None:
    """A small core that a broker ties by strong ties (repeated facts, weight `strong` or
    more) to a significant core is part of the same organisation: significant too (its leader
    ranks with the others), the significant core named."""
    heavy = core.weights >= strong
    firm: dict[int, set[int]] = defaultdict(set)
    for a, b in zip(core.low[heavy].tolist(), core.high[heavy].tolist(), strict=True):
        firm[a].add(int(core_of[b]))
        firm[b].add(int(core_of[a]))
    changed = True
    while changed:
        changed = False
        for v in sorted(brokers):
            reached = sorted(firm[v] - {-1})
            big = [c for c in reached if cores[c].significant]
            if len(reached) < 2 or not big:
                continue
            for c in reached:
                if not cores[c].significant:
                    cores[c].significant = changed = True
                    cores[c].linked_to = big[0]


def _traders(graph: EntityGraph, opts: RoleOptions) -> np.ndarray:
    """Entities tied to the world by money alone (payments, their own accounts) whose money
    runs one way: paid by `trade_degree` payers or more and paying `trade_lopsided` times
    fewer (a shop, a utility), or paying as many payees, mostly not such sellers, and paid by
    that many times fewer (an employer; a customer's payees are shops). An account that pays
    on about as many as pay it is passing money through, not trading."""
    n = len(graph.nodes)
    others = np.uint64(0)
    for kind, bit in graph.kind_bits.items():
        if kind not in MONEY_KINDS:
            others |= np.uint64(bit)
    other = (graph.edge_kinds & others) != 0
    money_only = np.ones(n, dtype=bool)
    money_only[graph.core.low[other]] = False
    money_only[graph.core.high[other]] = False
    payers = np.zeros(n, dtype=np.int64)
    payees: list[list[int]] = [[] for _ in range(n)]
    for edge in graph.edges:
        a, b = graph.index[edge.a], graph.index[edge.b]
        if "a>b" in edge.flows:
            payers[b] += 1
            payees[a].append(b)
        if "b>a" in edge.flows:
            payers[a] += 1
            payees[b].append(a)
    paying = np.array([len(p) for p in payees], dtype=np.int64)
    sellers = money_only & (payers >= opts.trade_degree) & (paying * opts.trade_lopsided <= payers)
    employers = (
        money_only & (paying >= opts.trade_degree) & (payers * opts.trade_lopsided <= paying)
    )
    for v in np.flatnonzero(employers).tolist():
        employers[v] = sellers[payees[v]].mean() < 0.5
    return sellers | employers


def _inside_hubs(
    adjacency: list[set[int]],
    is_hub: np.ndarray,
    core_of: np.ndarray,
    cores: list[_Core],
    opts: RoleOptions,
) -> list[int]:
    """Hubs with at least `leader_ties` ties into one significant core, more than their ties
    drawn at random from everyone would put there but once in `1 / hub_chance` (the binomial
    tail): they are one of its members (a fraud cell's leader tied to its victims). A hub
    reaching a fifth of everyone has six ties into some group of twenty now and then."""
    n = len(adjacency)
    found = []
    for v in np.flatnonzero(is_hub).tolist():
        counts = Counter(int(core_of[u]) for u in adjacency[v] if core_of[u] >= 0)
        share = len(adjacency[v]) / n
        for number, ties in counts.items():
            size = len(cores[number].vertices)
            if not cores[number].significant or ties < opts.leader_ties:
                continue
            if _tail(size, share, ties) < opts.hub_chance:
                found.append(v)
                break
    return found


def _tail(trials: int, chance: float, least: int) -> float:
    """The chance of `least` or more successes in `trials` draws of chance `chance`."""
    return sum(
        math.comb(trials, k) * chance**k * (1 - chance) ** (trials - k)
        for k in range(least, trials + 1)
    )


def _spread(around: set[int], membership: np.ndarray) -> int:
    return len({int(membership[u]) for u in around})


def _partition(
    graph: EntityGraph,
    core: array.Core,
    membership: np.ndarray,
    resolution: float,
    seed: int,
) -> Communities:
    scores = array.pagerank(core)
    by_community: dict[int, list[int]] = defaultdict(list)
    for vertex, number in enumerate(membership.tolist()):
        by_community[number].append(vertex)
    # _weights reads graph.core: the communities' cohesion is measured without the hubs.
    shadow = EntityGraph(
        graph.viewer,
        graph.version,
        graph.nodes,
        graph.edges,
        graph.occasions,
        core,
        graph.kind_bits,
        graph.edge_kinds,
        index=graph.index,
    )
    internal, external = _weights(shadow, membership)
    found: list[Community] = [
        _community(graph, number, vertices, scores, internal[number], external[number])
        for number, vertices in sorted(by_community.items())
        if len(vertices) >= 2
    ]
    return Communities(
        graph.version, array.modularity(core, membership), membership, found, resolution, seed
    )


@dataclass
class _Core:
    number: int
    community: int
    vertices: list[int]
    dense: int
    internal_top: int
    leaders: list[str]
    couriers: list[str]
    periphery: int
    internal_ties: int
    k: int
    ids: list[str]
    significant: bool
    linked_to: int | None = None  # a small core a broker ties to this significant one

    def public(self) -> Core:
        size = len(self.vertices)
        pairs = size * (size - 1) / 2
        return Core(
            self.number,
            self.community,
            self.ids,
            self.dense,
            self.k,
            self.leaders,
            self.couriers,
            self.periphery,
            self.internal_ties,
            self.internal_ties / pairs if pairs else 0.0,
            self.significant,
            self.linked_to,
        )


def _cores(
    graph: EntityGraph,
    core: array.Core,
    membership: np.ndarray,
    near: list[set[int]],
    core_of: np.ndarray,
    opts: RoleOptions,
) -> tuple[list[_Core], set[int]]:
    """The k-truss groups inside communities grown by their members and couriers; cores
    numbered by size."""
    by_community: dict[int, list[int]] = defaultdict(list)
    for vertex, number in enumerate(membership.tolist()):
        by_community[number].append(vertex)
    same = membership[core.low] == membership[core.high]
    weight: list[dict[int, float]] = [{} for _ in near]
    for a, b, w in zip(core.low.tolist(), core.high.tolist(), core.weights.tolist(), strict=True):
        weight[a][b] = weight[b][a] = w
    trussed = truss(core.low[same], core.high[same], opts.k)
    between = {v for v in range(len(near)) if go_between(v, near, weight, opts.strong)}
    dense = [set(p) for p in components(trussed, between) if len(p) >= opts.min_dense]
    label = np.full(len(near), -1, dtype=np.int64)
    for number, inner in enumerate(dense):
        label[list(inner)] = number
    dense.extend(apart(label, near, weight, membership, opts, len(dense)))
    dense.extend(stars(label, near, weight, membership, opts, len(dense)))
    grow(label, near)
    # At least one slot, so a graph with no dense group at all indexes nothing out of range.
    sizes = np.bincount(label[label >= 0], minlength=max(len(dense), 1))
    label[(label >= 0) & (sizes[np.maximum(label, 0)] < opts.min_core)] = -1
    brokers = _brokers(label, near, weight, opts.broker_balance, opts.strong)
    groups: dict[int, list[int]] = defaultdict(list)
    for v in np.flatnonzero(label >= 0).tolist():
        groups[int(label[v])].append(v)
    kept = sorted(
        ((c, vs) for c, vs in groups.items() if len(vs) >= opts.min_core),
        key=lambda cv: (-len(cv[1]), cv[0]),
    )
    found = []
    for number, (group, vertices) in enumerate(kept):
        members = set(vertices)
        core_of[vertices] = number
        community = Counter(int(membership[v]) for v in dense[group]).most_common(1)[0][0]
        around = set(by_community[community])
        within = {v: sum(1 for u in near[v] if u in members) for v in vertices}
        top = max(within.values())
        # Most ties inside first; between equals, the heavier ties (repeated facts) lead.
        strength = {v: sum(w for u, w in weight[v].items() if u in members) for v in vertices}
        order = sorted(vertices, key=lambda v: (-within[v], -strength[v], graph.nodes[v].id))
        leaders = [
            graph.nodes[v].id
            for v in order
            if within[v] >= opts.leader_share * top and within[v] > opts.courier_ties
        ][:2]
        found.append(
            _Core(
                number=number,
                community=community,
                vertices=order,
                dense=len(dense[group] & members),
                internal_top=top,
                leaders=leaders or [graph.nodes[order[0]].id],
                couriers=[
                    graph.nodes[v].id
                    for v in order
                    if v not in dense[group] and len(near[v]) <= opts.courier_ties
                ],
                periphery=len(around - members),
                internal_ties=sum(within.values()) // 2,
                k=opts.k,
                ids=[graph.nodes[v].id for v in order],
                significant=top >= opts.leader_ties,
            )
        )
    return found, brokers


def _brokers(
    label: np.ndarray,
    near: list[set[int]],
    weight: list[dict[int, float]],
    balance: float,
    strong: float,
) -> set[int]:
    """Those whose ties reach two or more groups about evenly (the second at least `balance`
    of the first), counting only groups they reach by a strong tie (`strong`: repeated
    facts; a member's one acquaintance in another group does not make it a broker), and
    weigh more than half their other ties (a go-between's few ties are strong; an
    acquaintance of one member in each of two groups, with most of its ties elsewhere, is
    not a broker), taken out of the groups, those with the evenest and
    fewest ties first (a broker's contacts are not brokers because of it)."""

    def reach(v: int) -> list[int]:
        counts = Counter(int(label[u]) for u in near[v] if label[u] >= 0)
        firm = {int(label[u]) for u, w in weight[v].items() if label[u] >= 0 and w >= strong}
        return sorted((n for c, n in counts.items() if c in firm), reverse=True)

    def even(v: int) -> bool:
        counts = reach(v)
        if len(counts) < 2 or counts[1] < balance * counts[0]:
            return False
        into = sum(w for u, w in weight[v].items() if label[u] >= 0)
        return 2 * into > sum(weight[v].values()) - into

    waiting = [v for v in range(len(near)) if even(v)]
    waiting.sort(key=lambda v: (-reach(v)[1] / reach(v)[0], len(near[v]), v))
    found = set()
    for v in waiting:
        if even(v):
            found.add(v)
            label[v] = -1
    return found


@dataclass
class _Measures:
    score: np.ndarray
    betweenness: np.ndarray
    exact: bool


def _measures(core: array.Core, samples: int | None, seed: int) -> _Measures:
    between, exact = array.betweenness(core, samples=samples, seed=seed)
    values = {
        "degree": array.degree(core).astype(np.float64),
        "betweenness": between,
        "pagerank": array.pagerank(core),
        "coreness": array.coreness(core).astype(np.float64),
    }
    if core.n == 0:
        return _Measures(np.zeros(0), between, exact)
    score = np.mean([_percentile(values[m]) for m in MEASURES], axis=0)
    return _Measures(score, between, exact)


def _reasons(
    role: str,
    chief: bool,
    inside: int,
    reached: list[int],
    cores: list[_Core],
    own: int,
    degree: int,
) -> list[str]:
    reasons = []
    if own >= 0:
        c = cores[own]
        where = f"core {own} ({len(c.vertices)} members)"
        if role == "leader":
            lead = "leads" if chief else "co-leads"
            reasons.append(f"{lead} {where}: tied to {inside} of its members")
            if c.linked_to is not None:
                reasons.append(f"a broker ties core {own} to core {c.linked_to}")
        elif role == "courier":
            reasons.append(f"{inside} tie(s), all into {where}: a courier or errand-runner")
        else:
            reasons.append(f"{role} of {where}: tied to {inside} of its members")
    if reached:
        names = ", ".join(f"core {c} ({len(cores[c].vertices)})" for c in reached)
        lead = "brokers between" if role == "broker" else "also tied to"
        reasons.append(f"{lead} {names}" + (f" and its own core {own}" if own >= 0 else ""))
    if role == "bystander":
        reasons.append(f"in no core ({degree} ties)")
    return reasons
