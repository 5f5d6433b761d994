"""reserved for a later change of the talent pipeline (empty until then)

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22 06:20:00
"""
from alembic import op
import sqlalchemy as sa
import engine.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
