"""Resolution: match links and judgements with their evidence markings; canonical ids per scope.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "match_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("left_id", sa.String(255), nullable=False),
        sa.Column("right_id", sa.String(255), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("run", sa.String(64), nullable=False),
        sa.UniqueConstraint("left_id", "right_id", "evidence", name="uq_match_links_pair"),
    )
    op.create_index("ix_match_links_left", "match_links", ["left_id"])
    op.create_index("ix_match_links_right", "match_links", ["right_id"])
    op.create_table(
        "judgements",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("left_id", sa.String(255), nullable=False),
        sa.Column("right_id", sa.String(255), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=True),
    )
    op.create_index("ix_judgements_pair", "judgements", ["left_id", "right_id"])
    op.drop_table("canonical")
    op.create_table(
        "canonical",
        sa.Column("scope_key", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("canonical_id", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("scope_key", "entity_id", name="pk_canonical"),
    )
    op.create_index("ix_canonical_scope_canonical", "canonical", ["scope_key", "canonical_id"])
    op.create_table(
        "canonical_scopes",
        sa.Column("scope_key", sa.String(40), primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("computed_at", sa.String(32), nullable=False),
    )
    op.create_table(
        "canonical_history",
        sa.Column("entity_id", sa.String(255), primary_key=True),
        sa.Column("canonical_id", sa.String(255), nullable=False),
    )
    op.create_table(
        "resolution_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("started_at", sa.String(32), nullable=False),
        sa.Column("records", sa.Integer, nullable=False),
        sa.Column("new_records", sa.Integer, nullable=False),
        sa.Column("matches", sa.Integer, nullable=False),
        sa.Column("review", sa.Integer, nullable=False),
    )
    op.create_table(
        "resolution_seen",
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("user", "entity_id", name="pk_resolution_seen"),
    )
    op.create_table(
        "resolution_state",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.execute("INSERT INTO resolution_state (id, version) VALUES (1, 1)")


def downgrade() -> None:
    for table in (
        "resolution_state",
        "canonical_history",
        "canonical_scopes",
        "canonical",
        "judgements",
        "match_links",
    ):
        op.drop_table(table)
    op.create_table(
        "canonical",
        sa.Column("entity_id", sa.String(255), primary_key=True),
        sa.Column("canonical_id", sa.String(255), nullable=False),
    )
