"""notifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:50:52.648572
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("read_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("email_to", sa.String(length=200), nullable=True),
        sa.Column("email_sent_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("email_next_attempt_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("email_last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_notification_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("key", name=op.f("uq_notification_key")),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notification_email_due", ["email_sent_at", "email_next_attempt_at"], unique=False
        )
        batch_op.create_index("ix_notification_inbox", ["user_id", "read_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_inbox")
        batch_op.drop_index("ix_notification_email_due")

    op.drop_table("notification")
