"""A store loaded with a generated scenario the way an operator would: every agency's mapping
ingested as the administrator, resolved for the viewers named. Built once per test session for
each (seed, scale, viewers); every caller gets its own copy of the store (graph and web tests
change theirs)."""

from __future__ import annotations

import shutil
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


# (seed, scale, viewers resolved for) → the folder of a closed store built so, and its scenario.
_BUILT: dict[tuple[int, str, tuple[str, ...]], tuple[Path, GenerationReport]] = {}


def scenario_store(
    root: Path, resolved_for: Sequence[str], *, seed: int = 11, scale: str = "tiny"
) -> ScenarioStore:
    """A copy, in `root`, of the store built from the scenario of `seed` at `scale`."""
    key = (seed, scale, tuple(resolved_for))
    if key not in _BUILT:
        template = root.parent / f"built-{seed}-{scale}-{'-'.join(resolved_for)}"
        _BUILT[key] = (template, _build(template, resolved_for, seed=seed, scale=scale))
    template, scenario = _BUILT[key]
    shutil.copytree(template / "home", root / "home")
    settings = load_settings(home=root / "home")
    store = open_store(settings.store_url, batch_size=settings.batch_size)
    return ScenarioStore(scenario, settings, store, AccessLayer(store, settings))


def _build(root: Path, resolved_for: Sequence[str], *, seed: int, scale: str) -> GenerationReport:
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
    store.close()
    return scenario


__all__ = ["ScenarioStore", "scenario_store"]
