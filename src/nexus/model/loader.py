"""Loads Nexus's schema YAML files into FollowTheMoney's model singleton.

FtM builds one global model at import; its helpers (proxies, statements, mappings) all consult it,
so our schemata must live in that same object rather than in a second model beside it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from followthemoney import model as ftm_model
from followthemoney.exc import InvalidData, InvalidModel
from followthemoney.model import Model
from followthemoney.schema import Schema

from nexus.exceptions import ModelError

NEXUS_SCHEMA_DIR = Path(__file__).parent / "schemata"

# FtM's model is a process-wide singleton, so the record of what we added to it is one too.
_ADDED: set[str] = set()


def _read_schema_file(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    if not isinstance(data, dict):
        raise ModelError(f"{path}: a schema file must be a mapping of schema name to definition")
    return data


def nexus_schema_names(directory: Path = NEXUS_SCHEMA_DIR) -> list[str]:
    """Names of the schemata Nexus adds to FollowTheMoney, in file order."""
    names: list[str] = []
    for path in sorted(directory.glob("*.yaml")):
        names.extend(_read_schema_file(path).keys())
    return names


def load_model(directory: Path = NEXUS_SCHEMA_DIR) -> Model:
    """Add every schema in `directory` to FtM's model and regenerate it; idempotent."""
    for path in sorted(directory.glob("*.yaml")):
        for name, config in _read_schema_file(path).items():
            if name in _ADDED:
                continue
            if name in ftm_model.schemata:
                raise ModelError(f"{path}: schema {name!r} already exists in FollowTheMoney")
            try:
                schema = Schema(ftm_model, name, config)
            except (InvalidData, InvalidModel, KeyError, TypeError) as exc:
                raise ModelError(f"{path}: invalid schema {name!r}: {exc}") from exc
            ftm_model.schemata[name] = schema
            _ADDED.add(name)
    try:
        ftm_model.generate()
    except (InvalidData, InvalidModel) as exc:
        raise ModelError(f"{directory}: the Nexus schemata do not fit FtM's model: {exc}") from exc
    return ftm_model
