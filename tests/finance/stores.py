"""Scenario stores for the finance tests: loaded once per module into a SQLite file, and a
fresh copy of that file for each test (loading is the slow part; tests change the store)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nexus.ingest import ingest, load_mapping
from nexus.policy import ADMIN_ROLE, AccessLayer
from nexus.scenario.generate import GenerationReport
from nexus.settings import load_settings
from nexus.store import UserRecord, open_store

USERS = [
    UserRecord("admin", "NEXUS", "SECRET", roles=frozenset({ADMIN_ROLE})),
    UserRecord("fmu", "FMU", "SECRET"),
    UserRecord("fia_clerk", "FIA", "RESTRICTED"),
]


def load_store(home: Path, scenario: GenerationReport, folders: tuple[str, ...] = ()) -> Path:
    """The scenario's mappings (only those under `folders` of its data, when given) loaded as
    admin into a SQLite store in `home` with USERS; returns the store file."""
    settings = load_settings(home=home)
    store = open_store(settings.store_url)
    try:
        access = AccessLayer(store, settings)
        access.add_user(None, USERS[0])
        for user in USERS[1:]:
            access.add_user(access.viewer("admin"), user)
        data = scenario.outdir / "data"
        roots = [data / folder for folder in folders] or [data]
        for mapping in sorted(m for root in roots for m in root.rglob("*.yml")):
            ingest(access, access.viewer("admin"), load_mapping(mapping, settings))
    finally:
        store.close()
    return home / "nexus.sqlite"


@contextmanager
def copied_store(loaded: Path, tmp_path: Path) -> Iterator[AccessLayer]:
    """An access layer over a fresh copy of a loaded store file."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(loaded, home / "nexus.sqlite")
    settings = load_settings(home=home)
    store = open_store(settings.store_url)
    try:
        yield AccessLayer(store, settings)
    finally:
        store.close()
