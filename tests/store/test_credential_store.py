"""The store's password hashes, sessions and API tokens behave the same on every backend."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from nexus.store import SessionRecord, SQLStore, UserRecord


@pytest.fixture
def users(store: SQLStore) -> SQLStore:
    for name in ("ana", "bilal"):
        store.put_user(UserRecord(name, "FIA", "SECRET"))
    return store


def session(token_hash: str = "a" * 64, user: str = "ana") -> SessionRecord:
    at = "2026-01-01T09:00:00"
    return SessionRecord(token_hash, user, "csrf-1", at, at, "2026-01-01T21:00:00", None, "web")


def test_a_password_hash_is_stored_and_replaced(users: SQLStore) -> None:
    assert users.get_credential("ana") is None
    users.put_password("ana", "$argon2id$one", "2026-01-01T09:00:00")
    users.put_password("ana", "$argon2id$two", "2026-01-02T09:00:00")
    found = users.get_credential("ana")
    assert found is not None
    assert (found.password_hash, found.changed_at, found.failed, found.locked_until) == (
        "$argon2id$two",
        "2026-01-02T09:00:00",
        0,
        None,
    )


def test_failures_count_up_lock_and_clear(users: SQLStore) -> None:
    assert users.record_failed_sign_in("ana") == 0  # no password: nothing to count against
    users.put_password("ana", "$argon2id$one", "2026-01-01T09:00:00")
    assert [users.record_failed_sign_in("ana") for _ in range(3)] == [1, 2, 3]
    users.lock_sign_in("ana", "2026-01-01T09:15:00")
    locked = users.get_credential("ana")
    assert locked is not None and (locked.failed, locked.locked_until) == (
        0,
        "2026-01-01T09:15:00",
    )
    users.record_failed_sign_in("ana")
    users.clear_failed_sign_ins("ana")
    cleared = users.get_credential("ana")
    assert cleared is not None and (cleared.failed, cleared.locked_until) == (0, None)


def test_a_new_password_lifts_a_lock(users: SQLStore) -> None:
    users.put_password("ana", "$argon2id$one", "2026-01-01T09:00:00")
    users.record_failed_sign_in("ana")
    users.lock_sign_in("ana", "2026-01-01T09:15:00")
    users.put_password("ana", "$argon2id$two", "2026-01-01T09:05:00")
    found = users.get_credential("ana")
    assert found is not None and (found.failed, found.locked_until) == (0, None)


def test_concurrent_failures_each_count(users: SQLStore) -> None:
    users.put_password("ana", "$argon2id$one", "2026-01-01T09:00:00")
    with ThreadPoolExecutor(4) as pool:
        counts = list(pool.map(lambda _: users.record_failed_sign_in("ana"), range(8)))
    assert sorted(counts) == list(range(1, 9))


def test_a_session_is_created_read_touched_and_ended(users: SQLStore) -> None:
    assert users.get_session("a" * 64) is None
    users.add_session(session())
    assert users.get_session("a" * 64) == session()
    users.touch_session("a" * 64, "2026-01-01T09:10:00")
    touched = users.get_session("a" * 64)
    assert touched is not None and touched.last_seen == "2026-01-01T09:10:00"
    assert users.end_session("a" * 64, "2026-01-01T09:20:00")
    assert not users.end_session("a" * 64, "2026-01-01T09:30:00")  # ended once, when it was
    ended = users.get_session("a" * 64)
    assert ended is not None and ended.ended_at == "2026-01-01T09:20:00"
    users.touch_session("a" * 64, "2026-01-01T09:40:00")
    after = users.get_session("a" * 64)
    assert after is not None and after.last_seen == "2026-01-01T09:10:00"


def test_ending_a_users_sessions_leaves_the_others(users: SQLStore) -> None:
    users.add_session(session("a" * 64, "ana"))
    users.add_session(session("b" * 64, "ana"))
    users.add_session(session("c" * 64, "bilal"))
    users.end_session("b" * 64, "2026-01-01T09:05:00")
    assert users.end_sessions("ana", "2026-01-01T09:10:00") == 1
    ends = {h: users.get_session(h * 64) for h in "abc"}
    assert {h: s.ended_at if s else "missing" for h, s in ends.items()} == {
        "a": "2026-01-01T09:10:00",
        "b": "2026-01-01T09:05:00",
        "c": None,
    }


def test_api_tokens_are_created_listed_found_used_and_revoked(users: SQLStore) -> None:
    first = users.add_api_token("1" * 64, "ana", "nightly export", "admin", "2026-01-01T09:00:00")
    second = users.add_api_token("2" * 64, "bilal", "", "bilal", "2026-01-01T10:00:00")
    assert second.id > first.id
    assert (first.user, first.label, first.created_by, first.last_used, first.revoked_at) == (
        "ana",
        "nightly export",
        "admin",
        None,
        None,
    )
    assert users.api_tokens() == [first, second]
    assert users.api_tokens("bilal") == [second]
    assert users.get_api_token(first.id) == first
    assert users.get_api_token(first.id + 100) is None
    assert users.api_token_by_hash("1" * 64) == first
    assert users.api_token_by_hash("3" * 64) is None
    users.touch_api_token(first.id, "2026-01-01T11:00:00")
    assert users.revoke_api_token(first.id, "2026-01-01T12:00:00")
    assert not users.revoke_api_token(first.id, "2026-01-01T13:00:00")
    used = users.api_token_by_hash("1" * 64)
    assert used is not None
    assert (used.last_used, used.revoked_at) == ("2026-01-01T11:00:00", "2026-01-01T12:00:00")
