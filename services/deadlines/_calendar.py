"""The legal working-day calendar, as docs/deadlines.md describes it ("Computed periods
follow the Civil Code", "Fixed dates set by an authority are never moved", "The working-day
calendar is data", "Each year's calendar is confirmed by an admin").

Asia/Ho_Chi_Minh, Monday to Friday, with days off and make-up working days as data.
A day ends at 24:00, i.e. the next day's 00:00 (exclusive). Periods computed from an
event start the next day (Civil Code Art. 147) and, when they end on a day off, end
with the next working day (Art. 148(5)). A fixed date written by an authority ("trước
ngày 30/11") is never moved, even onto a weekend.

A year counts with the days off an admin entered only once an admin has confirmed it
(``confirm_year``): an explicit act, audited, because having some days entered says
nothing of whether Tết and the swap days are all there. Until then its statutory days
off (the `holidays` package) are used as well, and a deadline counted through it is
provisional. Admins are reminded from 01/10 to confirm the next year.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from datetime import date, datetime, time as clock_time, timedelta

import holidays
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.helpers import OFFICE_OPENS, as_instant, counted_unconfirmed_year, day_count
from engine.messages import Message
from services import notifications
from services.common import audit
from services.common.display import LOCAL_TZ
from services.common.errors import InvalidInput
from services.deadlines._models import CalendarDay, CalendarYear
from services.identity import ADMIN, AppUser, Membership

DAY_OFF, WORKING_DAY = "day_off", "working_day"


@dataclass(frozen=True)
class WorkingCalendar:
    days_off: frozenset[date]
    working_weekend_days: frozenset[date]
    confirmed_years: frozenset[int]

    def is_working_day(self, day: date) -> bool:
        if day in self.working_weekend_days:
            return True
        if day.weekday() >= 5 or day in self.days_off:
            return False
        return day.year in self.confirmed_years or day not in statutory_days_off(day.year)

    def count_unconfirmed(self, first: date, last: date) -> None:
        """Tell the engine which unconfirmed years a computation counted from ``first``
        to ``last`` went through (engine.helpers: its deadline is provisional)."""
        for year in range(first.year, last.year + 1):
            if year not in self.confirmed_years:
                counted_unconfirmed_year(year)

    def next_working_day(self, day: date) -> date:
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, start: date, count: int) -> date:
        """The ``count``-th working day after ``start`` (the start day itself not counted)."""
        day = start
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def working_days_deadline(self, start: date, count: int) -> datetime:
        """ "Within N working days from X": the end of the N-th working day after X."""
        return end_of_day(self.add_working_days(start, count))

    def period_deadline(self, start: date, days: int) -> datetime:
        """ "Within N days from X" (calendar days), moved by Art. 148(5) past a day off."""
        return end_of_day(self.period_last_day(start, days))

    def period_last_day(self, start: date, days: int) -> date:
        last = start + timedelta(days=days)
        return last if self.is_working_day(last) else self.next_working_day(last)

    def working_days_before(self, deadline: datetime, count: int) -> date:
        """The ``count``-th working day before the day of ``deadline`` (for reminders:
        T-10 and T-3 working days before "trước 30/11/2026" are 16/11 and 25/11)."""
        day = deadline.astimezone(LOCAL_TZ).date()
        for _ in range(count):
            day -= timedelta(days=1)
            while not self.is_working_day(day):
                day -= timedelta(days=1)
        return day


def end_of_day(day: date) -> datetime:
    """24:00 local of ``day``, as the exclusive instant 00:00 of the next day."""
    return datetime.combine(day + timedelta(days=1), clock_time(0), LOCAL_TZ)


def before_date(day: date) -> datetime:
    """A fixed "trước ngày D" deadline: 00:00 local of D, exclusive, never moved."""
    return datetime.combine(day, clock_time(0), LOCAL_TZ)


@functools.cache
def statutory_days_off(year: int) -> frozenset[date]:
    """The days off the `holidays` package knows for ``year``, computed once per year."""
    return frozenset(holidays.country_holidays("VN", years=year))


def load(session: Session) -> WorkingCalendar:
    rows = session.execute(select(CalendarDay.day, CalendarDay.kind)).all()
    return WorkingCalendar(
        frozenset(day for day, kind in rows if kind == DAY_OFF),
        frozenset(day for day, kind in rows if kind == WORKING_DAY),
        frozenset(session.scalars(select(CalendarYear.year))),
    )


def entries(session: Session, year: int) -> list[CalendarDay]:
    return list(
        session.scalars(
            select(CalendarDay)
            .where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
            .order_by(CalendarDay.day)
        )
    )


def set_day(
    session: Session, day: date, kind: str, name: str, actor_id: int | None = None, at: datetime | None = None
) -> CalendarDay:
    """Make ``day`` a day off or a working day (audited when an actor is given)."""
    if kind not in (DAY_OFF, WORKING_DAY):
        raise InvalidInput("kind", f"must be {DAY_OFF} or {WORKING_DAY}")
    if not name.strip():
        raise InvalidInput("name", "must not be empty")
    entry = session.get(CalendarDay, day)
    before = {"kind": entry.kind, "name": entry.name} if entry else None
    if entry is None:
        entry = CalendarDay(day=day, kind=kind, name=name.strip())
        session.add(entry)
    else:
        entry.kind, entry.name = kind, name.strip()
    if actor_id is not None:
        assert at is not None, "a change an actor makes is audited with its time"
        audit.record(
            session,
            at,
            actor_id,
            "calendar.set",
            f"calendar_day:{day.isoformat()}",
            before=before,
            after={"kind": kind, "name": entry.name},
        )
    return entry


def unset_day(session: Session, day: date, actor_id: int | None = None, at: datetime | None = None) -> bool:
    """Give ``day`` back to the ordinary week; False when it was not in the calendar."""
    entry = session.get(CalendarDay, day)
    if entry is None:
        return False
    if actor_id is not None:
        assert at is not None, "a change an actor makes is audited with its time"
        audit.record(
            session,
            at,
            actor_id,
            "calendar.unset",
            f"calendar_day:{day.isoformat()}",
            before={"kind": entry.kind, "name": entry.name},
            after=None,
        )
    session.delete(entry)
    return True


def suggestions(session: Session, year: int) -> list[tuple[date, str]]:
    """Statutory days off the `holidays` package knows for ``year`` and the calendar
    lacks. Only suggestions: Tết and swap days are decided each year and must be checked
    against the government's notice before they are added."""
    known = {entry.day for entry in entries(session, year)}
    statutory = holidays.country_holidays("VN", years=year, language="en_US")
    return sorted((day, _holiday_name(name)) for day, name in statutory.items() if day not in known)


# The `holidays` package's English names of Vietnam's days off, as messages (docs/languages.md);
# a name it adds later shows as it is until it is added here.
HOLIDAY_NAMES = {
    name.template: name
    for name in (
        Message("New Year's Day"),
        Message("Lunar New Year's Eve"),
        Message("29 of Lunar New Year"),
        Message("Lunar New Year"),
        Message("Second Day of Lunar New Year"),
        Message("Third Day of Lunar New Year"),
        Message("Fourth Day of Lunar New Year"),
        Message("Fifth Day of Lunar New Year"),
        Message("Hung Kings' Commemoration Day"),
        Message("Liberation Day/Reunification Day"),
        Message("International Labor Day"),
        Message("National Day"),
        Message("Vietnam Cultural Day"),
    )
}
OBSERVED = " (observed)"


def _holiday_name(name: str) -> str:
    holiday = name.removesuffix(OBSERVED)
    if holiday not in HOLIDAY_NAMES:
        return name
    return (
        HOLIDAY_NAMES[holiday]
        if holiday == name
        else Message("%(holiday)s (day off in lieu)", holiday=HOLIDAY_NAMES[holiday])
    )


def confirmation(session: Session, year: int) -> CalendarYear | None:
    return session.get(CalendarYear, year)


def confirm_year(session: Session, year: int, actor_id: int | None, at: datetime) -> CalendarYear:
    """Record that ``year``'s days off match the government's notice (audited); from then
    on its statutory days off are no longer added. Confirming twice changes nothing."""
    confirmed = session.get(CalendarYear, year)
    if confirmed is not None:
        return confirmed
    if not any(entry.kind == DAY_OFF for entry in entries(session, year)):
        raise InvalidInput(
            "year",
            Message(
                "The calendar has no day off in %(year)s yet: enter the days off of the government's "
                "notice before confirming it.",
                year=year,
            ),
        )
    confirmed = CalendarYear(year=year, confirmed_at=at)
    session.add(confirmed)
    audit.record(session, at, actor_id, "calendar.confirm", f"calendar_year:{year}")
    return confirmed


def remind_to_confirm_next_year(session: Session, at: datetime) -> int:
    """From 01/10, tell every admin (in the app, once per year each) that next year's
    calendar is not confirmed yet; how many were told now."""
    today = at.astimezone(LOCAL_TZ).date()
    year = today.year + 1
    if today < date(today.year, 10, 1) or session.get(CalendarYear, year) is not None:
        return 0
    admins = session.scalars(
        select(AppUser).where(
            AppUser.active, AppUser.id.in_(select(Membership.user_id).where(Membership.role_code == ADMIN))
        )
    )
    subject = Message("Confirm the days off of %(year)s", year=year)
    body = Message(
        "The days off of %(year)s are not confirmed: deadlines counted through %(year)s are provisional, "
        "counted with the statutory days off. Enter the Tết days off, the days off in lieu and the "
        "make-up working days of the government's notice, then confirm (talentflow calendar confirm "
        "%(year)s).",
        year=year,
    )
    return sum(
        notifications.notify(
            session, key=f"calendar-confirm:{year}:{admin.id}", user=admin, subject=subject, body=body, at=at
        )
        for admin in admins
    )


def reminder_at(calendar: WorkingCalendar, due, count: int) -> str:
    """08:00 local on the ``count``-th working day before ``due``'s day (a "3WD" reminder)."""
    due = as_instant(due)
    day = calendar.working_days_before(due, day_count(count))
    calendar.count_unconfirmed(day, due.astimezone(LOCAL_TZ).date() - timedelta(days=1))
    return datetime.combine(day, OFFICE_OPENS, LOCAL_TZ).isoformat()


class CalendarSource:
    """The current calendar for BPMN helpers, reloaded at most every ``ttl_s`` seconds
    through a read-only session (a helper runs inside an open write transaction)."""

    def __init__(self, db, ttl_s: float = 60.0):
        self._db, self._ttl_s = db, ttl_s
        self._calendar: WorkingCalendar | None = None
        self._loaded_at = 0.0

    def current(self) -> WorkingCalendar:
        if self._calendar is None or time.monotonic() - self._loaded_at > self._ttl_s:
            with self._db.read() as session:
                self._calendar = load(session)
            self._loaded_at = time.monotonic()
        return self._calendar

    def invalidate(self) -> None:
        self._calendar = None

    def helpers(self) -> dict:
        """Expression helpers, e.g. a timer ``working_days_after(received_at, 5)``."""

        def working_days_after(start, count: int) -> str:
            calendar, first = self.current(), _as_local_date(start)
            last = calendar.add_working_days(first, day_count(count))
            calendar.count_unconfirmed(first + timedelta(days=1), last)
            return end_of_day(last).isoformat()

        def period_after(start, days: int) -> str:
            calendar, first = self.current(), _as_local_date(start)
            days = day_count(days)
            last = calendar.period_last_day(first, days)
            # Only the period's last day and the days after it depend on the calendar.
            calendar.count_unconfirmed(first + timedelta(days=days), last)
            return end_of_day(last).isoformat()

        def working_days_before(due, count: int) -> str:
            return reminder_at(self.current(), due, count)

        return {
            "working_days_after": working_days_after,
            "period_after": period_after,
            "working_days_before": working_days_before,
        }


def _as_local_date(value) -> date:
    if isinstance(value, str):
        value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    if isinstance(value, datetime):
        return value.astimezone(LOCAL_TZ).date()
    return value
