"""Who may sign in, and how: passwords (argon2, locked after failures in a row), browser sessions
(idle and absolute expiry, a CSRF token each) and API tokens; secrets are kept only as hashes.

The web application and the CLI get viewers from `Credentials`; what a viewer may read is still
`AccessLayer`'s to say. Every sign-in, failure, lock-out and change is audited, never a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NoReturn

from nexus.exceptions import (
    AccessDenied,
    AuthenticationFailed,
    NexusError,
    NotFound,
    PasswordRejected,
)
from nexus.policy.access import AccessLayer
from nexus.policy.rules import Viewer
from nexus.store import SessionRecord, TokenRecord, UserRecord, utc_now

if TYPE_CHECKING:
    from argon2 import PasswordHasher

# argon2 loads when a `Credentials` is made, not with nexus.policy: most commands never hash.

#: The one answer to a failed sign-in: which of user, password or lock-out was wrong would help
#: whoever is guessing.
SIGN_IN_FAILED = "wrong user name or password, or the account is locked for a while"
SESSION_FAILED = "not signed in, or the session has ended: sign in again"
TOKEN_FAILED = "unknown or revoked API token"
TOKEN_PREFIX = "nx_"
#: argon2 takes any length, but a megabyte "password" would make each failed sign-in expensive.
MAX_PASSWORD_LENGTH = 1024
MAX_LABEL_LENGTH = 255  # the api_tokens.label column
#: Sessions and tokens record their use at most this often, so most requests only read.
TOUCH_EVERY = timedelta(minutes=1)
#: The audit's actor for `set_password(None, …)`: whoever runs Nexus on the store itself.
OPERATOR = "(operator)"
#: The audit's actor for a failed sign-in: someone who claimed to be a user.
SIGN_IN_ACTOR = "(sign-in)"
#: Ended and expired sessions are deleted this long after they end (at the next sign-in); the
#: audit keeps the sign-ins and sign-outs.
SESSION_KEEP_DAYS = 30

Clock = Callable[[], datetime]


def store_clock() -> datetime:
    """Now, to the second, as the store stamps everything else (`utc_now`)."""
    return _moment(utc_now())


def token_hash(token: str) -> str:
    """What the store keeps of a session or API token: its SHA-256, in hex."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class ActiveSession:
    """A signed-in browser session: who, the CSRF token its forms must carry, and the moment it
    ends at the latest (sooner when unused for `web.session_idle_minutes`)."""

    viewer: Viewer
    csrf: str
    expires_at: datetime

    def csrf_matches(self, candidate: str) -> bool:
        """Whether a form's CSRF token is this session's, compared in constant time."""
        return hmac.compare_digest(self.csrf.encode("utf-8"), candidate.encode("utf-8"))


@dataclass(frozen=True, slots=True)
class SignedIn(ActiveSession):
    """A new session, with its token: the caller's to hand to the browser, never kept here."""

    token: str


class Credentials:
    """Passwords, sessions and API tokens of the users `AccessLayer` knows."""

    def __init__(
        self,
        access: AccessLayer,
        *,
        clock: Clock = store_clock,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.access = access
        self.store = access.store
        self.rules = access.settings.web
        self.clock = clock
        if hasher is None:
            from argon2 import PasswordHasher

            hasher = PasswordHasher()  # argon2id with RFC 9106's low-memory parameters
        self.hasher = hasher
        self._decoy: str | None = None

    # -- passwords -----------------------------------------------------------------------------
    def set_password(self, actor: Viewer | None, name: str, password: str) -> None:
        """Set a user's password: an administrator anyone's, a user their own; `actor=None` is
        the operator, who holds the store itself (shell access is operator access, see
        docs/access.md). Ends the user's open sessions and lifts a lock-out."""
        self.authorise_password_change(actor, name)
        self._check_password(password)
        now = _stamp(self.clock())
        self.store.put_password(name, self.hasher.hash(password), now)
        ended = self.store.end_sessions(name, now)
        who = OPERATOR if actor is None else actor.audit_name
        self.store.append_audit(who, "user.password", {"user": name, "sessions_ended": ended})

    def authorise_password_change(self, actor: Viewer | None, name: str) -> None:
        """Refuse (`AccessDenied`) a change `set_password` would refuse, before anyone types a
        password: another user's password, or a user who does not exist."""
        if actor is not None and not actor.is_admin and actor.name != name:
            raise AccessDenied(
                f"only an administrator may set another user's password; {actor.name} is not one"
            )
        self.access.viewer(name)

    def _check_password(self, password: str) -> None:
        shortest = self.rules.min_password_length
        if len(password) < shortest:
            raise PasswordRejected(
                f"the password is too short: use at least {shortest} characters "
                "(a few unrelated words make a long one easy to remember)"
            )
        if len(password) > MAX_PASSWORD_LENGTH:
            raise PasswordRejected(
                f"the password is too long: use at most {MAX_PASSWORD_LENGTH} characters"
            )

    # -- signing in and out --------------------------------------------------------------------
    def sign_in(self, name: str, password: str, *, client: str = "") -> SignedIn:
        """A new session for the user, or `AuthenticationFailed` with one message whatever went
        wrong. `client` (address, browser) is kept with the session and in the audit."""
        now = self.clock()
        client = client[:255]
        user = self.store.get_user(name) if name else None
        credential = None if user is None else self.store.get_credential(name)
        if user is None or credential is None or len(password) > MAX_PASSWORD_LENGTH:
            self._verify_decoy(password)  # as slow as a real check: timing tells nothing either
            if user is None:
                # An unknown name is not written down: it may be a password typed in the wrong
                # field.
                self._refuse("(unknown)", "unknown user", client)
            self._refuse(name, "no password" if credential is None else "too long", client)
        if credential.locked_until is not None and now < _moment(credential.locked_until):
            self._verify_decoy(password)
            self._refuse(name, "locked", client)
        if not self._verify(credential.password_hash, password):
            self._fail(name, client, now)
        if self.hasher.check_needs_rehash(credential.password_hash):
            # Hashed with older parameters: the password is at hand only now, so hash it again.
            self.store.put_password(name, self.hasher.hash(password), credential.changed_at)
        elif credential.failed or credential.locked_until is not None:
            self.store.clear_failed_sign_ins(name)
        return self._open_session(user, now, client)

    def _fail(self, name: str, client: str, now: datetime) -> NoReturn:
        failures = self.store.record_failed_sign_in(name)
        detail = {"user": name, "reason": "wrong password", "failures": failures, "client": client}
        self.store.append_audit(SIGN_IN_ACTOR, "auth.failed", detail)
        if failures >= self.rules.lockout_attempts:
            until = _stamp(now + timedelta(minutes=self.rules.lockout_minutes))
            self.store.lock_sign_in(name, until)
            self.store.append_audit(
                SIGN_IN_ACTOR, "auth.locked", {"user": name, "failures": failures, "until": until}
            )
        raise AuthenticationFailed(SIGN_IN_FAILED)

    def _refuse(self, name: str, reason: str, client: str) -> NoReturn:
        detail = {"user": name, "reason": reason, "client": client}
        self.store.append_audit(SIGN_IN_ACTOR, "auth.failed", detail)
        raise AuthenticationFailed(SIGN_IN_FAILED)

    def _open_session(self, user: UserRecord, now: datetime, client: str) -> SignedIn:
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        # To the second, as stored: what the caller is told is what `session` will hold to.
        expires = _moment(_stamp(now + timedelta(hours=self.rules.session_absolute_hours)))
        stamp = _stamp(now)
        self.store.add_session(
            SessionRecord(
                token_hash(token), user.name, csrf, stamp, stamp, _stamp(expires), None, client
            )
        )
        self.store.append_audit(user.name, "auth.sign_in", {"client": client})
        purged = self.store.purge_sessions(_stamp(now - timedelta(days=SESSION_KEEP_DAYS)))
        if purged:
            self.store.append_audit(OPERATOR, "auth.sessions_purged", {"sessions": purged})
        return SignedIn(viewer=Viewer.from_user(user), csrf=csrf, expires_at=expires, token=token)

    def _verify(self, password_hash: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return self.hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def _verify_decoy(self, password: str) -> None:
        if self._decoy is None:
            self._decoy = self.hasher.hash(secrets.token_urlsafe(16))
        self._verify(self._decoy, password[:MAX_PASSWORD_LENGTH])

    def session(self, token: str, *, client: str = "") -> ActiveSession:
        """The session this token opened, or `AuthenticationFailed` when it is unknown, ended,
        unused for longer than `web.session_idle_minutes` or older than
        `web.session_absolute_hours` (the expiry is audited, with `client`). Records its use at
        most once a minute."""
        now = self.clock()
        digest = token_hash(token)
        # Found by its hash: timing differences in the lookup say nothing about the token.
        record = self.store.get_session(digest) if token else None
        if record is None or record.ended_at is not None:
            raise AuthenticationFailed(SESSION_FAILED)
        # The absolute end as set at sign-in, or sooner if the setting was lowered since.
        expires = min(
            _moment(record.expires_at),
            _moment(record.created_at) + timedelta(hours=self.rules.session_absolute_hours),
        )
        idle = now - _moment(record.last_seen)
        user = self.store.get_user(record.user)
        if (
            now >= expires
            or idle > timedelta(minutes=self.rules.session_idle_minutes)
            or user is None
        ):
            # Ended for good: raising the limits later must not bring it back.
            if self.store.end_session(digest, _stamp(now)):
                why = "idle" if now < expires and user is not None else "expired"
                detail = {"reason": why if user is not None else "user removed", "client": client}
                self.store.append_audit(record.user, "auth.session_ended", detail)
            raise AuthenticationFailed(SESSION_FAILED)
        if idle >= TOUCH_EVERY:
            self.store.touch_session(digest, _stamp(now))
        return ActiveSession(viewer=Viewer.from_user(user), csrf=record.csrf, expires_at=expires)

    def sign_out(self, token: str) -> None:
        """End the session (audited); an unknown or ended one is left as it is."""
        digest = token_hash(token)
        record = self.store.get_session(digest) if token else None
        if record is not None and self.store.end_session(digest, _stamp(self.clock())):
            self.store.append_audit(record.user, "auth.sign_out", {})

    # -- API tokens ----------------------------------------------------------------------------
    def create_token(self, actor: Viewer, name: str, label: str = "") -> tuple[int, str]:
        """A new API token for a user (administrators for anyone, users for themselves): its id
        and the token itself, which is shown this once and kept only as a hash."""
        if not actor.is_admin and actor.name != name:
            raise AccessDenied(
                f"only an administrator may make an API token for another user; "
                f"{actor.name} is not one"
            )
        self.access.viewer(name)
        if len(label) > MAX_LABEL_LENGTH:
            raise NexusError(f"a token's label has at most {MAX_LABEL_LENGTH} characters")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        # Who really made it: an administrator acting as the user is the maker.
        maker = actor.acting_admin or actor.name
        record = self.store.add_api_token(
            token_hash(token), name, label, maker, _stamp(self.clock())
        )
        self.store.append_audit(
            actor.audit_name, "token.create", {"id": record.id, "user": name, "label": label}
        )
        return record.id, token

    def revoke_token(self, actor: Viewer, token_id: int) -> None:
        """Revoke a token (administrators any, users their own); revoking twice is no error."""
        record = self.store.get_api_token(token_id)
        if record is None:
            raise NotFound(f"no API token {token_id}")
        if not actor.is_admin and record.user != actor.name:
            raise AccessDenied(
                f"only an administrator may revoke another user's API token; "
                f"{actor.name} is not one"
            )
        if self.store.revoke_api_token(token_id, _stamp(self.clock())):
            detail = {"id": token_id, "user": record.user}
            self.store.append_audit(actor.audit_name, "token.revoke", detail)

    def tokens(self, actor: Viewer) -> list[TokenRecord]:
        """API tokens, revoked ones too, oldest first: every user's for administrators, else
        the actor's own."""
        owner = None if actor.is_admin else actor.name
        self.store.append_audit(actor.audit_name, "token.list", {"user": owner})
        return self.store.api_tokens(owner)

    def token_viewer(self, token: str, *, client: str = "") -> Viewer:
        """The user an API token acts for, or `AuthenticationFailed` when it is unknown or
        revoked; a refusal is audited with `client` (a token sent is meant, unlike a missing
        cookie). Records its use at most once a minute."""
        record = None
        if token.startswith(TOKEN_PREFIX):
            record = self.store.api_token_by_hash(token_hash(token))
        user = None if record is None else self.store.get_user(record.user)
        if record is None or record.revoked_at is not None or user is None:
            detail = {"client": client, "token": None if record is None else record.id}
            detail["reason"] = "unknown" if record is None else "revoked or user removed"
            actor = SIGN_IN_ACTOR if record is None else record.user
            self.store.append_audit(actor, "auth.token_refused", detail)
            raise AuthenticationFailed(TOKEN_FAILED)
        now = self.clock()
        if record.last_used is None or now - _moment(record.last_used) >= TOUCH_EVERY:
            self.store.touch_api_token(record.id, _stamp(now))
        return Viewer.from_user(user)


def _stamp(moment: datetime) -> str:
    """The store's form of a moment: ISO-8601 UTC to the second, as `utc_now` writes it."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _moment(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp).replace(tzinfo=UTC)


__all__ = [
    "SIGN_IN_FAILED",
    "TOKEN_PREFIX",
    "ActiveSession",
    "Credentials",
    "SignedIn",
    "store_clock",
    "token_hash",
]
