"""Who may sign in: argon2 password hashes with failed attempts and lock-outs, browser sessions
and API tokens, the last two found by the SHA-256 of their secret (never the secret itself).

The rules (how many failures lock, when a session expires) are `nexus.policy.credentials`'.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from sqlalchemy import ColumnElement, Table, delete, insert, select, update

from nexus.store import tables as t
from nexus.store.records import CredentialRecord, SessionRecord, TokenRecord
from nexus.store.sqlbase import SQLBase


class SQLCredentials(SQLBase):
    """Password hashes, sessions and API tokens, by user name, token hash or token id."""

    def _update(self, table: Table, *where: ColumnElement[bool], **values: Any) -> int:
        """One UPDATE in a write transaction; returns how many rows it changed."""
        with self._write() as conn:
            return int(conn.execute(update(table).where(*where).values(**values)).rowcount)

    # -- passwords -----------------------------------------------------------------------------
    def put_password(self, name: str, password_hash: str, changed_at: str) -> None:
        values = {
            "password_hash": password_hash,
            "changed_at": changed_at,
            "failed": 0,
            "locked_until": None,
        }
        with self._write() as conn:
            found = conn.execute(
                select(t.credentials.c.name).where(t.credentials.c.name == name)
            ).first()
            if found:
                conn.execute(
                    update(t.credentials).where(t.credentials.c.name == name).values(**values)
                )
            else:
                conn.execute(insert(t.credentials).values(name=name, **values))

    def get_credential(self, name: str) -> CredentialRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.credentials).where(t.credentials.c.name == name)).first()
        return None if row is None else CredentialRecord(**row._mapping)

    def record_failed_sign_in(self, name: str) -> int:
        where = t.credentials.c.name == name
        with self._write() as conn:
            # One UPDATE adds to the count (a row lock on PostgreSQL, the write lock on SQLite),
            # so concurrent failures each get their own count and none is lost.
            conn.execute(
                update(t.credentials).where(where).values(failed=t.credentials.c.failed + 1)
            )
            count = conn.execute(select(t.credentials.c.failed).where(where)).scalar()
        return int(count or 0)

    def clear_failed_sign_ins(self, name: str) -> None:
        self._update(t.credentials, t.credentials.c.name == name, failed=0, locked_until=None)

    def lock_sign_in(self, name: str, until: str) -> None:
        self._update(t.credentials, t.credentials.c.name == name, failed=0, locked_until=until)

    # -- sessions ------------------------------------------------------------------------------
    def add_session(self, session: SessionRecord) -> None:
        with self._write() as conn:
            conn.execute(insert(t.sessions).values(**asdict(session)))

    def get_session(self, token_hash: str) -> SessionRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(t.sessions).where(t.sessions.c.token_hash == token_hash)
            ).first()
        return None if row is None else SessionRecord(**row._mapping)

    def touch_session(self, token_hash: str, at: str) -> None:
        self._update(t.sessions, *_open_session(token_hash), last_seen=at)

    def end_session(self, token_hash: str, at: str) -> bool:
        return bool(self._update(t.sessions, *_open_session(token_hash), ended_at=at))

    def purge_sessions(self, before: str) -> int:
        sessions = t.sessions.c
        gone = (sessions.ended_at < before) | (sessions.expires_at < before)
        with self._write() as conn:
            return int(conn.execute(delete(t.sessions).where(gone)).rowcount or 0)

    def end_sessions(self, user: str, at: str) -> int:
        open_ones = (t.sessions.c.user == user, t.sessions.c.ended_at.is_(None))
        return self._update(t.sessions, *open_ones, ended_at=at)

    # -- API tokens ----------------------------------------------------------------------------
    def add_api_token(
        self, token_hash: str, user: str, label: str, created_by: str, created_at: str
    ) -> TokenRecord:
        record = TokenRecord(0, user, label, created_by, created_at)
        values = {k: v for k, v in asdict(record).items() if k != "id"}
        with self._write() as conn:
            key = conn.execute(
                insert(t.api_tokens).values(token_hash=token_hash, **values)
            ).inserted_primary_key
        assert key is not None
        return replace(record, id=int(key[0]))

    def api_tokens(self, user: str | None = None) -> list[TokenRecord]:
        query = select(*_TOKEN_COLUMNS).order_by(t.api_tokens.c.id)
        if user is not None:
            query = query.where(t.api_tokens.c.user == user)
        with self.engine.connect() as conn:
            return [TokenRecord(**row._mapping) for row in conn.execute(query)]

    def get_api_token(self, token_id: int) -> TokenRecord | None:
        return self._one_token(t.api_tokens.c.id == token_id)

    def api_token_by_hash(self, token_hash: str) -> TokenRecord | None:
        return self._one_token(t.api_tokens.c.token_hash == token_hash)

    def _one_token(self, where: ColumnElement[bool]) -> TokenRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(*_TOKEN_COLUMNS).where(where)).first()
        return None if row is None else TokenRecord(**row._mapping)

    def revoke_api_token(self, token_id: int, at: str) -> bool:
        not_revoked = (t.api_tokens.c.id == token_id, t.api_tokens.c.revoked_at.is_(None))
        return bool(self._update(t.api_tokens, *not_revoked, revoked_at=at))

    def touch_api_token(self, token_id: int, at: str) -> None:
        self._update(t.api_tokens, t.api_tokens.c.id == token_id, last_used=at)


# Everything of a token but its hash: a listing has no use for it.
_TOKEN_COLUMNS = [column for column in t.api_tokens.c if column.name != "token_hash"]


def _open_session(token_hash: str) -> tuple[ColumnElement[bool], ...]:
    return (t.sessions.c.token_hash == token_hash, t.sessions.c.ended_at.is_(None))


__all__ = ["SQLCredentials"]
