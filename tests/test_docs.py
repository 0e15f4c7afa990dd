"""The documentation keeps up with the code: every setting and every command is described."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic import BaseModel

from nexus.cli import app
from nexus.settings import Settings, TypologySettings, WebSettings

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_documented_with_its_variable(name: str) -> None:
    page = (ROOT / "docs" / "settings.md").read_text()
    assert f"| `{name}` | `NEXUS_{name.upper()}` |" in page


def command_paths(group: Any, prefix: str = "nexus") -> list[str]:
    """Typer ships its own click-like core, so groups are recognised by their sub-commands."""
    paths = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            paths.extend(command_paths(command, f"{prefix} {name}"))
        else:
            paths.append(f"{prefix} {name}")
    return paths


def test_every_command_appears_in_the_cli_reference() -> None:
    page = (ROOT / "docs" / "cli.md").read_text()
    paths = command_paths(typer.main.get_command(app))
    assert "nexus entity show" in paths
    for path in paths:
        assert f"`{path}" in page, path


def test_the_readme_quick_start_has_exactly_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    start = readme.index("## Quick start")
    block = readme[start:].split("```")[1]
    commands = [line for line in block.splitlines()[1:] if line.strip()]
    assert commands == ["make demo", "make test"]


def _typology_rows() -> dict[tuple[str, str], str]:
    """(block, parameter) -> default as docs/settings.md's typology table writes it."""
    rows: dict[tuple[str, str], str] = {}
    for line in (ROOT / "docs" / "settings.md").read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and cells[1].startswith("`") and cells[2].startswith("`"):
            for block in re.findall(r"`(\w+)`", cells[0]):
                rows[(block, cells[1].strip("`"))] = cells[2].strip("`")
    return rows


def test_every_typology_parameter_is_documented_with_its_default() -> None:
    rows = _typology_rows()
    defaults = TypologySettings()
    checked = 0
    for block in TypologySettings.model_fields:
        params = getattr(defaults, block)
        if not isinstance(params, BaseModel):
            continue
        for name in type(params).model_fields:
            value = getattr(params, name)
            assert (block, name) in rows, f"docs/settings.md lacks {block}.{name}"
            if isinstance(value, int | float) and not isinstance(value, bool):
                written = rows[(block, name)].replace(",", "")
                assert float(written) == float(value), f"{block}.{name}: docs {written}, is {value}"
                checked += 1
    assert checked > 40


def test_every_web_setting_is_documented_with_its_default() -> None:
    page = (ROOT / "docs" / "settings.md").read_text()
    for name, field in WebSettings.model_fields.items():
        assert f"| `{name}` | `{field.default}` |" in page, name
