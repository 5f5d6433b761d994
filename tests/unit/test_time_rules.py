"""The time of a plan's task as documents write it (docs/plans.md#time-rules): each kind
parsed, what is not understood left for the officer, and the due instants on the legal
calendar — a stated period fixed even on a Sunday, a computed cut-off moved past a day off."""

from datetime import date, datetime

import pytest

from services.common.display import LOCAL_TZ
from services.deadlines._calendar import WorkingCalendar
from services.plans import _time_rules as rules

CALENDAR = WorkingCalendar(frozenset(), frozenset(), frozenset())  # the statutory days off
HORIZON = (date(2026, 3, 1), date(2030, 12, 31))


def local(*parts) -> datetime:
    return datetime(*parts, tzinfo=LOCAL_TZ)


@pytest.mark.parametrize(
    ("text", "kind", "first", "last"),
    [
        ("Quý III/2026", rules.WITHIN_PERIOD, date(2026, 7, 1), date(2026, 9, 30)),
        ("Hoàn thành trong Quý IV/2027", rules.WITHIN_PERIOD, date(2027, 10, 1), date(2027, 12, 31)),
        ("quý 1/2028", rules.WITHIN_PERIOD, date(2028, 1, 1), date(2028, 3, 31)),
        ("Tháng 6/2026", rules.WITHIN_PERIOD, date(2026, 6, 1), date(2026, 6, 30)),
        ("Hoàn thành trong tháng 2/2028", rules.WITHIN_PERIOD, date(2028, 2, 1), date(2028, 2, 29)),
        ("Năm 2025", rules.WITHIN_PERIOD, date(2025, 1, 1), date(2025, 12, 31)),
        ("2026–2030", rules.RANGE, date(2026, 1, 1), date(2030, 12, 31)),
        ("Năm 2025 - 2050", rules.RANGE, date(2025, 1, 1), date(2050, 12, 31)),
        ("Giai đoạn 2030 - 2050", rules.RANGE, date(2030, 1, 1), date(2050, 12, 31)),
        ("Trước ngày 15/01/2027", rules.BEFORE_DATE, None, date(2027, 1, 15)),
    ],
)
def test_stated_periods_and_dates(text, kind, first, last):
    rule = rules.parse(text)
    assert (rule.kind, rule.first, rule.last, rule.text) == (kind, first, last, text)
    assert rules.TimeRule.from_json(rule.to_json()) == rule


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Hàng năm", rules.ANNUAL),
        ("Hằng năm", rules.ANNUAL),
        ("Định kỳ hằng năm", rules.ANNUAL),
        ("định kỳ 6 tháng và hằng năm", rules.SEMIANNUAL),
        ("Thường xuyên", rules.CONTINUOUS),
        ("Thực hiện thường xuyên", rules.CONTINUOUS),
        ("Khi tuyển dụng, tiếp nhận", rules.EVENT),
        ("Sau khi có quyết định giao biên chế chính thức", rules.EVENT),
        ("Theo yêu cầu", rules.ON_REQUEST),
        ("Theo kế hoạch", rules.PER_PLAN),
    ],
)
def test_recurring_continuous_and_triggered(text, kind):
    rule = rules.parse(text)
    assert rule.kind == kind and rules.TimeRule.from_json(rule.to_json()) == rule


def test_a_yearly_day_a_time_of_day_and_the_end_of_a_day():
    assert rules.parse("Trước ngày 30/11 hằng năm").month_day == (11, 30)
    assert rules.parse("định kỳ trước ngày 30 tháng 11 hàng năm").month_day == (11, 30)
    assert rules.parse("trước 12 giờ ngày 14/01/2027").at == local(2027, 1, 14, 12, 0)
    assert rules.parse("Trước 9h30 ngày 05/02/2027").at == local(2027, 2, 5, 9, 30)
    assert rules.parse("hết ngày 14/01/2027").at == local(2027, 1, 15, 0, 0)


def test_a_time_of_several_parts():
    rule = rules.parse("Năm 2025 Giai đoạn 2030 - 2050")
    assert rule.kind == rules.SEVERAL
    assert [(part.kind, part.first, part.last) for part in rule.parts] == [
        (rules.WITHIN_PERIOD, date(2025, 1, 1), date(2025, 12, 31)),
        (rules.RANGE, date(2030, 1, 1), date(2050, 12, 31)),
    ]
    assert rules.TimeRule.from_json(rule.to_json()) == rule
    lines = rules.parse("Hàng năm\nNăm 2025 - 2050\nNăm 2030")
    assert [part.kind for part in lines.parts] == [rules.ANNUAL, rules.RANGE, rules.WITHIN_PERIOD]


@pytest.mark.parametrize(
    "text", ["Sớm nhất có thể", "Quý V/2026", "Tháng 13/2026", "trước ngày 31/02/2027", "2030 - 2025", ""]
)
def test_what_is_not_understood_is_left_for_the_officer(text):
    assert rules.parse(text) is None


def test_a_stated_end_is_fixed_even_on_a_sunday():
    # 30/09/2029 is a Sunday: "Quý III/2029" is still due at the end of that day.
    assert [due.at for due in rules.due_dates(rules.parse("Quý III/2029"), CALENDAR, *HORIZON)] == [
        local(2029, 10, 1, 0, 0)
    ]
    # "Trước ngày 30/11 hằng năm": 00:00 of 30/11 each year, 30/11/2030 a Saturday included.
    yearly = rules.due_dates(rules.parse("Trước ngày 30/11 hằng năm"), CALENDAR, *HORIZON)
    assert [due.at for due in yearly] == [local(year, 11, 30, 0, 0) for year in range(2026, 2031)]
    assert all(due.fixed for due in yearly)


def test_a_computed_cut_off_on_a_day_off_moves_to_the_next_working_day():
    six_monthly = rules.due_dates(rules.parse("định kỳ 6 tháng và hằng năm"), CALENDAR, *HORIZON)
    days = [due.at.date() for due in six_monthly]
    assert date(2029, 12, 18) in days  # 15/12/2029 is a Saturday: the end of Monday 17/12
    assert date(2030, 6, 18) in days  # 15/06/2030, a Saturday too
    assert date(2026, 6, 16) in days  # 15/06/2026, a Monday: not moved
    assert not any(due.fixed for due in six_monthly) and len(six_monthly) == 10
    # A holiday moves it as a weekend does: a calendar with 15/12/2026 off.
    holiday = WorkingCalendar(frozenset({date(2026, 12, 15)}), frozenset(), frozenset())
    annual = rules.due_dates(rules.parse("Hằng năm"), holiday, date(2026, 1, 1), date(2026, 12, 31))
    assert [due.at for due in annual] == [local(2026, 12, 17, 0, 0)]


def test_no_due_date_of_its_own():
    for text in ("Thường xuyên", "Khi tuyển dụng, tiếp nhận", "Theo kế hoạch", "Theo yêu cầu"):
        assert rules.due_dates(rules.parse(text), CALENDAR, *HORIZON) == []


def test_a_period_already_past_when_the_plan_is_issued_is_flagged():
    issued = date(2026, 2, 23)
    assert rules.is_past(rules.parse("Năm 2025"), issued)
    assert rules.is_past(rules.parse("Năm 2025 Giai đoạn 2030 - 2050"), issued)
    assert not rules.is_past(rules.parse("Quý III/2026"), issued)
    assert not rules.is_past(rules.parse("Hằng năm"), issued)
