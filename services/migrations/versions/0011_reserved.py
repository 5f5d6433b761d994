"""candidates: the name of an external nominating organisation (not a unit of the directory)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 06:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nominating_org_name", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("candidate", schema=None) as batch_op:
        batch_op.drop_column("nominating_org_name")
