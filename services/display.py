"""How instants and durations read to officers: Asia/Ho_Chi_Minh, dd/mm/yyyy HH:MM,
"còn 2 ngày 3 giờ" / "quá hạn 5 giờ"."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def local_time(instant: datetime | None) -> str:
    return instant.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M") if instant else ""


def time_left(due: datetime, at: datetime) -> str:
    """The time until ``due`` (or since, when overdue), in its two largest units."""
    seconds = int((due - at).total_seconds())
    amount = _amount(abs(seconds))
    return f"còn {amount}" if seconds > 0 else f"quá hạn {amount}"


def _amount(seconds: int) -> str:
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [(days, "ngày"), (hours, "giờ"), (minutes, "phút")]
    while parts and not parts[0][0]:
        parts.pop(0)
    shown = [f"{value} {unit}" for value, unit in parts[:2] if value]
    return " ".join(shown) or "0 phút"
