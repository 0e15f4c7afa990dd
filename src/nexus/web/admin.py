"""Administration, for administrators only: users (agency, clearance, compartments, partner,
roles), their passwords, and API tokens, created (shown once), listed and revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field, field_validator, model_validator

from nexus.exceptions import AccessDenied
from nexus.policy.credentials import MAX_LABEL_LENGTH, MAX_PASSWORD_LENGTH
from nexus.store import TokenRecord, UserRecord
from nexus.web.deps import AppServices, Caller, CurrentCaller
from nexus.web.pages import render
from nexus.web.services import Services

pages = APIRouter(tags=["admin"])
api = APIRouter(tags=["admin"])

NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.@-]*$"
TokenId = Annotated[int, Path(ge=1, le=2**63 - 1, description="The token's number.")]
DONE = {
    "user": "User saved.",
    "password": "Password set; the user's open sessions have ended.",
    "revoked": "API token revoked.",
}


def administrator(caller: CurrentCaller) -> Caller:
    """The caller, who must be an administrator: anyone else gets 403, page or JSON."""
    if not caller.viewer.is_admin:
        raise AccessDenied(
            f"only an administrator may manage users and tokens; {caller.viewer.name} is not one"
        )
    return caller


Administrator = Annotated[Caller, Depends(administrator)]


def _words(value: Any) -> Any:
    """A form's "VICTIMS, INFORMANTS" or a JSON list, as a list of words."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list):
        return values
    return [word for item in values for word in str(item).replace(",", " ").split()]


class NewUser(BaseModel):
    """A user to create or change (the page's form sends the same fields)."""

    name: str = Field(min_length=1, max_length=64, pattern=NAME_PATTERN, description="Log-in name.")
    agency: str = Field(min_length=1, max_length=64, pattern=NAME_PATTERN, description="FIA, ANF …")
    clearance: str = Field(min_length=1, max_length=64, description="The highest level seen.")
    compartments: list[str] = Field(default_factory=list, description="Compartments held.")
    partner: str | None = Field(
        default=None, max_length=64, description="Partner organisation: sees only REL:<it>."
    )
    roles: list[str] = Field(default_factory=list, description="Roles, e.g. admin.")

    @field_validator("compartments", "roles", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _words(value)

    @field_validator("partner", mode="before")
    @classmethod
    def _blank(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value

    def record(self) -> UserRecord:
        return UserRecord(
            self.name,
            self.agency,
            self.clearance,
            frozenset(self.compartments),
            self.partner,
            frozenset(self.roles),
        )


class NewPassword(BaseModel):
    password: str = Field(min_length=1, max_length=MAX_PASSWORD_LENGTH, description="Kept hashed.")


class PasswordForm(NewPassword):
    user: str = Field(min_length=1, max_length=64)
    confirm: str = Field(max_length=MAX_PASSWORD_LENGTH)

    @model_validator(mode="after")
    def _same(self) -> PasswordForm:
        if self.password != self.confirm:
            raise ValueError("the two passwords differ")
        return self


class NewToken(BaseModel):
    user: str = Field(min_length=1, max_length=64, description="Whom the token acts for.")
    label: str = Field(default="", max_length=MAX_LABEL_LENGTH, description="What it is for.")


@dataclass(frozen=True)
class AdminOverview:
    users: list[UserRecord]
    tokens: list[TokenRecord]


def overview(services: Services, admin: Caller) -> AdminOverview:
    return AdminOverview(
        users=sorted(services.store.users(), key=lambda u: u.name),
        tokens=services.credentials.tokens(admin.viewer),
    )


def user_dict(user: UserRecord) -> dict[str, Any]:
    return {
        "name": user.name,
        "agency": user.agency,
        "clearance": user.clearance,
        "compartments": sorted(user.compartments),
        "partner": user.partner,
        "roles": sorted(user.roles),
    }


def token_dict(token: TokenRecord) -> dict[str, Any]:
    return {
        "id": token.id,
        "user": token.user,
        "label": token.label,
        "created_by": token.created_by,
        "created_at": token.created_at,
        "last_used": token.last_used,
        "revoked_at": token.revoked_at,
    }


# -- pages -------------------------------------------------------------------------------------
@pages.get("/admin", response_class=HTMLResponse, include_in_schema=False)
def admin_page(request: Request, services: AppServices, admin: Administrator) -> HTMLResponse:
    done = request.query_params.get("done", "")
    return render(
        request,
        "admin.html",
        {
            "found": overview(services, admin),
            "levels": services.settings.classification_levels,
            "message": DONE.get(done, ""),
            "active": "admin",
        },
        settings=services.settings,
        caller=admin,
    )


@pages.post("/admin/users", include_in_schema=False)
def add_user_form(
    services: AppServices, admin: Administrator, user: Annotated[NewUser, Form()]
) -> RedirectResponse:
    services.access.add_user(admin.viewer, user.record())
    return RedirectResponse("/admin?done=user", status_code=303)


@pages.post("/admin/password", include_in_schema=False)
def password_form(
    services: AppServices, admin: Administrator, change: Annotated[PasswordForm, Form()]
) -> RedirectResponse:
    services.credentials.set_password(admin.viewer, change.user, change.password)
    return RedirectResponse("/admin?done=password", status_code=303)


@pages.post("/admin/tokens", response_class=HTMLResponse, include_in_schema=False)
def token_form(
    request: Request,
    services: AppServices,
    admin: Administrator,
    wanted: Annotated[NewToken, Form()],
) -> HTMLResponse:
    """Shows the new token on this response alone: it is kept only as a hash, so there is
    nothing to redirect to that could show it again."""
    token_id, token = services.credentials.create_token(admin.viewer, wanted.user, wanted.label)
    return render(
        request,
        "admin_token.html",
        {"token_id": token_id, "token": token, "wanted": wanted, "active": "admin"},
        settings=services.settings,
        caller=admin,
        status_code=201,
    )


@pages.post("/admin/tokens/{token_id}/revoke", include_in_schema=False)
def revoke_form(token_id: TokenId, services: AppServices, admin: Administrator) -> RedirectResponse:
    services.credentials.revoke_token(admin.viewer, token_id)
    return RedirectResponse("/admin?done=revoked", status_code=303)


# -- API ---------------------------------------------------------------------------------------
@api.get("/admin/users", summary="Every user with agency, clearance, compartments and roles")
def users_json(services: AppServices, admin: Administrator) -> list[dict[str, Any]]:
    return [user_dict(u) for u in overview(services, admin).users]


@api.post("/admin/users", status_code=201, summary="Create or change a user")
def add_user_json(user: NewUser, services: AppServices, admin: Administrator) -> dict[str, Any]:
    """An unknown clearance level is refused (400); a user of that name is replaced."""
    services.access.add_user(admin.viewer, user.record())
    return user_dict(user.record())


@api.put("/admin/users/{name}/password", status_code=204, summary="Set a user's password")
def password_json(
    name: str, body: NewPassword, services: AppServices, admin: Administrator
) -> None:
    """Ends the user's open sessions and lifts a lock-out; too short a password is refused."""
    services.credentials.set_password(admin.viewer, name, body.password)


@api.get("/admin/tokens", summary="Every API token, revoked ones too (never the token itself)")
def tokens_json(services: AppServices, admin: Administrator) -> list[dict[str, Any]]:
    return [token_dict(t) for t in services.credentials.tokens(admin.viewer)]


@api.post("/admin/tokens", status_code=201, summary="Make an API token for a user")
def create_token_json(
    wanted: NewToken, services: AppServices, admin: Administrator
) -> dict[str, Any]:
    """The token is in this answer only (`token`): it is kept as a hash and cannot be shown
    again. Send it as `Authorization: Bearer <token>`."""
    token_id, token = services.credentials.create_token(admin.viewer, wanted.user, wanted.label)
    return {"id": token_id, "user": wanted.user, "label": wanted.label, "token": token}


@api.delete("/admin/tokens/{token_id}", status_code=204, summary="Revoke an API token at once")
def revoke_json(token_id: TokenId, services: AppServices, admin: Administrator) -> None:
    """Revoking twice is no error; an unknown id is 404."""
    services.credentials.revoke_token(admin.viewer, token_id)


__all__ = ["AdminOverview", "NewToken", "NewUser", "api", "overview", "pages"]
