"""plans: a plan or resolution with an assignment table, its tasks, their units by role and
their products (docs/plans.md)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 02:40:00
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("doc_type", sa.String(length=30), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("issuer_text", sa.String(length=300), nullable=False),
        sa.Column("superior_text", sa.String(length=300), nullable=False),
        sa.Column("issuer_id", sa.Integer(), nullable=True),
        sa.Column("province_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=100), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("source_document_id", sa.Integer(), nullable=True),
        sa.Column("notes", engine.db.JSONDocument, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by"], ["app_user.id"], name=op.f("fk_plan_created_by_app_user")),
        sa.ForeignKeyConstraint(["issuer_id"], ["org_unit.id"], name=op.f("fk_plan_issuer_id_org_unit")),
        sa.ForeignKeyConstraint(["province_id"], ["org_unit.id"], name=op.f("fk_plan_province_id_org_unit")),
        sa.ForeignKeyConstraint(
            ["source_document_id"],
            ["stored_document.id"],
            name=op.f("fk_plan_source_document_id_stored_document"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan")),
    )
    op.create_table(
        "plan_task",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("leaders", engine.db.JSONDocument, nullable=False),
        sa.Column("time_text", sa.Text(), nullable=False),
        sa.Column("time_rule", engine.db.JSONDocument, nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("notes", engine.db.JSONDocument, nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["plan.id"], name=op.f("fk_plan_task_plan_id_plan")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_task")),
    )
    with op.batch_alter_table("plan_task") as batch:
        batch.create_index(batch.f("ix_plan_task_plan_id"), ["plan_id"], unique=False)
    op.create_table(
        "plan_task_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column("words", sa.String(length=300), nullable=False),
        sa.Column("unit_class", sa.String(length=30), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_plan_task_unit_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["plan_task.id"], name=op.f("fk_plan_task_unit_task_id_plan_task")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_task_unit")),
    )
    with op.batch_alter_table("plan_task_unit") as batch:
        batch.create_index(batch.f("ix_plan_task_unit_task_id"), ["task_id"], unique=False)
    op.create_table(
        "plan_deliverable",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("time_text", sa.Text(), nullable=False),
        sa.Column("time_rule", engine.db.JSONDocument, nullable=True),
        sa.ForeignKeyConstraint(
            ["task_id"], ["plan_task.id"], name=op.f("fk_plan_deliverable_task_id_plan_task")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_deliverable")),
    )
    with op.batch_alter_table("plan_deliverable") as batch:
        batch.create_index(batch.f("ix_plan_deliverable_task_id"), ["task_id"], unique=False)


def downgrade() -> None:
    op.drop_table("plan_deliverable")
    op.drop_table("plan_task_unit")
    op.drop_table("plan_task")
    op.drop_table("plan")
