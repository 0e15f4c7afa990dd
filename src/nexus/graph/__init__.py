"""Network analysis over the resolved entity graph a viewer may see (python-igraph): communities,
key players, bridges, paths, neighbourhoods, cross-border ties, crime-terror convergence,
timelines and exports, every edge with the statements and agencies behind it.
"""

from nexus.graph.builder import GraphOptions, build_graph, read_graph
from nexus.graph.cache import GraphCache, load_graph
from nexus.graph.convergence import Convergence, CrossBorder, convergence, cross_border
from nexus.graph.elements import Edge, EntityGraph, Fact, Node, Source
from nexus.graph.export import FORMATS, subgraph_entities, to_networkx, write_ftm, write_graph
from nexus.graph.paths import Neighbourhood, Paths, neighbours, paths
from nexus.graph.structure import (
    Bridge,
    Communities,
    Community,
    KeyPlayers,
    Relevance,
    alerted_nodes,
    bridges,
    by_relevance,
    communities,
    key_players,
)
from nexus.graph.timeline import Moment, timeline

__all__ = [
    "FORMATS",
    "Bridge",
    "Communities",
    "Community",
    "Convergence",
    "CrossBorder",
    "Edge",
    "EntityGraph",
    "Fact",
    "GraphCache",
    "GraphOptions",
    "KeyPlayers",
    "Moment",
    "Neighbourhood",
    "Node",
    "Paths",
    "Relevance",
    "Source",
    "alerted_nodes",
    "bridges",
    "build_graph",
    "by_relevance",
    "communities",
    "convergence",
    "cross_border",
    "key_players",
    "load_graph",
    "neighbours",
    "paths",
    "read_graph",
    "subgraph_entities",
    "timeline",
    "to_networkx",
    "write_ftm",
    "write_graph",
]
