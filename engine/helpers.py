"""Functions every script, gateway condition and timer expression may call."""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, time, timedelta, timezone
from typing import Any, Callable, Iterator
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


# No legal deadline counts more days than this; it keeps every call of a day-counting
# helper short, whatever number a script passes (README.md, user code on a budget).
MAX_DAYS_COUNTED = 1000


def day_count(value) -> int:
    """A number of days a helper is asked to count, refused when out of range."""
    count = int(value)
    if not 0 <= count <= MAX_DAYS_COUNTED:
        raise ValueError(f"a number of days must be between 0 and {MAX_DAYS_COUNTED}, not {count}")
    return count


OFFICE_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICE_OPENS = time(8, 0)


def weekdays_before(due, count: int) -> str:
    """08:00 local on the ``count``-th Monday-Friday day before ``due``'s day. The
    services replace it with the working-day calendar, which knows the holidays."""
    day = as_instant(due).astimezone(OFFICE_TZ).date()
    for _ in range(day_count(count)):
        day -= timedelta(days=1)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
    return datetime.combine(day, OFFICE_OPENS, OFFICE_TZ).isoformat()


# The calendar years whose days off nobody has confirmed yet that the working-day helpers
# counted through while one due instant was computed: such a deadline is provisional
# (README.md, the working-day calendar). None outside such a computation.
_unconfirmed_years: ContextVar[set[int] | None] = ContextVar("unconfirmed_years", default=None)


def counted_unconfirmed_year(year: int) -> None:
    """Called by a working-day helper that counted days of ``year`` without confirmed data."""
    years = _unconfirmed_years.get()
    if years is not None:
        years.add(year)


@contextmanager
def unconfirmed_years_counted() -> Iterator[set[int]]:
    """The unconfirmed years the helpers called inside this block counted through."""
    years: set[int] = set()
    token = _unconfirmed_years.set(years)
    try:
        yield years
    finally:
        _unconfirmed_years.reset(token)


BASE_HELPERS: dict[str, Callable[..., Any]] = {
    "now": clock.pinned_now,
    "is_before": is_before,
    "as_instant": as_instant,
    "working_days_before": weekdays_before,
}
