"""working together on a case: comments, attachments, absences, task events (delegation,
recall), saved inbox filters, the folded title tasks are searched by and the index of what
a user has done (docs/working-together.md)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 16:16:04
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.db
from engine.text import fold

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "absence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("delegate_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "process_keys",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", engine.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["delegate_id"], ["app_user.id"], name=op.f("fk_absence_delegate_id_app_user")
        ),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_absence_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_absence")),
    )
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.create_index("ix_absence_user", ["user_id", "ends_on"], unique=False)

    op.create_table(
        "saved_filter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("shared_unit_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "query",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["app_user.id"], name=op.f("fk_saved_filter_owner_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["shared_unit_id"], ["org_unit.id"], name=op.f("fk_saved_filter_shared_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_filter")),
    )
    with op.batch_alter_table("saved_filter", schema=None) as batch_op:
        batch_op.create_index("ix_saved_filter_owner", ["owner_id"], unique=False)
        batch_op.create_index("ix_saved_filter_unit", ["shared_unit_id"], unique=False)

    op.create_table(
        "case_attachment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("field", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=True),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("media_type", sa.String(length=120), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("personal_data", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("purged_at", engine.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["stored_document.id"],
            name=op.f("fk_case_attachment_document_id_stored_document"),
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instance.id"],
            name=op.f("fk_case_attachment_instance_id_process_instance"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by"], ["app_user.id"], name=op.f("fk_case_attachment_uploaded_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_attachment")),
        sa.UniqueConstraint("instance_id", "field", "version", name=op.f("uq_case_attachment_instance_id")),
    )
    with op.batch_alter_table("case_attachment", schema=None) as batch_op:
        batch_op.create_index("ix_case_attachment_instance", ["instance_id", "uploaded_at"], unique=False)

    op.create_table(
        "case_comment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("role_code", sa.String(length=100), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=12), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["app_user.id"], name=op.f("fk_case_comment_author_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instance.id"],
            name=op.f("fk_case_comment_instance_id_process_instance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_comment")),
    )
    with op.batch_alter_table("case_comment", schema=None) as batch_op:
        batch_op.create_index("ix_case_comment_instance", ["instance_id", "created_at"], unique=False)

    op.create_table(
        "task_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("from_user_id", sa.Integer(), nullable=True),
        sa.Column("to_user_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("at", engine.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"], name=op.f("fk_task_event_actor_id_app_user")),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["process_instance.id"], name=op.f("fk_task_event_instance_id_process_instance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_task_event")),
    )
    with op.batch_alter_table("task_event", schema=None) as batch_op:
        batch_op.create_index("ix_task_event_instance", ["instance_id", "at"], unique=False)

    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("search_text", sa.String(length=300), nullable=False, server_default="")
        )
        batch_op.create_index("ix_human_task_done", ["completed_by", "completed_at"], unique=False)
    _fold_titles()


def _fold_titles() -> None:
    """The tasks there are already get their folded title, a page of rows at a time."""
    tasks = sa.table(
        "human_task",
        sa.column("id", sa.String),
        sa.column("title", sa.String),
        sa.column("search_text", sa.String),
    )
    connection = op.get_bind()
    last = ""
    while True:
        rows = connection.execute(
            sa.select(tasks.c.id, tasks.c.title).where(tasks.c.id > last).order_by(tasks.c.id).limit(1000)
        ).all()
        if not rows:
            return
        connection.execute(
            tasks.update()
            .where(tasks.c.id == sa.bindparam("b_id"))
            .values(search_text=sa.bindparam("b_text")),
            [{"b_id": row.id, "b_text": fold(row.title)[:300]} for row in rows],
        )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_index("ix_human_task_done")
        batch_op.drop_column("search_text")

    with op.batch_alter_table("task_event", schema=None) as batch_op:
        batch_op.drop_index("ix_task_event_instance")

    op.drop_table("task_event")
    with op.batch_alter_table("case_comment", schema=None) as batch_op:
        batch_op.drop_index("ix_case_comment_instance")

    op.drop_table("case_comment")
    with op.batch_alter_table("case_attachment", schema=None) as batch_op:
        batch_op.drop_index("ix_case_attachment_instance")

    op.drop_table("case_attachment")
    with op.batch_alter_table("saved_filter", schema=None) as batch_op:
        batch_op.drop_index("ix_saved_filter_unit")
        batch_op.drop_index("ix_saved_filter_owner")

    op.drop_table("saved_filter")
    with op.batch_alter_table("absence", schema=None) as batch_op:
        batch_op.drop_index("ix_absence_user")

    op.drop_table("absence")
