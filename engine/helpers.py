"""Functions every script, gateway condition and timer expression may call."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from engine import clock


def as_instant(value) -> datetime:
    """An ISO 8601 string (or datetime) as an aware UTC datetime; naive means UTC."""
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(timezone.utc)


def is_before(first, second) -> bool:
    return as_instant(first) < as_instant(second)


OFFICE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICE_OPENS = time(8, 0)


def weekdays_before(due, count: int) -> str:
    """08:00 local on the ``count``-th Monday-Friday day before ``due``'s day. The
    services replace it with the working-day calendar, which knows the holidays."""
    day = as_instant(due).astimezone(OFFICE_TZ).date()
    for _ in range(int(count)):
        day -= timedelta(days=1)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
    return datetime.combine(day, OFFICE_OPENS, OFFICE_TZ).isoformat()


BASE_HELPERS = {"now": clock.pinned_now, "is_before": is_before, "as_instant": as_instant,
                "working_days_before": weekdays_before}
