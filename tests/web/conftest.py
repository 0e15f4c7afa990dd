"""One tiny scenario store for the web tests, loaded through every mapping and resolved for a
high and a low viewer, with passwords; clients signed in through the real sign-in form."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Playwright, sync_playwright

from nexus.policy import AccessLayer
from nexus.policy.credentials import Credentials
from nexus.scenario.generate import GenerationReport
from nexus.search import update_index
from nexus.settings import Settings
from nexus.store import SQLStore
from nexus.web.app import create_app
from tests.conftest import VIEWERS
from tests.scenario_store import scenario_store
from tests.web.browser import CHROMIUM, PASSWORD, require

HIGH, LOW = "admin", "fia_clerk"


@dataclass
class Site:
    scenario: GenerationReport
    settings: Settings
    store: SQLStore
    access: AccessLayer
    client: TestClient

    def signed_in(self, user: str, password: str = PASSWORD) -> TestClient:
        """A fresh browser-like client signed in as `user` through the sign-in form."""
        client = TestClient(self.client.app, base_url="http://testserver")
        sign_in(client, user, password)
        return client

    def token(self, user: str) -> str:
        _id, token = Credentials(self.access).create_token(self.access.viewer("admin"), user)
        return token


def sign_in(client: TestClient, user: str, password: str) -> None:
    form = client.get("/sign-in")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token is not None
    done = client.post(
        "/sign-in",
        data={"username": user, "password": password, "csrf_token": token.group(1), "next": "/"},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


def csrf_of(page: str) -> str:
    found = re.search(r'data-csrf="([^"]+)"', page)
    assert found is not None, "the page carries no CSRF token"
    return found.group(1)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    built = scenario_store(tmp_path_factory.mktemp("web"), (HIGH, LOW))
    scenario, settings, store, access = built.scenario, built.settings, built.store, built.access
    admin = access.viewer("admin")
    update_index(store)
    credentials = Credentials(access)
    for user in VIEWERS:
        credentials.set_password(admin, user.name, PASSWORD)
    client = TestClient(create_app(settings, store=store))
    yield Site(scenario, settings, store, access, client)
    store.close()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Served:
    url: str
    site: Site


@pytest.fixture(scope="session")
def served(site: Site) -> Iterator[Served]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(site.client.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield Served(f"http://127.0.0.1:{port}", site)
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    require(CHROMIUM, "Debian's Chromium")
    with sync_playwright() as found:
        yield found


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    launched = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
    yield launched
    launched.close()


def truth_rows(site: Site, name: str) -> list[dict[str, str]]:
    import csv

    with (Path(site.scenario.outdir) / "truth" / name).open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))
