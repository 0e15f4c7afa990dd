"""Shared fixtures: real stores (SQLite always, PostgreSQL wherever a server can be had).

PostgreSQL comes from NEXUS_TEST_DATABASE_URL (CI sets it) or a throwaway server started from the
local binaries; in CI a missing server fails the run instead of skipping tests.
"""

from __future__ import annotations

import importlib.util
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from nexus.policy import ADMIN_ROLE, AccessLayer
from nexus.settings import Settings, load_settings
from nexus.store import SQLStore, UserRecord, open_store

ROOT = Path(__file__).resolve().parent.parent


def _load_pgserver() -> Any:
    spec = importlib.util.spec_from_file_location("pgserver", ROOT / "tools" / "pgserver.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def postgres_admin_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """URL of a PostgreSQL server where tests may create databases."""
    url = os.environ.get("NEXUS_TEST_DATABASE_URL")
    if url:
        yield url
        return
    pgserver = _load_pgserver()
    if pgserver.find_pg_bin() is None:
        message = "no PostgreSQL: set NEXUS_TEST_DATABASE_URL or install postgresql"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    server = pgserver.start_server(tmp_path_factory.mktemp("pg"))
    try:
        yield server.url
    finally:
        server.stop()


def _fresh_postgres_database(admin_url: str) -> str:
    name = f"nexus_test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nexus.sqlite'}"
    admin_url = request.getfixturevalue("postgres_admin_url")
    return _fresh_postgres_database(admin_url)


@pytest.fixture
def fresh_store_url(request: pytest.FixtureRequest, store_url: str, tmp_path: Path) -> Any:
    """Makes further empty stores of the same backend as `store_url`."""
    counter = iter(range(1, 1000))

    def make() -> str:
        if store_url.startswith("sqlite"):
            return f"sqlite:///{tmp_path / f'extra{next(counter)}.sqlite'}"
        return _fresh_postgres_database(request.getfixturevalue("postgres_admin_url"))

    return make


@pytest.fixture
def settings(tmp_path: Path, store_url: str) -> Settings:
    return load_settings(home=tmp_path / "home", database_url=store_url)


@pytest.fixture
def store(settings: Settings) -> Iterator[SQLStore]:
    opened = open_store(settings.store_url, batch_size=settings.batch_size)
    yield opened
    opened.close()


VIEWERS = [
    UserRecord("admin", "NEXUS", "SECRET", roles=frozenset({ADMIN_ROLE})),
    UserRecord("anf_analyst", "ANF", "CONFIDENTIAL"),
    UserRecord("anf_secret", "ANF", "SECRET"),
    UserRecord("fia_clerk", "FIA", "RESTRICTED"),
    UserRecord("fia_secret", "FIA", "SECRET"),
    UserRecord("victims_officer", "FIA", "SECRET", compartments=frozenset({"VICTIMS"})),
    UserRecord("unodc", "UNODC", "CONFIDENTIAL", partner="UNODC"),
    UserRecord("interpol", "INTERPOL", "SECRET", partner="INTERPOL"),
]


@pytest.fixture
def access(store: SQLStore, settings: Settings) -> AccessLayer:
    layer = AccessLayer(store, settings)
    layer.add_user(None, VIEWERS[0])
    admin = layer.viewer("admin")
    for user in VIEWERS[1:]:
        layer.add_user(admin, user)
    return layer
