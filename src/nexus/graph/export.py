"""Graphs out of Nexus: GEXF and GraphML for Gephi (networkx writers), and a subgraph as FtM
entity JSON lines (nodes, the links and occasions behind its edges), read again through the
viewer's Reader so that every entity carries only what that viewer may see.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

import networkx as nx
from followthemoney import StatementEntity

from nexus.exceptions import NexusError, NotFound
from nexus.graph import vocabulary as vocab
from nexus.graph.elements import EntityGraph
from nexus.ingest import write_entities
from nexus.policy import Reader

FORMATS = ("gexf", "graphml", "ftm")


def subgraph_edges(graph: EntityGraph, node_ids: Iterable[str] | None) -> list[int]:
    """Edges with both ends among these entities (every edge for None)."""
    if node_ids is None:
        return list(range(len(graph.edges)))
    vertices = {graph.index[n] for n in node_ids if graph.has(n)}
    return [
        e.index
        for e in graph.edges
        if graph.index[e.a] in vertices and graph.index[e.b] in vertices
    ]


def to_networkx(graph: EntityGraph, node_ids: Iterable[str] | None = None) -> nx.Graph:
    """A networkx graph with readable attributes: caption, schema, countries, crime types,
    listings; per edge its kinds, weight, agencies and a summary."""
    chosen = None if node_ids is None else {graph.node(n).id for n in node_ids if graph.has(n)}
    out = nx.Graph()
    for node in graph.nodes:
        if chosen is not None and node.id not in chosen:
            continue
        out.add_node(
            node.id,
            label=node.caption,
            schema=node.schema,
            countries=" ".join(node.country_codes),
            crimes=" ".join(node.crime_types),
            listed=node.listed,
            agencies=" ".join(sorted(node.agencies)),
        )
    for eid in subgraph_edges(graph, chosen):
        edge = graph.edges[eid]
        out.add_edge(
            edge.a,
            edge.b,
            weight=float(edge.weight),
            kinds=" ".join(sorted(edge.kinds)),
            families=" ".join(sorted({vocab.kind_family(k) for k in edge.kinds})),
            agencies=" ".join(edge.agencies),
            facts=len(edge.facts),
            summary=edge.summary(),
        )
    return out


def write_graph(
    graph: EntityGraph, fh: IO[bytes], format: str, node_ids: Iterable[str] | None = None
) -> int:
    """Write GEXF or GraphML; returns the number of nodes written."""
    exported = to_networkx(graph, node_ids)
    if format == "gexf":
        nx.write_gexf(exported, fh)
    elif format == "graphml":
        nx.write_graphml(exported, fh)
    else:
        raise NexusError(f"unknown graph format {format!r}: use gexf or graphml")
    return int(exported.number_of_nodes())


def subgraph_entities(graph: EntityGraph, node_ids: Iterable[str]) -> list[str]:
    """Canonical ids of a subgraph's nodes (with the records taken as the same holder) and of
    the link entities and occasions its facts come from."""
    chosen = {graph.node(n).id for n in node_ids if graph.has(n)}
    ids: set[str] = set()
    for node_id in chosen:
        ids.add(node_id)
        ids.update(graph.node(node_id).aliases)
    for eid in subgraph_edges(graph, chosen):
        for fact in graph.edges[eid].facts:
            if fact.via:
                ids.add(fact.via)
    return sorted(ids)


def ftm_entities(
    reader: Reader, graph: EntityGraph, node_ids: Iterable[str]
) -> Iterator[StatementEntity]:
    """The subgraph's entities as the viewer sees them, references pointing at canonical ids."""
    if reader.viewer.name != graph.viewer:
        raise NexusError("export the graph with the reader of the viewer it was built for")
    for entity_id in subgraph_entities(graph, node_ids):
        try:
            entity = reader.entity(entity_id)
        except NotFound:
            continue  # changed since the graph was built
        yield _canonical_references(entity, graph)


def _canonical_references(entity: StatementEntity, graph: EntityGraph) -> StatementEntity:
    for prop in entity.schema.properties.values():
        if prop.type.name != "entity":
            continue
        values = entity.get(prop)
        if not values:
            continue
        mapped = [graph.canonical.get(v, v) for v in values]
        if mapped != values:
            entity.set(prop, mapped)
    return entity


def write_ftm(reader: Reader, graph: EntityGraph, node_ids: Iterable[str], fh: IO[bytes]) -> int:
    """Write the subgraph as FtM entity JSON lines; returns the number of entities."""
    return write_entities(ftm_entities(reader, graph, node_ids), fh)
