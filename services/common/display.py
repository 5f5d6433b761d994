"""How instants and durations read to officers: Asia/Ho_Chi_Minh, dd/mm/yyyy HH:MM,
"còn 2 ngày 3 giờ" / "quá hạn 5 giờ", deadlines in the law's words ("trước 12 giờ ngày
14/01/2027", "hết ngày 14/01/2027") (in notifications and documents, which are written
in Vietnamese; the web pages translate through their catalogs)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
VI_UNITS = {"day": "ngày", "hour": "giờ", "minute": "phút"}


def local_time(instant: datetime | None) -> str:
    return instant.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M") if instant else ""


def deadline_parts(instant: datetime) -> tuple[date, time | None]:
    """A deadline as the law words it: an instant at 00:00 local is the end of the day
    before ("hết ngày 14/01/2027", what "trước ngày 15/01/2027" means), any other is
    before a time of its day ("trước 12 giờ ngày 14/01/2027"). Returns the day, and the
    time or None for the end of the day."""
    local = instant.astimezone(LOCAL_TZ)
    if local.time() == time(0):
        return local.date() - timedelta(days=1), None
    return local.date(), local.time()


def deadline_words(instant: datetime | None) -> str:
    """The deadline in Vietnamese, in the law's words (see ``deadline_parts``)."""
    if instant is None:
        return ""
    day, at = deadline_parts(instant)
    if at is None:
        return f"hết ngày {day:%d/%m/%Y}"
    return f"trước {at.hour} giờ{f' {at.minute:02d}' if at.minute else ''} ngày {day:%d/%m/%Y}"


def largest_units(seconds: int) -> list[tuple[str, int]]:
    """A duration as its two largest non-zero units of days, hours, minutes."""
    days, rest = divmod(abs(seconds), 86400)
    parts = [("day", days), ("hour", rest // 3600), ("minute", rest % 3600 // 60)]
    while parts and not parts[0][1]:
        parts.pop(0)
    return [(unit, count) for unit, count in parts[:2] if count]


def time_left(due: datetime, at: datetime) -> str:
    """The time until ``due`` (or since, when overdue)."""
    seconds = int((due - at).total_seconds())
    amount = " ".join(f"{count} {VI_UNITS[unit]}" for unit, count in largest_units(seconds)) or "0 phút"
    return f"còn {amount}" if seconds > 0 else f"quá hạn {amount}"
