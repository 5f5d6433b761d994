"""the talent database's people: person (citizen ID encrypted), status history, consents

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22 05:50:00
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("gender", sa.String(length=10), nullable=True),
        sa.Column("citizen_id_encrypted", sa.String(length=200), nullable=True),
        sa.Column("citizen_id_digest", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("anonymised_at", engine.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("citizen_id_digest", name=op.f("uq_person_citizen_id_digest")),
    )
    op.create_table(
        "consent_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("text_version", sa.String(length=60), nullable=False),
        sa.Column("given_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("withdrawn_at", engine.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_consent_record_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_record")),
    )
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_record_person_id"), ["person_id"], unique=False)

    op.create_table(
        "talent_status",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["app_user.id"], name=op.f("fk_talent_status_actor_id_app_user")
        ),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], name=op.f("fk_talent_status_person_id_person")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_talent_status")),
    )
    with op.batch_alter_table("talent_status", schema=None) as batch_op:
        batch_op.create_index("ix_talent_status_person_at", ["person_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("talent_status", schema=None) as batch_op:
        batch_op.drop_index("ix_talent_status_person_at")

    op.drop_table("talent_status")
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_record_person_id"))

    op.drop_table("consent_record")
    op.drop_table("person")
