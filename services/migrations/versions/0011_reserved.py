"""reserved for a later change of the talent pipeline (empty until then)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 06:20:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
