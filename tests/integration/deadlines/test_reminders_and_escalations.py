"""Reminders and escalations in simulated time: each exactly once, at its instant, to
the people the org chart names (docs/deadlines.md#reminders-and-escalations). A policy that
cannot work is refused at publish: tests/unit/test_escalation.py."""

from datetime import timedelta

from factories.bpmn import boundary_timer, probe_bundle, process_xml, user_task
from factories.campaigns import line, open_campaign, submit_proposal
from factories.dates import local
from factories.tasks import act, inbox
from sqlalchemy import select

from engine.definitions import publish
from engine.models import HumanTask
from services.common.display import in_language
from services.deadlines import escalations_of
from services.identity import UNIT_HEAD, AppUser, Membership, unit_by_code, user_by_username
from services.notifications import Notification
from services.work import _tasks as tasks

DUE = local(2026, 1, 14, 12, 0)
START = {"deadline": DUE.isoformat()}


def _publish(services, lane="unit_officer", extra="", **policy) -> None:
    bpmn = process_xml(user_task("task", **policy), lane=lane, extra=extra)
    with services.db.transaction() as session:
        publish(session, probe_bundle(bpmn), local(2026, 1, 1), services.runtime.helpers)


def _start(services, unit="cg_thcs", lane="unit_officer", data=None) -> str:
    with services.db.transaction() as session:
        org = unit_by_code(session, unit).id
        change = services.runtime.start(
            session, "probe", data or START, lane_orgs={lane: org}, at=local(2026, 1, 10, 9, 0)
        )
        return change.opened_tasks[0].id


def _sent(services, task_id: str | None = None) -> list[tuple[str, str]]:
    """(username, "reminder:<offset>" or "escalation:<level>") of every reminder and
    escalation notified (about one task, if given), in order."""
    query = (
        select(AppUser.username, Notification.key)
        .join(AppUser)
        .where(Notification.key.not_like("digest:%"))
        .order_by(Notification.id)
    )
    if task_id is not None:
        query = query.where(Notification.task_id == task_id)
    with services.db.read() as session:
        rows = session.execute(query).all()
    return [(username, "{}:{}".format(*key.split(":")[0:3:2])) for username, key in rows]


def _tick(services, at):
    return services.tick(at)


def test_reminders_at_t_minus_24h_and_2h_then_two_levels_each_exactly_once(commune):
    services = commune
    _publish(services, due="deadline", escalation="PT0S P1D")
    task_id = _start(services)

    assert _tick(services, DUE - timedelta(hours=24, seconds=1)).alerts.reminders == 0
    assert _tick(services, DUE - timedelta(hours=24)).alerts.reminders == 1
    assert _tick(services, DUE - timedelta(hours=24)).alerts.reminders == 0  # once
    assert _sent(services) == [("cg_thcs.canbo", "reminder:PT24H")]
    assert _tick(services, DUE - timedelta(hours=2)).alerts.reminders == 1
    assert _tick(services, DUE - timedelta(microseconds=1)).alerts.escalations == 0
    assert _tick(services, DUE).alerts.escalations == 1
    assert _tick(services, DUE + timedelta(hours=23)).alerts.escalations == 0
    assert _tick(services, DUE + timedelta(days=1)).alerts.escalations == 1
    late = _tick(services, DUE + timedelta(days=30)).alerts
    assert (late.reminders, late.escalations) == (0, 0)
    assert _sent(services) == [
        ("cg_thcs.canbo", "reminder:PT24H"),
        ("cg_thcs.canbo", "reminder:PT2H"),
        ("cg_thcs.truong", "escalation:1"),  # the head of the same unit
        ("chutich", "escalation:2"),  # then the head one level up: the commune's chair
    ]
    with services.db.read() as session:
        shown = escalations_of(session, [task_id])[task_id]
        assert [(e.level, e.action, e.escalated_at) for e in shown] == [
            (1, "notify", DUE),
            (2, "notify", DUE + timedelta(days=1)),
        ]
        assert session.get(HumanTask, task_id).next_alert_at is None


def test_a_task_done_in_time_is_neither_reminded_nor_escalated(commune):
    services = commune
    _publish(services, due="deadline")
    _start(services)
    act(services, "cg_thcs.canbo", "task", {"note": "xong"}, at=DUE - timedelta(days=2))
    run = _tick(services, DUE + timedelta(days=5))
    assert (run.alerts.reminders, run.alerts.escalations) == (0, 0)
    assert _sent(services) == []


def test_a_scheduler_back_after_an_outage_sends_only_the_latest_reminder(commune):
    services = commune
    _publish(services, due="deadline")
    _start(services)
    run = _tick(services, DUE - timedelta(hours=1))  # down at T-24h and T-2h
    assert (run.alerts.reminders, run.alerts.escalations) == (1, 0)
    assert [key for _, key in _sent(services) if key.startswith("reminder")] == ["reminder:PT2H"]


def test_the_acting_head_is_reached_while_the_head_is_absent(commune):
    services = commune
    with services.db.transaction() as session:
        head = user_by_username(session, "cg_thcs.truong")
        head.absent_until = DUE + timedelta(days=7)
        deputy = AppUser(username="cg_thcs.pho", full_name="Phó hiệu trưởng", active=True)
        session.add(deputy)
        session.flush()
        session.add(
            Membership(
                user_id=deputy.id,
                org_unit_id=unit_by_code(session, "cg_thcs").id,
                role_code=UNIT_HEAD,
                acting=True,
            )
        )
    _publish(services, due="deadline", reminders="none", escalation="PT0S")
    _start(services)
    _tick(services, DUE)
    assert _sent(services) == [("cg_thcs.pho", "escalation:1")]


def test_reassign_gives_the_overdue_task_to_the_head(commune):
    services = commune
    _publish(services, due="deadline", reminders="none", escalation="PT0S", escalation_action="reassign")
    task_id = _start(services)
    _tick(services, DUE)
    assert [t.id for t in inbox(services, "cg_thcs.canbo")] == []
    assert [t.id for t in inbox(services, "cg_thcs.truong")] == [task_id]
    act(services, "cg_thcs.truong", "task", {"note": "đã xử lý thay"}, at=DUE + timedelta(hours=1))
    with services.db.read() as session:
        done = session.get(HumanTask, task_id)
        assert (
            done.status == "completed" and done.completed_by == user_by_username(session, "cg_thcs.truong").id
        )


def test_the_heads_own_task_escalates_one_level_up(commune):
    services = commune
    _publish(services, lane="unit_head", due="deadline", reminders="PT2H", escalation="PT0S")
    _start(services, lane="unit_head")
    _tick(services, DUE - timedelta(hours=2))
    _tick(services, DUE)
    assert _sent(services) == [("cg_thcs.truong", "reminder:PT2H"), ("chutich", "escalation:1")]


def test_reminders_in_working_days_before_a_fixed_date(commune):
    # Report due "trước 30/11/2026" (a Monday; 29/11 is a Sunday and is not moved):
    # reminders at T-10 and T-3 working days are 16/11 and 25/11
    # (docs/deadlines.md#reminders-and-escalations).
    services = commune
    due = local(2026, 11, 30, 0, 0)
    _publish(services, due="deadline", reminders="10WD 3WD", escalation="PT0S")
    with services.db.transaction() as session:
        org = unit_by_code(session, "cg_thcs").id
        task = services.runtime.start(
            session,
            "probe",
            {"deadline": due.isoformat()},
            lane_orgs={"unit_officer": org},
            at=local(2026, 11, 2, 9, 0),
        ).opened_tasks[0]
    assert task.next_alert_at == local(2026, 11, 16, 8, 0)
    assert _tick(services, local(2026, 11, 16, 7, 59)).alerts.reminders == 0
    assert _tick(services, local(2026, 11, 16, 8, 0)).alerts.reminders == 1
    assert _tick(services, local(2026, 11, 25, 7, 59)).alerts.reminders == 0
    assert _tick(services, local(2026, 11, 25, 8, 0)).alerts.reminders == 1
    assert _tick(services, local(2026, 11, 29, 23, 59)).alerts.escalations == 0  # Sunday: still not due
    assert _tick(services, due).alerts.escalations == 1


def test_the_campaign_cutoff_closes_silent_units_once_and_tells_their_heads(commune):
    services = commune
    open_campaign(services, at=local(2026, 1, 10, 9, 0))
    cutoff = local(2026, 1, 14, 12, 0)
    submit_proposal(services, "cg_th", [line()], at=local(2026, 1, 12, 9, 0))
    act(services, "cg_mn.canbo", "draft_proposal", {"no_demand": True}, at=local(2026, 1, 12, 10, 0))

    reminded = _tick(services, cutoff - timedelta(hours=24)).alerts.reminders
    assert reminded == 9  # 8 silent drafts + cg_mn's head, who has not approved yet
    with services.db.read() as session:
        keys = set(session.scalars(select(Notification.key)))
    run = _tick(services, cutoff)
    assert run.timers.fired >= 9
    again = _tick(services, cutoff + timedelta(minutes=1))
    assert (again.timers.fired, again.alerts.escalations) == (0, 0)

    with services.db.read() as session:
        closures = session.execute(
            select(AppUser.username, Notification.key)
            .join(AppUser)
            .where(Notification.key.like("escalation:%"))
        ).all()
        heads = sorted(username for username, _ in closures)
    silent = ["cg_bxdd", "cg_dvsnc", "cg_pkt", "cg_pvhcc", "cg_thcs", "cg_tyt", "cg_vp", "xa_cam_giang_vhxh"]
    # Each silent unit's head hears once that the draft closed; cg_mn's head sat on a
    # "no demand" draft, so the chair hears of that one.
    assert heads == sorted([f"{unit}.truong" for unit in silent] + ["chutich"])
    assert len(closures) == len(set(key for _, key in closures)) == 9
    assert not keys & {key for _, key in closures}  # told at the cutoff, not before


def test_the_daily_digest_goes_out_at_seven_once_a_day(commune):
    services = commune
    open_campaign(services, at=local(2026, 1, 10, 9, 0))
    assert services.send_digest(local(2026, 1, 11, 6, 59)) == 0
    sent = services.send_digest(local(2026, 1, 11, 7, 0))
    # the officers of the 10 addressed units (Văn phòng has two), a draft waiting
    assert sent == 11
    assert services.send_digest(local(2026, 1, 11, 18, 0)) == 0
    assert services.send_digest(local(2026, 1, 12, 7, 5)) == sent
    with services.db.read() as session:
        officer = user_by_username(session, "cg_thcs.canbo")
        [digest] = session.scalars(
            select(Notification).where(
                Notification.user_id == officer.id, Notification.key.like("digest:11/01/2026:%")
            )
        )
    # Worded for each reader: Vietnamese as it always read, English from the same wording.
    assert in_language(digest.worded_body, "vi") == (
        "Đồng chí có 1 việc đang chờ xử lý: 0 việc quá hạn, 0 việc đến hạn trong 24 giờ tới.\n"
        "- Lập đề xuất nhu cầu (hạn trước 12 giờ ngày 14/01/2026, còn 3 ngày 5 giờ)"
    )
    assert in_language(digest.worded_body, "en") == (
        "Tasks waiting: 1 (0 overdue, 0 due within the next 24 hours).\n"
        "- Lập đề xuất nhu cầu (due before 12:00 on 14/01/2026, 3 days 5 hours left)"
    )


def test_a_task_with_an_interrupting_timer_closes_by_default_and_is_due_then(commune):
    services = commune
    _publish(services, extra=boundary_timer("task", "timeDate", "deadline"))
    task_id = _start(services)
    with services.db.read() as session:
        task = session.get(HumanTask, task_id)
        assert (task.due_at, task.next_alert_at) == (DUE, DUE - timedelta(hours=24))
    _tick(services, DUE)  # the timer closes it first: no reminder comes after the deadline
    assert _sent(services) == [("cg_thcs.truong", "escalation:1")]
    with services.db.read() as session:
        [escalation] = escalations_of(session, [task_id])[task_id]
        assert escalation.action == "close"
        assert tasks.tasks_for(session, user_by_username(session, "cg_thcs.canbo")) == []


def test_phong_vhxh_aggregation_escalates_to_its_head_then_the_chair(commune):
    services = commune
    open_campaign(services, at=local(2026, 1, 10, 9, 0))
    city_deadline = local(2026, 1, 15, 0, 0)
    _tick(services, local(2026, 1, 14, 12, 0))  # the cutoff: the aggregation task opens
    [task] = inbox(services, "vhxh.canbo")
    assert (task.task_name, task.due_at) == ("aggregate_proposals", city_deadline)
    _tick(services, city_deadline - timedelta(hours=6))
    _tick(services, city_deadline - timedelta(hours=2))
    _tick(services, city_deadline)
    _tick(services, city_deadline + timedelta(hours=12))
    _tick(services, city_deadline + timedelta(days=3))
    assert _sent(services, task.id) == [
        ("vhxh.canbo", "reminder:PT6H"),
        ("vhxh.canbo", "reminder:PT2H"),
        ("xa_cam_giang_vhxh.truong", "escalation:1"),
        ("chutich", "escalation:2"),
    ]
