"""Statements with provenance and markings; runs, quarantine, canonical ids, users, audit.

Revision ID: 0001
Revises:
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "markings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("classification", sa.String(64), nullable=False),
        sa.Column("caveats", sa.String(1024), nullable=False),
        sa.UniqueConstraint("agency", "classification", "caveats", name="uq_markings_label"),
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("finished_at", sa.String(32), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("statements", sa.Integer, nullable=False),
        sa.Column("rows_loaded", sa.Integer, nullable=False),
        sa.Column("rows_quarantined", sa.Integer, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_table(
        "statements",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("prop", sa.String(64), nullable=False),
        sa.Column("prop_type", sa.String(32), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("original_value", sa.Text, nullable=True),
        sa.Column("lang", sa.String(16), nullable=True),
        sa.Column("dataset", sa.String(128), nullable=False),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("first_seen", sa.String(32), nullable=False),
        sa.Column("last_seen", sa.String(32), nullable=False),
        sa.Column("run_id", sa.Integer, nullable=True),
    )
    op.create_index("ix_statements_entity_id", "statements", ["entity_id"])
    op.create_index(
        "ix_statements_entity_value",
        "statements",
        ["value"],
        sqlite_where=sa.text("prop_type = 'entity'"),
        postgresql_where=sa.text("prop_type = 'entity'"),
    )
    op.create_table(
        "canonical",
        sa.Column("entity_id", sa.String(255), primary_key=True),
        sa.Column("canonical_id", sa.String(255), nullable=False),
    )
    op.create_index("ix_canonical_canonical_id", "canonical", ["canonical_id"])
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id"), nullable=False),
        sa.Column("dataset", sa.String(128), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("row", sa.Integer, nullable=True),
        sa.Column("field", sa.String(255), nullable=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("record", sa.Text, nullable=False),
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
    )
    op.create_index("ix_quarantine_run_id", "quarantine", ["run_id"])
    op.create_table(
        "users",
        sa.Column("name", sa.String(128), primary_key=True),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("clearance", sa.String(64), nullable=False),
        sa.Column("compartments", sa.String(1024), nullable=False),
        sa.Column("partner", sa.String(64), nullable=True),
        sa.Column("roles", sa.String(1024), nullable=False),
    )
    op.create_table(
        "audit",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )


def downgrade() -> None:
    for table in ("audit", "users", "quarantine", "canonical", "statements", "runs", "markings"):
        op.drop_table(table)
