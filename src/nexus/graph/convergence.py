"""Where crime meets terror and borders: entities tied to more than one country, and actors and
communities linked both to criminal markets (drugs, arms, people) and to proscribed or
sanctioned persons and organisations, with a score that lists its reasons.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nexus.graph import vocabulary as vocab
from nexus.graph.elements import EntityGraph, Node, Reason
from nexus.graph.structure import Communities

# How much a tie at each distance counts: the entity itself, a neighbour, two steps away.
TERROR_STRENGTH = (1.0, 0.7, 0.35)
MARKET_STRENGTH = (1.0, 0.5)


@dataclass
class CrossBorder:
    id: str
    caption: str
    schema: str
    countries: dict[str, list[str]]  # country → reasons

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "caption": self.caption,
            "schema": self.schema,
            "countries": self.countries,
        }


def cross_border(
    graph: EntityGraph, *, limit: int = 50, actors_only: bool = True
) -> list[CrossBorder]:
    """Entities tied to more than one country (their own nationality, phones, accounts, the
    seizures and interdictions they were in), most countries first."""
    found = []
    for node in graph.nodes:
        if actors_only and not node.actor:
            continue
        by_country: dict[str, list[str]] = {}
        for reason in node.countries:
            by_country.setdefault(reason.label, [])
            if reason.text not in by_country[reason.label] and len(by_country[reason.label]) < 3:
                by_country[reason.label].append(reason.text)
        if len(by_country) > 1:
            found.append(CrossBorder(node.id, node.caption, node.schema, by_country))
    found.sort(key=lambda c: (-len(c.countries), c.caption, c.id))
    return found[:limit]


@dataclass
class Side:
    """One side of convergence (market or terror): how strong, and why."""

    strength: float = 0.0
    reasons: list[str] = field(default_factory=list)

    def offer(self, strength: float, reason: str) -> None:
        if strength > self.strength:
            self.strength = strength
            self.reasons.insert(0, reason)
        elif reason not in self.reasons:
            self.reasons.append(reason)
        del self.reasons[5:]


@dataclass
class ConvergentActor:
    id: str
    caption: str
    schema: str
    score: float  # market strength times terror strength
    market: Side
    terror: Side
    community: int | None = None

    def reasons(self) -> list[str]:
        return [*self.terror.reasons[:3], *self.market.reasons[:3]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "caption": self.caption,
            "schema": self.schema,
            "score": round(self.score, 3),
            "community": self.community,
            "market": {"strength": self.market.strength, "reasons": self.market.reasons},
            "terror": {"strength": self.terror.strength, "reasons": self.terror.reasons},
        }


@dataclass
class ConvergentCommunity:
    number: int
    size: int
    score: float
    listed: list[str]
    markets: dict[str, int]  # crime type → members tied to it
    actors: list[str]  # the strongest converging actors, as "caption (id)"
    reasons: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "size": self.size,
            "score": round(self.score, 3),
            "listed": self.listed,
            "markets": self.markets,
            "actors": self.actors,
            "reasons": self.reasons,
        }


@dataclass
class Convergence:
    actors: list[ConvergentActor]
    communities: list[ConvergentCommunity]

    def to_dict(self) -> dict[str, Any]:
        return {
            "actors": [a.to_dict() for a in self.actors],
            "communities": [c.to_dict() for c in self.communities],
        }


def _listing(node: Node) -> str:
    reasons = "; ".join(sorted({r.text for r in node.listings})[:2])
    return f"{node.caption} ({reasons})"


def _markets(node: Node) -> list[Reason]:
    return [r for r in node.crimes if r.label in vocab.MARKETS]


def convergence(
    graph: EntityGraph, partition: Communities | None = None, *, limit: int = 50
) -> Convergence:
    """Actors tied both to criminal markets and to listed (sanctioned or proscribed) entities.
    Terror side: 1.0 if listed itself, 0.7 if linked to a listed entity, 0.35 at two steps.
    Market side: 1.0 if in a drugs, arms or people-smuggling seizure, case or event itself,
    0.5 if linked to someone who is. The score is their product; the reasons say which ties."""
    start, _edges, others = graph.core.adjacency()
    terror: dict[int, Side] = {}
    market: dict[int, Side] = {}
    for vertex, node in enumerate(graph.nodes):
        if node.listed:
            _spread_terror(graph, vertex, terror, start, others)
        crimes = _markets(node)
        if crimes:
            crime_text = _crime_text(crimes)
            market.setdefault(vertex, Side()).offer(MARKET_STRENGTH[0], crime_text)
            for other in others[start[vertex] : start[vertex + 1]].tolist():
                reason = f"linked to {node.caption}: {crime_text}"
                market.setdefault(other, Side()).offer(MARKET_STRENGTH[1], reason)
    actors = []
    for vertex in sorted(set(terror) & set(market)):
        node = graph.nodes[vertex]
        if not node.actor:
            continue
        score = terror[vertex].strength * market[vertex].strength
        actors.append(
            ConvergentActor(
                node.id,
                node.caption,
                node.schema,
                score,
                market[vertex],
                terror[vertex],
                None if partition is None else int(partition.membership[vertex]),
            )
        )
    actors.sort(key=lambda a: (-a.score, a.caption, a.id))
    communities = [] if partition is None else _communities(graph, partition, actors)
    return Convergence(actors[:limit], communities)


def _spread_terror(
    graph: EntityGraph,
    vertex: int,
    terror: dict[int, Side],
    start: np.ndarray,
    others: np.ndarray,
) -> None:
    listed = graph.nodes[vertex]
    terror.setdefault(vertex, Side()).offer(TERROR_STRENGTH[0], f"listed: {_listing(listed)}")
    first = set(others[start[vertex] : start[vertex + 1]].tolist()) - {vertex}
    for one in first:
        edge = graph.edge_between(graph.nodes[one].id, listed.id)
        how = edge.summary() if edge is not None else "linked"
        terror.setdefault(one, Side()).offer(TERROR_STRENGTH[1], f"{how} with {_listing(listed)}")
    for one in first:
        via = graph.nodes[one]
        for two in others[start[one] : start[one + 1]].tolist():
            if two == vertex or two in first:
                continue
            terror.setdefault(two, Side()).offer(
                TERROR_STRENGTH[2], f"linked to {via.caption}, who is tied to {_listing(listed)}"
            )


def _crime_text(reasons: list[Reason]) -> str:
    labels = sorted({r.label.replace("_", " ") for r in reasons})
    example = reasons[0]
    agencies = sorted({s.agency for s in example.sources})
    return f"{', '.join(labels)} ({example.text}; {', '.join(agencies)})"


def _communities(
    graph: EntityGraph, partition: Communities, actors: list[ConvergentActor]
) -> list[ConvergentCommunity]:
    by_number: dict[int, list[ConvergentActor]] = {}
    for actor in actors:
        if actor.community is not None:
            by_number.setdefault(actor.community, []).append(actor)
    found = []
    for community in partition.communities:
        members = by_number.get(community.number)
        if not members:
            continue
        markets = {k: v for k, v in community.crimes.items() if k in vocab.MARKETS}
        listed = [graph.node(n).caption for n in community.listed]
        if not listed or not markets:
            continue  # convergence inside one community needs both sides in it
        best = members[0]
        reasons = [
            f"{len(listed)} listed member(s): {', '.join(listed[:4])}",
            "market crimes among members: "
            + ", ".join(f"{k.replace('_', ' ')} ({v})" for k, v in markets.items()),
            f"strongest converging actor: {best.caption} — {'; '.join(best.reasons()[:2])}",
        ]
        found.append(
            ConvergentCommunity(
                community.number,
                community.size,
                best.score,
                listed,
                markets,
                [f"{a.caption} ({a.id})" for a in members[:5]],
                reasons,
            )
        )
    found.sort(key=lambda c: (-c.score, -len(c.listed), c.number))
    return found
