"""connector calls: the history of each service task's call and the outbox of those that
leave the product (engine.outbox, docs/connectors.md)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 03:00:00
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "connector_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("element", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("connector", sa.String(length=100), nullable=False),
        sa.Column("target", sa.String(length=300), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("idempotency_key", sa.String(length=36), nullable=False),
        sa.Column("params", engine.db.JSONDocument, nullable=True),
        sa.Column("answer", engine.db.JSONDocument, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("leased_until", engine.db.UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("finished_at", engine.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("idempotency_key"),
    )
    op.create_index("ix_connector_call_due", "connector_call", ["status", "next_attempt_at"])
    op.create_index("ix_connector_call_instance_id", "connector_call", ["instance_id"])


def downgrade() -> None:
    op.drop_table("connector_call")
