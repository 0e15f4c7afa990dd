"""Reading the normalisation data files (resolve/data/*.yml) with checks that name the bad entry.

Owns where the files live and how a malformed file is reported; indexes are built by their users.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from nexus.exceptions import ConfigError

NAME_FAMILIES = "name_families.yml"
HONORIFICS = "honorifics.yml"
LEGAL_FORMS = "legal_forms.yml"
# libyaml's safe loader reads the same as PyYAML's, six times faster (the name data is read
# by every command that resolves or searches).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(name: str) -> dict[str, Any]:
    """One data file of nexus.resolve as a mapping; ConfigError if it is missing or not a map."""
    try:
        text = resources.files("nexus.resolve").joinpath("data", name).read_text("utf-8")
        data = yaml.load(text, Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"resolve/data/{name}: cannot be read ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"resolve/data/{name}: the file must hold a mapping of sections")
    return data


def section(data: dict[str, Any], file: str, key: str) -> dict[str, Any]:
    """A mapping section of a data file; ConfigError naming the file and section if it is not."""
    value = data.get(key)
    if not isinstance(value, dict):
        raise ConfigError(f"resolve/data/{file}: section '{key}' must be a mapping")
    return value


def string_list(value: Any, file: str, where: str) -> list[str]:
    """A list of strings (YAML may read bare words as numbers or booleans: those are refused)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"resolve/data/{file}: {where} must be a list of strings (quote words YAML "
            "would read as numbers or booleans)"
        )
    return list(value)
