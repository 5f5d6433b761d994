"""breach: what the refund was computed from, who reported it, the decision and the payment deadline

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 06:20:00
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("breach", schema=None) as batch_op:
        batch_op.add_column(sa.Column("received_vnd", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("served_months", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reported_at", engine.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("reported_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decision_number", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("refund_due_on", sa.Date(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_breach_reported_by_app_user"), "app_user", ["reported_by"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("breach", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_breach_reported_by_app_user"), type_="foreignkey")
        batch_op.drop_column("refund_due_on")
        batch_op.drop_column("decision_number")
        batch_op.drop_column("reported_by")
        batch_op.drop_column("reported_at")
        batch_op.drop_column("served_months")
        batch_op.drop_column("received_vnd")
