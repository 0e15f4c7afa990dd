"""Need-to-know access: viewers, marking rules, the audited reader, and audit verification.

No other module reads statements from the store; they ask a `Reader` from `AccessLayer`.
"""

from nexus.policy.access import AccessLayer, Reader, assemble, group_entities, schema_names
from nexus.policy.audit import AuditVerdict, verify_audit
from nexus.policy.rules import ADMIN_ROLE, Viewer, denial_reasons, may_see

__all__ = [
    "ADMIN_ROLE",
    "AccessLayer",
    "AuditVerdict",
    "Reader",
    "Viewer",
    "assemble",
    "denial_reasons",
    "group_entities",
    "may_see",
    "schema_names",
    "verify_audit",
]
