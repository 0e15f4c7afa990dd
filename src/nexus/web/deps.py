"""Who is asking: the signed-in viewer of a request, from its API token (`Authorization:
Bearer`) or its session cookie, with the CSRF check on every request that changes something.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request

from nexus.exceptions import AuthenticationFailed
from nexus.policy import Reader, Viewer
from nexus.web.services import Services, services

SESSION_COOKIE = "nexus_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SignInRequired(Exception):
    """No valid session or token: pages send the browser to sign in, the API answers 401."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class CsrfRejected(Exception):
    """A request that changes something came without the session's CSRF token."""


@dataclass(frozen=True)
class Caller:
    """The viewer behind one request and how they proved it."""

    viewer: Viewer
    via: Literal["session", "token"]
    csrf: str = ""  # the session's CSRF token (empty for API tokens, which need none)


def signed_in(request: Request, found: Annotated[Services, Depends(services)]) -> Caller:
    """The viewer behind the request's token or session. A plain function, so FastAPI runs it
    in its thread pool: the store lookup never holds up the event loop."""
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("bearer "):
        try:
            viewer = found.credentials.token_viewer(
                authorization[7:].strip(), client=client_of(request)
            )
        except AuthenticationFailed as exc:
            raise SignInRequired(str(exc)) from exc
        # A token is sent deliberately by a script, never by a browser on its own: no CSRF.
        return Caller(viewer, "token")
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise SignInRequired("sign in first")
    try:
        active = found.credentials.session(token, client=client_of(request))
    except AuthenticationFailed as exc:
        raise SignInRequired(str(exc)) from exc
    return Caller(active.viewer, "session", active.csrf)


def client_of(request: Request) -> str:
    """Who is calling, as the audit records it: the address and the browser."""
    address = request.client.host if request.client else ""
    return f"{address} {request.headers.get('user-agent', '')}".strip()[:255]


async def caller(request: Request, who: Annotated[Caller, Depends(signed_in)]) -> Caller:
    """The signed-in viewer, with the CSRF check on a session's request that changes
    something (reading the form needs the event loop, so this part stays async)."""
    if who.via == "session" and request.method not in SAFE_METHODS:
        await _check_csrf(request, who.csrf)
    return who


async def _check_csrf(request: Request, expected: str) -> None:
    sent = request.headers.get(CSRF_HEADER, "")
    if not sent and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD, "")
        sent = value if isinstance(value, str) else ""
    if not sent or not hmac.compare_digest(sent, expected):
        raise CsrfRejected()


def reader(
    who: Annotated[Caller, Depends(caller)], found: Annotated[Services, Depends(services)]
) -> Reader:
    return found.access.reader(who.viewer)


CurrentCaller = Annotated[Caller, Depends(caller)]
CurrentReader = Annotated[Reader, Depends(reader)]
AppServices = Annotated[Services, Depends(services)]

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "AppServices",
    "Caller",
    "CsrfRejected",
    "CurrentCaller",
    "CurrentReader",
    "SignInRequired",
    "caller",
    "client_of",
    "reader",
    "signed_in",
]
