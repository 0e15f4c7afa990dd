"""One tiny scenario for every network test: generated, loaded through all its mappings,
resolved for a high and a low viewer, its graphs built once per session."""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from nexus.graph import EntityGraph, GraphCache, load_graph
from nexus.policy import AccessLayer
from nexus.scenario.generate import GenerationReport
from nexus.settings import Settings
from nexus.store import SQLStore
from tests.scenario_store import scenario_store

HIGH, LOW = "admin", "fia_clerk"


@dataclass
class World:
    scenario: GenerationReport
    settings: Settings
    store: SQLStore
    access: AccessLayer
    graphs: dict[str, EntityGraph]

    def truth(self, name: str) -> Any:
        with (self.scenario.outdir / "truth" / name).open(encoding="utf-8") as fh:
            return json.load(fh) if name.endswith(".json") else list(csv.DictReader(fh))

    def person_nodes(self, viewer: str) -> dict[str, str]:
        """True person uid → the graph node standing for them (rows naming one person)."""
        graph = self.graphs[viewer]
        persons: dict[tuple[str, str], set[str]] = defaultdict(set)
        for row in self.truth("records.csv"):
            if row["uid"].startswith("P"):
                persons[(Path(row["file"]).name, row["row"])].add(row["uid"])
        records: dict[tuple[str, str], set[str]] = defaultdict(set)
        canonical: dict[str, str] = {}
        for stmt in self.access.reader(viewer).iter_statements(schema="Person"):
            file, _, row = stmt.origin.partition("#row=")
            records[(file, row)].add(stmt.entity_id)
            canonical[stmt.entity_id] = stmt.canonical_id
        votes: dict[str, Counter[str]] = defaultdict(Counter)
        for key, uids in persons.items():
            found = records.get(key, set())
            if len(uids) == 1 and len(found) == 1:
                cid = canonical[next(iter(found))]
                if graph.has(cid):
                    votes[next(iter(uids))][graph.node(cid).id] += 1
        return {uid: counts.most_common(1)[0][0] for uid, counts in votes.items()}


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    built = scenario_store(tmp_path_factory.mktemp("network"), (HIGH, LOW))
    scenario, settings, store, access = built.scenario, built.settings, built.store, built.access
    graphs = {}
    cache = GraphCache(settings.home / "graphs")
    for viewer in (HIGH, LOW):
        graphs[viewer] = load_graph(access.reader(viewer), cache=cache)
    yield World(scenario, settings, store, access, graphs)
    store.close()
