"""The web application: FastAPI over the library, one router per concern, pages and `/api/v1`
calling the same functions, every read through the viewer's `Reader`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from nexus import __version__
from nexus.policy import AccessLayer
from nexus.policy.credentials import Credentials
from nexus.settings import Settings
from nexus.store import SQLStore, open_store
from nexus.web import admin, alerts, auth, entities, home, review, search
from nexus.web.errors import install_error_handlers
from nexus.web.services import Services

API_PREFIX = "/api/v1"
# Pages make no request to any other host; htmx's own indicator styles are switched off in the
# page so that no inline style is needed either.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def create_app(settings: Settings, store: SQLStore | None = None) -> FastAPI:
    """The application over `store` (opened from the settings when not given, and closed with
    the application then)."""
    owned = store is None
    opened = store or open_store(settings.store_url, batch_size=settings.batch_size)
    access = AccessLayer(opened, settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        try:
            yield
        finally:
            if owned:
                opened.close()

    app = FastAPI(
        title="Nexus",
        version=__version__,
        summary="Intelligence fusion against transnational organised crime.",
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = Services(settings, opened, access, Credentials(access))
    for module in (auth, home, search, entities, review, alerts, admin):
        app.include_router(module.pages)
        app.include_router(module.api, prefix=API_PREFIX)
    static = Path(str(files("nexus.web").joinpath("static")))
    app.mount("/static", StaticFiles(directory=static), name="static")
    install_error_handlers(app)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        if not request.url.path.startswith("/static/"):
            # Marked material must not linger in the browser's or a proxy's cache.
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


__all__ = ["API_PREFIX", "CONTENT_SECURITY_POLICY", "create_app"]
