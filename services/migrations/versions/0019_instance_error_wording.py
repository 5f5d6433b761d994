"""an instance's error wording (its English template and parameters), so that each reader
reads the error in their language; older rows keep their text as it was written

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 21:00:00
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_wording", engine.db.JSONDocument, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_column("error_wording")
