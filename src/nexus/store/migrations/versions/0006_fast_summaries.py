"""Everyday reads answer fast: statement counts per marking and dataset kept by the writers, the
digest of each scope's canonical ids kept with them, and per-scope summaries cached by version.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_statements_counted", "statements", ["dataset", "marking_id", "first_seen"])
    op.create_table(
        "statement_counts",
        sa.Column("marking_id", sa.Integer, sa.ForeignKey("markings.id"), nullable=False),
        sa.Column("dataset", sa.String(128), nullable=False),
        sa.Column("statements", sa.Integer, nullable=False),
        sa.Column("first_seen", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("marking_id", "dataset", name="pk_statement_counts"),
    )
    op.execute(
        "INSERT INTO statement_counts (marking_id, dataset, statements, first_seen) "
        "SELECT marking_id, dataset, count(*), max(first_seen) FROM statements "
        "GROUP BY marking_id, dataset"
    )
    with op.batch_alter_table("canonical_scopes") as batch:
        batch.add_column(sa.Column("digest", sa.String(40), nullable=True))
    op.create_table(
        "scope_summaries",
        sa.Column("scope_key", sa.String(40), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("version", sa.String(64), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("scope_key", "name", name="pk_scope_summaries"),
    )


def downgrade() -> None:
    op.drop_table("scope_summaries")
    with op.batch_alter_table("canonical_scopes") as batch:
        batch.drop_column("digest")
    op.drop_table("statement_counts")
    op.drop_index("ix_statements_counted", table_name="statements")
