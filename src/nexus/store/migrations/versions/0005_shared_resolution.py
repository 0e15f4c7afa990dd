"""Resolution runs keep the version of the statements they scored and the matchers' settings, so
a viewer who sees exactly what an earlier run saw shares its links instead of scoring again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("resolution_runs") as batch:
        batch.add_column(sa.Column("input_version", sa.String(64), nullable=True))
        batch.add_column(sa.Column("config", sa.String(255), nullable=True))
        batch.add_column(sa.Column("kinds", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resolution_runs") as batch:
        batch.drop_column("kinds")
        batch.drop_column("config")
        batch.drop_column("input_version")
