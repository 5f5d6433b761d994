"""Recall (thu hồi): an officer takes back what they sent while its next step is
untouched; their task opens again with what they had sent, the next step's task closes
(docs/working-together.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from engine.errors import ConcurrencyConflict, NotRecallable
from engine.messages import Message
from engine.models import HumanTask, ProcessInstance
from engine.reactions import COMPLETED, RECALLED
from engine.runtime import InstanceChange, WorkflowRuntime
from services import notifications
from services.common.db import Database
from services.common.errors import PermissionDenied
from services.identity import AppUser, OrgChart, user_by_username
from services.work._events import record_task_event
from services.work._models import TaskDraft
from services.work._tasks import visible_task


def recallable(session: Session, runtime: WorkflowRuntime, user: AppUser, task: HumanTask) -> bool:
    """Whether the task page offers ``user`` to take ``task`` back: a few indexed reads,
    not the workflow (the engine checks that too when the recall is made)."""
    return task.completed_by == user.id and _refusal(session, runtime, task) is None


def recall(
    db: Database, runtime: WorkflowRuntime, username: str, task_id: str, at: datetime | None = None
) -> InstanceChange:
    """Take back a task the user completed, in one transaction: the engine reopens it for
    them (the next step's tasks close), what they had sent becomes their draft, the
    history records both, and whoever held the closed tasks is told. Only the person who
    completed it may; someone acting on the next step at the same moment makes one of
    the two fail with nothing written (the instance's optimistic lock)."""
    at = at or runtime.clock.now()
    with db.transaction() as session:
        user = user_by_username(session, username)
        task = visible_task(session, user, task_id)  # another unit's task: not found
        if task.status == "completed" and task.completed_by != user.id:
            raise PermissionDenied(f"{username} did not complete task {task_id}")
        refusal = _refusal(session, runtime, task)
        if refusal:
            raise NotRecallable(refusal)
        sent, instance_id = task.completed_data, task.instance_id
        try:
            change = runtime.recall(session, task_id, user_id=user.id, at=at)
        except ConcurrencyConflict as conflict:
            raise NotRecallable(
                Message(
                    "Someone else just acted on the case; it was not taken back. Reload the page to see it."
                )
            ) from conflict
        record_task_event(
            session, instance_id=instance_id, task_id=task_id, kind="recalled", at=change.at, actor_id=user.id
        )
        closed = _rows(session, change.closed_task_ids)
        for row in closed:
            record_task_event(
                session,
                instance_id=instance_id,
                task_id=row.id,
                kind="closed_by_recall",
                at=change.at,
                actor_id=user.id,
                from_user_id=row.assignee_id,
            )
        if sent is not None:  # the reopened form shows what was sent
            session.add(TaskDraft(task_id=task_id, user_id=user.id, data=sent, saved_at=change.at))
        _tell_holders(session, user, closed, change.at)
    return change


def _refusal(session: Session, runtime: WorkflowRuntime, task: HumanTask) -> Message | None:
    """Why the task cannot be taken back, as its rows tell; None if it looks possible."""
    if task.status != "completed" or task.completed_at is None:
        return Message("This task has not been sent, so there is nothing to take back.")
    status = session.scalar(select(ProcessInstance.status).where(ProcessInstance.id == task.instance_id))
    if status != "running":
        return Message("The case has ended or is suspended, so it cannot be taken back.")
    later = session.scalar(
        select(func.count()).where(
            HumanTask.instance_id == task.instance_id,
            HumanTask.completed_at > task.completed_at,
        )
    )
    if later:
        return Message("The next step has been handled, so it cannot be taken back.")
    opened = HumanTask.instance_id == task.instance_id, HumanTask.created_at == task.completed_at
    if session.scalar(
        select(func.count()).where(
            *opened, exists().where(TaskDraft.task_id == HumanTask.id) | (HumanTask.status != "ready")
        )
    ):
        return Message(
            "The next step's holder has started on it (a draft is saved), so it cannot be taken back."
        )
    reactions = runtime.reactions
    if reactions.reacts_to(task.process_key, COMPLETED, task.task_name) and not reactions.reacts_to(
        task.process_key, RECALLED, task.task_name
    ):
        return Message("This step has set off other work in the system, so it cannot be taken back.")
    return None


def _rows(session: Session, task_ids: list[str]) -> list[HumanTask]:
    if not task_ids:
        return []
    # What the engine just wrote, not what this session may have read before it.
    query = select(HumanTask).where(HumanTask.id.in_(task_ids)).execution_options(populate_existing=True)
    return list(session.scalars(query))


def _tell_holders(session: Session, recaller: AppUser, closed: list[HumanTask], at: datetime) -> None:
    """Whoever held a closed task learns why it left their inbox."""
    chart = OrgChart(session, at)
    for row in closed:
        for holder in chart.task_holders(row.lane, row.org_unit_id, row.assignee_id):
            notifications.notify(
                session,
                key=f"task-recalled:{row.id}:{holder.id}",
                user=holder,
                subject=Message("Case taken back: %(task)s", task=row.title),
                body=Message(
                    "%(by)s took back the case sent to you to amend it; the task «%(task)s» is closed. "
                    "When the case is sent again, you will receive a new task.",
                    by=recaller.full_name,
                    task=row.title,
                ),
                at=at,
                task_id=row.id,
            )
