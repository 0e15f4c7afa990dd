"""Exports a viewer's graph for Gephi and as FtM entities, and the commands that run it all."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import networkx as nx
from followthemoney import model as ftm_model

from nexus.graph import key_players, neighbours, subgraph_entities, write_ftm, write_graph
from tests.graph.conftest import HIGH, LOW, World

NEXUS = Path(sys.executable).parent / "nexus"


def test_gexf_and_graphml_read_back_with_their_attributes(world: World, tmp_path: Path) -> None:
    graph = world.graphs[LOW]
    for format, read in (("gexf", nx.read_gexf), ("graphml", nx.read_graphml)):
        path = tmp_path / f"graph.{format}"
        with path.open("wb") as fh:
            written = write_graph(graph, fh, format)
        back = read(path)
        assert written == back.number_of_nodes() == len(graph.nodes)
        assert back.number_of_edges() == len(graph.edges)
        node = graph.nodes[0]
        assert back.nodes[node.id]["label"] == node.caption
        assert all("kinds" in data and "agencies" in data for *_ends, data in back.edges(data=True))


def test_a_subgraph_exports_as_ftm_entities_with_the_links_behind_its_edges(
    world: World,
) -> None:
    graph = world.graphs[HIGH]
    hub = key_players(graph, limit=1).players[0]
    ids = [n.node.id for n in neighbours(graph, [hub.id], hops=1, per_node=10).neighbours]
    buffer = io.BytesIO()
    count = write_ftm(world.access.reader(HIGH), graph, ids, buffer)
    entities = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert count == len(entities) == len(subgraph_entities(graph, ids))
    exported = {e["id"] for e in entities}
    assert set(ids) <= exported
    assert any(ftm_model.get(e["schema"]).edge for e in entities)
    for entity in entities:  # references point at canonical ids, not at merged records
        schema = ftm_model.get(entity["schema"])
        for prop, values in entity["properties"].items():
            if schema.get(prop) is not None and schema.get(prop).type.name == "entity":
                assert not set(values) & set(graph.canonical)


def _nexus(world: World, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEXUS_HOME": str(world.settings.home), "COLUMNS": "200"}
    env.pop("NEXUS_DATABASE_URL", None)
    done = subprocess.run([str(NEXUS), *args], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr + done.stdout
    return done


def test_the_network_commands_act_as_the_viewer_named(world: World) -> None:
    low = json.loads(_nexus(world, "network", "communities", "--as", LOW, "--json").stdout)
    high = json.loads(_nexus(world, "network", "communities", "--as", HIGH, "--json").stdout)
    assert low["communities"] and high["communities"]
    assert sum(c["size"] for c in low["communities"]) < sum(c["size"] for c in high["communities"])
    players = json.loads(
        _nexus(world, "network", "key-players", "--as", LOW, "--json", "--limit", "3").stdout
    )["players"]
    assert len(players) == 3 and players[0]["reasons"]
    first, second = players[0]["id"], players[1]["id"]
    path = json.loads(_nexus(world, "network", "path", first, second, "--as", LOW, "--json").stdout)
    assert path["paths"][0]["nodes"][0]["id"] == first
    around = json.loads(
        _nexus(world, "network", "neighbours", first, "--hops", "2", "--as", LOW, "--json").stdout
    )
    assert {n["id"] for n in around["nodes"]} >= {first}
    assert json.loads(_nexus(world, "network", "convergence", "--as", HIGH, "--json").stdout)
    table = _nexus(world, "network", "key-players", "--as", LOW, "--limit", "2").stdout
    assert "Key players" in table
