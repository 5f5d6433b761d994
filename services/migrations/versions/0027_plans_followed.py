"""plans followed to the end: the plan's columns and instance, each unit's task instance and
standing, reports and amendments (docs/plans.md#followed-to-the-end)

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 05:00:00
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan") as batch:
        batch.add_column(sa.Column("columns", engine.db.JSONDocument, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("instance_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("issued_at", engine.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("follow_until", sa.Date(), nullable=True))
    with op.batch_alter_table("plan_task") as batch:
        batch.add_column(sa.Column("amendment_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("approver_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("plan_task_unit") as batch:
        batch.add_column(sa.Column("instance_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("officer_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("status", sa.String(length=12), nullable=False, server_default="pending"))
        batch.add_column(sa.Column("period_end", engine.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("due_at", engine.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("deadline_at", engine.db.UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("late", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("closed_at", engine.db.UTCDateTime(), nullable=True))
        batch.create_index(batch.f("ix_plan_task_unit_instance_id"), ["instance_id"], unique=False)
    op.create_table(
        "plan_report",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=False),
        sa.Column("period_end", engine.db.UTCDateTime(), nullable=True),
        sa.Column("due_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("sent_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("sent_by", sa.Integer(), nullable=True),
        sa.Column("progress", sa.Text(), nullable=False),
        sa.Column("finished", sa.Boolean(), nullable=False),
        sa.Column("deliverable_note", sa.Text(), nullable=False),
        sa.Column("attachment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["assignment_id"], ["plan_task_unit.id"], name=op.f("fk_plan_report_assignment_id_plan_task_unit")
        ),
        sa.ForeignKeyConstraint(["sent_by"], ["app_user.id"], name=op.f("fk_plan_report_sent_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_report")),
    )
    with op.batch_alter_table("plan_report") as batch:
        batch.create_index(batch.f("ix_plan_report_assignment_id"), ["assignment_id"], unique=False)
    op.create_table(
        "plan_amendment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_plan_amendment_plan_id_plan")),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_plan_amendment_created_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_amendment")),
    )
    with op.batch_alter_table("plan_amendment") as batch:
        batch.create_index(batch.f("ix_plan_amendment_plan_id"), ["plan_id"], unique=False)


def downgrade() -> None:
    op.drop_table("plan_amendment")
    op.drop_table("plan_report")
    with op.batch_alter_table("plan_task_unit") as batch:
        batch.drop_index(batch.f("ix_plan_task_unit_instance_id"))
        for column in (
            "closed_at",
            "late",
            "deadline_at",
            "due_at",
            "period_end",
            "status",
            "officer_id",
            "instance_id",
        ):
            batch.drop_column(column)
    with op.batch_alter_table("plan_task") as batch:
        batch.drop_column("approver_id")
        batch.drop_column("amendment_id")
    with op.batch_alter_table("plan") as batch:
        for column in ("follow_until", "issued_at", "instance_id", "columns"):
            batch.drop_column(column)
