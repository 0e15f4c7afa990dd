"""The documentation keeps up with the code: every setting and every command is described."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer

from nexus.cli import app
from nexus.settings import Settings

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
