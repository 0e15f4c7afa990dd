"""Need-to-know access: viewers, marking rules, the audited reader, sign-in, audit verification.

No other module reads statements from the store; they ask a `Reader` from `AccessLayer`.
"""

from nexus.policy.access import AccessLayer, Reader, assemble, group_entities, schema_names
from nexus.policy.audit import (
    AuditHead,
    AuditVerdict,
    audit_head,
    checkpoint_path,
    read_checkpoint,
    verify_audit,
    write_checkpoint,
)
from nexus.policy.credentials import ActiveSession, Credentials, SignedIn
from nexus.policy.rules import ADMIN_ROLE, Viewer, denial_reasons, may_see

__all__ = [
    "ADMIN_ROLE",
    "AccessLayer",
    "ActiveSession",
    "AuditHead",
    "AuditVerdict",
    "Credentials",
    "Reader",
    "SignedIn",
    "Viewer",
    "assemble",
    "audit_head",
    "checkpoint_path",
    "denial_reasons",
    "group_entities",
    "may_see",
    "read_checkpoint",
    "schema_names",
    "verify_audit",
    "write_checkpoint",
]
