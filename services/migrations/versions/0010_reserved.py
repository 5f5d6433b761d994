"""city consolidation: the incoming-register number of a commune submission

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22 06:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("commune_submission", schema=None) as batch_op:
        batch_op.add_column(sa.Column("incoming_number", sa.String(length=30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("commune_submission", schema=None) as batch_op:
        batch_op.drop_column("incoming_number")
