"""decision tables: the DMN files of each published version and of each draft
(docs/decision-tables.md)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 02:00:00
"""

import sqlalchemy as sa
from alembic import op

import engine.db

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("process_definition", "process_draft"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(
                sa.Column("decisions", engine.db.OrderedJSONDocument, nullable=False, server_default="{}")
            )


def downgrade() -> None:
    for table in ("process_draft", "process_definition"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("decisions")
