"""The relational layout shared by the SQL backends (SQLite and PostgreSQL).

Alembic migrations create exactly these tables; queries are built from these objects.
"""

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

ID_LEN = 255
STAMP_LEN = 32

markings = Table(
    "markings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agency", String(64), nullable=False),
    Column("classification", String(64), nullable=False),
    Column("caveats", String(1024), nullable=False, default=""),
    UniqueConstraint("agency", "classification", "caveats", name="uq_markings_label"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user", String(128), nullable=False),
    Column("source", Text, nullable=False),
    Column("started_at", String(STAMP_LEN), nullable=False),
    Column("finished_at", String(STAMP_LEN), nullable=True),
    Column("status", String(16), nullable=False),
    Column("statements", Integer, nullable=False, default=0),
    Column("rows_loaded", Integer, nullable=False, default=0),
    Column("rows_quarantined", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
    Column("host", String(255), nullable=True),
    Column("pid", Integer, nullable=True),
)

statements = Table(
    "statements",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("entity_id", String(ID_LEN), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("prop", String(64), nullable=False),
    Column("prop_type", String(32), nullable=False),
    Column("value", Text, nullable=False),
    Column("original_value", Text, nullable=True),
    Column("lang", String(16), nullable=True),
    Column("dataset", String(128), nullable=False),
    Column("origin", Text, nullable=False),
    Column("marking_id", Integer, ForeignKey("markings.id"), nullable=False),
    Column("first_seen", String(STAMP_LEN), nullable=False),
    Column("last_seen", String(STAMP_LEN), nullable=False),
    Column("run_id", Integer, nullable=True),
    Index("ix_statements_entity_id", "entity_id"),
    # Covers a writer's recount of its datasets' statements per marking (statement_counts).
    Index("ix_statements_counted", "dataset", "marking_id", "first_seen"),
)

# An entity-typed value is an edge; looking edges up by target needs this (partial) index.
Index(
    "ix_statements_entity_value",
    statements.c.value,
    sqlite_where=statements.c.prop_type == "entity",
    postgresql_where=statements.c.prop_type == "entity",
)

# Resolution writes match links and analysts' judgements, each with the markings of the
# statements it rests on (its evidence). A viewer's canonical ids are the clusters formed by the
# links and judgements whose evidence they may see, materialised per scope in `canonical`.
# Statements are never rewritten; an entity id without a row is its own canonical id.
match_links = Table(
    "match_links",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("left_id", String(ID_LEN), nullable=False, index=True),
    Column("right_id", String(ID_LEN), nullable=False, index=True),
    Column("probability", Float, nullable=False),
    Column("verdict", String(16), nullable=False),  # match | review | no_match
    Column("evidence", Text, nullable=False),  # sorted marking ids, space separated
    Column("explanation", Text, nullable=False),  # JSON list of feature explanations
    Column("created_at", String(STAMP_LEN), nullable=False),
    Column("run", String(64), nullable=False),
    UniqueConstraint("left_id", "right_id", "evidence", name="uq_match_links_pair"),
)

judgements = Table(
    "judgements",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("left_id", String(ID_LEN), nullable=False),
    Column("right_id", String(ID_LEN), nullable=False),
    Column("verdict", String(16), nullable=False),  # same | not_same | unsure
    Column("user", String(128), nullable=False),
    Column("at", String(STAMP_LEN), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("note", Text, nullable=True),
    Index("ix_judgements_pair", "left_id", "right_id"),
)

canonical = Table(
    "canonical",
    metadata,
    Column("scope_key", String(40), nullable=False),
    Column("entity_id", String(ID_LEN), nullable=False),
    Column("canonical_id", String(ID_LEN), nullable=False),
    PrimaryKeyConstraint("scope_key", "entity_id", name="pk_canonical"),
    Index("ix_canonical_scope_canonical", "scope_key", "canonical_id"),
)

canonical_scopes = Table(
    "canonical_scopes",
    metadata,
    Column("scope_key", String(40), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("computed_at", String(STAMP_LEN), nullable=False),
    Column("digest", String(40), nullable=True),  # of the scope's (entity, canonical) pairs
)

# Statements per marking and dataset, with the newest first-seen time: counted again by each
# writer before it commits (statements change only through writers), so the versions and counts
# of everyday reads need not scan the statements.
statement_counts = Table(
    "statement_counts",
    metadata,
    Column("marking_id", Integer, ForeignKey("markings.id"), nullable=False),
    Column("dataset", String(128), nullable=False),
    Column("statements", Integer, nullable=False),
    Column("first_seen", String(STAMP_LEN), nullable=False),
    PrimaryKeyConstraint("marking_id", "dataset", name="pk_statement_counts"),
)

# Summaries of a scope (counts of entities, statements per dataset) kept with the data version
# they were computed at: a summary whose version differs from the scope's is recomputed.
scope_summaries = Table(
    "scope_summaries",
    metadata,
    Column("scope_key", String(40), nullable=False),
    Column("name", String(64), nullable=False),
    Column("version", String(64), nullable=False),
    Column("value", Text, nullable=False),
    PrimaryKeyConstraint("scope_key", "name", name="pk_scope_summaries"),
)

# The last canonical id each entity had in any scope, so ids stay stable across runs.
canonical_history = Table(
    "canonical_history",
    metadata,
    Column("entity_id", String(ID_LEN), primary_key=True),
    Column("canonical_id", String(ID_LEN), nullable=False),
)

resolution_runs = Table(
    "resolution_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user", String(128), nullable=False),
    Column("started_at", String(STAMP_LEN), nullable=False),
    Column("records", Integer, nullable=False),
    Column("new_records", Integer, nullable=False),
    Column("matches", Integer, nullable=False),
    Column("review", Integer, nullable=False),
    Column("input_version", String(64), nullable=True),
    Column("config", String(255), nullable=True),
    Column("kinds", Text, nullable=True),  # JSON: counts per kind of record
)

# Which source entities each viewer's resolution runs have already scored (incremental runs).
resolution_seen = Table(
    "resolution_seen",
    metadata,
    Column("user", String(128), nullable=False),
    Column("entity_id", String(ID_LEN), nullable=False),
    PrimaryKeyConstraint("user", "entity_id", name="pk_resolution_seen"),
)

# Bumped whenever links or judgements change; a scope whose materialised version differs is stale.
resolution_state = Table(
    "resolution_state",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

# The alert queue: findings of the typology detectors and of screening, each with the markings of
# its evidence (like match links), an owning agency, the agencies it was disseminated to, and a
# history of every step. (key, evidence) is unique: a later run updates the alert it raised.
alerts = Table(
    "alerts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(512), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("score", Float, nullable=False),
    Column("reasons", Text, nullable=False),  # JSON list
    Column("transactions", Text, nullable=False),  # JSON list of payment ids
    Column("entities", Text, nullable=False),  # JSON list of entity ids
    Column("details", Text, nullable=False),  # JSON object
    Column("evidence", Text, nullable=False),  # sorted marking ids, space separated
    Column("agency", String(64), nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("created_at", String(STAMP_LEN), nullable=False),
    Column("updated_at", String(STAMP_LEN), nullable=False),
    UniqueConstraint("key", "evidence", name="uq_alerts_key"),
    Index("ix_alerts_kind_status", "kind", "status"),
)

alert_events = Table(
    "alert_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False, index=True),
    Column("at", String(STAMP_LEN), nullable=False),
    Column("user", String(128), nullable=False),
    Column("action", String(16), nullable=False),  # raised | updated | reopened | status | …
    Column("status", String(16), nullable=False),  # the status after this step
    Column("note", Text, nullable=True),
    Column("agency", String(64), nullable=True),  # dissemination: the recipient
)

alert_recipients = Table(
    "alert_recipients",
    metadata,
    Column("alert_id", Integer, ForeignKey("alerts.id"), nullable=False),
    Column("agency", String(64), nullable=False),
    PrimaryKeyConstraint("alert_id", "agency", name="pk_alert_recipients"),
)

# Screening runs per viewer, and the digest of every record and list entry each viewer's runs
# last screened, so a run compares only what changed (new or changed records against every
# entry, every record against new or changed entries).
screening_runs = Table(
    "screening_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user", String(128), nullable=False, index=True),
    Column("started_at", String(STAMP_LEN), nullable=False),
    Column("finished_at", String(STAMP_LEN), nullable=False),
    Column("full", Integer, nullable=False),
    Column("counts", Text, nullable=False),  # JSON object
)

screening_seen = Table(
    "screening_seen",
    metadata,
    Column("user", String(128), nullable=False),
    Column("entity_id", String(ID_LEN), nullable=False),
    Column("digest", String(40), nullable=False),
    PrimaryKeyConstraint("user", "entity_id", name="pk_screening_seen"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, index=True),
    Column("dataset", String(128), nullable=False),
    Column("source", Text, nullable=False),
    Column("row", Integer, nullable=True),
    Column("field", String(255), nullable=True),
    Column("reason", Text, nullable=False),
    Column("record", Text, nullable=False),
    Column("marking_id", Integer, ForeignKey("markings.id"), nullable=False),
    Column("created_at", String(STAMP_LEN), nullable=False),
)

# The search index: a row per searchable statement (a name, an identifier, a text; a country
# or topic for the facets) with the statement's entity, marking and dataset, and its search keys
# as `nexus.search` computes them. Queries keep only the rows of the viewer's markings before
# matching, and group them by the viewer's canonical ids. The full-text index over `terms` is
# the backend's own: an FTS5 table on SQLite, a generated tsvector column on PostgreSQL (both
# made by migration 0008, outside this metadata).
search_index = Table(
    "search_index",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("statement_id", String(40), nullable=False, index=True),
    Column("entity_id", String(ID_LEN), nullable=False, index=True),
    Column("marking_id", Integer, nullable=False),
    Column("dataset", String(128), nullable=False),
    Column("schema", String(64), nullable=False),
    Column("prop", String(64), nullable=False),
    Column("kind", String(16), nullable=False),  # name | identifier | text | country | topic
    Column("value", Text, nullable=False),
    Column("original", Text, nullable=True),
    Column("terms", Text, nullable=False),  # search keys, space separated ("" on facet rows)
    Column("size", Integer, nullable=False),  # keys of the value: an exact match covers them all
    Column("weight", Float, nullable=False),  # how much a match on this property counts
)

# The ingestion runs whose statements are in the index, and the version of the keys they got.
search_runs = Table(
    "search_runs",
    metadata,
    Column("run_id", Integer, primary_key=True, autoincrement=False),
    Column("version", String(32), nullable=False),
    Column("indexed_at", String(STAMP_LEN), nullable=False),
)

users = Table(
    "users",
    metadata,
    Column("name", String(128), primary_key=True),
    Column("agency", String(64), nullable=False),
    Column("clearance", String(64), nullable=False),
    Column("compartments", String(1024), nullable=False, default=""),
    Column("partner", String(64), nullable=True),
    Column("roles", String(1024), nullable=False, default=""),
)

# Who may sign in, and how: argon2 password hashes, failed attempts and lock-outs, browser
# sessions and API tokens. Secrets are never stored, only their SHA-256 (tokens) or argon2 hash.
credentials = Table(
    "credentials",
    metadata,
    Column("name", String(128), ForeignKey("users.name"), primary_key=True),
    Column("password_hash", String(255), nullable=False),
    Column("changed_at", String(STAMP_LEN), nullable=False),
    Column("failed", Integer, nullable=False, default=0),
    Column("locked_until", String(STAMP_LEN), nullable=True),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user", String(128), ForeignKey("users.name"), nullable=False, index=True),
    Column("csrf", String(64), nullable=False),
    Column("created_at", String(STAMP_LEN), nullable=False),
    Column("last_seen", String(STAMP_LEN), nullable=False),
    Column("expires_at", String(STAMP_LEN), nullable=False),
    Column("ended_at", String(STAMP_LEN), nullable=True),
    Column("client", String(255), nullable=False, default=""),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user", String(128), ForeignKey("users.name"), nullable=False, index=True),
    Column("label", String(255), nullable=False, default=""),
    Column("created_by", String(128), nullable=False),
    Column("created_at", String(STAMP_LEN), nullable=False),
    Column("last_used", String(STAMP_LEN), nullable=True),
    Column("revoked_at", String(STAMP_LEN), nullable=True),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(STAMP_LEN), nullable=False),
    Column("actor", String(128), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False, unique=True),
    Column("hash", String(64), nullable=False, unique=True),
)
