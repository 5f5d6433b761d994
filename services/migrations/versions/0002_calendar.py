"""Working-day calendar, seeded for 2026 from Công văn 9859/VPCP-KGVX and Thông báo
9441/TB-BNV, with the swap: Mon 31/08 off, Sat 22/08 worked
(docs/deadlines.md#the-working-day-calendar-is-data).

Revision ID: 0002
Revises: 0001
"""

from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _days(first: date, last: date, name: str) -> list[dict]:
    count = (last - first).days + 1
    return [{"day": first + timedelta(days=n), "kind": "day_off", "name": name} for n in range(count)]


CALENDAR_2026 = [
    *_days(date(2026, 1, 1), date(2026, 1, 1), "Tết Dương lịch"),
    *_days(date(2026, 2, 14), date(2026, 2, 22), "Tết Nguyên đán"),
    {"day": date(2026, 4, 26), "kind": "day_off", "name": "Giỗ Tổ Hùng Vương (10/3 âm lịch)"},
    {"day": date(2026, 4, 27), "kind": "day_off", "name": "Nghỉ bù Giỗ Tổ Hùng Vương"},
    {"day": date(2026, 4, 30), "kind": "day_off", "name": "Ngày Giải phóng miền Nam, thống nhất đất nước"},
    {"day": date(2026, 5, 1), "kind": "day_off", "name": "Ngày Quốc tế Lao động"},
    {"day": date(2026, 8, 22), "kind": "working_day", "name": "Làm bù cho ngày nghỉ 31/08"},
    {"day": date(2026, 8, 31), "kind": "day_off", "name": "Nghỉ hoán đổi (làm bù thứ Bảy 22/08)"},
    *_days(date(2026, 9, 1), date(2026, 9, 2), "Quốc khánh"),
]


def upgrade() -> None:
    table = op.create_table(
        "calendar_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_day")),
    )
    op.bulk_insert(table, CALENDAR_2026)


def downgrade() -> None:
    op.drop_table("calendar_day")
