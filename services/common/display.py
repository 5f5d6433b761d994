"""How instants and durations read to officers: Asia/Ho_Chi_Minh, dd/mm/yyyy HH:MM,
"còn 2 ngày 3 giờ" / "quá hạn 5 giờ", deadlines in the law's words ("trước 12 giờ ngày
14/01/2027", "hết ngày 14/01/2027") (in documents, which are written in Vietnamese, and the
CLI). The same as messages for the texts said to people in their language, notifications
included (docs/languages.md): ``deadline_message``, ``time_left_message``, ``in_lines``;
``in_language`` words a message outside a page (e-mail, the CLI)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.support import NullTranslations, Translations

from engine.messages import Message

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
VI_UNITS = {"day": "ngày", "hour": "giờ", "minute": "phút"}
# The message catalogs the pages use, read by what speaks outside a page (e-mail, the CLI).
CATALOGS = Path(__file__).resolve().parents[2] / "web" / "translations"


def local_day(instant: datetime) -> date:
    """The day an instant falls on in Vietnam."""
    return instant.astimezone(LOCAL_TZ).date()


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


def deadline_message(instant: datetime) -> Message:
    """The deadline in the law's words (see ``deadline_parts``), as a message."""
    day, at = deadline_parts(instant)
    if at is None:
        return Message("by the end of %(day)s", day=f"{day:%d/%m/%Y}")
    hour = (
        Message("%(hour)s:%(minute)s", hour=str(at.hour), minute=f"{at.minute:02d}")
        if at.minute
        else Message("%(hour)s:00", hour=str(at.hour))
    )
    return Message("before %(hour)s on %(day)s", hour=hour, day=f"{day:%d/%m/%Y}")


def time_left_message(due: datetime, at: datetime) -> Message:
    """The time until ``due`` (or since, when overdue), as a message."""
    seconds = int((due - at).total_seconds())
    amounts = [_amount(unit, count) for unit, count in largest_units(seconds)] or [_amount("minute", 0)]
    amount = (
        amounts[0]
        if len(amounts) == 1
        else Message("%(larger)s %(smaller)s", larger=amounts[0], smaller=amounts[1])
    )
    return (
        Message("%(amount)s left", amount=amount)
        if seconds > 0
        else Message("overdue %(amount)s", amount=amount)
    )


# Each unit's words, one and many: templates, given their count by ``_amount``.
_UNIT_WORDS = {
    "day": (Message("%(count)s day"), Message("%(count)s days")),
    "hour": (Message("%(count)s hour"), Message("%(count)s hours")),
    "minute": (Message("%(count)s minute"), Message("%(count)s minutes")),
}


def _amount(unit: str, count: int) -> Message:
    return Message(_UNIT_WORDS[unit][count != 1].template, count=str(count))


def in_lines(first: str, *others: str) -> str:
    """Texts one per line, each still translatable: a message of the first and the rest."""
    if not others:
        return first
    return Message("%(line)s\n%(rest)s", line=first, rest=in_lines(*others))


def joined(parts: list[Message], separator: str) -> Message:
    """Messages one after the other (``"; "`` between them), each still translatable."""
    if len(parts) == 1:
        return parts[0]
    rest = joined(parts[1:], separator)
    return Message("%(first)s%(separator)s%(rest)s", first=parts[0], separator=separator, rest=rest)


def in_language(text: object, language: str) -> str:
    """A message in ``language`` from the message catalogs, as ``web.i18n.say`` words it
    for a page; any other text as it is."""
    if not isinstance(text, Message):
        return str(text)
    template = _catalog(language).gettext(text.template)
    if not text.params:
        return template
    params = text.params.items()
    return template % {name: in_language(v, language) if isinstance(v, Message) else v for name, v in params}


@lru_cache
def _catalog(language: str) -> NullTranslations:
    return Translations.load(str(CATALOGS), [language])
