"""Built graphs kept per viewer scope and data version: in memory for a long-lived process (the
web API) and on disk under the home folder for the command line, invalidated by construction
when a statement, link or judgement the scope may see changes (the version changes).
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from pathlib import Path

from nexus.files import atomic_binary
from nexus.graph.builder import GraphOptions, read_graph
from nexus.graph.elements import EntityGraph
from nexus.policy import Reader

# Bump when the pickled layout of EntityGraph changes, so old files are not read.
LAYOUT = 2
KEEP_PER_SCOPE = 2


class GraphCache:
    """Graphs by (scope, data version, options). Viewers who see the same markings share one;
    the key never names a viewer, and a graph is only handed to a reader whose own audited
    `data_version()` produced the key."""

    def __init__(self, directory: Path | None = None, *, capacity: int = 4) -> None:
        self.directory = directory
        self.capacity = capacity
        self._memory: OrderedDict[str, EntityGraph] = OrderedDict()
        self._lock = threading.Lock()

    def graph(self, reader: Reader, options: GraphOptions | None = None) -> EntityGraph:
        options = options or GraphOptions()
        version = reader.data_version()
        key = f"{version}-{options.key()}-{LAYOUT}"
        with self._lock:
            found = self._memory.get(key)
            if found is not None:
                self._memory.move_to_end(key)
                return _for_viewer(found, reader)
        found = self._load(key)
        if found is None:
            found = read_graph(reader, options, version)
            self._save(key, found)
        with self._lock:
            self._memory[key] = found
            while len(self._memory) > self.capacity:
                self._memory.popitem(last=False)
        return _for_viewer(found, reader)

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}.pickle"

    def _load(self, key: str) -> EntityGraph | None:
        path = self._path(key)
        if path is None or not path.exists():
            return None
        try:
            with path.open("rb") as fh:
                # Written by this process's own user under the home folder, next to the store.
                graph = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError):
            return None
        return graph if isinstance(graph, EntityGraph) else None

    def _save(self, key: str, graph: EntityGraph) -> None:
        path = self._path(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_binary(path) as fh:
            pickle.dump(graph, fh, protocol=pickle.HIGHEST_PROTOCOL)
        scope = key.split(":", 1)[0]
        older = sorted(path.parent.glob(f"{scope}:*.pickle"), key=lambda p: p.stat().st_mtime)
        for stale in older[:-KEEP_PER_SCOPE]:
            stale.unlink(missing_ok=True)


def _for_viewer(graph: EntityGraph, reader: Reader) -> EntityGraph:
    """The shared graph, labelled with the asking viewer (the content is the scope's)."""
    if graph.viewer == reader.viewer.name:
        return graph
    return EntityGraph(
        viewer=reader.viewer.name,
        version=graph.version,
        nodes=graph.nodes,
        edges=graph.edges,
        occasions=graph.occasions,
        core=graph.core,
        kind_bits=graph.kind_bits,
        edge_kinds=graph.edge_kinds,
        hubs=graph.hubs,
        node_occasions=graph.node_occasions,
        index=graph.index,
        canonical=graph.canonical,
    )


def load_graph(
    reader: Reader, *, cache: GraphCache | None = None, options: GraphOptions | None = None
) -> EntityGraph:
    """The viewer's graph, from the cache when its data version is unchanged."""
    if cache is None:
        return read_graph(reader, options, reader.data_version())
    return cache.graph(reader, options)
