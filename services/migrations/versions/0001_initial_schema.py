"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 02:33:48.488330
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.db

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=300), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_app_user")),
        sa.UniqueConstraint("username", name=op.f("uq_app_user_username")),
    )
    op.create_table(
        "org_unit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("commune_id", sa.Integer(), nullable=True),
        sa.Column("bloc", sa.String(length=20), nullable=False),
        sa.Column("in_scope", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["org_unit.id"], name=op.f("fk_org_unit_commune_id_org_unit")
        ),
        sa.ForeignKeyConstraint(["parent_id"], ["org_unit.id"], name=op.f("fk_org_unit_parent_id_org_unit")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_org_unit")),
        sa.UniqueConstraint("code", name=op.f("uq_org_unit_code")),
    )
    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_org_unit_commune_id"), ["commune_id"], unique=False)

    op.create_table(
        "process_definition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("bpmn_xml", sa.Text(), nullable=False),
        sa.Column(
            "forms",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "meta",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_definition")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_process_definition_key")),
    )
    with op.batch_alter_table("process_definition", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_process_definition_key"), ["key"], unique=False)

    op.create_table(
        "role",
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name_vi", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_role")),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("subject", sa.String(length=120), nullable=False),
        sa.Column(
            "details",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["app_user.id"], name=op.f("fk_audit_event_actor_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_event")),
    )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_event_subject"), ["subject"], unique=False)

    op.create_table(
        "membership",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("role_code", sa.String(length=50), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_membership_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(["role_code"], ["role.code"], name=op.f("fk_membership_role_code_role")),
        sa.ForeignKeyConstraint(["user_id"], ["app_user.id"], name=op.f("fk_membership_user_id_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership")),
        sa.UniqueConstraint("user_id", "org_unit_id", "role_code", name=op.f("uq_membership_user_id")),
    )
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.create_index("ix_membership_role_org", ["role_code", "org_unit_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_membership_user_id"), ["user_id"], unique=False)

    op.create_table(
        "process_instance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("definition_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=100), nullable=False),
        sa.Column("business_key", sa.String(length=200), nullable=True),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column(
            "lane_orgs",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("serialization", sa.LargeBinary(), nullable=False),
        sa.Column("next_timer_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("updated_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("completed_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["definition_id"],
            ["process_definition.id"],
            name=op.f("fk_process_instance_definition_id_process_definition"),
        ),
        sa.ForeignKeyConstraint(
            ["parent_id"],
            ["process_instance.id"],
            name=op.f("fk_process_instance_parent_id_process_instance"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_process_instance")),
    )
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_process_instance_business_key"), ["business_key"], unique=False)
        batch_op.create_index("ix_process_instance_due", ["next_timer_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_process_instance_parent_id"), ["parent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_process_instance_process_key"), ["process_key"], unique=False)

    op.create_table(
        "campaign",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("commune_id", sa.Integer(), nullable=False),
        sa.Column("aggregator_id", sa.Integer(), nullable=False),
        sa.Column("launch_doc", sa.String(length=60), nullable=True),
        sa.Column("target_year", sa.Integer(), nullable=False),
        sa.Column("period_from", sa.Integer(), nullable=False),
        sa.Column("period_to", sa.Integer(), nullable=False),
        sa.Column("unit_deadline", engine.db.UTCDateTime(), nullable=False),
        sa.Column("city_deadline", engine.db.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("opened_by", sa.Integer(), nullable=False),
        sa.Column("opened_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column(
            "aggregation",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column("aggregated_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("city_deadline_missed_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("dispatch_number", sa.String(length=60), nullable=True),
        sa.Column("dispatch_date", sa.Date(), nullable=True),
        sa.Column("submitted_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column(
            "submission",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["aggregator_id"], ["org_unit.id"], name=op.f("fk_campaign_aggregator_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["commune_id"], ["org_unit.id"], name=op.f("fk_campaign_commune_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["process_instance.id"], name=op.f("fk_campaign_instance_id_process_instance")
        ),
        sa.ForeignKeyConstraint(["opened_by"], ["app_user.id"], name=op.f("fk_campaign_opened_by_app_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign")),
    )
    op.create_table(
        "human_task",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=False),
        sa.Column("process_key", sa.String(length=100), nullable=False),
        sa.Column("task_name", sa.String(length=100), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("lane", sa.String(length=100), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("form_key", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("due_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("completed_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("completed_by", sa.Integer(), nullable=True),
        sa.Column(
            "completed_data",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"], ["process_instance.id"], name=op.f("fk_human_task_instance_id_process_instance")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_human_task")),
    )
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.create_index("ix_human_task_assignee", ["assignee_id", "status", "due_at"], unique=False)
        batch_op.create_index("ix_human_task_instance", ["instance_id", "status"], unique=False)
        batch_op.create_index(
            "ix_human_task_queue", ["status", "lane", "org_unit_id", "due_at"], unique=False
        )

    op.create_table(
        "unit_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("received_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("closed_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("late_accepted_by", sa.Integer(), nullable=True),
        sa.Column("late_accepted_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("late_accepted_reason", sa.Text(), nullable=True),
        sa.Column("updated_at", engine.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaign.id"], name=op.f("fk_unit_proposal_campaign_id_campaign")
        ),
        sa.ForeignKeyConstraint(
            ["instance_id"],
            ["process_instance.id"],
            name=op.f("fk_unit_proposal_instance_id_process_instance"),
        ),
        sa.ForeignKeyConstraint(
            ["late_accepted_by"], ["app_user.id"], name=op.f("fk_unit_proposal_late_accepted_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_unit_proposal_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["app_user.id"], name=op.f("fk_unit_proposal_submitted_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_proposal")),
        sa.UniqueConstraint("campaign_id", "org_unit_id", name=op.f("uq_unit_proposal_campaign_id")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_unit_proposal_instance_id")),
    )
    with op.batch_alter_table("unit_proposal", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_unit_proposal_campaign_id"), ["campaign_id"], unique=False)

    op.create_table(
        "proposal_line",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposal_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("major", sa.String(length=200), nullable=False),
        sa.Column("specialisation", sa.String(length=200), nullable=True),
        sa.Column(
            "training_institutions",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("institution_tier", sa.String(length=40), nullable=True),
        sa.Column("criteria", sa.Text(), nullable=False),
        sa.Column("target_group", sa.String(length=60), nullable=False),
        sa.Column("job_position", sa.String(length=200), nullable=False),
        sa.Column("employee_category", sa.String(length=40), nullable=True),
        sa.Column("quantity_year", sa.Integer(), nullable=False),
        sa.Column("quantity_period", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposal_id"], ["unit_proposal.id"], name=op.f("fk_proposal_line_proposal_id_unit_proposal")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_proposal_line")),
    )
    with op.batch_alter_table("proposal_line", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_proposal_line_proposal_id"), ["proposal_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("proposal_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_proposal_line_proposal_id"))

    op.drop_table("proposal_line")
    with op.batch_alter_table("unit_proposal", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_unit_proposal_campaign_id"))

    op.drop_table("unit_proposal")
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_index("ix_human_task_queue")
        batch_op.drop_index("ix_human_task_instance")
        batch_op.drop_index("ix_human_task_assignee")

    op.drop_table("human_task")
    op.drop_table("campaign")
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_instance_process_key"))
        batch_op.drop_index(batch_op.f("ix_process_instance_parent_id"))
        batch_op.drop_index("ix_process_instance_due")
        batch_op.drop_index(batch_op.f("ix_process_instance_business_key"))

    op.drop_table("process_instance")
    with op.batch_alter_table("membership", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_user_id"))
        batch_op.drop_index("ix_membership_role_org")

    op.drop_table("membership")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_event_subject"))
        batch_op.drop_index(batch_op.f("ix_audit_event_at"))

    op.drop_table("audit_event")
    op.drop_table("role")
    with op.batch_alter_table("process_definition", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_process_definition_key"))

    op.drop_table("process_definition")
    with op.batch_alter_table("org_unit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_unit_commune_id"))

    op.drop_table("org_unit")
    op.drop_table("app_user")
