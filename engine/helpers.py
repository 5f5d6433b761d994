"""Functions every script, gateway condition and timer expression may call."""
from __future__ import annotations

from datetime import datetime, timezone

from engine import clock


def as_instant(value) -> datetime:
    """An ISO 8601 string (or datetime) as an aware UTC datetime; naive means UTC."""
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(timezone.utc)


def is_before(first, second) -> bool:
    return as_instant(first) < as_instant(second)


BASE_HELPERS = {"now": clock.pinned_now, "is_before": is_before, "as_instant": as_instant}
