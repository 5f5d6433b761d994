"""records office: the registers' counters, the documents sent and received, and the
abbreviation a unit signs with in document symbols (docs/records.md)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 23:02:04
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The records clerk's role, for a database whose roles were seeded before it existed.
    op.execute(
        "INSERT INTO role (code, name_vi, name_en) SELECT 'records_clerk', 'Văn thư', 'Records clerk' "
        "WHERE NOT EXISTS (SELECT 1 FROM role WHERE code = 'records_clerk')"
    )
    with op.batch_alter_table("org_unit") as batch:
        batch.add_column(sa.Column("symbol", sa.String(length=20), nullable=True))
    op.create_table(
        "register_counter",
        sa.Column("register", sa.String(length=10), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_register_counter_org_unit_id_org_unit")
        ),
        sa.PrimaryKeyConstraint(
            "register", "org_unit_id", "series", "year", name=op.f("pk_register_counter")
        ),
    )
    op.create_table(
        "outgoing_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=40), nullable=False),
        sa.Column("doc_type", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("symbol", sa.String(length=30), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("place_name", sa.String(length=100), nullable=False),
        sa.Column("content", engine.db.JSONDocument, nullable=False),
        sa.Column("case_subject", sa.String(length=120), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("code", sa.String(length=50), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("docx_id", sa.Integer(), nullable=True),
        sa.Column("pdf_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("approved_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("issued_by", sa.Integer(), nullable=True),
        sa.Column("issued_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("voided_by", sa.Integer(), nullable=True),
        sa.Column("voided_at", engine.db.UTCDateTime(), nullable=True),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["app_user.id"], name=op.f("fk_outgoing_document_approved_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_outgoing_document_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["docx_id"], ["stored_document.id"], name=op.f("fk_outgoing_document_docx_id_stored_document")
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"], ["app_user.id"], name=op.f("fk_outgoing_document_issued_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_outgoing_document_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["pdf_id"], ["stored_document.id"], name=op.f("fk_outgoing_document_pdf_id_stored_document")
        ),
        sa.ForeignKeyConstraint(
            ["voided_by"], ["app_user.id"], name=op.f("fk_outgoing_document_voided_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outgoing_document")),
        sa.UniqueConstraint(
            "org_unit_id", "series", "year", "number", name=op.f("uq_outgoing_document_org_unit_id")
        ),
    )
    with op.batch_alter_table("outgoing_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outgoing_document_case_subject"), ["case_subject"], unique=False)
        batch_op.create_index(batch_op.f("ix_outgoing_document_org_unit_id"), ["org_unit_id"], unique=False)

    op.create_table(
        "incoming_document",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_unit_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("received_at", engine.db.UTCDateTime(), nullable=False),
        sa.Column("sender_name", sa.String(length=300), nullable=False),
        sa.Column("sender_code", sa.String(length=50), nullable=False),
        sa.Column("sender_issued_on", sa.Date(), nullable=False),
        sa.Column("subject", sa.String(length=500), nullable=False),
        sa.Column("outgoing_id", sa.Integer(), nullable=True),
        sa.Column("case_subject", sa.String(length=120), nullable=True),
        sa.Column("registered_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["org_unit_id"], ["org_unit.id"], name=op.f("fk_incoming_document_org_unit_id_org_unit")
        ),
        sa.ForeignKeyConstraint(
            ["outgoing_id"],
            ["outgoing_document.id"],
            name=op.f("fk_incoming_document_outgoing_id_outgoing_document"),
        ),
        sa.ForeignKeyConstraint(
            ["registered_by"], ["app_user.id"], name=op.f("fk_incoming_document_registered_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incoming_document")),
        sa.UniqueConstraint("org_unit_id", "year", "number", name=op.f("uq_incoming_document_org_unit_id")),
    )
    with op.batch_alter_table("incoming_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_incoming_document_case_subject"), ["case_subject"], unique=False)
        batch_op.create_index(batch_op.f("ix_incoming_document_org_unit_id"), ["org_unit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("incoming_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incoming_document_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_incoming_document_case_subject"))

    op.drop_table("incoming_document")
    with op.batch_alter_table("outgoing_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outgoing_document_org_unit_id"))
        batch_op.drop_index(batch_op.f("ix_outgoing_document_case_subject"))

    op.drop_table("outgoing_document")
    op.drop_table("register_counter")
    with op.batch_alter_table("org_unit") as batch:
        batch.drop_column("symbol")
    op.execute("DELETE FROM role WHERE code = 'records_clerk'")
