"""What every request handler needs, built once per application: settings, the store, the
access layer, the sign-in service and the page renderer; nothing here is global state.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from nexus.policy import AccessLayer
from nexus.policy.credentials import Credentials
from nexus.settings import Settings
from nexus.store import SQLStore


@dataclass
class Services:
    settings: Settings
    store: SQLStore
    access: AccessLayer
    credentials: Credentials


def services(request: Request) -> Services:
    found: Services = request.app.state.services
    return found


__all__ = ["Services", "services"]
