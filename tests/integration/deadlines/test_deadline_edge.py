"""Deadlines at the edge: at the cutoff instant, whether or not the scheduler has run.

A completion that the passed deadline would close in the same instant is refused and the
timer fires first, committed; the paths the BPMN draws for late work still run as drawn.
No reminder or digest speaks of a task that its deadline is closing, whichever of two
ticks reads it first."""

from factories.campaigns import open_campaign, proposal_of, statuses
from factories.dates import local
from factories.tasks import act, task_named
from factories.web import csrf_token, signed_in, web_app
from sqlalchemy import func, select

from engine.models import HumanTask, ProcessInstance
from services.campaigns import _campaigns as campaigns
from services.deadlines import Escalation
from services.identity import _api_tokens as api_tokens
from services.notifications import Notification

JUST_BEFORE = local(2027, 1, 14, 11, 59, 59)
CUTOFF = local(2027, 1, 14, 12, 0, 0)
REFUSAL = "Đã quá hạn lúc 12:00 14/01/2027 — «Coi như không có nhu cầu»"


def _campaign(services) -> int:
    return open_campaign(services, at=local(2027, 1, 10, 9, 0), target_year=2027)


def _closing_of(services, task_id: str) -> tuple:
    """What the cutoff left of a unit's draft: its row, its instance, its escalations and
    the notifications about it."""
    with services.db.read() as session:
        task = session.get(HumanTask, task_id)
        instance = session.get(ProcessInstance, task.instance_id)
        escalations = session.scalars(select(Escalation.action).where(Escalation.task_id == task_id)).all()
        told = session.scalars(select(Notification.key).where(Notification.task_id == task_id)).all()
        return (
            (task.status, task.completed_by, task.completed_at),
            (instance.status, instance.lock_version),
            escalations,
            sorted(told),
        )


def test_a_draft_at_the_cutoff_is_refused_on_the_page_and_the_api_and_the_unit_is_deemed_once(commune):
    services = commune
    campaign_id = _campaign(services)
    page_task = task_named(services, "cg_vp.canbo", "draft_proposal").id
    api_task = task_named(services, "cg_pkt.canbo", "draft_proposal").id
    app = web_app(services)
    services.clock.set(local(2027, 1, 14, 11, 30))
    officer = signed_in(app, "cg_vp.canbo")
    token = csrf_token(officer, f"/tasks/{page_task}")
    with services.db.transaction() as session:
        api_token = api_tokens.issue(session, "cg_pkt.canbo", "api", services.clock.now())
        bearer = {"Authorization": f"Bearer {api_token}"}

    services.clock.set(CUTOFF)  # the scheduler has not run
    sent = officer.post(
        f"/tasks/{page_task}",
        data={"csrf_token": token, "action": "submit", "no_demand.present": "1", "no_demand": "true"},
    )
    assert sent.status_code == 302
    shown = officer.get(sent.headers["Location"]).get_data(as_text=True)
    assert REFUSAL in shown and "Nội dung đồng chí vừa gửi không được ghi nhận." in shown
    refused = app.test_client().post(
        f"/api/v1/tasks/{api_task}/complete", json={"data": {"no_demand": True}}, headers=bearer
    )
    assert refused.status_code == 409
    assert refused.get_json()["code"] == "deadline_passed" and refused.get_json()["message"].startswith(
        REFUSAL
    )

    # The timer fired and that was committed: each unit deemed no demand, its draft closed
    # by the deadline (not completed by the officer), its head told once.
    assert (
        statuses(services, campaign_id)["cg_vp"]
        == statuses(services, campaign_id)["cg_pkt"]
        == "deemed_no_demand"
    )
    assert proposal_of(services, campaign_id, "cg_vp").closed_at == CUTOFF
    closed = {task_id: _closing_of(services, task_id) for task_id in (page_task, api_task)}
    for task_id, unit in ((page_task, "cg_vp"), (api_task, "cg_pkt")):
        task, instance, escalations, told = closed[task_id]
        assert task == ("cancelled", None, CUTOFF) and instance[0] == "completed"
        assert escalations == ["close"] and len(told) == 1

    run = services.tick(CUTOFF)  # the others' timers fire; these two have nothing left to fire
    assert run.timers.fired == 8  # the 8 other units...
    assert run.inbox.delivered == 1  # ...the last of which lets the campaign go on
    assert {task_id: _closing_of(services, task_id) for task_id in closed} == closed
    assert statuses(services, campaign_id)["cg_vp"] == "deemed_no_demand"


def test_a_draft_a_second_before_counts_and_the_heads_late_approval_ends_as_submitted_late(commune):
    services = commune
    campaign_id = _campaign(services)
    approval = act(services, "cg_vp.canbo", "draft_proposal", {"no_demand": True}, JUST_BEFORE)
    assert [task.task_name for task in approval.opened_tasks] == ["approve_proposal"]

    # The head sends it at 12:00:00, before the scheduler ran: received, late, as the BPMN draws it.
    act(services, "cg_vp.truong", "approve_proposal", {"head_decision": "submit"}, CUTOFF)
    assert statuses(services, campaign_id)["cg_vp"] == "submitted_late"
    assert proposal_of(services, campaign_id, "cg_vp").received_at == CUTOFF
    services.tick(CUTOFF)
    assert statuses(services, campaign_id)["cg_vp"] == "submitted_late"
    with services.db.transaction() as session:  # the commune may still accept it, with a reason
        campaigns.accept_late_proposal(
            session,
            "xa_cam_giang_vhxh.truong",
            campaign_id,
            "cg_vp",
            "Đơn vị gửi đúng 12 giờ do sự cố mạng, đã báo trước",
            local(2027, 1, 14, 13, 0),
        )
    assert statuses(services, campaign_id)["cg_vp"] == "accepted_late"


def _reminders_and_digests(services) -> list[str]:
    with services.db.read() as session:
        return session.scalars(
            select(Notification.key).where(
                Notification.key.like("reminder:%") | Notification.key.like("digest:%")
            )
        ).all()


def test_two_ticks_at_the_cutoff_remind_and_digest_nobody_of_the_drafts_they_close(commune):
    # The scheduler was down since the campaign opened: both reminders and the day's
    # digest are due. Tick B reads the tasks before tick A's firing is committed (the
    # worst interleaving for each task; after the firing the tasks are closed).
    services = commune
    _campaign(services)
    alerts_b, digests_b = services.send_alerts(CUTOFF), services.send_digest(CUTOFF)
    tick_a = services.tick(CUTOFF)
    assert (alerts_b.reminders, digests_b, tick_a.alerts.reminders, tick_a.digests) == (0, 0, 0, 0)
    assert (tick_a.timers.fired, tick_a.inbox.delivered) == (10, 1)  # the units; then the campaign goes on
    assert services.send_alerts(CUTOFF).reminders == 0
    assert _reminders_and_digests(services) == []
    with services.db.read() as session:  # each unit's head is told its draft closed
        assert session.scalar(select(func.count()).where(Notification.key.like("escalation:%"))) == 10


def test_a_tick_before_the_cutoff_still_sends_the_due_reminders_and_the_digest(commune):
    services = commune
    _campaign(services)
    morning = services.tick(local(2027, 1, 14, 7, 0))  # down since the opening: T-24h and 07:00 are due
    assert (morning.alerts.reminders, morning.digests) == (10, 11)  # Văn phòng has two officers
    assert services.tick(local(2027, 1, 14, 10, 0)).alerts.reminders == 10  # T-2h
    assert len(_reminders_and_digests(services)) == 33  # 11 officers: two reminders and a digest each
