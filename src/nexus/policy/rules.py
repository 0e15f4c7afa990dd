"""Need-to-know rules: may this viewer see a statement with this marking, and if not, why not.

Pure functions over a `Viewer`, a `Marking` and the configured levels and caveats.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from nexus.settings import Settings
from nexus.store import Marking, UserRecord

ADMIN_ROLE = "admin"


@dataclass(frozen=True, slots=True)
class Viewer(UserRecord):
    """A user as the policy sees them: agency, clearance, compartments, partner status, roles;
    `acting_admin` names the administrator who acts as them (`--as`), if one does."""

    acting_admin: str | None = None

    @classmethod
    def from_user(cls, user: UserRecord, acting_admin: str | None = None) -> Viewer:
        values = {f.name: getattr(user, f.name) for f in fields(UserRecord)}
        return cls(**values, acting_admin=acting_admin)

    @property
    def audit_name(self) -> str:
        """Who the audit log says acted: the user, or "admin acting as user"."""
        if self.acting_admin is None:
            return self.name
        return f"{self.acting_admin} acting as {self.name}"

    @property
    def is_admin(self) -> bool:
        return ADMIN_ROLE in self.roles


def denial_reasons(viewer: Viewer, marking: Marking, settings: Settings) -> list[str]:
    """Every reason the viewer may not see the marking; empty means they may."""
    reasons: list[str] = []
    ranks = settings.level_rank
    if viewer.clearance not in ranks:
        reasons.append(f"viewer clearance {viewer.clearance!r} is not a configured level")
    elif marking.classification not in ranks:
        reasons.append(f"classification {marking.classification!r} is not a configured level")
    elif ranks[marking.classification] > ranks[viewer.clearance]:
        reasons.append(f"{marking.classification} is above clearance {viewer.clearance}")

    own = viewer.agency == marking.agency
    released_to_viewer = False
    for caveat in sorted(marking.caveats):
        rule = settings.caveat_rule(caveat)
        if rule is None:
            reasons.append(f"caveat {caveat!r} is not configured, so it is treated as closed")
        elif rule.kind == "originator" and not own:
            reasons.append(f"{caveat}: only {marking.agency} may see it")
        elif rule.kind == "compartment" and rule.argument(caveat) not in viewer.compartments:
            reasons.append(f"{caveat}: viewer does not hold compartment {rule.argument(caveat)}")
        elif rule.kind == "domestic" and viewer.partner is not None and not own:
            reasons.append(f"{caveat}: not releasable to partners")
        elif rule.kind == "releasability" and rule.argument(caveat) == viewer.partner:
            released_to_viewer = True
    if viewer.partner is not None and not own and not released_to_viewer:
        reasons.append(f"not released to partner {viewer.partner}")
    return reasons


def may_see(viewer: Viewer, marking: Marking, settings: Settings) -> bool:
    return not denial_reasons(viewer, marking, settings)
