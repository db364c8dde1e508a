"""lineage dates on links; a balance sheet author's position

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 19:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("links") as batch:
        batch.add_column(sa.Column("date", sa.String(length=16), nullable=True))
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("position", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.drop_column("position")
    with op.batch_alter_table("links") as batch:
        batch.drop_column("date")
