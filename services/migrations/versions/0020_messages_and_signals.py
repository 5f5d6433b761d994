"""messages and signals between instances: what each instance waits for, and the
messages kept until a receiver waits (engine.messaging)

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 00:00:00
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "message_subscription",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("correlation", sa.Text(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_message_subscription_match", "message_subscription", ["kind", "name", "correlation"])
    op.create_index("ix_message_subscription_instance_id", "message_subscription", ["instance_id"])
    op.create_table(
        "buffered_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("correlation", sa.Text(), nullable=False),
        sa.Column("correlations", engine.db.JSONDocument, nullable=False),
        sa.Column("payload", engine.db.JSONDocument, nullable=False),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("expires_at", engine.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_buffered_message_match", "buffered_message", ["name", "correlation"])
    op.create_index("ix_buffered_message_expires_at", "buffered_message", ["expires_at"])


def downgrade() -> None:
    op.drop_table("buffered_message")
    op.drop_table("message_subscription")
