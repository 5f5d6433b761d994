"""Running instances moved to a newer version: when a move is safe, what the instance sees
after it, and that a refused move changes nothing. Real SpiffWorkflow, real database, both
backends. What changed between two versions (no database): tests/unit/test_migration.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories.bpmn import FORM_FILE, Node, boundary_timer, probe_bundle, process_xml, user_task
from factories.dates import local
from factories.process_versions import (
    LATER_DEADLINE,
    RELABELLED_FORM,
    T0,
    timer_wait,
    titled,
    v1_bpmn,
    v2_bpmn,
)
from sqlalchemy import select, update

from engine.definitions import publish
from engine.errors import MigrationRefused
from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from services.deadlines import escalations_of

# ------------------------------------------------------------------ building versions


def publish_version(services, bpmn: bytes, forms: dict | None = None) -> ProcessDefinition:
    with services.db.transaction() as session:
        definition, created = publish(session, probe_bundle(bpmn, forms), T0, services.runtime.helpers)
    assert created
    return definition


def start(services, lane_orgs: dict | None = None) -> int:
    with services.db.transaction() as session:
        return services.runtime.start(session, "probe", {}, lane_orgs=lane_orgs or {}, at=T0).instance.id


def instance_row(services, instance_id: int) -> dict:
    with services.db.read() as session:
        row = session.get(ProcessInstance, instance_id)
        return {
            "serialization": row.serialization,
            "definition_id": row.definition_id,
            "lock_version": row.lock_version,
            "status": row.status,
            "updated_at": row.updated_at,
            "next_timer_at": row.next_timer_at,
        }


def task_rows(services, instance_id: int) -> list[HumanTask]:
    with services.db.read() as session:
        return list(
            session.scalars(
                select(HumanTask)
                .where(HumanTask.instance_id == instance_id)
                .order_by(HumanTask.created_at, HumanTask.task_name)
            )
        )


def open_task(services, instance_id: int) -> HumanTask:
    (task,) = [row for row in task_rows(services, instance_id) if row.status == "ready"]
    return task


def plan(services, instance_id: int, target: ProcessDefinition):
    with services.db.read() as session:
        return services.runtime.plan_migration(session, instance_id, target)


def migrate(services, instance_id: int, target: ProcessDefinition, at):
    with services.db.transaction() as session:
        return services.runtime.migrate(session, instance_id, target, at)


def complete(services, task_id: str, at):
    with services.db.transaction() as session:
        return services.runtime.complete_task(session, task_id, {"note": "xong"}, user_id=None, at=at)


# ------------------------------------------------------------------ a safe move


def test_a_safe_change_migrates_and_the_instance_finishes_on_the_new_version(services):
    publish_version(services, v1_bpmn())
    instance_id = start(services, {"clerk": 7})
    before = open_task(services, instance_id)
    assert (before.title, before.due_at) == ("Soạn đề xuất", local(2026, 1, 14, 12, 0))
    assert before.next_alert_at == local(2026, 1, 13, 12, 0)  # the default reminder, 24 h before
    v2 = publish_version(services, v2_bpmn(), {FORM_FILE: RELABELLED_FORM})

    proposed = plan(services, instance_id, v2)
    assert proposed.safe and proposed.reasons == []
    assert (proposed.from_version, proposed.to_version) == (1, 2)
    assert any("title «Soạn đề xuất» becomes «Soạn và gửi đề xuất»" in change for change in proposed.changes)
    assert any(
        "user task «Soạn đề xuất» (waiting): its form changes" in change for change in proposed.changes
    )
    assert any("draft_timer" in change and LATER_DEADLINE in change for change in proposed.changes)
    assert "new: user task «Việc review», ahead" in proposed.changes

    lock_before = instance_row(services, instance_id)["lock_version"]
    change = migrate(services, instance_id, v2, T0 + timedelta(hours=1))
    assert (change.cause, change.status_before, change.definition_before) == ("migrate", "running", v2.id - 1)

    row = instance_row(services, instance_id)
    assert (row["definition_id"], row["lock_version"]) == (v2.id, lock_before + 1)
    assert row["next_timer_at"] == local(2026, 1, 16, 12, 0)
    after = open_task(services, instance_id)
    assert after.id == before.id  # the same task, described by version 2
    assert (after.title, after.due_at, after.lane, after.org_unit_id) == (
        "Soạn và gửi đề xuất",
        local(2026, 1, 16, 12, 0),
        "clerk",
        7,
    )
    assert (after.next_alert_at, after.alert_stage) == (local(2026, 1, 15, 12, 0), 0)
    form = services.runtime.specs.get(v2).form_for(after.task_name)
    assert form["properties"]["note"]["title"] == "Nội dung đề xuất"

    assert services.fire_timers(local(2026, 1, 14, 12, 0)).fired == 0  # the old deadline is gone
    complete(services, after.id, local(2026, 1, 15, 9, 0))
    review = open_task(services, instance_id)
    assert review.task_name == "review"
    complete(services, review.id, local(2026, 1, 15, 10, 0))
    row = instance_row(services, instance_id)
    assert (row["status"], row["definition_id"], row["next_timer_at"]) == ("completed", v2.id, None)


def test_an_unchanged_waiting_duration_keeps_its_instant_and_a_changed_one_counts_from_its_start(services):
    def version(title: str, duration: str) -> bytes:
        return process_xml(
            user_task("draft"), timer_wait("cooling_off", duration), titled(user_task("review"), title)
        )

    publish_version(services, version("Xem xét", '"PT2H"'))
    instance_id = start(services)
    complete(services, open_task(services, instance_id).id, T0)  # cooling off from T0 to T0 + 2 h
    assert instance_row(services, instance_id)["next_timer_at"] == T0 + timedelta(hours=2)

    retitled = publish_version(services, version("Xem xét lại", '"PT2H"'))
    migrate(services, instance_id, retitled, T0 + timedelta(hours=1))
    assert instance_row(services, instance_id)["next_timer_at"] == T0 + timedelta(hours=2)  # not restarted

    longer = publish_version(services, version("Xem xét lại", '"PT3H"'))
    proposed = plan(services, instance_id, longer)
    assert any("cooling_off" in change and '"PT3H"' in change for change in proposed.changes)
    migrate(services, instance_id, longer, T0 + timedelta(hours=1, minutes=30))
    assert instance_row(services, instance_id)["next_timer_at"] == T0 + timedelta(hours=3)

    assert services.fire_timers(T0 + timedelta(hours=3) - timedelta(microseconds=1)).fired == 0
    assert services.fire_timers(T0 + timedelta(hours=3)).fired == 1
    assert open_task(services, instance_id).title == "Xem xét lại"


def test_a_deadline_moved_into_the_past_closes_the_task_when_the_move_happens(services):
    publish_version(services, v1_bpmn())
    instance_id = start(services)
    earlier = publish_version(
        services,
        process_xml(
            user_task("draft"), extra=boundary_timer("draft", "timeDate", '"2026-01-10T10:00:00+07:00"')
        ),
    )
    change = migrate(services, instance_id, earlier, T0 + timedelta(hours=2))
    assert change.finished and change.end_events == ["draft_timer_end"]
    (task,) = task_rows(services, instance_id)
    assert task.status == "cancelled"
    with services.db.read() as session:  # closed by its timer, as its policy says: recorded as such
        assert [(row.level, row.action) for row in escalations_of(session, [task.id])[task.id]] == [
            (1, "close")
        ]


def test_a_task_moved_to_another_lane_leaves_its_holder_and_a_retitled_one_keeps_it(services):
    publish_version(services, process_xml(user_task("draft")))
    instance_id = start(services, {"clerk": 7, "head": 8})
    task_id = open_task(services, instance_id).id
    with services.db.transaction() as session:  # someone took the task
        session.execute(update(HumanTask).where(HumanTask.id == task_id).values(assignee_id=42))

    retitled = publish_version(services, process_xml(titled(user_task("draft"), "Soạn lại")))
    migrate(services, instance_id, retitled, T0 + timedelta(hours=1))
    assert open_task(services, instance_id).assignee_id == 42

    moved = publish_version(services, process_xml(titled(user_task("draft"), "Soạn lại"), lane="head"))
    assert (
        "user task «Soạn lại» (waiting): it moves from lane clerk to lane head"
        in plan(services, instance_id, moved).changes
    )
    migrate(services, instance_id, moved, T0 + timedelta(hours=2))
    task = open_task(services, instance_id)
    assert (task.lane, task.org_unit_id, task.assignee_id) == ("head", 8, None)


# ------------------------------------------------------------------ refused moves


def test_removing_the_waiting_task_is_refused_with_the_reason_and_changes_nothing(services):
    publish_version(services, v1_bpmn())
    instance_id = start(services)
    v2 = publish_version(services, process_xml(user_task("review")))
    row_before, tasks_before = instance_row(services, instance_id), task_rows(services, instance_id)

    proposed = plan(services, instance_id, v2)
    assert not proposed.safe
    assert (
        "user task «Soạn đề xuất» (waiting in this instance) does not exist in version 2" in proposed.reasons
    )
    assert (
        "timer event «draft_timer» (waiting for its event in this instance) does not exist in version 2"
        in proposed.reasons
    )

    with services.db.transaction() as session:  # committed: whatever a refusal wrote would stay
        with pytest.raises(MigrationRefused) as refused:
            services.runtime.migrate(session, instance_id, v2, T0 + timedelta(hours=1))
    assert refused.value.code == "migration_refused"
    assert refused.value.reasons == proposed.reasons
    assert "user task «Soạn đề xuất» (waiting" in str(refused.value)
    assert instance_row(services, instance_id) == row_before
    assert [(t.id, t.title, t.status, t.due_at) for t in task_rows(services, instance_id)] == [
        (t.id, t.title, t.status, t.due_at) for t in tasks_before
    ]


def test_a_task_ahead_that_the_new_version_removes_is_refused_too(services):
    publish_version(services, process_xml(user_task("draft"), user_task("review")))
    instance_id = start(services)
    v2 = publish_version(services, process_xml(user_task("draft")))
    assert plan(services, instance_id, v2).reasons == [
        "user task «Việc review» (ahead in this instance) does not exist in version 2"
    ]


def test_a_waiting_task_moved_to_a_lane_nobody_acts_in_is_refused(services):
    publish_version(services, process_xml(user_task("draft")))
    instance_id = start(services, {"clerk": 7})
    v2 = publish_version(services, process_xml(user_task("draft"), lane="head"))
    assert plan(services, instance_id, v2).reasons == [
        "user task «Việc draft» is waiting and would move to lane head, "
        "which no organisation unit acts in for this instance"
    ]


def test_only_a_newer_version_of_the_same_process_for_an_unfinished_instance(services):
    v1 = publish_version(services, v1_bpmn())
    instance_id = start(services)
    assert plan(services, instance_id, v1).reasons == [
        "version 1 is not newer than version 1, which this instance runs"
    ]

    with services.db.transaction() as session:
        other, _ = publish(
            session, probe_bundle(process_xml(key="other"), key="other"), T0, services.runtime.helpers
        )
    assert plan(services, instance_id, other).reasons == ["version 1 belongs to process other, not to probe"]

    v2 = publish_version(services, v2_bpmn())
    with services.db.transaction() as session:
        services.runtime.cancel(session, instance_id, T0)
    assert plan(services, instance_id, v2).reasons == [
        "the instance is cancelled; only a running, suspended or failed instance can move to another version"
    ]


# ------------------------------------------------------------------ sub-processes


def sub_process(*inner: Node) -> Node:
    """An embedded sub-process start -> inner... -> end, in its own lane "clerk"."""
    chain = ["sub_start", *(node.id for node in inner), "sub_end"]
    flows = "".join(
        f'<bpmn:sequenceFlow id="sub_flow_{i}" sourceRef="{source}" targetRef="{target}"/>'
        for i, (source, target) in enumerate(zip(chain, chain[1:]))
    )
    refs = "".join(f"<bpmn:flowNodeRef>{node_id}</bpmn:flowNodeRef>" for node_id in chain)
    return Node(
        "sub",
        '<bpmn:subProcess id="sub">'
        f'<bpmn:laneSet id="sub_lanes"><bpmn:lane id="sub_lane" name="clerk">{refs}</bpmn:lane>'
        '</bpmn:laneSet><bpmn:startEvent id="sub_start"/>'
        + "".join(node.xml for node in inner)
        + f'<bpmn:endEvent id="sub_end"/>{flows}</bpmn:subProcess>',
    )


def test_a_task_waiting_inside_a_sub_process_counts_like_one_at_the_top(services):
    publish_version(services, process_xml(sub_process(user_task("inner"))))
    instance_id = start(services)
    assert open_task(services, instance_id).task_name == "inner"

    extended = publish_version(
        services, process_xml(sub_process(titled(user_task("inner"), "Bước trong"), user_task("second")))
    )
    assert plan(services, instance_id, extended).safe
    assert "new: user task «Việc second», ahead" in plan(services, instance_id, extended).changes
    renamed = publish_version(services, process_xml(sub_process(user_task("checked_inner"))))
    assert (
        "user task «Việc inner» (waiting): it becomes user task «Việc checked_inner»"
        in plan(services, instance_id, renamed).changes
    )
    removed = publish_version(services, process_xml(sub_process()))
    assert plan(services, instance_id, removed).reasons == [
        "user task «Việc inner» (waiting in this instance) does not exist in version 4"
    ]

    migrate(services, instance_id, extended, T0 + timedelta(hours=1))
    task = open_task(services, instance_id)
    assert task.title == "Bước trong"
    complete(services, task.id, T0 + timedelta(hours=2))
    second = open_task(services, instance_id)  # the sub-process runs on version 2 as well
    assert second.task_name == "second"
    complete(services, second.id, T0 + timedelta(hours=3))
    assert instance_row(services, instance_id)["status"] == "completed"
