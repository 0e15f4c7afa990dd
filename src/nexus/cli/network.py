"""`nexus network …`: the network analyses of nexus.graph on the terminal, each as a viewer.

Registered on the main app by nexus.cli.app.
"""

from __future__ import annotations

import typer

network_app = typer.Typer(
    no_args_is_help=True, help="Who is connected to whom: communities, paths, key players."
)


def register(app: typer.Typer) -> None:
    app.add_typer(network_app, name="network")
