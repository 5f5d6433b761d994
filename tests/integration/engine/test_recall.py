"""Recall (thu hồi): the person who completed a user task takes it back while its next
step is untouched. The task is ready again with its id, the next task closes, and the
case goes on from there; refused, changing nothing, once the case moved on. Real
SpiffWorkflow, every step its own transaction, both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories.bpmn import boundary_timer, probe_bundle, process_xml, user_task
from factories.calls import bundle, call_activity, process
from factories.dates import local
from factories.words import in_vietnamese
from sqlalchemy import select

from engine.contracts import ProcessContract, user_task as contracted_task
from engine.definitions import Bundle, publish
from engine.errors import NotRecallable
from engine.models import HumanTask, ProcessInstance
from engine.reactions import Capability, completed, reached, recalled

T0 = local(2026, 1, 10, 9, 0)
DEADLINE = local(2026, 1, 14, 12, 0)
OFFICER, OTHER = 7, 8


def publish_bundles(services, *bundles: Bundle) -> None:
    with services.db.transaction() as session:
        for bundle in bundles:
            publish(session, bundle, T0, services.runtime.helpers)


def draft_approve_sign(services) -> None:
    """draft -> approve -> sign, draft and approve each closed by a deadline (a date in the data)."""
    publish_bundles(
        services,
        probe_bundle(
            process_xml(
                user_task("draft"),
                user_task("approve"),
                user_task("sign"),
                extra=boundary_timer("draft", "timeDate", "deadline")
                + boundary_timer("approve", "timeDate", "deadline"),
            )
        ),
    )


def start(services) -> int:
    with services.db.transaction() as session:
        return services.runtime.start(
            session, "probe", {"deadline": DEADLINE.isoformat()}, lane_orgs={}, at=T0
        ).instance.id


def rows(services, instance_id: int) -> dict[str, list[HumanTask]]:
    with services.db.read() as session:
        found: dict[str, list[HumanTask]] = {}
        for task in session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id).order_by(HumanTask.created_at)
        ):
            found.setdefault(task.task_name, []).append(task)
        return found


def ready(services, instance_id: int, name: str) -> HumanTask:
    (task,) = [task for task in rows(services, instance_id).get(name, []) if task.status == "ready"]
    return task


def complete(services, task_id: str, note: str, at, user_id=OFFICER):
    with services.db.transaction() as session:
        return services.runtime.complete_task(session, task_id, {"note": note}, user_id=user_id, at=at)


def recall(services, task_id: str, at, user_id=OFFICER):
    with services.db.transaction() as session:
        return services.runtime.recall(session, task_id, user_id=user_id, at=at)


def instance(services, instance_id: int) -> ProcessInstance:
    with services.db.read() as session:
        return session.get_one(ProcessInstance, instance_id)


def every_task(services) -> dict[str, tuple]:
    with services.db.read() as session:
        return {task.id: (task.status, task.assignee_id) for task in session.scalars(select(HumanTask))}


def refused(services, task_id: str, at) -> str:
    """The refusal's message as a Vietnamese reader sees it; nothing was changed."""
    before = every_task(services)
    with services.db.read() as session:
        versions = dict(
            session.execute(select(ProcessInstance.id, ProcessInstance.lock_version)).tuples().all()
        )
    with pytest.raises(NotRecallable) as refusal:
        recall(services, task_id, at)
    assert every_task(services) == before
    with services.db.read() as session:
        assert (
            dict(session.execute(select(ProcessInstance.id, ProcessInstance.lock_version)).tuples().all())
            == versions
        )
    return in_vietnamese(refusal.value.message)


def test_a_recall_reopens_the_same_task_for_its_sender_and_closes_the_next_one(services):
    draft_approve_sign(services)
    instance_id = start(services)
    draft = ready(services, instance_id, "draft")
    complete(services, draft.id, "bản đầu", T0 + timedelta(hours=1))
    approve = ready(services, instance_id, "approve")
    version = instance(services, instance_id).lock_version

    change = recall(services, draft.id, T0 + timedelta(hours=2))

    assert change.cause == "recall"
    assert change.events() == [("recalled", "draft"), ("reached", "draft")]
    assert [task.id for task in change.opened_tasks] == [draft.id]
    assert change.closed_task_ids == [approve.id]
    assert change.recalled_task is not None and change.recalled_task.completed_data == {"note": "bản đầu"}
    tasks = rows(services, instance_id)
    (reopened,) = tasks["draft"]  # the same row, not a new one
    assert (reopened.id, reopened.status, reopened.assignee_id) == (draft.id, "ready", OFFICER)
    assert (reopened.completed_at, reopened.completed_by, reopened.completed_data) == (None, None, None)
    assert reopened.created_at == draft.created_at and reopened.title == draft.title
    with services.db.read() as session:  # SQL NULL, not the JSON value null
        assert session.scalar(
            select(HumanTask.id).where(HumanTask.id == draft.id, HumanTask.completed_data.is_(None))
        )
    (closed,) = tasks["approve"]
    assert (closed.status, closed.completed_at) == ("cancelled", T0 + timedelta(hours=2))
    saved = instance(services, instance_id)
    assert (saved.status, saved.lock_version) == ("running", version + 1)
    assert saved.next_timer_at == DEADLINE  # the draft's own deadline stands
    with services.db.read() as session:
        assert "note" not in services.runtime.task_data(session, draft.id)  # its parent's data again

    # The case goes on from the reopened task as from a fresh one.
    complete(services, draft.id, "bản sửa", T0 + timedelta(hours=3))
    approve_again = ready(services, instance_id, "approve")
    assert approve_again.id != approve.id
    complete(services, approve_again.id, "duyệt", T0 + timedelta(hours=4), user_id=OTHER)
    complete(services, ready(services, instance_id, "sign").id, "ký", T0 + timedelta(hours=5), user_id=OTHER)
    assert instance(services, instance_id).status == "completed"
    assert rows(services, instance_id)["draft"][0].completed_data == {"note": "bản sửa"}


def test_the_deadline_of_a_recalled_task_still_closes_it(services):
    draft_approve_sign(services)
    instance_id = start(services)
    draft = ready(services, instance_id, "draft")
    complete(services, draft.id, "bản đầu", T0 + timedelta(hours=1))
    recall(services, draft.id, T0 + timedelta(hours=2))
    assert services.fire_timers(DEADLINE - timedelta(seconds=1)).fired == 0
    assert services.fire_timers(DEADLINE).fired == 1
    assert [task.status for task in rows(services, instance_id)["draft"]] == ["cancelled"]
    assert instance(services, instance_id).status == "completed"


def test_a_recall_is_refused_once_the_next_step_was_completed_or_the_case_ended(services):
    draft_approve_sign(services)
    instance_id = start(services)
    draft = ready(services, instance_id, "draft")
    assert "chưa được hoàn thành" in refused(services, draft.id, T0)
    complete(services, draft.id, "bản đầu", T0 + timedelta(hours=1))
    approve = ready(services, instance_id, "approve")
    complete(services, approve.id, "duyệt", T0 + timedelta(hours=2), user_id=OTHER)
    assert "«Việc approve» đã được xử lý" in refused(services, draft.id, T0 + timedelta(hours=3))
    recall(services, approve.id, T0 + timedelta(hours=3), user_id=OTHER)  # the head's own step is still his
    complete(services, approve.id, "duyệt lại", T0 + timedelta(hours=4), user_id=OTHER)
    sign = ready(services, instance_id, "sign")
    complete(services, sign.id, "ký", T0 + timedelta(hours=5), user_id=OTHER)
    assert "đã kết thúc" in refused(services, sign.id, T0 + timedelta(hours=6))


def test_a_recall_is_refused_past_the_recalled_tasks_deadline(services):
    draft_approve_sign(services)
    instance_id = start(services)
    draft = ready(services, instance_id, "draft")
    complete(services, draft.id, "bản đầu", T0 + timedelta(hours=1))
    # The scheduler has not fired the approve's deadline yet: the draft would reopen already due.
    assert "quá hạn lúc 12:00 14/01/2026" in refused(services, draft.id, DEADLINE)


def test_a_recall_is_refused_once_a_call_activity_after_the_task_started_its_child(services):
    child = bundle("child_probe", process("child_probe", user_task("work")))
    caller = bundle("probe", process("probe", user_task("draft"), call_activity("ask", "child_probe")))
    publish_bundles(services, child, caller)
    instance_id = start(services)
    draft = ready(services, instance_id, "draft")
    complete(services, draft.id, "bản đầu", T0 + timedelta(hours=1))
    assert "hồ sơ con" in refused(services, draft.id, T0 + timedelta(hours=2))


def test_a_completion_with_reactions_is_recalled_only_when_a_capability_undoes_them(services):
    draft_approve_sign(services)
    contract = ProcessContract(
        "probe", "tests", "Thử", (contracted_task("draft", "soạn"), contracted_task("approve", "duyệt"))
    )
    undone = []
    services.runtime.register(
        Capability("drafts", (contract,), (completed("probe", "draft", lambda session, change: None),))
    )
    instance_id = start(services)
    draft = ready(services, instance_id, "draft")
    complete(services, draft.id, "bản đầu", T0 + timedelta(hours=1))
    assert "không thể thu hồi" in refused(services, draft.id, T0 + timedelta(hours=2))

    services.runtime.register(
        Capability(
            "undoing",
            (contract,),
            (recalled("probe", "draft", lambda session, change: undone.append(change.recalled_task.id)),),
        )
    )
    recall(services, draft.id, T0 + timedelta(hours=2))
    assert undone == [draft.id]


def test_a_reached_reaction_of_the_next_step_needs_a_recalled_reaction_too(services):
    draft_approve_sign(services)
    contract = ProcessContract(
        "probe", "tests", "Thử", (contracted_task("draft", "soạn"), contracted_task("approve", "duyệt"))
    )
    services.runtime.register(
        Capability("approvals", (contract,), (reached("probe", "approve", lambda session, change: None),))
    )
    instance_id = start(services)
    draft = ready(services, instance_id, "draft")
    complete(services, draft.id, "bản đầu", T0 + timedelta(hours=1))
    assert "không thể thu hồi" in refused(services, draft.id, T0 + timedelta(hours=2))
