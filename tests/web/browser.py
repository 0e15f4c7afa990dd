"""Real browser tests: the application served by uvicorn on a free loopback port, driven by
Playwright in Debian's headless Chromium (no browser is downloaded); axe-core from node_modules
checks each page; screenshots go to test-artefacts/."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from playwright.sync_api import Browser, Page

from tests.conftest import ROOT

if TYPE_CHECKING:
    from tests.web.conftest import Served

PASSWORD = "correct horse battery staple"

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTEFACTS = ROOT / "test-artefacts" / "web"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def require(path: Path, what: str) -> None:
    if path.exists():
        return
    message = f"{what} not found at {path}"
    if os.environ.get("CI"):
        pytest.fail(message)  # CI installs it: its absence is a failure, not a skip
    pytest.skip(message)


def new_page(browser: Browser, served: Served) -> Page:
    # The page's Content-Security-Policy forbids inline scripts; axe is injected as one, so the
    # test context alone bypasses it (what the page itself loads is still checked by the
    # test that no request leaves the host).
    context = browser.new_context(
        base_url=served.url, bypass_csp=True, viewport={"width": 1366, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def sign_in(page: Page, user: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def check(page: Page, name: str) -> list[dict[str, Any]]:
    """A screenshot of the page, and axe-core's serious or critical WCAG 2.2 AA violations."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / f"{name}.png"), full_page=True)
    require(AXE, "axe-core (npm ci)")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    (ARTEFACTS / f"{name}.axe.json").write_text(json.dumps(result["violations"], indent=1))
    return [{"id": v["id"], "help": v["help"], "nodes": len(v["nodes"])} for v in bad]


__all__ = ["ARTEFACTS", "AXE", "CHROMIUM", "check", "new_page", "require", "sign_in"]
