"""The layout is the architecture: the policy layer is the only reader, stages import backwards."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from nexus.store import StatementStore

SRC = Path(__file__).resolve().parent.parent / "src" / "nexus"

# Scoped reads of statements and quarantined records: nexus.policy alone may call them.
SCOPED_READS = {
    name
    for name, member in inspect.getmembers(StatementStore, inspect.isfunction)
    if "scope" in inspect.signature(member).parameters
}

# Which packages each package may import (foundations are open to all).
FOUNDATIONS = {"nexus", "nexus.exceptions", "nexus.settings", "nexus.model", "nexus.files"}
ALLOWED = {
    "model": set(),
    "scenario": set(),
    "store": set(),
    "policy": {"store"},
    "ingest": {"store", "policy"},
    "resolve": {"store", "policy", "ingest"},
    "graph": {"store", "policy", "ingest", "resolve"},
    "finance": {"store", "policy", "ingest", "resolve", "graph"},
    "search": {"store", "policy", "ingest", "resolve", "graph"},
    "web": {"store", "policy", "ingest", "resolve", "graph", "finance", "search"},
    "cli": {
        "store",
        "policy",
        "ingest",
        "scenario",
        "resolve",
        "graph",
        "finance",
        "web",
        "search",
    },
}


def modules() -> list[Path]:
    return sorted(SRC.rglob("*.py"))


def package_of(path: Path) -> str:
    parts = path.relative_to(SRC).parts
    return parts[0].removesuffix(".py") if len(parts) > 1 else ""


def test_only_the_policy_layer_calls_the_stores_scoped_reads() -> None:
    assert {"iter_statements", "entity_ids", "quarantine"} <= SCOPED_READS
    offenders = []
    for path in modules():
        if package_of(path) in {"policy", "store"}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in SCOPED_READS:
                target = ast.unparse(node.value)
                if "store" in target:
                    offenders.append(f"{path.relative_to(SRC)}:{node.lineno} {target}.{node.attr}")
    assert offenders == []


def test_only_the_search_indexer_reads_every_statement() -> None:
    # Indexing is the one unscoped read of statements (the index holds every marking's keys and
    # is scoped when searched): only nexus.search.indexer may ask for it.
    offenders = []
    for path in modules():
        if package_of(path) == "store" or path.relative_to(SRC) == Path("search/indexer.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "index_statements":
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


def test_only_the_policy_layer_builds_scopes() -> None:
    offenders = []
    for path in modules():
        if package_of(path) in {"policy", "store"}:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func).endswith("Scope"):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert offenders == []


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_stages_import_only_the_stages_before_them(path: Path) -> None:
    package = package_of(path)
    if package not in ALLOWED:
        return
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        for name in names:
            if not name.startswith("nexus") or name in FOUNDATIONS:
                continue
            other = name.split(".")[1]
            if other in FOUNDATIONS or f"nexus.{other}" in FOUNDATIONS or other == package:
                continue
            assert other in ALLOWED[package], f"{path.relative_to(SRC)} imports {name}"
