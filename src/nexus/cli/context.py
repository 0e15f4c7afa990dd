"""What every command needs: settings, the store, the access layer and the acting viewer.

Built once per invocation from the global options; nothing here is global state.
"""

from __future__ import annotations

import os
import pwd
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from nexus.exceptions import AccessDenied
from nexus.policy import ADMIN_ROLE, AccessLayer, Viewer, checkpoint_path, write_checkpoint
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

    @cached_property
    def acting_user(self) -> str:
        """Who this command line is: see `acting_user_name`."""
        return acting_user_name(self.settings, _login(), _owner(self.settings.home))

    def viewer(self, name: str | None) -> Viewer:
        """The acting user, or (`--as NAME`, administrators only, audited) the user named."""
        me = self.access.viewer(self.acting_user)
        if name is None or name == me.name:
            return me
        return self.access.act_as(me, name)

    def administrator(self) -> Viewer:
        """The acting user, who must be an administrator (user lists, the audit chain)."""
        me = self.access.viewer(self.acting_user)
        if not me.is_admin:
            raise AccessDenied(f"only an administrator may do this; {me.name} is not one")
        return me

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
        """End the command: checkpoint the audit chain's head outside the store, then close."""
        if self._store is not None:
            try:
                if self.settings.home.is_dir():
                    write_checkpoint(self._store, checkpoint_path(self.settings.home))
            finally:
                self._store.close()


def acting_user_name(settings: Settings, login: str, home_owner: str | None) -> str:
    """The Nexus user a command line acts as: `NEXUS_USER` (`user`), else the home's mapping of
    the operating-system login (`os_users`), else the administrator for the home's owner (the
    operator who created it), else a Nexus user of the login's own name."""
    if settings.user:
        return settings.user
    if login in settings.os_users:
        return settings.os_users[login]
    if login == home_owner:
        return settings.admin_user
    if login:
        return login
    raise AccessDenied("cannot tell who you are: set NEXUS_USER to your Nexus user name")


def _login() -> str:
    # The real user id, not $USER or $LOGNAME, which anyone can set.
    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:
        return ""


def _owner(home: Path) -> str | None:
    """The owner of the home folder, or of the folder it will be created in."""
    for folder in (home, *home.absolute().parents):
        if folder.exists():
            try:
                return pwd.getpwuid(folder.stat().st_uid).pw_name
            except KeyError:
                return None
    return None
