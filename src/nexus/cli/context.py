"""What every command needs: settings, the store, the access layer and the acting viewer.

Built once per invocation from the global options; nothing here is global state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from nexus.policy import ADMIN_ROLE, AccessLayer, Viewer
from nexus.settings import Settings
from nexus.store import SQLStore, UserRecord, open_store


@dataclass
class AppContext:
    settings: Settings
    _store: SQLStore | None = field(default=None, repr=False)

    @cached_property
    def store(self) -> SQLStore:
        if self._store is None:
            self._store = open_store(self.settings.store_url, batch_size=self.settings.batch_size)
        return self._store

    @cached_property
    def access(self) -> AccessLayer:
        return AccessLayer(self.store, self.settings)

    def viewer(self, name: str | None) -> Viewer:
        return self.access.viewer(name or self.settings.admin_user)

    def ensure_admin(self) -> UserRecord | None:
        """On an empty install, create the administrator; returns it if it was created."""
        if self.store.users():
            return None
        admin = UserRecord(
            name=self.settings.admin_user,
            agency=self.settings.admin_agency,
            clearance=self.settings.classification_levels[-1],
            roles=frozenset({ADMIN_ROLE}),
        )
        self.access.add_user(None, admin)
        return admin

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
