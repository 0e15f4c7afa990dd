"""Every error Nexus raises on purpose, so callers can catch by kind.

    NexusError                  base; str(error) is a message an analyst can act on
    ├── ConfigError             a setting, level or caveat definition is wrong
    ├── ModelError              a schema file does not fit FollowTheMoney's model
    ├── StoreError              the database cannot be opened, migrated or written
    ├── AccessDenied            the viewer may not do this (unknown user, missing right)
    ├── AuthenticationFailed    a sign-in, session or API token was not accepted (one message)
    ├── PasswordRejected        a new password does not meet the policy (too short, too long)
    ├── NotFound                nothing the viewer may see has this id
    └── IngestError             a source cannot be loaded at all
        ├── MappingError        a mapping file is invalid (names file, entity, property)
        └── SourceError         a data file cannot be read (names file and, where known, row)
Row-level problems are not exceptions: they become quarantine records (see nexus.ingest).
"""


class NexusError(Exception):
    """Base of all deliberate Nexus errors."""


class ConfigError(NexusError):
    """A configuration value is missing or inconsistent."""


class ModelError(NexusError):
    """A schema definition does not fit the FollowTheMoney model."""


class StoreError(NexusError):
    """The statement store cannot be opened, migrated or written."""


class AccessDenied(NexusError):
    """The viewer may not perform this action."""


class AuthenticationFailed(NexusError):
    """A sign-in, session or API token was not accepted. The message never says why (unknown
    user, wrong password, lock-out, expiry): that would help whoever guesses."""


class PasswordRejected(NexusError):
    """A new password does not meet the password policy."""


class NotFound(NexusError):
    """No entity, user or record visible to the viewer has this identifier."""


class IngestError(NexusError):
    """A source cannot be ingested at all (as opposed to one bad row)."""


class MappingError(IngestError):
    """A mapping file is invalid."""


class SourceError(IngestError):
    """A data file cannot be read."""
