"""document templates: the versions of the template of each kind of document that
administrators upload and publish and the version a document was issued with
(docs/records.md#templates)

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 02:10:00
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_template",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=30), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", engine.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_document_template_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["stored_document.id"],
            name=op.f("fk_document_template_document_id_stored_document"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by"], ["app_user.id"], name=op.f("fk_document_template_published_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_template")),
        sa.UniqueConstraint("key", "version", name=op.f("uq_document_template_key")),
    )
    with op.batch_alter_table("outgoing_document") as batch:
        batch.add_column(sa.Column("template_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outgoing_document") as batch:
        batch.drop_column("template_version")
    op.drop_table("document_template")
