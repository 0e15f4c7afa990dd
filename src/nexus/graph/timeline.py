"""What happened, when: the seizures, cases, interdictions and events an entity or community was
in, and its dated links (payments, memberships, directorships), oldest first, with sources.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from nexus.exceptions import NotFound
from nexus.graph import vocabulary as vocab
from nexus.graph.elements import EntityGraph


@dataclass
class Moment:
    date: str
    kind: str  # the occasion's schema (Seizure, InvestigationCase …) or the link kind
    title: str
    entities: list[str]  # "caption (id)" of the entities of interest involved
    agencies: list[str]
    statements: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "kind": self.kind,
            "title": self.title,
            "entities": self.entities,
            "agencies": self.agencies,
            "statements": self.statements,
        }


def timeline(
    graph: EntityGraph, entity_ids: Iterable[str], *, limit: int | None = 200
) -> list[Moment]:
    """The dated record of these entities (one, or a community's members), oldest first.
    Occasions come once each however many of the entities were in them; undated ones are
    left out."""
    wanted: dict[int, str] = {}
    for entity_id in entity_ids:
        if not graph.has(entity_id):
            raise NotFound(f"no entity {entity_id!r} is in the graph visible to {graph.viewer}")
        node = graph.node(entity_id)
        wanted[graph.index[entity_id]] = f"{node.caption} ({node.id})"
    moments: list[Moment] = []
    occasions: dict[str, list[str]] = {}
    for vertex, label in wanted.items():
        for occasion_id in graph.node_occasions.get(graph.nodes[vertex].id, ()):
            occasions.setdefault(occasion_id, []).append(label)
    for occasion_id, labels in occasions.items():
        occasion = graph.occasions[occasion_id]
        if not occasion.date:
            continue
        parts = [p for p in occasion.participants if graph.has(p.node)]
        roles = sorted({p.role for p in parts if p.role and graph.index[p.node] in wanted})
        title = occasion.label() + (f" as {', '.join(roles)}" if roles else "")
        if occasion.crimes:
            title += f" — {', '.join(sorted({r.label for r in occasion.crimes}))}"
        sources = [s for p in parts for s in p.sources]
        moments.append(
            Moment(
                occasion.date,
                occasion.schema,
                title,
                sorted(set(labels)),
                sorted({s.agency for s in sources} | occasion.agencies),
                [s.statement for s in sources],
            )
        )
    seen: set[int] = set()
    for vertex in wanted:
        for eid in graph.core.graph.incident(vertex):
            if eid in seen:
                continue
            seen.add(eid)
            edge = graph.edges[eid]
            for fact in edge.facts:
                if not fact.date or vocab.kind_family(fact.kind) == "co-occurrence":
                    continue
                a, b = graph.node(fact.source), graph.node(fact.target)
                moments.append(
                    Moment(
                        fact.date,
                        fact.kind,
                        f"{a.caption} → {b.caption}: {fact.describe()}",
                        sorted(
                            {
                                wanted[graph.index[n.id]]
                                for n in (a, b)
                                if graph.index[n.id] in wanted
                            }
                        ),
                        fact.agencies,
                        [s.statement for s in fact.sources],
                    )
                )
    moments = _merged(moments)
    moments.sort(key=lambda m: (m.date, m.kind, m.title))
    return moments if limit is None else moments[:limit]


def _merged(moments: list[Moment]) -> list[Moment]:
    """One moment for what several sources report on the same day (a payment in the sending
    and the receiving bank's extract), with all their agencies and statements."""
    merged: dict[tuple[str, str, str], Moment] = {}
    for moment in moments:
        key = (moment.date[:10], moment.kind, _without_sources(moment.title))
        found = merged.get(key)
        if found is None:
            merged[key] = moment
            continue
        found.agencies = sorted(set(found.agencies) | set(moment.agencies))
        found.statements = [*found.statements, *moment.statements]
        found.date = max(found.date, moment.date, key=len)
    return list(merged.values())


def _without_sources(title: str) -> str:
    # Fact descriptions end with "on DAY [AGENCY: dataset]"; the same fact from two sources
    # differs only there.
    return title.split(" [", 1)[0]
