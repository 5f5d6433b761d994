"""call activities run as linked instances: the call's counter row, the start data of
children not started yet, the inbox the scheduler delivers to callers, and each child's
link to its call (docs/call-activities.md)

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 14:10:59
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.db

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("element", sa.String(length=100), nullable=False),
        sa.Column("parent_definition_id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("sequential", sa.Boolean(), nullable=False),
        sa.Column("nr_instances", sa.Integer(), nullable=False),
        sa.Column("nr_started", sa.Integer(), nullable=False),
        sa.Column("nr_active", sa.Integer(), nullable=False),
        sa.Column("nr_completed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["process_definition.id"],
            name=op.f("fk_call_activity_definition_id_process_definition"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_definition_id"],
            ["process_definition.id"],
            name=op.f("fk_call_activity_parent_definition_id_process_definition"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["process_instance.id"], name=op.f("fk_call_activity_parent_id_process_instance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_call_activity")),
        sa.UniqueConstraint("task_id", name=op.f("uq_call_activity_task_id")),
    )
    with op.batch_alter_table("call_activity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_activity_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "call_input",
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("child_index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("data", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["call_activity.id"], name=op.f("fk_call_input_call_id_call_activity")
        ),
        sa.PrimaryKeyConstraint("call_id", "child_index", name=op.f("pk_call_input")),
    )
    op.create_table(
        "instance_inbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("payload", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["call_activity.id"], name=op.f("fk_instance_inbox_call_id_call_activity")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instance.id"],
            name=op.f("fk_instance_inbox_instance_id_process_instance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_instance_inbox")),
    )
    with op.batch_alter_table("instance_inbox", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_instance_inbox_instance_id"), ["instance_id"], unique=False)

    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("call_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("child_index", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("call_output", sa.JSON().with_variant(postgresql.JSONB(), "postgresql"), nullable=True)
        )
        batch_op.create_index("ix_process_instance_call", ["call_id", "status", "child_index"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_index("ix_process_instance_call")
        batch_op.drop_column("call_output")
        batch_op.drop_column("child_index")
        batch_op.drop_column("call_id")

    with op.batch_alter_table("instance_inbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instance_inbox_instance_id"))

    op.drop_table("instance_inbox")
    op.drop_table("call_input")
    with op.batch_alter_table("call_activity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_call_activity_parent_id"))

    op.drop_table("call_activity")
