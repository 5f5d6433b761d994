"""process drafts edited in the browser; forms keep their key order on PostgreSQL

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 05:40:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import engine.db

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "process_draft",
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("bpmn_xml", sa.Text(), nullable=False),
        sa.Column("forms", sa.JSON(), nullable=False),
        sa.Column("meta", JSON, nullable=False),
        sa.Column("base_version", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=False),
        sa.Column("updated_at", engine.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["app_user.id"], name=op.f("fk_process_draft_updated_by_app_user")
        ),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_process_draft")),
    )
    if op.get_bind().dialect.name == "postgresql":  # JSONB reorders keys, and so a form's fields
        op.alter_column("process_definition", "forms", type_=sa.JSON(), postgresql_using="forms::json")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column("process_definition", "forms", type_=JSON, postgresql_using="forms::jsonb")
    op.drop_table("process_draft")
