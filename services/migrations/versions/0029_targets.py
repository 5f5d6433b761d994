"""targets: the figures entered for the resolution's targets and the talents' trainings
(docs/targets.md)

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06 08:30:00
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "target_figure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("measure", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.Column("document", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("entered_by", sa.Integer(), nullable=False),
        sa.Column("entered_at", engine.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["entered_by"], ["app_user.id"]),
        sa.ForeignKeyConstraint(["org_unit_id"], ["org_unit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_target_figure_lookup", "target_figure", ["org_unit_id", "year", "measure", "id"], unique=False
    )
    op.create_table(
        "talent_training",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("sci_tech", sa.Boolean(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("document", sa.String(length=200), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", engine.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["app_user.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_talent_training_person_id"), "talent_training", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_talent_training_person_id"), table_name="talent_training")
    op.drop_table("talent_training")
    op.drop_index("ix_target_figure_lookup", table_name="target_figure")
    op.drop_table("target_figure")
