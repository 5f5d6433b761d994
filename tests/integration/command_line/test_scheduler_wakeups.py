"""The scheduler wakes when work comes due, not on a poll (README.md, "The scheduler"):
with its safety net at 60 s, a timer a web request sets 2 s ahead fires within half a
second of its due instant; a calendar edit that moves a reminder moves the instant the
scheduler plans for; two schedulers fire each timer once. Both backends."""

from __future__ import annotations

import signal
import time
from datetime import date, datetime, timedelta, timezone

import pytest
from factories.bpmn import Node, probe_bundle, process_xml, user_task
from factories.scheduler_process import start_scheduler, wait_for
from factories.web import api_client
from sqlalchemy import func, select

from engine.definitions import publish
from engine.models import HumanTask, ProcessInstance
from engine.runtime import StartRequest
from services import deadlines
from services.common import changes
from services.identity import unit_by_code

pytestmark = pytest.mark.database
LONG_POLL_S = 60
WAIT_PT2S = Node(
    "wait",
    '<bpmn:intermediateCatchEvent id="wait" name="Chờ 2 giây"><bpmn:timerEventDefinition>'
    '<bpmn:timeDuration>"PT2S"</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>',
)


def _stop(process) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=30)


def _started(log) -> bool:
    return "scheduler started" in log.read_text(errors="replace")


def test_a_timer_a_web_request_sets_fires_on_time_while_the_poll_is_long(commune, tmp_path):
    services = commune
    services.clock.set(datetime.now(timezone.utc))
    bundle = probe_bundle(
        process_xml(user_task("task"), WAIT_PT2S, key="wake_probe", lane="unit_officer"), key="wake_probe"
    )
    with services.db.transaction() as session:
        publish(session, bundle, services.clock.now() - timedelta(hours=1), services.runtime.helpers)
        unit = unit_by_code(session, "cg_pkt").id
        (started,) = services.runtime.start_many(
            session, "wake_probe", [StartRequest({}, {"unit_officer": unit})]
        )
    instance_id, task_id = started.instance.saved_id, started.opened_tasks[0].id
    log = tmp_path / "scheduler.log"
    scheduler = start_scheduler(services, log, LONG_POLL_S)
    try:
        wait_for(lambda: _started(log), "the scheduler to start", log)
        time.sleep(1.0)  # past its start-up: asleep on the long poll
        client = api_client(services, "cg_pkt.canbo")
        services.clock.set(datetime.now(timezone.utc))
        answer = client.post(
            f"/api/v1/tasks/{task_id}/complete",
            json={"data": {"note": "xong"}},
            headers=client.tokens["cg_pkt.canbo"],
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
        with services.db.read() as session:
            due = session.get(ProcessInstance, instance_id).next_timer_at
        assert due is not None

        def fired() -> bool:
            with services.db.read() as session:
                return session.get(ProcessInstance, instance_id).status == "completed"

        wait_for(fired, "the timer to fire", log)
        late = datetime.now(timezone.utc) - due
    finally:
        _stop(scheduler)
    assert late < timedelta(seconds=0.5), f"fired {late} after its due instant\n{log.read_text()[-2000:]}"


def test_a_calendar_edit_that_moves_a_reminder_moves_the_planned_wake_up(commune):
    """A reminder counted in working days ("1WD": 08:00 of the working day before the due
    day) moves when that day becomes a day off; the plan follows, and the watcher sees it."""
    services = commune
    due = datetime(2026, 3, 10, 10, 0, tzinfo=timezone(timedelta(hours=7)))  # a Tuesday
    task = user_task("task", due=f"'{due.isoformat()}'", reminders="1WD", escalation="none")
    bundle = probe_bundle(process_xml(task, key="remind_probe", lane="unit_officer"), key="remind_probe")
    services.clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    with services.db.transaction() as session:
        publish(session, bundle, services.clock.now() - timedelta(hours=1), services.runtime.helpers)
        unit = unit_by_code(session, "cg_pkt").id
        services.runtime.start_many(session, "remind_probe", [StartRequest({}, {"unit_officer": unit})])
    monday_8 = datetime(2026, 3, 9, 8, 0, tzinfo=timezone(timedelta(hours=7)))
    assert services.next_due_at() == monday_8
    watcher = changes.watch(services.config.database_url)
    try:
        with services.db.transaction() as session:
            deadlines.set_day(session, date(2026, 3, 9), deadlines.DAY_OFF, "Nghỉ bù")
            assert deadlines.replan_reminders(session, services.runtime, services.clock.now()) == 1
        assert watcher.wait(5.0)
        assert services.next_due_at() == monday_8 - timedelta(days=3)  # Friday 06/03, 08:00
    finally:
        watcher.close()
        with services.db.transaction() as session:  # calendar_day is reference data: put it back
            deadlines.unset_day(session, date(2026, 3, 9))


def test_two_schedulers_fire_each_timer_once(commune, tmp_path):
    services = commune
    now = datetime.now(timezone.utc)
    services.clock.set(now)
    count = 40
    bundle = probe_bundle(
        process_xml(user_task("task"), WAIT_PT2S, key="wake_probe", lane="unit_officer"), key="wake_probe"
    )
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    schedulers = [start_scheduler(services, log, LONG_POLL_S) for log in logs]
    try:
        for log in logs:
            wait_for(lambda log=log: _started(log), "the schedulers to start", log)
        with services.db.transaction() as session:
            publish(session, bundle, now - timedelta(hours=1), services.runtime.helpers)
            unit = unit_by_code(session, "cg_pkt").id
            services.runtime.start_many(
                session, "wake_probe", [StartRequest({}, {"unit_officer": unit}) for _ in range(count)]
            )
        client = api_client(services, "cg_pkt.canbo")
        with services.db.read() as session:
            tasks = session.scalars(select(HumanTask.id).where(HumanTask.status == "ready")).all()
        services.clock.set(datetime.now(timezone.utc))
        for task_id in tasks:
            client.post(
                f"/api/v1/tasks/{task_id}/complete",
                json={"data": {"note": "x"}},
                headers=client.tokens["cg_pkt.canbo"],
            )

        def all_fired() -> bool:
            with services.db.read() as session:
                return (
                    session.scalar(select(func.count()).where(ProcessInstance.status == "completed")) == count
                )

        wait_for(all_fired, "every timer to fire", logs[0])
        time.sleep(1.0)
    finally:
        for scheduler in schedulers:
            _stop(scheduler)
    fired = [line for log in logs for line in log.read_text().splitlines() if "fired" in line]
    counts = [int(line.split("fired ")[1].split(" ")[0]) for line in fired]
    assert sum(counts) == count, fired  # each timer fired by one of them, once
