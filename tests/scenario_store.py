"""A store loaded with a generated scenario the way an operator would: every agency's mapping
ingested as the administrator, resolved for the viewers named (shared by the graph and web
tests, each building its own once per session)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nexus.ingest import ingest, load_mapping
from nexus.policy import AccessLayer
from nexus.resolve.pipeline import resolve
from nexus.scenario.generate import GenerationReport, generate
from nexus.settings import Settings, load_settings
from nexus.store import SQLStore, open_store
from tests.conftest import VIEWERS


@dataclass
class ScenarioStore:
    scenario: GenerationReport
    settings: Settings
    store: SQLStore
    access: AccessLayer


def scenario_store(
    root: Path, resolved_for: Sequence[str], *, seed: int = 11, scale: str = "tiny"
) -> ScenarioStore:
    scenario = generate(seed, scale, root / "scenario")
    settings = load_settings(home=root / "home")
    store = open_store(settings.store_url, batch_size=settings.batch_size)
    access = AccessLayer(store, settings)
    access.add_user(None, VIEWERS[0])
    admin = access.viewer("admin")
    for user in VIEWERS[1:]:
        access.add_user(admin, user)
    for mapping in sorted((scenario.outdir / "data").rglob("*.yml")):
        ingest(access, admin, load_mapping(mapping, settings))
    for viewer in resolved_for:
        resolve(access, access.viewer(viewer))
    return ScenarioStore(scenario, settings, store, access)


__all__ = ["ScenarioStore", "scenario_store"]
