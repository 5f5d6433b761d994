"""An administrator's control of instances: suspend, resume, cancel and retry, each
through the optimistic lock, each telling listeners, and what each leaves behind for
timers, tasks and reminders. Real SpiffWorkflow, real database, both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories.bpmn import Node, boundary_timer, probe_bundle, process_xml, user_task
from factories.dates import local
from sqlalchemy import select

from engine import store
from engine.definitions import publish
from engine.errors import TaskNotReady
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from services.identity import unit_by_code

T0 = local(2026, 1, 10, 9, 0)
DUE = local(2026, 1, 14, 12, 0)


def script_task(node_id: str, script: str) -> Node:
    return Node(
        node_id, f'<bpmn:scriptTask id="{node_id}"><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>'
    )


def publish_version(services, bpmn: bytes) -> ProcessDefinition:
    with services.db.transaction() as session:
        return publish(session, probe_bundle(bpmn), T0, services.runtime.helpers)[0]


def start(services, data: dict | None = None, lane_orgs: dict | None = None) -> int:
    with services.db.transaction() as session:
        return services.runtime.start(
            session, "probe", data or {}, lane_orgs=lane_orgs or {}, at=T0
        ).instance.id


def control(services, operation: str, instance_id: int, at=T0):
    """Run ``suspend``, ``resume``, ``cancel`` or ``retry`` in a transaction of its own."""
    with services.db.transaction() as session:
        return getattr(services.runtime, operation)(session, instance_id, at)


def instance(services, instance_id: int) -> ProcessInstance:
    with services.db.read() as session:
        return session.get(ProcessInstance, instance_id)


def tasks_of(services, instance_id: int) -> list[HumanTask]:
    with services.db.read() as session:
        return list(
            session.scalars(
                select(HumanTask)
                .where(HumanTask.instance_id == instance_id)
                .order_by(HumanTask.created_at, HumanTask.task_name)
            )
        )


def open_task(services, instance_id: int) -> HumanTask:
    (task,) = [task for task in tasks_of(services, instance_id) if task.status == "ready"]
    return task


def complete(services, task_id: str, at):
    with services.db.transaction() as session:
        return services.runtime.complete_task(session, task_id, {"note": "xong"}, user_id=None, at=at)


def timed_task_process(services) -> None:
    """draft, closed by a timer one hour after it opens."""
    publish_version(
        services, process_xml(user_task("draft"), extra=boundary_timer("draft", "timeDuration", '"PT1H"'))
    )


# ------------------------------------------------------------------ suspend and resume


def test_a_suspended_instance_neither_fires_timers_nor_completes_tasks_and_resumes_where_it_was(services):
    timed_task_process(services)
    instance_id = start(services)
    task = open_task(services, instance_id)
    causes = []
    services.runtime.on_every_change(lambda session, change: causes.append(change.cause))

    change = control(services, "suspend", instance_id, T0 + timedelta(minutes=10))
    assert (change.status_before, change.instance.status, causes) == ("running", "suspended", ["suspend"])
    assert services.fire_timers(T0 + timedelta(hours=2)).fired == 0
    with pytest.raises(TaskNotReady, match="is suspended: its tasks can be completed again once"):
        complete(services, task.id, T0 + timedelta(hours=2))
    suspended = instance(services, instance_id)
    assert (suspended.status, suspended.next_timer_at) == ("suspended", T0 + timedelta(hours=1))
    assert open_task(services, instance_id).id == task.id

    change = control(services, "resume", instance_id, T0 + timedelta(hours=3))
    assert (change.status_before, change.instance.status) == ("suspended", "running")
    assert services.fire_timers(T0 + timedelta(hours=3)).fired == 1  # came due while suspended
    assert instance(services, instance_id).status == "completed"
    assert [task.status for task in tasks_of(services, instance_id)] == ["cancelled"]
    assert causes == ["suspend", "resume", "timer"]


def test_each_operation_goes_through_the_optimistic_lock(services):
    timed_task_process(services)
    instance_id = start(services)
    versions = [instance(services, instance_id).lock_version]
    for operation in ("suspend", "resume", "cancel"):
        control(services, operation, instance_id)
        versions.append(instance(services, instance_id).lock_version)
    assert versions == [1, 2, 3, 4]


@pytest.mark.parametrize(
    "operation, message",
    [
        ("resume", "can be resumed only while on hold"),
        ("retry", "can be retried only while in error"),
    ],
)
def test_an_operation_on_an_instance_in_the_wrong_state_is_refused(services, operation, message):
    timed_task_process(services)
    instance_id = start(services)
    before = instance(services, instance_id).lock_version
    with pytest.raises(TaskNotReady, match=message):
        control(services, operation, instance_id)
    assert instance(services, instance_id).lock_version == before


# ------------------------------------------------------------------ cancel


def test_cancel_closes_the_open_tasks_and_stops_the_timers(services):
    timed_task_process(services)
    instance_id = start(services)
    task = open_task(services, instance_id)
    seen = []
    services.runtime.on_every_change(
        lambda session, change: seen.append((change.cause, change.closed_task_ids))
    )

    change = control(services, "cancel", instance_id, T0 + timedelta(minutes=5))
    assert (change.status_before, change.instance.status, change.finished) == ("running", "cancelled", False)
    assert seen == [("cancel", [task.id])]
    cancelled = instance(services, instance_id)
    assert (cancelled.status, cancelled.next_timer_at) == ("cancelled", None)
    (row,) = tasks_of(services, instance_id)
    assert (row.status, row.next_alert_at, row.completed_at) == ("cancelled", None, T0 + timedelta(minutes=5))
    assert services.fire_timers(T0 + timedelta(hours=2)).fired == 0

    with pytest.raises(TaskNotReady, match="is cancelled: a case can be cancelled only while"):
        control(services, "cancel", instance_id)


def test_a_suspended_instance_can_be_cancelled_but_a_completed_one_cannot(services):
    publish_version(services, process_xml(user_task("draft")))
    suspended_id, finished_id = start(services), start(services)
    control(services, "suspend", suspended_id)
    assert control(services, "cancel", suspended_id).status_before == "suspended"
    assert [task.status for task in tasks_of(services, suspended_id)] == ["cancelled"]

    complete(services, open_task(services, finished_id).id, T0)
    with pytest.raises(TaskNotReady, match="is completed"):
        control(services, "cancel", finished_id)


# ------------------------------------------------------------------ retry


def test_a_failed_script_runs_again_once_a_new_version_fixes_it(services):
    publish_version(
        services,
        process_xml(user_task("draft"), script_task("share_out", "share = 100 / parts"), user_task("review")),
    )
    instance_id = start(services, {"parts": 0})
    complete(services, open_task(services, instance_id).id, T0)
    failed = instance(services, instance_id)
    assert failed.status == "error" and "division by zero" in failed.error_message

    change = control(services, "retry", instance_id, T0 + timedelta(minutes=1))  # nothing fixed yet
    assert (change.status_before, change.instance.status) == ("error", "error")
    assert instance(services, instance_id).lock_version == failed.lock_version + 1

    fixed = publish_version(
        services,
        process_xml(
            user_task("draft"),
            script_task("share_out", "share = 100 / parts if parts else 0"),
            user_task("review"),
        ),
    )
    with services.db.read() as session:
        proposed = services.runtime.plan_migration(session, instance_id, fixed)
    assert proposed.safe and "script task «share_out» (failed): its script changes" in proposed.changes
    with services.db.transaction() as session:
        moved = services.runtime.migrate(session, instance_id, fixed, T0 + timedelta(minutes=2))
    assert moved.instance.status == "error"  # moving does not run anything; a retry does

    change = control(services, "retry", instance_id, T0 + timedelta(minutes=3))
    assert (change.cause, change.status_before, change.instance.status) == ("retry", "error", "running")
    assert instance(services, instance_id).error_message is None
    assert [task.task_name for task in change.opened_tasks] == ["review"]
    complete(services, open_task(services, instance_id).id, T0 + timedelta(minutes=4))
    done = instance(services, instance_id)
    assert (done.status, done.definition_id) == ("completed", fixed.id)


def test_an_instance_parked_by_a_timer_failure_runs_again_with_its_timer_recomputed(services):
    timed_task_process(services)
    instance_id = start(services)
    with services.db.transaction() as session:  # what the scheduler does when firing raised
        store.park_in_error(session, instance_id, "firing timers failed: OperationalError()")
    parked = instance(services, instance_id)
    assert (parked.status, parked.next_timer_at) == ("error", None)

    control(services, "retry", instance_id, T0 + timedelta(minutes=30))
    running = instance(services, instance_id)
    assert (running.status, running.error_message) == ("running", None)
    assert running.next_timer_at == T0 + timedelta(hours=1)
    assert services.fire_timers(T0 + timedelta(hours=1)).fired == 1
    assert instance(services, instance_id).status == "completed"


# ------------------------------------------------------------------ reminders


def test_no_reminder_goes_out_for_a_suspended_instance_until_it_is_resumed(commune):
    services = commune
    publish_version(services, process_xml(user_task("draft", due="deadline"), lane="unit_officer"))
    with services.db.read() as session:
        unit = unit_by_code(session, "cg_thcs").id
    instance_id = start(services, {"deadline": DUE.isoformat()}, {"unit_officer": unit})
    control(services, "suspend", instance_id)

    assert services.tick(DUE - timedelta(hours=24)).alerts.reminders == 0
    assert services.tick(DUE - timedelta(hours=3)).alerts.reminders == 0
    control(services, "resume", instance_id, DUE - timedelta(hours=3))
    assert services.tick(DUE - timedelta(hours=3)).alerts.reminders == 1  # the one due meanwhile, once
    assert services.tick(DUE - timedelta(hours=3)).alerts.reminders == 0


def test_a_deadline_moved_into_the_past_while_suspended_fires_once_resumed(services):
    publish_version(
        services, process_xml(user_task("draft"), extra=boundary_timer("draft", "timeDate", "deadline"))
    )
    instance_id = start(services, {"deadline": DUE.isoformat()})
    control(services, "suspend", instance_id)
    earlier = publish_version(
        services,
        process_xml(
            user_task("draft"), extra=boundary_timer("draft", "timeDate", '"2026-01-10T10:00:00+07:00"')
        ),
    )
    with services.db.transaction() as session:
        services.runtime.migrate(session, instance_id, earlier, T0 + timedelta(hours=2))
    held = instance(services, instance_id)
    assert (held.status, held.next_timer_at) == ("suspended", T0 + timedelta(hours=2))
    assert open_task(services, instance_id).task_name == "draft"  # nothing ran while on hold

    control(services, "resume", instance_id, T0 + timedelta(hours=3))
    assert services.fire_timers(T0 + timedelta(hours=3)).fired == 1
    assert instance(services, instance_id).status == "completed"
    assert [task.status for task in tasks_of(services, instance_id)] == ["cancelled"]
