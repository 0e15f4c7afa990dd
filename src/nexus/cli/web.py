"""`nexus serve`: the web application on this machine's loopback by default.

Registered on the main app by nexus.cli.app; FastAPI and uvicorn load only when it runs.
"""

from __future__ import annotations

from typing import Annotated

import typer

from nexus.cli.common import app_context, console


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8000,
) -> None:
    """Serve the web application and its API (`/api/v1`) until interrupted."""
    import uvicorn

    from nexus.web.app import create_app

    app_ctx = app_context(ctx)
    application = create_app(app_ctx.settings, store=app_ctx.store)
    console.print(f"Nexus serves http://{host}:{port}/ (API at /api/v1, stop with Ctrl+C)")
    uvicorn.run(application, host=host, port=port, log_level="warning", access_log=False)
