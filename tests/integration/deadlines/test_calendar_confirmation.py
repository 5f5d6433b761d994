"""A year whose calendar no admin has confirmed is never counted silently: its statutory
days off are used provisionally, deadlines through it say so, `calendar list` says so,
and admins are reminded from 01/10 to confirm the next year (README.md)."""

from datetime import date

import pytest
from click.testing import CliRunner
from factories.bpmn import probe_bundle, process_xml, user_task
from factories.dates import local
from factories.web import signed_in, web_app
from sqlalchemy import delete, select

from engine.definitions import publish
from engine.models import HumanTask
from services.common.models import AuditEvent
from services.deadlines import _calendar as calendar
from services.deadlines._models import CalendarDay, CalendarYear
from services.identity import _api_tokens as api_tokens, unit_by_code, user_by_username
from services.notifications import Notification
from web import create_app
from web.cli import main

TET_2028 = date(2028, 1, 26)  # Lunar New Year's Day 2028 (a Wednesday)


@pytest.fixture
def unconfirmed_2028(commune):
    """2028 starts without data; whatever a test enters or confirms is taken back."""
    yield commune
    with commune.db.transaction() as session:  # calendar_day and calendar_year are reference data
        session.execute(delete(CalendarDay).where(CalendarDay.day >= date(2028, 1, 1)))
        session.execute(delete(CalendarYear).where(CalendarYear.year == 2028))
    commune.calendar.invalidate()


def _open_task(services, due: str, data: dict, at) -> HumanTask:
    with services.db.transaction() as session:
        publish(
            session,
            probe_bundle(process_xml(user_task("task", due=due), lane="unit_officer")),
            local(2026, 1, 1),
            services.runtime.helpers,
        )
        change = services.runtime.start(
            session, "probe", data, at=at, lane_orgs={"unit_officer": unit_by_code(session, "cg_vp").id}
        )
        return session.get(HumanTask, change.opened_tasks[0].id)


def _confirm_2028_with_tet(services) -> None:
    with services.db.transaction() as session:
        calendar.set_day(session, TET_2028, calendar.DAY_OFF, "Tết Nguyên đán")
        calendar.confirm_year(session, 2028, None, local(2027, 11, 2, 9, 0))
    services.calendar.invalidate()


def test_a_2028_deadline_across_tet_skips_the_statutory_days_and_is_provisional_until_confirmed(
    unconfirmed_2028,
):
    services = unconfirmed_2028
    # Five working days from Fri 21/01/2028 (`deadline` is the variable the probe bundle's
    # example start data names).
    due, received = "working_days_after(deadline, 5)", {"deadline": "2028-01-21"}
    provisional = _open_task(services, due, received, local(2028, 1, 21, 10, 0))
    # Tết 2028 (Mon 24/01 - Sat 29/01 in the `holidays` package) is skipped: the fifth
    # working day is Fri 04/02, not Fri 28/01 as Monday-Friday alone would have it.
    assert provisional.due_at == local(2028, 2, 5, 0, 0)
    assert provisional.due_provisional_year == 2028

    page = signed_in(web_app(services), "cg_vp.canbo")
    note = "(tạm tính: lịch nghỉ năm 2028 chưa được xác nhận)"
    assert note in page.get(f"/tasks/{provisional.id}").get_data(as_text=True)
    assert note in page.get("/inbox").get_data(as_text=True)

    # Once confirmed, only the days the admin entered count (here Tết's first day alone)
    # and a deadline computed afterwards is final; the earlier one keeps its mark.
    _confirm_2028_with_tet(services)
    final = _open_task(services, due, received, local(2028, 1, 21, 10, 0))
    assert (final.due_at, final.due_provisional_year) == (local(2028, 2, 1, 0, 0), None)  # end of Mon 31/01
    assert note not in page.get(f"/tasks/{final.id}").get_data(as_text=True)
    with services.db.read() as session:
        assert session.get(HumanTask, provisional.id).due_provisional_year == 2028
        assert session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject == "calendar_year:2028")
        ).all() == ["calendar.confirm"]


@pytest.mark.parametrize(
    "due, data, expected",
    [
        # Through Tết 2026 (seeded from the official notice, confirmed by migration 0015).
        ("working_days_after(deadline, 5)", {"deadline": "2026-02-12"}, local(2026, 2, 27, 0, 0)),
        # A fixed date set by an authority is never counted, even in a year not confirmed.
        ("deadline", {"deadline": "2028-01-14T12:00:00+07:00"}, local(2028, 1, 14, 12, 0)),
    ],
)
def test_deadlines_not_counted_through_an_unconfirmed_year_are_not_marked(
    unconfirmed_2028, due, data, expected
):
    task = _open_task(unconfirmed_2028, due, data, local(2026, 1, 10, 9, 0))
    assert (task.due_at, task.due_provisional_year) == (expected, None)


def test_calendar_list_says_when_a_year_is_not_confirmed_and_confirm_needs_its_days(
    unconfirmed_2028, database_url, tmp_path, monkeypatch
):
    monkeypatch.setenv("TALENTFLOW_DATABASE_URL", database_url)
    monkeypatch.setenv("TALENTFLOW_INSTANCE_DIR", str(tmp_path))
    runner = CliRunner()

    def talentflow(*args):
        result = runner.invoke(main, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    assert "; 1 admin(s) reminded to confirm next year's calendar" in talentflow(
        "--at", "2027-10-01T09:00", "tick"
    )
    listed = talentflow("calendar", "list", "2028")
    assert listed.startswith("2028: NOT CONFIRMED")
    assert "26/01/2028 Wed  provisional  Tết Nguyên đán" in listed  # named as the calendar names its days
    assert talentflow("calendar", "list", "2026").startswith("2026: confirmed")

    refused = runner.invoke(main, ["calendar", "confirm", "2028"])  # nothing entered yet
    assert refused.exit_code != 0 and "has no day off in 2028" in str(refused.exception)
    talentflow("calendar", "set", "2028-01-26", "--name", "Tết Nguyên đán")
    assert talentflow("calendar", "confirm", "2028").startswith("2028: confirmed")
    listed = talentflow("calendar", "list", "2028")
    assert listed.startswith("2028: confirmed") and "provisional" not in listed
    assert "26/01/2028 Wed  day_off      Tết Nguyên đán" in listed


def test_admins_confirm_a_year_over_the_api(unconfirmed_2028):
    services = unconfirmed_2028
    client = create_app(services).test_client()
    with services.db.transaction() as session:
        headers = {
            username: {
                "Authorization": "Bearer " + api_tokens.issue(session, username, "test", services.clock.now())
            }
            for username in ("admin", "cg_vp.canbo")
        }
    url = "/api/v1/calendar/2028/confirmation"
    assert client.get(url, headers=headers["cg_vp.canbo"]).get_json() == {
        "year": 2028,
        "confirmed": False,
        "confirmed_at": None,
    }
    assert client.post(url, headers=headers["cg_vp.canbo"]).status_code == 403
    refused = client.post(url, headers=headers["admin"])
    assert refused.status_code == 422 and "chưa có ngày nghỉ nào" in refused.get_json()["message"]
    assert (
        client.put(
            "/api/v1/calendar/days/2028-01-26",
            json={"kind": "day_off", "name": "Tết"},
            headers=headers["admin"],
        ).status_code
        == 200
    )
    confirmed = client.post(url, headers=headers["admin"])
    assert confirmed.status_code == 200 and confirmed.get_json()["confirmed"] is True
    with services.db.read() as session:
        actor = session.scalar(select(AuditEvent.actor_id).where(AuditEvent.action == "calendar.confirm"))
        assert actor == user_by_username(session, "admin").id


def test_from_1_october_each_admin_is_reminded_once_to_confirm_next_year(commune):
    services = commune
    assert services.tick(local(2025, 10, 1, 9, 0)).calendar_reminders == 0  # 2026 is confirmed
    assert services.tick(local(2026, 9, 30, 23, 59)).calendar_reminders == 0
    assert services.tick(local(2026, 10, 1, 0, 0)).calendar_reminders == 1  # the demo's one admin
    assert services.tick(local(2026, 10, 1, 9, 0)).calendar_reminders == 0  # once
    with services.db.read() as session:
        told = session.execute(
            select(Notification.key, Notification.subject).where(Notification.key.like("calendar-confirm:%"))
        ).all()
    assert [subject for _, subject in told] == ["Confirm the days off of 2027"]
