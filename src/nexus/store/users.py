"""The store's users: each one's agency, clearance, compartments, partner and roles.

Who may see what is decided from these in `nexus.policy`; the store only keeps them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from nexus.store import tables as t
from nexus.store.records import UserRecord, caveat_text, parse_caveats
from nexus.store.sqlbase import SQLBase


class SQLUsers(SQLBase):
    """User records, by name."""

    def put_user(self, user: UserRecord) -> None:
        values = {
            "agency": user.agency,
            "clearance": user.clearance,
            "compartments": caveat_text(user.compartments),
            "partner": user.partner,
            "roles": caveat_text(user.roles),
        }
        with self._write() as conn:
            exists = conn.execute(select(t.users.c.name).where(t.users.c.name == user.name)).first()
            if exists:
                conn.execute(update(t.users).where(t.users.c.name == user.name).values(**values))
            else:
                conn.execute(insert(t.users).values(name=user.name, **values))

    def get_user(self, name: str) -> UserRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(t.users).where(t.users.c.name == name)).first()
        return None if row is None else _user_from_row(row)

    def users(self) -> list[UserRecord]:
        with self.engine.connect() as conn:
            return [
                _user_from_row(r) for r in conn.execute(select(t.users).order_by(t.users.c.name))
            ]


def _user_from_row(row: Any) -> UserRecord:
    return UserRecord(
        name=row.name,
        agency=row.agency,
        clearance=row.clearance,
        compartments=parse_caveats(row.compartments),
        partner=row.partner,
        roles=parse_caveats(row.roles),
    )


__all__ = ["SQLUsers"]
