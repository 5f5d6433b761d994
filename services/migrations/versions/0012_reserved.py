"""reserved for a later change of the talent pipeline (empty until then)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22 06:20:00
"""

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
