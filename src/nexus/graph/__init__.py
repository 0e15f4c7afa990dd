"""Network analysis over the resolved entity graph a viewer may see (python-igraph): communities,
key players, bridges, paths, neighbourhoods, cross-border ties, crime-terror convergence,
timelines and exports, every edge with the statements and agencies behind it.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nexus.graph.builder import build_graph, read_graph
    from nexus.graph.cache import GraphCache, load_graph
    from nexus.graph.convergence import Convergence, CrossBorder, convergence, cross_border
    from nexus.graph.elements import Edge, EntityGraph, Fact, Node, Source
    from nexus.graph.export import FORMATS, subgraph_entities, to_networkx, write_ftm, write_graph
    from nexus.graph.options import GraphOptions
    from nexus.graph.paths import Neighbourhood, Paths, neighbours, paths
    from nexus.graph.structure import (
        Bridge,
        Communities,
        Community,
        KeyPlayers,
        Relevance,
        alerted_ids,
        alerted_nodes,
        bridges,
        by_relevance,
        communities,
        key_players,
    )
    from nexus.graph.timeline import Moment, timeline

# Loaded on first use (PEP 562): the builder and the analyses pull in FtM, igraph and networkx,
# most of a second, which a command answering from the cache (nexus.graph.cache) never needs.
_SOURCES = {
    "Bridge": "nexus.graph.structure",
    "Communities": "nexus.graph.structure",
    "Community": "nexus.graph.structure",
    "Convergence": "nexus.graph.convergence",
    "CrossBorder": "nexus.graph.convergence",
    "Edge": "nexus.graph.elements",
    "EntityGraph": "nexus.graph.elements",
    "FORMATS": "nexus.graph.export",
    "Fact": "nexus.graph.elements",
    "GraphCache": "nexus.graph.cache",
    "GraphOptions": "nexus.graph.options",
    "KeyPlayers": "nexus.graph.structure",
    "Moment": "nexus.graph.timeline",
    "Neighbourhood": "nexus.graph.paths",
    "Node": "nexus.graph.elements",
    "Paths": "nexus.graph.paths",
    "Relevance": "nexus.graph.structure",
    "Source": "nexus.graph.elements",
    "alerted_ids": "nexus.graph.structure",
    "alerted_nodes": "nexus.graph.structure",
    "bridges": "nexus.graph.structure",
    "build_graph": "nexus.graph.builder",
    "by_relevance": "nexus.graph.structure",
    "communities": "nexus.graph.structure",
    "convergence": "nexus.graph.convergence",
    "cross_border": "nexus.graph.convergence",
    "key_players": "nexus.graph.structure",
    "load_graph": "nexus.graph.cache",
    "neighbours": "nexus.graph.paths",
    "paths": "nexus.graph.paths",
    "read_graph": "nexus.graph.builder",
    "subgraph_entities": "nexus.graph.export",
    "timeline": "nexus.graph.timeline",
    "to_networkx": "nexus.graph.export",
    "write_ftm": "nexus.graph.export",
    "write_graph": "nexus.graph.export",
}


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        # Importing a submodule binds it on the package under its own name. Where the submodule
        # has a function of that name (paths, timeline, convergence), `nexus.graph.paths` has
        # always meant the function, as the eager imports this replaces left it.
        if isinstance(value, types.ModuleType) and _SOURCES.get(name) == value.__name__:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


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
    "alerted_ids",
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
