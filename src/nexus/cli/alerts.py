"""Sanctions screening and the alert queue on the terminal, each command as a viewer.

Registered on the main app by nexus.cli.app.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the screening and alert commands to the main app."""
