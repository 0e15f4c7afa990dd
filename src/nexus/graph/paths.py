"""How two entities are connected and what surrounds one: k shortest paths with edge kinds to
follow, and the bounded k-hop neighbourhood (a link chart's "expand"), each step with its facts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from nexus.exceptions import NexusError, NotFound
from nexus.graph import core as array
from nexus.graph import vocabulary as vocab
from nexus.graph.elements import Edge, EntityGraph, Fact, Node


@dataclass(frozen=True)
class NodeRef:
    id: str
    caption: str
    schema: str

    @classmethod
    def of(cls, node: Node) -> NodeRef:
        return cls(node.id, node.caption, node.schema)

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "caption": self.caption, "schema": self.schema}


@dataclass
class Link:
    """One edge as shown: its ends, kinds, a readable summary and the facts behind it."""

    a: NodeRef
    b: NodeRef
    summary: str
    weight: float
    facts: list[Fact]

    @classmethod
    def of(cls, graph: EntityGraph, edge: Edge, kinds: set[str] | None = None) -> Link:
        """The edge, with only the facts of the kinds followed (all if None)."""
        facts = edge.facts if kinds is None else [f for f in edge.facts if f.kind in kinds]
        return cls(
            NodeRef.of(graph.node(edge.a)),
            NodeRef.of(graph.node(edge.b)),
            edge.summary(),
            edge.weight,
            facts,
        )

    def to_dict(self, *, facts: int | None = 10) -> dict[str, Any]:
        shown = self.facts if facts is None else self.facts[:facts]
        return {
            "a": self.a.to_dict(),
            "b": self.b.to_dict(),
            "summary": self.summary,
            "weight": round(self.weight, 4),
            "facts": [f.to_dict() for f in shown],
            "more_facts": len(self.facts) - len(shown),
        }


@dataclass
class Path:
    nodes: list[NodeRef]
    links: list[Link]

    @property
    def hops(self) -> int:
        return len(self.links)

    def describe(self) -> str:
        parts = [self.nodes[0].caption]
        for link, node in zip(self.links, self.nodes[1:], strict=True):
            parts.append(f"—[{link.summary}]→ {node.caption}")
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "hops": self.hops,
            "nodes": [n.to_dict() for n in self.nodes],
            "links": [link.to_dict() for link in self.links],
        }


@dataclass
class Paths:
    source: NodeRef
    target: NodeRef
    kinds: list[str] | None
    paths: list[Path]

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source.to_dict(),
            "target": self.target.to_dict(),
            "kinds": self.kinds,
            "paths": [p.to_dict() for p in self.paths],
        }


def resolve_kinds(graph: EntityGraph, kinds: Iterable[str] | None) -> set[str] | None:
    """Edge kinds from names and families ("direct", "co-occurrence", "shared"); None is all."""
    if kinds is None:
        return None
    wanted: set[str] = set()
    known = set(graph.kind_bits)
    for name in kinds:
        if name in vocab.FAMILIES:
            wanted |= {k for k in known if vocab.kind_family(k) == name}
        elif name in known or name in vocab.KIND_WEIGHTS or name.startswith(("same_", "shared_")):
            wanted.add(name)
        else:
            raise NexusError(
                f"unknown edge kind {name!r}: use one of {', '.join(vocab.FAMILIES)} or "
                f"{', '.join(sorted(known))}"
            )
    return wanted


def _vertex(graph: EntityGraph, entity_id: str) -> int:
    if not graph.has(entity_id):
        # The same words whether the entity does not exist or the viewer may not see it.
        raise NotFound(f"no entity {entity_id!r} is in the graph visible to {graph.viewer}")
    return graph.index[entity_id]


def paths(
    graph: EntityGraph,
    source: str,
    target: str,
    *,
    kinds: Iterable[str] | None = None,
    k: int = 5,
    max_hops: int | None = None,
) -> Paths:
    """Up to k loop-free paths between two entities, shortest first, following only edges of
    the given kinds (a family name stands for its kinds)."""
    wanted = resolve_kinds(graph, kinds)
    a, b = _vertex(graph, source), _vertex(graph, target)
    found = array.k_shortest_paths(graph.core, a, b, k=k, edge_mask=graph.mask(wanted))
    result = []
    for edge_ids in found:
        if max_hops is not None and len(edge_ids) > max_hops:
            continue
        nodes = [graph.nodes[a]]
        links = []
        for eid in edge_ids:
            edge = graph.edges[eid]
            here = nodes[-1].id
            nodes.append(graph.node(edge.other(here)))
            links.append(Link.of(graph, edge, wanted))
        result.append(Path([NodeRef.of(n) for n in nodes], links))
    return Paths(
        NodeRef.of(graph.nodes[a]),
        NodeRef.of(graph.nodes[b]),
        None if wanted is None else sorted(wanted),
        result,
    )


@dataclass
class Neighbour:
    node: NodeRef
    hop: int
    hidden: int = 0  # links not followed from it (hub limit)

    def to_dict(self) -> dict[str, Any]:
        return {**self.node.to_dict(), "hop": self.hop, "hidden_links": self.hidden}


@dataclass
class Neighbourhood:
    centre: list[NodeRef]
    hops: int
    neighbours: list[Neighbour]
    links: list[Link]
    limited: bool  # the node limit stopped the expansion
    kinds: list[str] | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self, *, facts: int | None = 3) -> dict[str, Any]:
        return {
            "centre": [c.to_dict() for c in self.centre],
            "hops": self.hops,
            "kinds": self.kinds,
            "limited": self.limited,
            "notes": self.notes,
            "nodes": [n.to_dict() for n in self.neighbours],
            "links": [link.to_dict(facts=facts) for link in self.links],
        }


def neighbours(
    graph: EntityGraph,
    entity_ids: Iterable[str],
    *,
    hops: int = 1,
    kinds: Iterable[str] | None = None,
    per_node: int = 50,
    max_nodes: int = 500,
) -> Neighbourhood:
    """The entities within `hops` of these, with the links among them. A hub shows its
    `per_node` strongest links and a count of the others; at most `max_nodes` entities."""
    if hops < 1:
        raise NexusError("hops must be at least 1")
    wanted = resolve_kinds(graph, kinds)
    seeds = [_vertex(graph, e) for e in entity_ids]
    found = array.expand(
        graph.core,
        seeds,
        hops,
        per_node=per_node,
        max_nodes=max_nodes,
        edge_mask=graph.mask(wanted),
    )
    ordered = sorted(found.hops.items(), key=lambda item: (item[1], graph.nodes[item[0]].id))
    notes = []
    for vertex, hidden in sorted(found.truncated.items()):
        notes.append(
            f"{graph.nodes[vertex].caption}: {hidden} more link(s) not shown "
            f"(strongest {per_node} followed)"
        )
    if found.limited:
        notes.append(f"stopped at {max_nodes} entities; ask for fewer hops or kinds")
    return Neighbourhood(
        centre=[NodeRef.of(graph.nodes[s]) for s in seeds],
        hops=hops,
        neighbours=[
            Neighbour(NodeRef.of(graph.nodes[v]), hop, found.truncated.get(v, 0))
            for v, hop in ordered
        ],
        links=[Link.of(graph, graph.edges[eid], wanted) for eid in found.edges],
        limited=found.limited,
        kinds=None if wanted is None else sorted(wanted),
        notes=notes,
    )
