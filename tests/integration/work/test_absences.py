"""Absences: from one local date to another, the new tasks of the chosen processes that
would be the user's go to a delegate of the same role and unit; the absent user is told
of each, and the deadline's escalation still reaches their head
(docs/working-together.md)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from factories.campaigns import open_campaign
from factories.dates import local
from factories.tasks import act, inbox, task_named
from factories.web import csrf_token, shown_after_refusal, signed_in, web_app
from sqlalchemy import event, func, select

from engine.errors import NotFound
from engine.models import HumanTask
from services import delegation
from services.common.display import in_language
from services.common.errors import Conflict, InvalidInput
from services.deadlines import Escalation
from services.identity import unit_by_code, user_by_username
from services.notifications import Notification
from services.work._models import TaskEvent

OPENED = local(2026, 1, 10, 9, 0)  # the campaign opens on Saturday 10/01/2026
CUTOFF = local(2026, 1, 14, 12, 0)  # the units' deadline
AWAY = "Nghỉ phép năm"


def _declare(services, username="cg_vp.canbo", at=OPENED, **fields):
    typed = {
        "starts_on": "2026-01-10",
        "ends_on": "2026-01-16",
        "delegate_id": "cg_vp.chuyenvien",
        "process_keys": [],
        "reason": AWAY,
        **fields,
    }
    with services.db.transaction() as session:
        if "." in str(typed["delegate_id"]):
            typed["delegate_id"] = str(user_by_username(session, typed["delegate_id"]).id)
        return delegation.declare_absence(session, user_by_username(session, username), **typed, at=at).id


def _cancel(services, absence_id: int, username="cg_vp.canbo", at=OPENED) -> None:
    with services.db.transaction() as session:
        delegation.cancel_absence(session, user_by_username(session, username), absence_id, at)


def _cg_vp_draft(services) -> HumanTask:
    with services.db.read() as session:
        unit = unit_by_code(session, "cg_vp").id
        return session.scalars(
            select(HumanTask).where(HumanTask.task_name == "draft_proposal", HumanTask.org_unit_id == unit)
        ).one()


def _user_id(services, username: str) -> int:
    with services.db.read() as session:
        return user_by_username(session, username).id


def _routed(services) -> list[tuple]:
    with services.db.read() as session:
        return list(
            session.execute(
                select(TaskEvent.kind, TaskEvent.from_user_id, TaskEvent.to_user_id, TaskEvent.reason)
            ).tuples()
        )


# -- declaring ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"starts_on": ""}, "starts_on", "«Từ ngày»"),
        ({"starts_on": "30/02/2026"}, "starts_on", "«Từ ngày»"),
        ({"ends_on": "ngày mai"}, "ends_on", "«Đến ngày»"),
        ({"starts_on": "2026-01-12", "ends_on": "2026-01-11"}, "ends_on", "«Đến ngày»"),
        ({"starts_on": "2026-01-01", "ends_on": "2026-01-09"}, "ends_on", "hôm nay"),  # over before today
        ({"delegate_id": "cg_vp.truong"}, "delegate_id", "«Người nhận thay»"),  # another role
        ({"delegate_id": "cg_pkt.canbo"}, "delegate_id", "«Người nhận thay»"),  # another unit
        ({"delegate_id": "cg_vp.canbo"}, "delegate_id", "«Người nhận thay»"),  # oneself
        ({"delegate_id": ""}, "delegate_id", "«Người nhận thay»"),
        ({"process_keys": ["unit_proposal", "no_such_process"]}, "process_keys", "«Quy trình»"),
        ({"reason": "  "}, "reason", "«Lý do»"),
        ({"reason": "x" * 501}, "reason", "«Lý do»"),
    ],
)
def test_a_bad_absence_is_refused_by_its_field_and_nothing_is_written(commune, fields, field, words):
    with pytest.raises(InvalidInput) as refused:
        _declare(commune, **fields)
    assert refused.value.field == field
    assert words in in_language(refused.value.message, "vi")
    with commune.db.read() as session:
        assert delegation.absences_of(session, user_by_username(session, "cg_vp.canbo")) == []


def test_overlapping_absences_are_refused_and_a_cancelled_one_no_longer_counts(commune):
    services = commune
    first = _declare(services, starts_on="10/01/2026", ends_on="12/01/2026")  # the Vietnamese way too
    with pytest.raises(InvalidInput) as refused:
        _declare(services, starts_on="2026-01-12", ends_on="2026-01-20")
    assert refused.value.field == "starts_on" and "10/01/2026" in refused.value.message
    second = _declare(services, starts_on="2026-01-13", ends_on="2026-01-20", process_keys=["unit_proposal"])
    _cancel(services, first)
    third = _declare(services, starts_on="2026-01-10", ends_on="2026-01-12")
    with services.db.read() as session:
        mine = delegation.absences_of(session, user_by_username(session, "cg_vp.canbo"))
        assert [(a.id, a.starts_on, a.cancelled_at is not None) for a in mine] == [
            (second, date(2026, 1, 13), False),
            (third, date(2026, 1, 10), False),
            (first, date(2026, 1, 10), True),
        ]
        assert mine[0].process_keys == ["unit_proposal"]


def test_only_ones_own_absence_not_yet_over_is_cancelled(commune):
    services = commune
    absence = _declare(services, starts_on="2026-01-10", ends_on="2026-01-11")
    with pytest.raises(NotFound):
        _cancel(services, absence, username="cg_vp.chuyenvien")
    with pytest.raises(Conflict):  # over
        _cancel(services, absence, at=local(2026, 1, 12, 8, 0))
    _cancel(services, absence, at=local(2026, 1, 11, 17, 0))  # its last day
    with pytest.raises(Conflict):  # already
        _cancel(services, absence)


# -- routing ------------------------------------------------------------------------


def test_a_new_task_goes_to_the_delegate_both_are_told_and_the_escalation_reaches_the_head(commune):
    services = commune
    _declare(services, process_keys=["unit_proposal"])
    open_campaign(services, at=OPENED)
    draft = _cg_vp_draft(services)
    absent, delegate = _user_id(services, "cg_vp.canbo"), _user_id(services, "cg_vp.chuyenvien")

    assert draft.assignee_id == delegate
    assert task_named(services, "cg_vp.chuyenvien", "draft_proposal").id == draft.id
    assert draft.id not in {task.id for task in inbox(services, "cg_vp.canbo")}
    assert task_named(services, "cg_pkt.canbo", "draft_proposal").assignee_id is None  # other units as before
    assert _routed(services) == [("absence_routed", absent, delegate, AWAY)]
    with services.db.read() as session:
        told = {
            note.user_id: in_language(note.worded_body, "vi")
            for note in session.scalars(select(Notification).where(Notification.task_id == draft.id))
        }
        assert "vắng mặt" in told[delegate] and "Cán bộ Văn phòng HĐND và UBND xã Cẩm Giang" in told[delegate]
        assert "Lê Thị Hoa" in told[absent]  # the absent officer stays informed

    # Nobody sends it: at the cutoff the timer closes it and its head is escalated to.
    services.tick(CUTOFF)
    head = _user_id(services, "cg_vp.truong")
    with services.db.read() as session:
        escalation = session.scalars(select(Escalation).where(Escalation.task_id == draft.id)).one()
        assert (escalation.level, escalation.recipient_ids) == (1, [head])
        assert session.scalar(
            select(Notification.id).where(Notification.user_id == head, Notification.task_id == draft.id)
        )


def test_the_delegate_completes_the_routed_task(commune):
    services = commune
    _declare(services)
    open_campaign(services, at=OPENED)
    act(services, "cg_vp.chuyenvien", "draft_proposal", {"no_demand": True}, local(2026, 1, 12, 9, 0))
    assert task_named(services, "cg_vp.truong", "approve_proposal").assignee_id is None  # the head is here


@pytest.mark.parametrize(
    "absence",
    [
        {"process_keys": ["talent_evaluation"]},  # another process
        {"starts_on": "2026-01-11", "ends_on": "2026-01-16"},  # not yet away
        {"starts_on": "2026-01-08", "ends_on": "2026-01-09", "at": local(2026, 1, 8, 9, 0)},  # back
        "cancelled",
        "delegate away too",
    ],
)
def test_a_task_stays_in_the_queue_unless_an_absence_covers_it(commune, absence):
    services = commune
    if absence == "cancelled":
        _cancel(services, _declare(services))
    elif absence == "delegate away too":
        _declare(services)
        _declare(services, username="cg_vp.chuyenvien", delegate_id="cg_vp.canbo")
    else:
        _declare(services, **absence)
    open_campaign(services, at=OPENED)
    assert _cg_vp_draft(services).assignee_id is None
    assert _routed(services) == []


def test_a_present_assignee_keeps_the_task_and_an_absent_one_hands_it_over(commune):
    services = commune
    open_campaign(services, at=OPENED)  # opened before the absence: in the queue
    _declare(services)
    draft = _cg_vp_draft(services)
    absent, delegate = _user_id(services, "cg_vp.canbo"), _user_id(services, "cg_vp.chuyenvien")
    record = SimpleNamespace(
        id=draft.id,
        instance_id=draft.instance_id,
        process_key=draft.process_key,
        title=draft.title,
        lane=draft.lane,
        org_unit_id=draft.org_unit_id,
    )
    with services.db.transaction() as session:
        present = replace_record(record, assignee_id=delegate)
        delegation.route_new_tasks(session, SimpleNamespace(at=OPENED, opened_tasks=[present]))
    assert _routed(services) == []
    with services.db.transaction() as session:
        away = replace_record(record, assignee_id=absent)
        delegation.route_new_tasks(session, SimpleNamespace(at=OPENED, opened_tasks=[away]))
        assert away.assignee_id == delegate
    assert _cg_vp_draft(services).assignee_id == delegate
    assert _routed(services) == [("absence_routed", absent, delegate, AWAY)]


def replace_record(record, **changed):
    return SimpleNamespace(**{**vars(record), **changed})


def test_routing_asks_once_per_transaction_that_opened_tasks(commune):
    services = commune
    asked: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "FROM absence" in statement:
            asked.append(statement)

    event.listen(services.db.engine, "before_cursor_execute", count)
    try:
        open_campaign(services, at=OPENED)
        opened = len(asked)
        act(services, "cg_vp.canbo", "draft_proposal", {"no_demand": True}, local(2026, 1, 12, 9, 0))
        assert len(asked) == opened + 1  # the head's task opened
        act(
            services,
            "cg_vp.truong",
            "approve_proposal",
            {"head_decision": "submit"},
            local(2026, 1, 12, 10, 0),
        )
        assert len(asked) == opened + 1  # the unit's instance ended: nothing opened, nothing asked
    finally:
        event.remove(services.db.engine, "before_cursor_execute", count)
    with services.db.read() as session:
        units = session.scalar(select(func.count()).where(HumanTask.task_name == "draft_proposal"))
    assert units == 10 and opened == 1  # every unit's task opened in one transaction: one question


# -- the page -------------------------------------------------------------------------


def test_the_absences_page_declares_refuses_by_field_and_cancels_only_ones_own(commune):
    services = commune
    app = web_app(services)
    officer, colleague = signed_in(app, "cg_vp.canbo"), signed_in(app, "cg_vp.chuyenvien")
    shown = officer.get("/absences").get_data(as_text=True)
    assert (
        "Lê Thị Hoa" in shown
        and "Thủ trưởng" not in shown.split('id="absence-delegate_id"')[1].split("</select>")[0]
    )
    delegate = str(_user_id(services, "cg_vp.chuyenvien"))
    typed = {"starts_on": "2026-01-12", "ends_on": "2026-01-11", "delegate_id": delegate, "reason": AWAY}
    refused = officer.post(
        "/absences", data={"csrf_token": csrf_token(officer, "/absences"), **typed}, follow_redirects=True
    )
    text = shown_after_refusal(refused, "/absences")
    assert "«Đến ngày» không được trước «Từ ngày»." in text and AWAY in text
    typed["ends_on"] = "2026-01-13"
    declared = officer.post("/absences", data={"csrf_token": csrf_token(officer, "/absences"), **typed})
    assert (declared.status_code, declared.headers["Location"]) == (302, "/absences")
    shown = officer.get("/absences").get_data(as_text=True)
    assert "12/01/2026" in shown and "Sắp tới" in shown and "Tất cả quy trình" in shown
    with services.db.read() as session:
        (absence,) = delegation.absences_of(session, user_by_username(session, "cg_vp.canbo"))
    cancel = f"/absences/{absence.id}/cancel"
    assert colleague.post(cancel, data={"csrf_token": csrf_token(colleague, "/absences")}).status_code == 404
    assert officer.post(cancel, data={}).status_code == 400  # no CSRF token
    assert officer.post(cancel, data={"csrf_token": csrf_token(officer, "/absences")}).status_code == 302
    with services.db.read() as session:
        assert session.get_one(delegation.Absence, absence.id).cancelled_at == OPENED
