"""plans as data: the documents a plan implements, its reporting rule and monitoring office;
each task's kind of assignment (giao / đề nghị) and precondition (docs/plans.md)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 03:30:00
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("implements", engine.db.JSONDocument, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("reporting_rule", engine.db.JSONDocument, nullable=True))
        batch.add_column(sa.Column("monitor_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("plan_task") as batch:
        batch.add_column(
            sa.Column("assignment_kind", sa.String(length=10), nullable=False, server_default="giao")
        )
        batch.add_column(sa.Column("precondition", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("plan_task") as batch:
        batch.drop_column("precondition")
        batch.drop_column("assignment_kind")
    with op.batch_alter_table("plan") as batch:
        batch.drop_column("monitor_id")
        batch.drop_column("reporting_rule")
        batch.drop_column("implements")
