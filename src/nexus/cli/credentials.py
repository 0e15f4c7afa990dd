"""`nexus user passwd` and `nexus token create|revoke|list`: the passwords and API tokens people
and scripts sign in to the web application with, over `nexus.policy.Credentials`.

Registered on the main app and its `user` group by nexus.cli.app.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from nexus.cli.common import AsUser, app_context, console, errors
from nexus.exceptions import NexusError
from nexus.policy import Credentials

token_app = typer.Typer(no_args_is_help=True, help="API tokens for scripts that use the web API.")


def register(app: typer.Typer, user_app: typer.Typer) -> None:
    """Add `user passwd` to the user group and the `token` group to the main app."""
    user_app.command("passwd")(passwd)
    app.add_typer(token_app, name="token")


def passwd(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The user whose password to set.")],
    as_user: AsUser = None,
) -> None:
    """Set a user's password for the web application (administrators anyone's, users their own):
    asked twice, hidden, on a terminal; else read as one line from standard input."""
    app_ctx = app_context(ctx)
    credentials = Credentials(app_ctx.access)
    actor = app_ctx.viewer(as_user)
    credentials.authorise_password_change(actor, name)  # refused before anything is typed
    credentials.set_password(actor, name, _read_password())
    console.print(f"Password of [bold]{escape(name)}[/bold] set; their open sessions have ended.")


def _read_password() -> str:
    if sys.stdin.isatty():
        answer: str = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
        return answer
    # From a script: exactly one line, the newline not part of it (spaces are).
    line = sys.stdin.readline()
    if not line.strip("\r\n"):
        raise NexusError("no password on standard input: give it as one line")
    return line.removesuffix("\n").removesuffix("\r")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    label: Annotated[str, typer.Option(help="What the token is for (shown by `list`).")] = "",
    as_user: AsUser = None,
) -> None:
    """Make an API token for yourself, or (administrators, `--as USER`) for that user: shown this
    once, as the last line of the output, and kept only as a hash."""
    app_ctx = app_context(ctx)
    viewer = app_ctx.viewer(as_user)
    token_id, token = Credentials(app_ctx.access).create_token(viewer, viewer.name, label)
    errors.print(
        f"API token {token_id} for {escape(viewer.name)}: shown this once, keep it now "
        f"(`nexus token revoke {token_id}` ends it).",
        soft_wrap=True,
    )
    console.print(token, soft_wrap=True, markup=False, highlight=False)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context,
    token_id: Annotated[int, typer.Argument(metavar="ID", help="As `nexus token list` shows it.")],
    as_user: AsUser = None,
) -> None:
    """Revoke an API token at once (administrators any, users their own)."""
    app_ctx = app_context(ctx)
    Credentials(app_ctx.access).revoke_token(app_ctx.viewer(as_user), token_id)
    console.print(f"API token {token_id} revoked.")


@token_app.command("list")
def token_list(ctx: typer.Context, as_user: AsUser = None) -> None:
    """API tokens with their user, label, maker and last use, revoked ones too: every user's
    for administrators, else your own."""
    app_ctx = app_context(ctx)
    found = Credentials(app_ctx.access).tokens(app_ctx.viewer(as_user))
    table = Table("id", "user", "label", "made by", "made", "last used", "revoked")
    for token in found:
        table.add_row(
            str(token.id),
            token.user,
            escape(token.label),
            token.created_by,
            token.created_at,
            token.last_used or "never",
            token.revoked_at or "",
        )
    console.print(table)
