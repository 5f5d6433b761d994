"""How instants and durations read to officers: Asia/Ho_Chi_Minh, dd/mm/yyyy HH:MM,
"còn 2 ngày 3 giờ" / "quá hạn 5 giờ" (in notifications, which are written in
Vietnamese; the web pages translate through their catalogs)."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
VI_UNITS = {"day": "ngày", "hour": "giờ", "minute": "phút"}


def local_time(instant: datetime | None) -> str:
    return instant.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M") if instant else ""


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
