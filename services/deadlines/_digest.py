"""The daily digest: at 07:00 local, everyone with open tasks gets one notification
listing how many are waiting, overdue and due within a day, the most urgent first.

The day's run is claimed by inserting a ``job_run`` row in the same transaction as the
notifications: of several schedulers one does it, and a crash mid-way leaves the day
unclaimed for the next tick. A scheduler that was down at 07:00 sends it when it
comes back the same day.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.escalation import CLOSE
from engine.messages import Message
from engine.models import HumanTask, ProcessInstance
from engine.runtime import WorkflowRuntime
from services.common.display import LOCAL_TZ, deadline_message, in_lines, time_left_message
from services.common.models import JobRun
from services.identity import AppUser, Membership
from services.notifications import Notice, notify_many

DIGEST_TIME = time(7, 0)
SHOWN_TASKS = 5


def send_daily_digest(db, runtime: WorkflowRuntime, at: datetime) -> int:
    """Queue today's digests if it is past 07:00 and nobody has; returns how many."""
    local = at.astimezone(LOCAL_TZ)
    if local.time() < DIGEST_TIME:
        return 0
    with db.transaction() as session:
        if not _claim_run(session, "daily_digest", local.date().isoformat(), at):
            return 0
        messages = [
            _digest(user, tasks, at) for user, tasks in _open_tasks_by_user(session, runtime, at).items()
        ]
        notify_many(session, [message for message in messages if message is not None], at)
        return len(messages)


def _claim_run(session: Session, job: str, period: str, at: datetime) -> bool:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    inserted = session.execute(
        dialect.insert(JobRun)
        .values(job=job, period=period, done_at=at)
        .on_conflict_do_nothing()
        .returning(JobRun.job)
    ).first()
    return inserted is not None


def _open_tasks_by_user(
    session: Session, runtime: WorkflowRuntime, at: datetime
) -> dict[AppUser, list[HumanTask]]:
    """Each active user's open tasks: those of a role they hold in the task's unit and
    not assigned to someone else, and those assigned to them. A task that its deadline
    closes is left out once due at ``at``: as of ``at`` it is closed, even while a
    scheduler beside this one is still firing its timer."""
    rows = session.execute(
        select(AppUser, HumanTask, ProcessInstance.definition_id)
        .select_from(HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .join(
            Membership,
            or_(
                and_(
                    Membership.role_code == HumanTask.lane,
                    Membership.org_unit_id == HumanTask.org_unit_id,
                    or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == Membership.user_id),
                ),
                HumanTask.assignee_id == Membership.user_id,
            ),
        )
        .join(AppUser, AppUser.id == Membership.user_id)
        .where(HumanTask.status == "ready", AppUser.active.is_(True))
    ).all()
    by_user: dict[AppUser, dict[str, HumanTask]] = defaultdict(dict)
    for user, task, definition_id in rows:
        if (
            task.due_at is not None
            and task.due_at <= at
            and runtime.specs.by_id(session, definition_id).user_tasks[task.task_name].policy.action == CLOSE
        ):
            continue
        by_user[user][task.id] = task  # a user holding several memberships sees a task once
    return {user: list(tasks.values()) for user, tasks in by_user.items()}


def _digest(user: AppUser, tasks: list[HumanTask], at: datetime) -> Notice | None:
    if not tasks:
        return None
    far = at + timedelta(days=36500)
    tasks.sort(key=lambda task: (task.due_at or far, task.created_at))
    overdue = sum(1 for task in tasks if task.due_at and task.due_at <= at)
    due_soon = sum(1 for task in tasks if task.due_at and at < task.due_at <= at + timedelta(days=1))
    day = at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y")
    lines = [
        Message(
            "Tasks waiting: %(waiting)s (%(overdue)s overdue, %(due_soon)s due within the next 24 hours).",
            waiting=len(tasks),
            overdue=overdue,
            due_soon=due_soon,
        )
    ]
    for task in tasks[:SHOWN_TASKS]:
        when = (
            Message(
                "due %(deadline)s, %(left)s",
                deadline=deadline_message(task.due_at),
                left=time_left_message(task.due_at, at),
            )
            if task.due_at
            else Message("no deadline")
        )
        lines.append(Message("- %(task)s (%(when)s)", task=task.title, when=when))
    if len(tasks) > SHOWN_TASKS:
        lines.append(Message("... and %(more)s more tasks in the inbox.", more=len(tasks) - SHOWN_TASKS))
    return Notice(f"digest:{day}:{user.id}", user, Message("Tasks of %(day)s", day=day), in_lines(*lines))
