"""calendar years confirmed by an admin (2026, seeded from the official notices in 0002,
is confirmed); a task's due instant marked provisional when counted through an
unconfirmed year

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 08:00:00
"""

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "calendar_year",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("confirmed_at", engine.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_calendar_year")),
    )
    op.bulk_insert(table, [{"year": 2026, "confirmed_at": datetime.now(timezone.utc)}])
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_provisional_year", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_column("due_provisional_year")
    op.drop_table("calendar_year")
