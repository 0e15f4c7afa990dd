"""Financial intelligence commands: transaction scanning, screening and the alert queue.

Registered on the main app by nexus.cli.app.
"""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the finance commands to the main app."""
