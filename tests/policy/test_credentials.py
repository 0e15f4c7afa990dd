"""Signing in: one answer for every failure, lock-out and its end, session expiry, API tokens,
who may set whose password, and no secret in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from argon2 import PasswordHasher

from nexus.exceptions import AccessDenied, AuthenticationFailed, NotFound, PasswordRejected
from nexus.policy import AccessLayer, Credentials
from nexus.policy.credentials import SIGN_IN_FAILED, token_hash
from nexus.store import SQLStore

PASSWORD = "correct horse battery"
OTHER = "another long passphrase"
# Cheap parameters: the tests hash dozens of times; the default hasher is tested on its own.
FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class Clock:
    """Time that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def credentials(access: AccessLayer, clock: Clock) -> Credentials:
    made = Credentials(access, clock=clock, hasher=FAST)
    made.set_password(None, "fia_clerk", PASSWORD)
    return made


def audit_text(store: SQLStore) -> str:
    return "\n".join(
        orjson.dumps([e.actor, e.action, e.detail]).decode() for e in store.audit_entries()
    )


def actions(store: SQLStore, prefix: str) -> list[tuple[str, dict[str, object]]]:
    return [(e.action, e.detail) for e in store.audit_entries() if e.action.startswith(prefix)]


# -- signing in --------------------------------------------------------------------------------
def test_the_right_password_opens_a_session_for_the_viewer(credentials: Credentials) -> None:
    signed = credentials.sign_in("fia_clerk", PASSWORD, client="10.0.0.7")
    assert signed.viewer.name == "fia_clerk" and signed.viewer.agency == "FIA"
    assert len(signed.token) >= 43 and signed.csrf and signed.csrf != signed.token
    assert signed.expires_at == datetime(2026, 3, 1, 21, 0, tzinfo=UTC)
    stored = credentials.store.get_session(token_hash(signed.token))
    assert stored is not None and stored.client == "10.0.0.7"
    assert ("auth.sign_in", {"client": "10.0.0.7"}) in actions(credentials.store, "auth.")


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("fia_clerk", "wrong password here"),
        ("no_such_user", PASSWORD),
        ("anf_analyst", PASSWORD),  # a user without a password
        ("", ""),
        ("fia_clerk", "x" * 5000),
    ],
)
def test_every_failure_gives_the_same_message(
    credentials: Credentials, name: str, password: str
) -> None:
    with pytest.raises(AuthenticationFailed) as failed:
        credentials.sign_in(name, password)
    assert str(failed.value) == SIGN_IN_FAILED
    assert actions(credentials.store, "auth.failed")


def test_failures_in_a_row_lock_the_account_until_the_time_is_up(
    credentials: Credentials, clock: Clock
) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            credentials.sign_in("fia_clerk", "wrong password here")
    with pytest.raises(AuthenticationFailed) as locked:
        credentials.sign_in("fia_clerk", PASSWORD)  # even the right password, and the same words
    assert str(locked.value) == SIGN_IN_FAILED
    clock.advance(minutes=14, seconds=59)
    with pytest.raises(AuthenticationFailed):
        credentials.sign_in("fia_clerk", PASSWORD)
    clock.advance(seconds=1)
    assert credentials.sign_in("fia_clerk", PASSWORD).viewer.name == "fia_clerk"
    lock = actions(credentials.store, "auth.locked")
    assert lock == [
        ("auth.locked", {"user": "fia_clerk", "failures": 5, "until": lock[0][1]["until"]})
    ]
    assert lock[0][1]["until"] == "2026-03-01T09:15:00"
    reasons = [d["reason"] for a, d in actions(credentials.store, "auth.failed")]
    assert reasons == ["wrong password"] * 5 + ["locked"] * 2


def test_a_success_starts_the_count_again(credentials: Credentials) -> None:
    for _ in range(2):
        for _ in range(4):
            with pytest.raises(AuthenticationFailed):
                credentials.sign_in("fia_clerk", "wrong password here")
        credentials.sign_in("fia_clerk", PASSWORD)
    assert actions(credentials.store, "auth.locked") == []


def test_lock_out_follows_the_settings(access: AccessLayer, clock: Clock) -> None:
    access.settings.web.lockout_attempts = 2
    access.settings.web.lockout_minutes = 1
    credentials = Credentials(access, clock=clock, hasher=FAST)
    credentials.set_password(None, "fia_clerk", PASSWORD)
    for _ in range(2):
        with pytest.raises(AuthenticationFailed):
            credentials.sign_in("fia_clerk", OTHER)
    with pytest.raises(AuthenticationFailed):
        credentials.sign_in("fia_clerk", PASSWORD)
    clock.advance(minutes=1)
    credentials.sign_in("fia_clerk", PASSWORD)


def test_an_administrator_setting_a_password_lifts_a_lock(credentials: Credentials) -> None:
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            credentials.sign_in("fia_clerk", "wrong password here")
    credentials.set_password(credentials.access.viewer("admin"), "fia_clerk", OTHER)
    credentials.sign_in("fia_clerk", OTHER)


def test_a_hash_made_with_older_parameters_is_made_again_at_sign_in(
    access: AccessLayer, clock: Clock
) -> None:
    Credentials(access, clock=clock, hasher=FAST).set_password(None, "fia_clerk", PASSWORD)
    before = access.store.get_credential("fia_clerk")
    credentials = Credentials(access, clock=clock)  # the default, stronger parameters
    credentials.sign_in("fia_clerk", PASSWORD)
    after = access.store.get_credential("fia_clerk")
    assert before is not None and after is not None
    assert after.password_hash != before.password_hash
    assert after.changed_at == before.changed_at  # the same password, hashed again
    assert not credentials.hasher.check_needs_rehash(after.password_hash)
    credentials.sign_in("fia_clerk", PASSWORD)


# -- sessions ----------------------------------------------------------------------------------
def test_a_session_lasts_while_used_and_ends_when_idle(
    credentials: Credentials, clock: Clock
) -> None:
    token = credentials.sign_in("fia_clerk", PASSWORD).token
    for _ in range(3):
        clock.advance(minutes=29)
        assert credentials.session(token).viewer.name == "fia_clerk"
    clock.advance(minutes=30, seconds=1)
    with pytest.raises(AuthenticationFailed):
        credentials.session(token)
    clock.advance(seconds=-10)  # ended for good, not only while the clock says so
    with pytest.raises(AuthenticationFailed):
        credentials.session(token)


def test_a_session_ends_after_the_absolute_limit_however_busy(
    credentials: Credentials, clock: Clock
) -> None:
    signed = credentials.sign_in("fia_clerk", PASSWORD)
    for _ in range(12 * 3 - 1):
        clock.advance(minutes=20)
        active = credentials.session(signed.token)
        assert active.expires_at == signed.expires_at
    clock.advance(minutes=20)
    with pytest.raises(AuthenticationFailed):
        credentials.session(signed.token)


def uses_recorded(
    clock: Clock, use: Callable[[], object], recorded: Callable[[], object]
) -> list[object]:
    """When a use is recorded as it happens now, 59 seconds later, and a second after that."""
    seen = []
    for seconds in (0, 59, 1):
        clock.advance(seconds=seconds)
        use()
        seen.append(recorded())
    return seen


ONCE_A_MINUTE = ["2026-03-01T09:00:00", "2026-03-01T09:00:00", "2026-03-01T09:01:00"]


def test_using_a_session_is_recorded_at_most_once_a_minute(
    credentials: Credentials, clock: Clock
) -> None:
    token = credentials.sign_in("fia_clerk", PASSWORD).token
    digest = token_hash(token)
    recorded = uses_recorded(
        clock,
        lambda: credentials.session(token),
        lambda: getattr(credentials.store.get_session(digest), "last_seen", None),
    )
    assert recorded == ONCE_A_MINUTE


def test_signing_out_ends_the_session(credentials: Credentials) -> None:
    signed = credentials.sign_in("fia_clerk", PASSWORD)
    other = credentials.sign_in("fia_clerk", PASSWORD)
    credentials.sign_out(signed.token)
    credentials.sign_out(signed.token)  # twice is no error, and audited once
    credentials.sign_out("no such token")
    with pytest.raises(AuthenticationFailed):
        credentials.session(signed.token)
    assert credentials.session(other.token).viewer.name == "fia_clerk"
    assert len(actions(credentials.store, "auth.sign_out")) == 1


@pytest.mark.parametrize("token", ["", "made-up", "nx_" + "a" * 43])
def test_an_unknown_session_token_is_refused(credentials: Credentials, token: str) -> None:
    with pytest.raises(AuthenticationFailed):
        credentials.session(token)


def test_the_csrf_token_is_the_sessions(credentials: Credentials) -> None:
    signed = credentials.sign_in("fia_clerk", PASSWORD)
    active = credentials.session(signed.token)
    assert active.csrf == signed.csrf
    assert active.csrf_matches(signed.csrf)
    assert not active.csrf_matches(signed.csrf[:-1]) and not active.csrf_matches("")


def test_a_new_password_ends_the_users_sessions(credentials: Credentials) -> None:
    token = credentials.sign_in("fia_clerk", PASSWORD).token
    credentials.set_password(credentials.access.viewer("fia_clerk"), "fia_clerk", OTHER)
    with pytest.raises(AuthenticationFailed):
        credentials.session(token)
    with pytest.raises(AuthenticationFailed):
        credentials.sign_in("fia_clerk", PASSWORD)
    credentials.sign_in("fia_clerk", OTHER)


# -- who may set whose password ----------------------------------------------------------------
def test_only_an_administrator_sets_another_users_password(credentials: Credentials) -> None:
    clerk = credentials.access.viewer("fia_clerk")
    with pytest.raises(AccessDenied, match="only an administrator"):
        credentials.set_password(clerk, "admin", OTHER)
    with pytest.raises(AccessDenied, match="only an administrator"):
        credentials.authorise_password_change(clerk, "anf_analyst")
    credentials.set_password(clerk, "fia_clerk", OTHER)  # their own
    credentials.set_password(credentials.access.viewer("admin"), "anf_analyst", OTHER)
    credentials.sign_in("anf_analyst", OTHER)
    assert [
        (e.actor, e.detail["user"])
        for e in credentials.store.audit_entries()
        if e.action == "user.password"
    ] == [
        ("(operator)", "fia_clerk"),
        ("fia_clerk", "fia_clerk"),
        ("admin", "anf_analyst"),
    ]


def test_an_administrator_acting_as_a_user_is_named_in_the_audit(
    credentials: Credentials,
) -> None:
    acting = credentials.access.act_as(credentials.access.viewer("admin"), "fia_clerk")
    credentials.set_password(acting, "fia_clerk", OTHER)
    last = [e for e in credentials.store.audit_entries() if e.action == "user.password"][-1]
    assert last.actor == "admin acting as fia_clerk"


def test_a_password_for_an_unknown_user_is_refused(credentials: Credentials) -> None:
    with pytest.raises(AccessDenied, match="unknown user"):
        credentials.set_password(None, "nobody", OTHER)


@pytest.mark.parametrize("password", ["short", "eleven char", "x" * 1025])
def test_a_password_outside_the_lengths_is_refused(credentials: Credentials, password: str) -> None:
    with pytest.raises(PasswordRejected, match=r"too (short|long)"):
        credentials.set_password(None, "fia_clerk", password)
    credentials.sign_in("fia_clerk", PASSWORD)  # the old one still stands


def test_no_password_reaches_the_audit_log(credentials: Credentials) -> None:
    credentials.set_password(credentials.access.viewer("admin"), "fia_clerk", OTHER)
    with pytest.raises(AuthenticationFailed):
        credentials.sign_in("fia_clerk", "typo in the passphrase")
    with pytest.raises(AuthenticationFailed):
        credentials.sign_in(OTHER, OTHER)  # the password typed in the user field
    signed = credentials.sign_in("fia_clerk", OTHER)
    _, token = credentials.create_token(signed.viewer, "fia_clerk")
    text = audit_text(credentials.store)
    for secret in (PASSWORD, OTHER, "typo in the passphrase", signed.token, signed.csrf, token):
        assert secret not in text
    assert "auth.failed" in text and "auth.sign_in" in text


# -- API tokens --------------------------------------------------------------------------------
def test_a_token_acts_for_its_user_until_revoked(credentials: Credentials) -> None:
    clerk = credentials.access.viewer("fia_clerk")
    token_id, token = credentials.create_token(clerk, "fia_clerk", "nightly export")
    assert token.startswith("nx_") and len(token) > 40
    assert credentials.token_viewer(token).name == "fia_clerk"
    stored = credentials.store.api_token_by_hash(token_hash(token))
    assert stored is not None and stored.id == token_id and stored.created_by == "fia_clerk"
    assert token not in str(credentials.store.api_tokens())
    credentials.revoke_token(clerk, token_id)
    credentials.revoke_token(clerk, token_id)  # already revoked: nothing more to do
    with pytest.raises(AuthenticationFailed):
        credentials.token_viewer(token)
    assert [a for a, _ in actions(credentials.store, "token.")] == [
        "token.create",
        "token.revoke",
    ]


@pytest.mark.parametrize("token", ["", "nx_", "nx_made-up", "not-even-the-prefix"])
def test_an_unknown_api_token_is_refused(credentials: Credentials, token: str) -> None:
    with pytest.raises(AuthenticationFailed):
        credentials.token_viewer(token)


def test_users_make_and_revoke_their_own_tokens_administrators_anyones(
    credentials: Credentials,
) -> None:
    admin = credentials.access.viewer("admin")
    clerk = credentials.access.viewer("fia_clerk")
    with pytest.raises(AccessDenied, match="only an administrator"):
        credentials.create_token(clerk, "anf_analyst")
    analyst_token, _ = credentials.create_token(admin, "anf_analyst", "for the analyst")
    clerk_token, _ = credentials.create_token(clerk, "fia_clerk")
    with pytest.raises(AccessDenied, match="only an administrator"):
        credentials.revoke_token(clerk, analyst_token)
    with pytest.raises(NotFound):
        credentials.revoke_token(admin, 9999)
    assert [t.id for t in credentials.tokens(clerk)] == [clerk_token]
    assert [t.id for t in credentials.tokens(admin)] == [analyst_token, clerk_token]
    assert credentials.tokens(admin)[0].created_by == "admin"
    credentials.revoke_token(admin, clerk_token)
    revoked = credentials.tokens(clerk)[0]
    assert revoked.revoked_at == "2026-03-01T09:00:00"
    with pytest.raises(AccessDenied, match="unknown user"):
        credentials.create_token(admin, "nobody")


def test_using_a_token_is_recorded_at_most_once_a_minute(
    credentials: Credentials, clock: Clock
) -> None:
    token_id, token = credentials.create_token(credentials.access.viewer("fia_clerk"), "fia_clerk")
    assert getattr(credentials.store.get_api_token(token_id), "last_used", "missing") is None
    recorded = uses_recorded(
        clock,
        lambda: credentials.token_viewer(token),
        lambda: getattr(credentials.store.get_api_token(token_id), "last_used", None),
    )
    assert recorded == ONCE_A_MINUTE


def test_a_refused_token_and_an_expired_session_are_audited_without_the_secret(
    credentials: Credentials, clock: Clock
) -> None:
    clerk = credentials.access.viewer("fia_clerk")
    token_id, token = credentials.create_token(clerk, "fia_clerk")
    credentials.revoke_token(clerk, token_id)
    for sent in (token, "nx_made-up"):
        with pytest.raises(AuthenticationFailed):
            credentials.token_viewer(sent, client="10.0.0.7 curl/8")
    refused = actions(credentials.store, "auth.token_refused")
    assert [d["reason"] for _, d in refused] == ["revoked or user removed", "unknown"]
    assert refused[0][1]["token"] == token_id and refused[1][1]["client"] == "10.0.0.7 curl/8"
    session = credentials.sign_in("fia_clerk", PASSWORD).token
    clock.advance(hours=2)
    for _ in range(2):  # the end is recorded once, however often the cookie comes back
        with pytest.raises(AuthenticationFailed):
            credentials.session(session, client="10.0.0.8")
    ended = actions(credentials.store, "auth.session_ended")
    assert ended == [("auth.session_ended", {"reason": "idle", "client": "10.0.0.8"})]
    assert token not in audit_text(credentials.store) and session not in audit_text(
        credentials.store
    )


def test_sessions_ended_long_ago_are_deleted_at_a_later_sign_in(
    credentials: Credentials, clock: Clock
) -> None:
    old = credentials.sign_in("fia_clerk", PASSWORD).token
    credentials.sign_out(old)
    clock.advance(days=29)
    credentials.sign_in("fia_clerk", PASSWORD)
    assert credentials.store.get_session(token_hash(old)) is not None  # kept a month
    clock.advance(days=2)
    current = credentials.sign_in("fia_clerk", PASSWORD).token
    assert credentials.store.get_session(token_hash(old)) is None
    assert credentials.session(current).viewer.name == "fia_clerk"
    assert ("auth.sessions_purged", {"sessions": 1}) in actions(credentials.store, "auth.")
