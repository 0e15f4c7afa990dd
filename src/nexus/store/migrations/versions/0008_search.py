"""The search index: a row of search keys per searchable statement, with its entity, marking and
dataset; its full-text index (FTS5 on SQLite, a generated tsvector with GIN on PostgreSQL); and
the runs indexed. Empty at first: `nexus index update` (run by every ingest) fills it.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_index",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("statement_id", sa.String(40), nullable=False),
        sa.Column("entity_id", sa.String(255), nullable=False),
        sa.Column("marking_id", sa.Integer, nullable=False),
        sa.Column("dataset", sa.String(128), nullable=False),
        sa.Column("schema", sa.String(64), nullable=False),
        sa.Column("prop", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.Text, nullable=False),
        sa.Column("original", sa.Text, nullable=True),
        sa.Column("terms", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
    )
    op.create_index("ix_search_index_statement_id", "search_index", ["statement_id"])
    op.create_index("ix_search_index_entity_id", "search_index", ["entity_id"])
    op.create_table(
        "search_runs",
        sa.Column("run_id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("indexed_at", sa.String(32), nullable=False),
    )
    if op.get_bind().dialect.name == "sqlite":
        # External content: the terms stay in search_index, FTS5 keeps only which rows hold
        # each key (detail=none: no positions, as no query needs phrases or bm25).
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(terms, content='search_index', "
            "content_rowid='id', detail=none, columnsize=0)"
        )
    else:
        op.execute(
            "ALTER TABLE search_index ADD COLUMN terms_tsv tsvector "
            "GENERATED ALWAYS AS (to_tsvector('simple', terms)) STORED"
        )
        op.execute("CREATE INDEX ix_search_index_terms ON search_index USING gin (terms_tsv)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    op.drop_table("search_runs")
    op.drop_index("ix_search_index_entity_id", table_name="search_index")
    op.drop_index("ix_search_index_statement_id", table_name="search_index")
    op.drop_table("search_index")
