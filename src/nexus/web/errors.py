"""Errors as the asker can use them: JSON with a message under `/api`, a page elsewhere, a
sign-in page for a missing session; never a stack trace.
"""

from __future__ import annotations

import logging
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from nexus.exceptions import AccessDenied, AuthenticationFailed, NexusError, NotFound
from nexus.web.deps import CsrfRejected, SignInRequired
from nexus.web.pages import render
from nexus.web.services import services

log = logging.getLogger("nexus.web")

# What the library's errors mean to an HTTP client; subclasses before the classes they extend.
LIBRARY_ERRORS: tuple[tuple[type[NexusError], int], ...] = (
    (NotFound, 404),
    (AccessDenied, 403),
    (AuthenticationFailed, 401),
    (NexusError, 400),
)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def error_response(request: Request, status: int, message: str) -> Response:
    if is_api(request):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    return render(
        request,
        "error.html",
        {"status": status, "message": message},
        settings=services(request).settings,
        caller=None,
        status_code=status,
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SignInRequired)
    async def sign_in_required(request: Request, exc: SignInRequired) -> Response:
        if is_api(request):
            return JSONResponse(
                {
                    "error": f"{exc.message}: send a session cookie or a bearer token",
                    "status": 401,
                },
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if request.headers.get("HX-Request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": "/sign-in"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target)}", status_code=303)

    @app.exception_handler(CsrfRejected)
    async def csrf_rejected(request: Request, exc: CsrfRejected) -> Response:
        return error_response(
            request, 403, "the form or request lacked its security token: reload the page"
        )

    async def library_error(request: Request, exc: Exception) -> Response:
        # The most specific class wins (FastAPI looks the exception's classes up in order).
        status = next(code for cls, code in LIBRARY_ERRORS if isinstance(exc, cls))
        return error_response(request, status, str(exc))

    for error_class, _status in LIBRARY_ERRORS:
        app.add_exception_handler(error_class, library_error)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        problems = []
        for error in exc.errors():
            where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
            problems.append(f"{where}: {error.get('msg', 'invalid')}")
        return error_response(request, 422, "; ".join(problems) or "invalid request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        if exc.status_code == 404 and message == "Not Found":
            message = f"no page at {request.url.path}"
        return error_response(request, exc.status_code, message)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(request, 500, "something went wrong on the server; it is logged")


__all__ = ["error_response", "install_error_handlers", "is_api"]
