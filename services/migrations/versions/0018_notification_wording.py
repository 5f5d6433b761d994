"""a notification's wording (its subject's and body's English templates and parameters), so
that each reader reads it in their language; older rows keep their text as it was written

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 20:00:00
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("wording", engine.db.JSONDocument, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_column("wording")
