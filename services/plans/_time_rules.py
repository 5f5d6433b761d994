"""The time of a plan's task as its document writes it ("Quý III/2026", "Hằng năm", "Trước
ngày 30/11 hằng năm", "Thường xuyên"...), parsed into a rule, and the due instants the rule
gives on the legal calendar (docs/plans.md#time-rules).

A date or period the document states is fixed: "Quý III/2029" is due at the end of
30/09/2029 even though it is a Sunday, "trước ngày 30/11" at 00:00 of 30/11. A due day the
product computes (the default cut-offs of a yearly or six-monthly task, 15/06 and 15/12)
follows the Civil Code: one falling on a day off moves to the next working day."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from engine.messages import Message
from services.common.display import LOCAL_TZ

ABSOLUTE = "absolute"  # "trước 12 giờ ngày 14/01/2027", "hết ngày 14/01/2027"
BEFORE_DATE = "before_date"  # "trước ngày 15/01/2027": 00:00 of that day
WITHIN_PERIOD = "within_period"  # "Tháng 6/2026", "Quý III/2026", "Năm 2025": the period's end
RANGE = "range"  # "2026-2030", "Giai đoạn 2030 - 2050": active over the years, due at the end
ANNUAL = "annual"  # "Hằng năm", "Định kỳ hằng năm": each year, at the yearly cut-off
ANNUAL_BEFORE = "annual_before"  # "Trước ngày 30/11 hằng năm": each year, before that day
SEMIANNUAL = "semiannual"  # "Định kỳ 6 tháng và hằng năm": the six-monthly and yearly cut-offs
CONTINUOUS = "continuous"  # "Thường xuyên": no due date, reports at the plan's cadence
EVENT = "event"  # "Khi tuyển dụng, tiếp nhận", "Sau khi có quyết định...": opens on the event
ON_REQUEST = "on_request"  # "Theo yêu cầu": opens on a request, which sets its due date
PER_PLAN = "per_plan"  # "Theo kế hoạch": follows the plan or round it names
SEVERAL = "several"  # "Năm 2025 Giai đoạn 2030 - 2050": each part in turn

# What each kind means, for the officer checking an import.
RULE_WORDS = {
    ABSOLUTE: Message("at a set time"),
    BEFORE_DATE: Message("before a set day"),
    WITHIN_PERIOD: Message("within a period"),
    RANGE: Message("over several years"),
    ANNUAL: Message("each year"),
    ANNUAL_BEFORE: Message("each year, before a set day"),
    SEMIANNUAL: Message("each six months and each year"),
    CONTINUOUS: Message("continuously"),
    EVENT: Message("when an event happens"),
    ON_REQUEST: Message("on request"),
    PER_PLAN: Message("as the plan it follows"),
    SEVERAL: Message("in several parts"),
}

# The cut-offs the product computes (moved past a day off): six-monthly and yearly.
HALF_YEAR_CUTOFF, YEAR_CUTOFF = (6, 15), (12, 15)

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


@dataclass(frozen=True)
class TimeRule:
    kind: str
    text: str  # as the document writes it
    first: date | None = None  # a period's first day
    last: date | None = None  # a period's last day; before_date: the day it is due before
    at: datetime | None = None  # absolute
    month_day: tuple[int, int] | None = None  # annual_before: (month, day)
    parts: tuple[TimeRule, ...] = field(default=())  # several

    def to_json(self) -> dict:
        data: dict = {"kind": self.kind, "text": self.text}
        if self.first:
            data["first"] = self.first.isoformat()
        if self.last:
            data["last"] = self.last.isoformat()
        if self.at:
            data["at"] = self.at.isoformat()
        if self.month_day:
            data["month_day"] = list(self.month_day)
        if self.parts:
            data["parts"] = [part.to_json() for part in self.parts]
        return data

    @classmethod
    def from_json(cls, data: dict) -> TimeRule:
        return cls(
            kind=data["kind"],
            text=data["text"],
            first=date.fromisoformat(data["first"]) if "first" in data else None,
            last=date.fromisoformat(data["last"]) if "last" in data else None,
            at=datetime.fromisoformat(data["at"]) if "at" in data else None,
            month_day=tuple(data["month_day"]) if "month_day" in data else None,
            parts=tuple(cls.from_json(part) for part in data.get("parts", [])),
        )


@dataclass(frozen=True)
class Due:
    """One due instant of a rule: ``at`` is exclusive (the instant the task is late)."""

    at: datetime
    fixed: bool  # stated by the document (never moved) or computed (moved past a day off)


# -- parsing ----------------------------------------------------------------------------------


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[\u2010-\u2015]", "-", text)  # dashes of every width
    return re.sub(r"\s+", " ", text).strip(" .;:")


_EVERY_YEAR = r"(?:hằng|hàng) năm"
_DATE = r"(\d{1,2})/(\d{1,2})/(\d{4})"
_PATTERNS: list[tuple[re.Pattern, str]] = [
    (re.compile(rf"^(?:hoàn thành )?trước (\d{{1,2}}) ?(?:giờ|h) ?(\d{{2}})? ngày {_DATE}$"), ABSOLUTE),
    (re.compile(rf"^(?:hoàn thành )?(?:trong )?hết ngày {_DATE}$"), "end_of_day"),
    (re.compile(rf"^(?:hoàn thành )?trước ngày {_DATE}$"), BEFORE_DATE),
    (
        re.compile(rf"^(?:định kỳ )?trước ngày (\d{{1,2}})(?:/| tháng )(\d{{1,2}}),? {_EVERY_YEAR}$"),
        ANNUAL_BEFORE,
    ),
    (re.compile(r"^(?:hoàn thành )?(?:trong )?quý (iv|iii|ii|i|[1-4])/(\d{4})$"), "quarter"),
    (re.compile(r"^(?:hoàn thành )?(?:trong )?tháng (\d{1,2})/(\d{4})$"), "month"),
    (re.compile(r"^(?:hoàn thành )?(?:trong )?năm (\d{4})$"), "year"),
    (re.compile(r"^(?:năm |giai đoạn |từ năm )?(\d{4}) ?(?:-|đến(?: năm)?) ?(\d{4})$"), RANGE),
    (re.compile(rf"^(?:định kỳ )?6 tháng(?:,| và| và định kỳ) {_EVERY_YEAR}$"), SEMIANNUAL),
    (re.compile(rf"^(?:thực hiện )?(?:định kỳ )?{_EVERY_YEAR}$"), ANNUAL),
    (re.compile(r"^(?:thực hiện )?thường xuyên(?:, liên tục)?$"), CONTINUOUS),
    (re.compile(r"^(?:khi có yêu cầu|theo yêu cầu)$"), ON_REQUEST),
    (re.compile(r"^(?:khi|sau khi) .+$"), EVENT),
    (re.compile(r"^theo kế hoạch$"), PER_PLAN),
]
# Where a text of several rules splits: a new line, ";", or before "Giai đoạn" / "Năm".
_SPLIT = re.compile(r"\s*(?:\n|;)\s*|\s+(?=giai đoạn |năm \d{4})", re.IGNORECASE)


def parse(text: str) -> TimeRule | None:
    """The rule of ``text``; None when it is not understood (the officer sets it)."""
    rule = _one(text)
    if rule is not None:
        return rule
    pieces = [piece for piece in _SPLIT.split(text.strip()) if piece.strip()]
    if len(pieces) < 2:
        return None
    parts = [_one(piece) for piece in pieces]
    if any(part is None for part in parts):
        return None
    return TimeRule(SEVERAL, text.strip(), parts=tuple(part for part in parts if part is not None))


def _one(text: str) -> TimeRule | None:
    normal, written = _normal(text), text.strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(normal)
        if match is None:
            continue
        try:
            return _rule(kind, written, match.groups())
        except ValueError:  # 31/02, month 13: not a date, so not understood
            return None
    return None


def _rule(kind: str, text: str, groups: tuple) -> TimeRule:
    if kind == ABSOLUTE:
        hour, minute, day, month, year = groups
        at = datetime.combine(
            date(int(year), int(month), int(day)), time(int(hour), int(minute or 0)), LOCAL_TZ
        )
        return TimeRule(ABSOLUTE, text, at=at)
    if kind == "end_of_day":
        day = date(int(groups[2]), int(groups[1]), int(groups[0]))
        return TimeRule(ABSOLUTE, text, at=_end_of_day(day))
    if kind == BEFORE_DATE:
        return TimeRule(BEFORE_DATE, text, last=date(int(groups[2]), int(groups[1]), int(groups[0])))
    if kind == ANNUAL_BEFORE:
        day, month = int(groups[0]), int(groups[1])
        date(2024, month, day)  # a day of some year (29/02 included)
        return TimeRule(ANNUAL_BEFORE, text, month_day=(month, day))
    if kind == "quarter":
        quarter, year = _ROMAN.get(groups[0]) or int(groups[0]), int(groups[1])
        first = date(year, 3 * quarter - 2, 1)
        return TimeRule(WITHIN_PERIOD, text, first=first, last=_month_end(year, 3 * quarter))
    if kind == "month":
        month, year = int(groups[0]), int(groups[1])
        return TimeRule(WITHIN_PERIOD, text, first=date(year, month, 1), last=_month_end(year, month))
    if kind == "year":
        year = int(groups[0])
        return TimeRule(WITHIN_PERIOD, text, first=date(year, 1, 1), last=date(year, 12, 31))
    if kind == RANGE:
        start, end = int(groups[0]), int(groups[1])
        if end < start:
            raise ValueError("a range ends before it starts")
        return TimeRule(RANGE, text, first=date(start, 1, 1), last=date(end, 12, 31))
    return TimeRule(kind, text)


def _month_end(year: int, month: int) -> date:
    return (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)


def _end_of_day(day: date) -> datetime:
    return datetime.combine(day + timedelta(days=1), time(0), LOCAL_TZ)


# -- due instants ----------------------------------------------------------------------------


def due_dates(rule: TimeRule, calendar, start: date, end: date) -> list[Due]:
    """The instants the rule makes the task due on, for a task followed from ``start`` to
    ``end`` (the plan's horizon), in order. ``calendar``: services.deadlines' working
    calendar (``is_working_day``, ``next_working_day``). A continuous, event-triggered,
    on-request or per-plan task has none of its own."""
    found = _own_dues(rule, calendar, start, end)
    for part in rule.parts:
        found.extend(due_dates(part, calendar, start, end))
    since, until = datetime.combine(start, time(0), LOCAL_TZ), _end_of_day(end)
    return sorted((due for due in found if due.fixed or since < due.at <= until), key=lambda due: due.at)


def _own_dues(rule: TimeRule, calendar, start: date, end: date) -> list[Due]:
    years = range(start.year, end.year + 1)
    if rule.kind == ABSOLUTE and rule.at is not None:
        return [Due(rule.at, fixed=True)]
    if rule.kind == BEFORE_DATE and rule.last is not None:
        return [Due(datetime.combine(rule.last, time(0), LOCAL_TZ), fixed=True)]
    if rule.kind in (WITHIN_PERIOD, RANGE) and rule.last is not None:
        return [Due(_end_of_day(rule.last), fixed=True)]
    if rule.kind == ANNUAL_BEFORE and rule.month_day is not None:
        month, day = rule.month_day
        return [
            Due(datetime.combine(date(year, month, day), time(0), LOCAL_TZ), fixed=True)
            for year in years
            if (month, day) != (2, 29) or _is_leap(year)
        ]
    if rule.kind in (ANNUAL, SEMIANNUAL):
        cutoffs = (YEAR_CUTOFF,) if rule.kind == ANNUAL else (HALF_YEAR_CUTOFF, YEAR_CUTOFF)
        return [
            Due(_end_of_day(_moved(date(year, month, day), calendar)), fixed=False)
            for year in years
            for month, day in cutoffs
        ]
    return []


def _moved(day: date, calendar) -> date:
    """A computed last day falling on a day off ends with the next working day (Civil Code
    Art. 148(5))."""
    return day if calendar.is_working_day(day) else calendar.next_working_day(day)


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def is_past(rule: TimeRule, on: date) -> bool:
    """A stated time already over on ``on`` (the day the plan is issued): flagged at import."""
    if rule.kind == SEVERAL:
        return any(is_past(part, on) for part in rule.parts)
    if rule.kind == ABSOLUTE and rule.at is not None:
        return rule.at <= datetime.combine(on, time(0), LOCAL_TZ)
    if rule.kind in (BEFORE_DATE, WITHIN_PERIOD, RANGE) and rule.last is not None:
        return rule.last < on
    return False
