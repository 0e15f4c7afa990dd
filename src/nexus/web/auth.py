"""Signing in and out in the browser: a sign-in form protected by its own CSRF cookie, a
session cookie (HttpOnly, SameSite=Strict, Secure over TLS) and sign-out that ends the session.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from nexus.exceptions import AuthenticationFailed
from nexus.web.deps import CSRF_FIELD, SESSION_COOKIE, AppServices, CurrentCaller, client_of
from nexus.web.pages import render

pages = APIRouter(tags=["auth"])
api = APIRouter(tags=["auth"])

SIGN_IN_COOKIE = "nexus_sign_in"  # a double-submit token: the sign-in form has no session yet


def _safe_next(target: str) -> str:
    """Only a path on this site: never another host (`//host`, `https:`)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _form(
    request: Request,
    services: AppServices,
    *,
    message: str = "",
    username: str = "",
    target: str = "/",
    status: int = 200,
) -> Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "sign_in.html",
        {"message": message, "username": username, "next": target, "form_token": token},
        settings=services.settings,
        caller=None,
        status_code=status,
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/sign-in",
    )
    return response


@pages.get("/sign-in", include_in_schema=False)
def sign_in_page(request: Request, services: AppServices, next: str = "/") -> Response:
    return _form(request, services, target=_safe_next(next))


@pages.post("/sign-in", include_in_schema=False)
def sign_in(
    request: Request,
    services: AppServices,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(alias=CSRF_FIELD)] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    target = _safe_next(next)
    expected = request.cookies.get(SIGN_IN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        return _form(
            request,
            services,
            message="The form had expired: please sign in again.",
            username=username,
            target=target,
            status=403,
        )
    try:
        signed = services.credentials.sign_in(username.strip(), password, client=client_of(request))
    except AuthenticationFailed as exc:
        return _form(
            request, services, message=str(exc), username=username, target=target, status=401
        )
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed.token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
    return response


@pages.post("/sign-out", include_in_schema=False)
def sign_out(request: Request, services: AppServices, caller: CurrentCaller) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        services.credentials.sign_out(token)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@api.get("/me", summary="Who the request is signed in as")
def me(caller: CurrentCaller) -> dict[str, object]:
    viewer = caller.viewer
    return {
        "name": viewer.name,
        "agency": viewer.agency,
        "clearance": viewer.clearance,
        "compartments": sorted(viewer.compartments),
        "partner": viewer.partner,
        "roles": sorted(viewer.roles),
        "via": caller.via,
    }


__all__ = ["api", "pages"]
