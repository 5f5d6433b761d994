"""escalations: task alert cursor, escalation records, absences and acting holders, job runs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 04:01:14.777888
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.db

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job_run",
        sa.Column("job", sa.String(length=60), nullable=False),
        sa.Column("period", sa.String(length=30), nullable=False),
        sa.Column("done_at", engine.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("job", "period", name=op.f("pk_job_run")),
    )
    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("due_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("escalated_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column(
            "recipient_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["process_instance.id"], name=op.f("fk_escalation_instance_id_process_instance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation")),
        sa.UniqueConstraint("task_id", "level", name=op.f("uq_escalation_task_id")),
    )
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_instance_id"), ["instance_id"], unique=False)

    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.add_column(sa.Column("absent_until", engine.db.UTCDateTime(), nullable=True))

    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_alert_at", engine.db.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("alert_stage", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_index("ix_human_task_next_alert", ["next_alert_at"], unique=False)

    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acting", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_column("acting")

    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_index("ix_human_task_next_alert")
        batch_op.drop_column("alert_stage")
        batch_op.drop_column("next_alert_at")

    with op.batch_alter_table("app_user", schema=None) as batch_op:
        batch_op.drop_column("absent_until")

    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_instance_id"))

    op.drop_table("escalation")
    op.drop_table("job_run")
