"""A task handed to a colleague (chuyển xử lý): only to another active holder of the same
role in the same unit, with a reason; the colleague holds it, is told, and the case's
history says who handed it to whom and why (docs/working-together.md)."""

from __future__ import annotations

import pytest
from factories.campaigns import open_campaign
from factories.dates import local
from factories.tasks import act, inbox, task_named
from factories.web import csrf_token, shown_after_refusal, signed_in, web_app
from sqlalchemy import select

from engine.errors import NotFound
from engine.models import HumanTask
from services import delegation, work
from services.common.display import in_language
from services.common.errors import Conflict, InvalidInput
from services.common.models import AuditEvent
from services.identity import grant_role, user_by_username
from services.notifications import Notification
from services.work._models import TaskEvent

AT = local(2026, 1, 11, 10, 0)
REASON = "Đồng chí Hoa phụ trách lĩnh vực này"


def _draft(services) -> HumanTask:
    open_campaign(services, at=local(2026, 1, 10, 9, 0))
    return task_named(services, "cg_vp.canbo", "draft_proposal")


def _hand(services, username: str, task_id: str, to, reason: str = REASON):
    """Delegate as ``username`` to ``to`` (a username, or a raw value as a form posts it)."""
    with services.db.transaction() as session:
        user = user_by_username(session, username)
        target = user_by_username(session, to).id if isinstance(to, str) and "." in to else to
        task, colleague = delegation.delegate_task(session, user, task_id, target, reason, AT)
        return task.assignee_id, colleague.username


def _events(services) -> list[tuple]:
    with services.db.read() as session:
        return list(
            session.execute(
                select(TaskEvent.kind, TaskEvent.from_user_id, TaskEvent.to_user_id, TaskEvent.reason)
            ).tuples()
        )


def test_a_task_handed_with_a_reason_is_the_colleagues_told_and_in_the_history(commune):
    services = commune
    task = _draft(services)
    assignee, name = _hand(services, "cg_vp.canbo", task.id, "cg_vp.chuyenvien", f"  {REASON}  ")

    assert name == "cg_vp.chuyenvien"
    assert task.id in {open_task.id for open_task in inbox(services, "cg_vp.chuyenvien")}
    assert task.id not in {open_task.id for open_task in inbox(services, "cg_vp.canbo")}
    with services.db.read() as session:
        colleague = user_by_username(session, "cg_vp.chuyenvien")
        assert assignee == colleague.id
        steps = [
            step for step in work.history(session, task.instance_id, colleague) if step["what"] == "delegated"
        ]
        assert steps == [
            {
                "at": AT,
                "what": "delegated",
                "title": task.title,
                "who": "Cán bộ Văn phòng HĐND và UBND xã Cẩm Giang",
                "from": "Cán bộ Văn phòng HĐND và UBND xã Cẩm Giang",
                "to": "Lê Thị Hoa",
                "reason": REASON,  # stripped
            }
        ]
        told = session.scalars(
            select(Notification).where(Notification.user_id == colleague.id, Notification.task_id == task.id)
        ).all()
        assert len(told) == 1 and REASON in told[0].body
        audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "task.delegate")).one()
        assert (audited.subject, audited.details["to"]) == (f"human_task:{task.id}", "cg_vp.chuyenvien")
    # The colleague works it as their own.
    act(services, "cg_vp.chuyenvien", "draft_proposal", {"no_demand": True}, local(2026, 1, 12, 9, 0))
    with services.db.read() as session:
        assert session.get_one(HumanTask, task.id).completed_by == colleague.id


@pytest.mark.parametrize(
    "to",
    [
        "cg_vp.truong",  # the unit's head: another role
        "cg_pkt.canbo",  # an officer of another unit
        "cg_vp.canbo",  # oneself
        "999999",  # nobody
        "abc",
        "",
    ],
)
def test_only_another_holder_of_the_same_role_and_unit_may_receive_it(commune, to):
    services = commune
    task = _draft(services)
    with pytest.raises(InvalidInput) as refused:
        _hand(services, "cg_vp.canbo", task.id, to)
    assert refused.value.field == "delegate_id"
    assert "«Người nhận»" in in_language(refused.value.message, "vi")
    with services.db.read() as session:
        assert session.get_one(HumanTask, task.id).assignee_id is None
    assert _events(services) == []


def test_a_disabled_colleague_cannot_receive_it_and_an_acting_holder_can(commune):
    services = commune
    task = _draft(services)
    with services.db.transaction() as session:
        disabled = user_by_username(session, "cg_vp.chuyenvien")
        disabled.active, disabled_id = False, disabled.id
        grant_role(session, "cg_pkt.canbo", "cg_vp", "unit_officer", acting=True)
    with services.db.read() as session:
        officer = user_by_username(session, "cg_vp.canbo")
        held = session.get_one(HumanTask, task.id)
        assert [person.username for person in delegation.colleagues_for(session, officer, held)] == [
            "cg_pkt.canbo"
        ]
    with pytest.raises(InvalidInput) as refused:
        _hand(services, "cg_vp.canbo", task.id, str(disabled_id))
    assert refused.value.field == "delegate_id"
    assert _hand(services, "cg_vp.canbo", task.id, "cg_pkt.canbo")[1] == "cg_pkt.canbo"


@pytest.mark.parametrize("reason", ["", "   ", "x" * 501])
def test_a_reason_is_required_and_at_most_500_characters(commune, reason):
    services = commune
    task = _draft(services)
    with pytest.raises(InvalidInput) as refused:
        _hand(services, "cg_vp.canbo", task.id, "cg_vp.chuyenvien", reason)
    assert refused.value.field == "reason"
    assert "«Lý do»" in in_language(refused.value.message, "vi")
    with services.db.read() as session:
        assert session.get_one(HumanTask, task.id).assignee_id is None
    assert _events(services) == []


def test_nobody_hands_a_task_that_is_not_theirs_now(commune):
    services = commune
    task = _draft(services)
    with pytest.raises(NotFound):  # another unit's task is not even confirmed to exist
        _hand(services, "cg_pkt.canbo", task.id, "cg_vp.chuyenvien")
    with services.db.transaction() as session:
        work.claim(session, user_by_username(session, "cg_vp.chuyenvien"), task.id)
    with pytest.raises(NotFound):  # a colleague's claimed task
        _hand(services, "cg_vp.canbo", task.id, "cg_vp.chuyenvien")
    # The holder hands it back; then it is the first officer's to hand again.
    _hand(services, "cg_vp.chuyenvien", task.id, "cg_vp.canbo", "Trả lại người phụ trách")
    act(services, "cg_vp.canbo", "draft_proposal", {"no_demand": True}, local(2026, 1, 12, 9, 0))
    with pytest.raises(Conflict):  # done: it stays visible to its author but cannot move
        _hand(services, "cg_vp.canbo", task.id, "cg_vp.chuyenvien")
    assert [kind for kind, *_ in _events(services)] == ["delegated"]


# -- the task page ------------------------------------------------------------------


def test_the_task_page_offers_colleagues_refuses_by_field_and_hides_others_tasks(commune):
    services = commune
    task = _draft(services)
    app = web_app(services)
    officer, stranger = signed_in(app, "cg_vp.canbo"), signed_in(app, "cg_pkt.canbo")
    page = f"/tasks/{task.id}"
    shown = officer.get(page).get_data(as_text=True)
    assert 'id="delegation"' in shown and "Lê Thị Hoa" in shown and "Chuyển xử lý" in shown

    with services.db.read() as session:
        colleague_id = user_by_username(session, "cg_vp.chuyenvien").id
    refused = officer.post(
        f"{page}/delegate",
        data={"csrf_token": csrf_token(officer, page), "delegate_id": str(colleague_id), "reason": " "},
        follow_redirects=True,
    )
    text = shown_after_refusal(refused, page)
    assert "Vui lòng nhập «Lý do» chuyển xử lý." in text
    assert f'<option value="{colleague_id}" selected>' in text  # what was chosen is kept
    assert (
        stranger.post(
            f"{page}/delegate",
            data={
                "csrf_token": csrf_token(stranger, "/inbox"),
                "delegate_id": str(colleague_id),
                "reason": "x",
            },
        ).status_code
        == 404
    )
    assert _events(services) == []

    handed = officer.post(
        f"{page}/delegate",
        data={"csrf_token": csrf_token(officer, page), "delegate_id": str(colleague_id), "reason": REASON},
    )
    assert (handed.status_code, handed.headers["Location"]) == (302, "/inbox")
    # No longer the officer's: the page is not theirs to see any more.
    assert officer.get(page).status_code == 404


def test_a_lone_holder_is_told_there_is_nobody_to_hand_to(commune):
    services = commune
    open_campaign(services, at=local(2026, 1, 10, 9, 0))
    task = task_named(services, "cg_pkt.canbo", "draft_proposal")
    shown = signed_in(web_app(services), "cg_pkt.canbo").get(f"/tasks/{task.id}").get_data(as_text=True)
    assert "Đơn vị không có cán bộ nào khác cùng vai trò" in shown
    assert 'name="delegate_id"' not in shown
