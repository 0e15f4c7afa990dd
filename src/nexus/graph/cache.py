"""Built graphs, and answers computed from them, kept per viewer scope and data version: in
memory for a long-lived process (the web API) and on disk under the home folder for the command
line, invalidated by construction when a statement, link or judgement the scope may see changes.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson

from nexus.files import atomic_binary
from nexus.graph.options import GraphOptions
from nexus.policy import Reader

if TYPE_CHECKING:  # the builder (FtM, igraph) loads only when a graph must be built or read
    from nexus.graph.elements import EntityGraph

T = TypeVar("T")

# Bump when the pickled layout of EntityGraph changes, so old files are not read.
LAYOUT = 2
KEEP_PER_SCOPE = 2
DERIVED_PER_SCOPE = 64


class GraphCache:
    """Graphs by (scope, data version, options). Viewers who see the same markings share one;
    the key never names a viewer, and a graph is only handed to a reader whose own audited
    `data_version()` produced the key."""

    def __init__(self, directory: Path | None = None, *, capacity: int = 4) -> None:
        self.directory = directory
        self.capacity = capacity
        self._memory: OrderedDict[str, EntityGraph] = OrderedDict()
        self._derived: OrderedDict[str, Any] = OrderedDict()
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
            from nexus.graph.builder import read_graph

            found = read_graph(reader, options, version)
            self._save(key, found)
        with self._lock:
            self._memory[key] = found
            while len(self._memory) > self.capacity:
                self._memory.popitem(last=False)
        return _for_viewer(found, reader)

    def derived(
        self,
        reader: Reader,
        name: str,
        params: Mapping[str, Any],
        compute: Callable[[EntityGraph], T],
        options: GraphOptions | None = None,
    ) -> T:
        """`compute(graph)` on the viewer's graph, kept with the graph's key: a second call with
        unchanged data answers without reading the graph. `compute` must depend on nothing but
        the graph and `params` (what else it reads from the viewer, such as the open alerts it
        weighs, goes into `params`)."""
        options = options or GraphOptions()
        digest = hashlib.sha1(orjson.dumps(params, option=orjson.OPT_SORT_KEYS)).hexdigest()
        code = _code_version()
        key = f"{reader.data_version()}-{options.key()}-{LAYOUT}-{code}-{name}-{digest[:16]}"
        with self._lock:
            if key in self._derived:
                self._derived.move_to_end(key)
                return self._derived[key]  # type: ignore[no-any-return]
        path = None if self.directory is None else self.directory / "derived" / f"{key}.pickle"
        found: Any = _unpickle(path) if path is not None else None
        if found is None:
            found = compute(self.graph(reader, options))
            if path is not None:
                _keep(path, found, DERIVED_PER_SCOPE)
        with self._lock:
            self._derived[key] = found
            while len(self._derived) > self.capacity * 16:
                self._derived.popitem(last=False)
        return found  # type: ignore[no-any-return]

    def _path(self, key: str) -> Path | None:
        return None if self.directory is None else self.directory / f"{key}.pickle"

    def _load(self, key: str) -> EntityGraph | None:
        from nexus.graph.elements import EntityGraph

        path = self._path(key)
        graph = None if path is None else _unpickle(path)
        return graph if isinstance(graph, EntityGraph) else None

    def _save(self, key: str, graph: EntityGraph) -> None:
        path = self._path(key)
        if path is not None:
            _keep(path, graph, KEEP_PER_SCOPE)


@functools.cache
def _code_version() -> str:
    """The graph stage's source files (size and time written): an upgrade or edit of the rules
    a kept listing was computed by makes it stale."""
    files = sorted(Path(__file__).parent.glob("*.py"))
    text = ";".join(f"{f.name}:{f.stat().st_size}:{f.stat().st_mtime_ns}" for f in files)
    return hashlib.sha1(text.encode()).hexdigest()[:8]


def _unpickle(path: Path) -> Any:
    if not path.exists():
        return None
    try:
        with path.open("rb") as fh:
            # Written by this process's own user under the home folder, next to the store.
            return pickle.load(fh)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def _keep(path: Path, value: object, per_scope: int) -> None:
    """Write `value` atomically at `path`; keep the newest `per_scope` files of its scope."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_binary(path) as fh:
        pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    scope = path.name.split(":", 1)[0]
    older = sorted(path.parent.glob(f"{scope}:*.pickle"), key=lambda p: p.stat().st_mtime)
    for stale in older[:-per_scope]:
        stale.unlink(missing_ok=True)


def _for_viewer(graph: EntityGraph, reader: Reader) -> EntityGraph:
    """The shared graph, labelled with the asking viewer (the content is the scope's)."""
    if graph.viewer == reader.viewer.name:
        return graph
    from nexus.graph.elements import EntityGraph

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
        from nexus.graph.builder import read_graph

        return read_graph(reader, options, reader.data_version())
    return cache.graph(reader, options)
