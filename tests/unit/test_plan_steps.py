"""What a unit owes next on a task of an issued plan (services/plans/_follow.py,
docs/plans.md#followed-to-the-end): the periods each kind of time reports on, and the step
after each report."""

import re
from datetime import date, datetime
from pathlib import Path

import pytest

from services.common.display import LOCAL_TZ
from services.deadlines._calendar import WorkingCalendar
from services.plans import _follow as follow, _time_rules as rules
from services.plans._models import Plan, PlanTask

CALENDAR = WorkingCalendar(frozenset(), frozenset(), frozenset())  # the statutory days off
ISSUED = datetime(2026, 1, 12, 9, 0, tzinfo=LOCAL_TZ)


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=LOCAL_TZ)


def schedule(time_text: str, until: date = date(2027, 12, 31)) -> follow.Schedule:
    plan = Plan(
        issued_at=ISSUED,
        follow_until=until,
        reporting_rule=rules.parse("Định kỳ 6 tháng và hằng năm").to_json(),
    )
    task = PlanTask(time_rule=rules.parse(time_text).to_json())
    return follow.schedule_of(task, plan, CALENDAR)


def ends(found: follow.Schedule) -> list[tuple[datetime, bool]]:
    return [(period.end, period.binding) for period in found.periods]


def test_a_task_by_a_quarter_reports_at_the_cut_offs_and_its_deadline():
    found = schedule("Quý II/2026", until=date(2026, 12, 31))
    # 15/06/2026 is a Monday: the cut-off ends with it; the quarter's end is fixed.
    assert ends(found) == [(at(2026, 6, 16), True), (at(2026, 7, 1), True), (at(2026, 12, 16), True)]
    assert found.deadline == at(2026, 7, 1)


def test_a_recurring_task_reports_on_its_own_dates_and_a_continuous_one_never_due():
    assert ends(schedule("Trước ngày 30/11 hằng năm")) == [(at(2026, 11, 30), True), (at(2027, 11, 30), True)]
    continuous = schedule("Thường xuyên")
    assert [binding for _, binding in ends(continuous)] == [False] * 4 and continuous.deadline is None


@pytest.mark.parametrize(
    ("reported_until", "finished", "now", "expected"),
    [
        (None, False, ISSUED, ("report", at(2026, 6, 16))),  # the first report opens at once
        (at(2026, 6, 16), False, at(2026, 6, 1), ("wait", at(2026, 7, 1))),  # sent early: wait for the next
        (at(2026, 6, 16), False, at(2026, 6, 20), ("report", at(2026, 7, 1))),
        (at(2026, 7, 1), True, at(2026, 6, 25), ("close", None)),  # finished
        (at(2027, 12, 16), False, at(2027, 12, 20), ("close", None)),  # nothing left before the horizon
    ],
)
def test_the_step_after_each_report(reported_until, finished, now, expected):
    step = follow.next_step(schedule("Quý II/2026"), ISSUED, reported_until, finished, None, now)
    assert (step.action, step.period.end if step.period else None) == expected


def test_an_event_triggered_task_waits_until_the_horizon_and_reports_by_the_next_cut_off():
    found = schedule("Khi tuyển dụng, tiếp nhận")
    waiting = follow.next_step(found, ISSUED, None, False, None, at(2026, 3, 1))
    assert (waiting.action, waiting.opens_at) == ("await_event", at(2027, 12, 16))
    opened = follow.next_step(found, ISSUED, None, False, at(2026, 9, 5, 9), at(2026, 9, 5, 9))
    assert (opened.action, opened.period) == ("report", follow.Period(at(2026, 12, 16), True))
    assert follow.next_step(found, ISSUED, None, False, None, at(2027, 12, 20)).action == "close"


def test_the_drawn_task_process_takes_each_step_the_connector_gives():
    """What the connector answers (services/plans/_follow.py) and the gateway that reads it
    (bpmn/plan_task/plan_task.bpmn) name the same steps; a report with no due instant is
    the gateway's default flow."""
    bpmn = (Path(__file__).resolve().parents[2] / "bpmn" / "plan_task" / "plan_task.bpmn").read_text()
    conditions = re.findall(r"<bpmn:conditionExpression>next_step\['action'\] == '(\w+)'", bpmn)
    assert sorted(conditions) == sorted(
        (follow.STEP_CLOSE, follow.STEP_WAIT, follow.STEP_AWAIT_EVENT, follow.STEP_OWED)
    )
    assert 'id="which_step" name="Bước tiếp theo?" default="report_without_due"' in bpmn
