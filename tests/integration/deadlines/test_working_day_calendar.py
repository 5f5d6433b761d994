"""The legal working-day calendar (docs/deadlines.md, "Computed periods follow the Civil Code"
and "The working-day calendar is data"), seeded for 2026."""

from datetime import date

import pytest
from factories.bpmn import boundary_timer, probe_bundle, process_xml, user_task
from factories.dates import local

from engine.definitions import publish
from engine.models import HumanTask
from services.deadlines import _calendar as calendar
from services.deadlines._calendar import before_date, end_of_day


@pytest.fixture
def cal(services) -> calendar.WorkingCalendar:
    with services.db.read() as session:
        return calendar.load(session)


def test_five_working_days_from_thursday_12_february_2026_cross_tet(cal):
    assert cal.add_working_days(date(2026, 2, 12), 5) == date(2026, 2, 26)
    assert cal.working_days_deadline(date(2026, 2, 12), 5) == local(2026, 2, 27, 0, 0)  # end of Thu 26/02


def test_the_2026_swap_days_hold(cal):
    assert cal.is_working_day(date(2026, 8, 22))  # make-up Saturday
    assert not cal.is_working_day(date(2026, 8, 31))  # swapped Monday off
    assert not cal.is_working_day(date(2026, 4, 27))  # compensatory day for Hùng Kings (Sun 26/04)
    assert not cal.is_working_day(date(2026, 9, 2)) and cal.is_working_day(date(2026, 9, 3))
    assert cal.add_working_days(date(2026, 8, 21), 1) == date(2026, 8, 22)
    assert cal.add_working_days(date(2026, 8, 28), 1) == date(2026, 9, 3)


def test_a_fixed_date_is_never_moved_but_a_computed_period_is(cal):
    # "trước ngày 30/11" in 2026: the last day to act (29/11) is a Sunday; the deadline stays.
    report_due = before_date(date(2026, 11, 30))
    assert report_due == local(2026, 11, 30, 0, 0)
    # Reminders at T-10 and T-3 working days (docs/deadlines.md#reminders-and-escalations).
    assert cal.working_days_before(report_due, 1) == date(2026, 11, 27)
    assert cal.working_days_before(report_due, 10) == date(2026, 11, 16)
    assert cal.working_days_before(report_due, 3) == date(2026, 11, 25)
    # A computed period ending on a day off ends with the next working day (Art. 148(5)).
    assert cal.period_deadline(date(2026, 11, 19), 10) == end_of_day(
        date(2026, 11, 30)
    )  # Sun 29/11 -> Mon 30/11
    assert cal.period_deadline(date(2026, 2, 4), 10) == end_of_day(
        date(2026, 2, 23)
    )  # Sat 14/02 -> after Tết
    assert cal.period_deadline(date(2026, 11, 16), 10) == end_of_day(date(2026, 11, 26))  # Thursday: unmoved


def test_a_bpmn_timer_can_count_working_days_and_sees_calendar_edits(services):
    bpmn = process_xml(
        user_task("task"), extra=boundary_timer("task", "timeDate", "working_days_after(deadline, 5)")
    )
    with services.db.transaction() as session:
        publish(session, probe_bundle(bpmn), local(2026, 2, 1, 9, 0), services.runtime.helpers)

    def start(received: str):
        with services.db.transaction() as session:
            change = services.runtime.start(
                session, "probe", {"deadline": received}, lane_orgs={}, at=local(2026, 2, 12, 10, 0)
            )
        return change.opened_tasks[0].due_at, change.instance.next_timer_at

    assert start("2026-02-12T10:00:00+07:00") == (local(2026, 2, 27, 0, 0),) * 2
    with services.db.transaction() as session:  # the government adds a day off
        calendar.set_day(session, date(2026, 2, 24), calendar.DAY_OFF, "Nghỉ thử nghiệm")
    services.calendar.invalidate()
    assert start("2026-02-12T10:00:00+07:00")[0] == local(2026, 2, 28, 0, 0)  # end of Fri 27/02
    with services.db.transaction() as session:
        assert calendar.unset_day(session, date(2026, 2, 24))
    services.calendar.invalidate()

    assert services.fire_timers(local(2026, 2, 26, 23, 59, 59)).fired == 0
    assert services.fire_timers(local(2026, 2, 27, 0, 0)).fired == 1
    with services.db.read() as session:
        assert session.query(HumanTask).filter_by(status="cancelled").count() == 1


def test_suggestions_come_from_the_holidays_package_and_skip_known_days(services):
    with services.db.read() as session:
        suggested = dict(calendar.suggestions(session, 2027))
        assert date(2027, 9, 2) in suggested and date(2027, 1, 1) in suggested
        assert date(2026, 9, 2) not in dict(calendar.suggestions(session, 2026))  # already seeded
