"""Who belongs together and who matters: Leiden communities with their members, crime types and
countries; key players by degree, betweenness, PageRank and k-core; the bridges between
communities. Results are dataclasses an analyst can read and the web API can serve.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nexus.graph import core as array
from nexus.graph.elements import EntityGraph, Node
from nexus.policy import Reader
from nexus.store import ALERT_STATUSES


@dataclass(frozen=True)
class Member:
    id: str
    caption: str
    schema: str
    score: float  # PageRank within the whole graph

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "caption": self.caption, "schema": self.schema, "score": self.score}


@dataclass
class Community:
    """One community: its size, who is in it (most central first), what crimes and countries
    its members are tied to, and which agencies hold the evidence."""

    number: int
    size: int
    actors: int
    schemata: dict[str, int]
    crimes: dict[str, int]  # crime type → members tied to it
    countries: dict[str, int]
    agencies: dict[str, int]
    listed: list[str]  # members that are sanctioned or proscribed
    members: list[Member]
    internal_weight: float = 0.0
    external_weight: float = 0.0

    @property
    def cohesion(self) -> float:
        total = self.internal_weight + self.external_weight
        return self.internal_weight / total if total else 1.0

    def to_dict(self, *, members: int | None = None) -> dict[str, Any]:
        shown = self.members if members is None else self.members[:members]
        return {
            "number": self.number,
            "size": self.size,
            "actors": self.actors,
            "schemata": self.schemata,
            "crimes": self.crimes,
            "countries": self.countries,
            "agencies": self.agencies,
            "listed": self.listed,
            "cohesion": round(self.cohesion, 3),
            "members": [m.to_dict() for m in shown],
        }


@dataclass
class Communities:
    """A partition of the viewer's graph; `membership[i]` is node i's community number."""

    graph_version: str
    modularity: float
    membership: np.ndarray
    communities: list[Community]
    resolution: float
    seed: int

    def of(self, graph: EntityGraph, node_id: str) -> int:
        return int(self.membership[graph.index[node_id]])

    def to_dict(self, *, members: int | None = 20) -> dict[str, Any]:
        return {
            "graph_version": self.graph_version,
            "modularity": round(self.modularity, 4),
            "resolution": self.resolution,
            "seed": self.seed,
            "communities": [c.to_dict(members=members) for c in self.communities],
        }


@dataclass(frozen=True)
class Relevance:
    """How much of a community crime has touched: members tied to seizures, cases and other
    crime events, members on a sanctions or proscription list, members under an open alert."""

    crime: int
    listed: int
    alerted: int

    @property
    def score(self) -> int:
        return self.crime + self.listed + self.alerted

    def text(self) -> str:
        parts = [
            f"{count} {label}"
            for count, label in (
                (self.crime, "tied to crimes"),
                (self.listed, "listed"),
                (self.alerted, "under alert"),
            )
            if count
        ]
        return ", ".join(parts) or "none"

    def to_dict(self) -> dict[str, int]:
        return {
            "score": self.score,
            "crime": self.crime,
            "listed": self.listed,
            "alerted": self.alerted,
        }


def by_relevance(
    graph: EntityGraph,
    found: Sequence[Community],
    alerted: frozenset[str] = frozenset(),
    organised: frozenset[int] = frozenset(),
) -> list[tuple[Community, Relevance]]:
    """Communities, those crime touches most first (members touched; between equals, those
    with a significant dense core, `organised`, then the larger share touched, then size): a
    large community of shops and their customers with one seizure among them comes after a
    small network half of whose members were seized or charged. `alerted` holds the node ids
    under an open alert."""
    ranked = []
    for community in found:
        nodes = [graph.node(m.id) for m in community.members]
        relevance = Relevance(
            crime=sum(bool(n.crimes) for n in nodes),
            listed=sum(n.listed for n in nodes),
            alerted=sum(n.id in alerted for n in nodes),
        )
        ranked.append((community, relevance))
    ranked.sort(
        key=lambda cr: (
            -cr[1].score,
            cr[0].number not in organised,
            -cr[1].score / cr[0].size,
            -cr[0].size,
            cr[0].number,
        )
    )
    return ranked


def alerted_ids(reader: Reader) -> list[str]:
    """The entity ids open alerts the viewer may read are about, sorted."""
    open_statuses = [s for s in ALERT_STATUSES if s != "closed"]
    return sorted({e for alert in reader.alerts(status=open_statuses) for e in alert.entities})


def alerted_nodes(
    reader: Reader, graph: EntityGraph, ids: Sequence[str] | None = None
) -> frozenset[str]:
    """The graph's nodes an open alert the viewer may read is about (for `by_relevance`);
    `ids` are those alerts' entity ids when already read (`alerted_ids`)."""
    ids = alerted_ids(reader) if ids is None else ids
    found = reader.lookup(ids) if ids else {}
    return frozenset(graph.node(str(e.id)).id for e in found.values() if graph.has(str(e.id)))


def communities(
    graph: EntityGraph,
    *,
    resolution: float = 1.0,
    seed: int = 0,
    min_size: int = 2,
) -> Communities:
    """Leiden communities of the viewer's graph (weighted modularity), largest first; groups
    smaller than `min_size` (isolated entities) are left out of the list, not of the partition."""
    membership = array.leiden(graph.core, resolution=resolution, seed=seed)
    scores = array.pagerank(graph.core)
    by_community: dict[int, list[int]] = defaultdict(list)
    for vertex, number in enumerate(membership.tolist()):
        by_community[number].append(vertex)
    internal, external = _weights(graph, membership)
    found = []
    for number in sorted(by_community):
        vertices = by_community[number]
        if len(vertices) < min_size:
            continue
        found.append(
            _community(graph, number, vertices, scores, internal[number], external[number])
        )
    return Communities(
        graph.version,
        array.modularity(graph.core, membership),
        membership,
        found,
        resolution,
        seed,
    )


def _weights(graph: EntityGraph, membership: np.ndarray) -> tuple[Counter[int], Counter[int]]:
    internal: Counter[int] = Counter()
    external: Counter[int] = Counter()
    low, high, weights = graph.core.low, graph.core.high, graph.core.weights
    same = membership[low] == membership[high]
    for c, w in zip(membership[low][same].tolist(), weights[same].tolist(), strict=True):
        internal[c] += w
    for side in (low, high):
        for c, w in zip(membership[side][~same].tolist(), weights[~same].tolist(), strict=True):
            external[c] += w
    return internal, external


def _community(
    graph: EntityGraph,
    number: int,
    vertices: list[int],
    scores: np.ndarray,
    internal: float,
    external: float,
) -> Community:
    nodes = [graph.nodes[v] for v in vertices]
    crimes: Counter[str] = Counter()
    countries: Counter[str] = Counter()
    agencies: Counter[str] = Counter()
    for node in nodes:
        crimes.update(node.crime_types)
        countries.update(node.country_codes)
        agencies.update(node.agencies)
    ranked = sorted(vertices, key=lambda v: (-scores[v], graph.nodes[v].id))
    return Community(
        number=number,
        size=len(nodes),
        actors=sum(n.actor for n in nodes),
        schemata=dict(Counter(n.schema for n in nodes).most_common()),
        crimes=dict(crimes.most_common()),
        countries=dict(countries.most_common()),
        agencies=dict(agencies.most_common()),
        listed=sorted(n.id for n in nodes if n.listed),
        members=[_member(graph.nodes[v], float(scores[v])) for v in ranked],
        internal_weight=internal,
        external_weight=external,
    )


def _member(node: Node, score: float) -> Member:
    return Member(node.id, node.caption, node.schema, round(score, 6))


# -- key players -------------------------------------------------------------------------------
MEASURES = ("degree", "betweenness", "pagerank", "coreness")


@dataclass
class KeyPlayer:
    """An entity that matters, with its measures, their percentiles and why it ranks."""

    id: str
    caption: str
    schema: str
    score: float  # mean percentile of the measures, 0..1
    degree: int
    betweenness: float
    pagerank: float
    coreness: int
    community: int | None
    communities_reached: int  # other communities its edges go to
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "caption": self.caption,
            "schema": self.schema,
            "score": round(self.score, 4),
            "degree": self.degree,
            "betweenness": self.betweenness,
            "pagerank": self.pagerank,
            "coreness": self.coreness,
            "community": self.community,
            "communities_reached": self.communities_reached,
            "reasons": self.reasons,
        }


@dataclass
class KeyPlayers:
    players: list[KeyPlayer]
    betweenness_exact: bool
    betweenness_samples: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "betweenness_exact": self.betweenness_exact,
            "betweenness_samples": self.betweenness_samples,
            "players": [p.to_dict() for p in self.players],
        }


def key_players(
    graph: EntityGraph,
    *,
    limit: int = 25,
    by: str = "score",
    schemata: tuple[str, ...] = ("LegalEntity",),
    partition: Communities | None = None,
    samples: int | None = 512,
    seed: int = 0,
) -> KeyPlayers:
    """The most central entities (of `schemata`: people and organisations by default). Each
    measure is turned into a percentile among those entities; `score` is their mean, so a
    player ranks high by being well connected, on many shortest paths (a broker), close to
    other central entities (PageRank) and deep inside a dense core. `by` picks one measure."""
    if by not in (*MEASURES, "score"):
        raise ValueError(f"unknown measure {by!r}: use score or one of {', '.join(MEASURES)}")
    core = graph.core
    degree = array.degree(core)
    between, exact = array.betweenness(core, samples=samples, seed=seed)
    rank = array.pagerank(core)
    shell = array.coreness(core)
    candidates = np.array(
        [i for i, n in enumerate(graph.nodes) if _is_any(n.schema, schemata)], dtype=np.int64
    )
    if len(candidates) == 0:
        return KeyPlayers([], exact, None if exact else samples)
    values = {
        "degree": degree[candidates].astype(np.float64),
        "betweenness": between[candidates],
        "pagerank": rank[candidates],
        "coreness": shell[candidates].astype(np.float64),
    }
    percentiles = {name: _percentile(v) for name, v in values.items()}
    combined = np.mean([percentiles[m] for m in MEASURES], axis=0)
    order_key = combined if by == "score" else values[by]
    order = np.lexsort((candidates, -order_key))[:limit]
    reached = _communities_reached(graph, partition) if partition is not None else None
    players = []
    for position in order.tolist():
        vertex = int(candidates[position])
        node = graph.nodes[vertex]
        players.append(
            KeyPlayer(
                id=node.id,
                caption=node.caption,
                schema=node.schema,
                score=float(combined[position]),
                degree=int(degree[vertex]),
                betweenness=float(between[vertex]),
                pagerank=float(rank[vertex]),
                coreness=int(shell[vertex]),
                community=None if partition is None else int(partition.membership[vertex]),
                communities_reached=0 if reached is None else int(reached[vertex]),
                reasons=_reasons(
                    {m: float(percentiles[m][position]) for m in MEASURES},
                    int(degree[vertex]),
                    float(between[vertex]),
                    int(shell[vertex]),
                    0 if reached is None else int(reached[vertex]),
                ),
            )
        )
    return KeyPlayers(players, exact, None if exact else samples)


def _is_any(schema: str, parents: tuple[str, ...]) -> bool:
    from nexus.model import model

    found = model.get(schema)
    return found is not None and any(found.is_a(p) for p in parents)


def _percentile(values: np.ndarray) -> np.ndarray:
    """Share of the others each value is at or above (ties share the higher rank)."""
    if len(values) == 1:
        return np.ones(1)
    sorted_values = np.sort(values)
    below_or_equal = np.searchsorted(sorted_values, values, side="right")
    return (below_or_equal - 1) / (len(values) - 1)


def _communities_reached(graph: EntityGraph, partition: Communities) -> np.ndarray:
    membership = partition.membership
    low, high = graph.core.low, graph.core.high
    crossing = membership[low] != membership[high]
    pairs = set(zip(low[crossing].tolist(), membership[high][crossing].tolist(), strict=True))
    pairs |= set(zip(high[crossing].tolist(), membership[low][crossing].tolist(), strict=True))
    reached = np.zeros(graph.core.n, dtype=np.int64)
    for vertex, _community_number in pairs:
        reached[vertex] += 1
    return reached


def _reasons(
    percentiles: dict[str, float], degree: int, between: float, shell: int, reached: int
) -> list[str]:
    reasons = []
    if percentiles["degree"] >= 0.9:
        reasons.append(f"linked to {degree} entities (top {_top(percentiles['degree'])})")
    if percentiles["betweenness"] >= 0.9 and between > 0:
        reasons.append(
            f"on {between:.2%} of shortest paths: a broker (top {_top(percentiles['betweenness'])})"
        )
    if percentiles["pagerank"] >= 0.9:
        reasons.append(
            f"tied to other central entities (PageRank top {_top(percentiles['pagerank'])})"
        )
    if percentiles["coreness"] >= 0.9:
        reasons.append(f"in the {shell}-core, the densest part of the graph")
    if reached >= 2:
        reasons.append(f"bridges {reached} other communities")
    return reasons


def _top(percentile: float) -> str:
    share = max(1.0 - percentile, 0.001)
    return f"{share:.1%}"


# -- bridges -----------------------------------------------------------------------------------
@dataclass
class Bridge:
    """Two communities and the entities and edges that tie them."""

    communities: tuple[int, int]
    weight: float
    edges: int
    brokers: list[str]  # entities on either side with the most weight across
    examples: list[str]  # readable edges

    def to_dict(self) -> dict[str, Any]:
        return {
            "communities": list(self.communities),
            "weight": round(self.weight, 3),
            "edges": self.edges,
            "brokers": self.brokers,
            "examples": self.examples,
        }


def bridges(graph: EntityGraph, partition: Communities, *, limit: int = 20) -> list[Bridge]:
    """Pairs of communities joined by edges, strongest first, with who joins them."""
    membership = partition.membership
    across: dict[tuple[int, int], list[int]] = defaultdict(list)
    for eid in np.flatnonzero(membership[graph.core.low] != membership[graph.core.high]).tolist():
        a = int(membership[graph.core.low[eid]])
        b = int(membership[graph.core.high[eid]])
        across[(min(a, b), max(a, b))].append(eid)
    found = []
    for pair, eids in across.items():
        weight = float(graph.core.weights[eids].sum())
        by_node: Counter[str] = Counter()
        for eid in eids:
            edge = graph.edges[eid]
            by_node[edge.a] += graph.core.weights[eid]
            by_node[edge.b] += graph.core.weights[eid]
        strongest = sorted(eids, key=lambda e: -graph.core.weights[e])[:3]
        found.append(
            Bridge(
                pair,
                weight,
                len(eids),
                [graph.node(n).caption + f" ({n})" for n, _w in by_node.most_common(4)],
                [_edge_text(graph, e) for e in strongest],
            )
        )
    found.sort(key=lambda b: (-b.weight, b.communities))
    return found[:limit]


def _edge_text(graph: EntityGraph, eid: int) -> str:
    edge = graph.edges[eid]
    return f"{graph.node(edge.a).caption} — {graph.node(edge.b).caption}: {edge.summary()}"
