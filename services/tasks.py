"""Task inbox use cases: what a user may see and complete."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from engine.models import HumanTask
from engine.runtime import InstanceChange, WorkflowRuntime
from services.directory import user_by_username
from services.errors import PermissionDenied
from services.models import AppUser, Membership


def tasks_for(session: Session, user: AppUser, limit: int = 100) -> list[HumanTask]:
    """Open tasks of a lane the user holds, in the unit the task belongs to."""
    query = (select(HumanTask)
             .join(Membership, and_(Membership.role_code == HumanTask.lane,
                                    Membership.org_unit_id == HumanTask.org_unit_id))
             .where(Membership.user_id == user.id, HumanTask.status == "ready")
             .where((HumanTask.assignee_id.is_(None)) | (HumanTask.assignee_id == user.id))
             .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
             .limit(limit))
    return list(session.scalars(query))


def task_for_actor(session: Session, runtime: WorkflowRuntime, user: AppUser, task_id: str) -> HumanTask:
    """The ready task, if the user holds its lane in its unit and it is not someone else's."""
    task = session.scalar(select(HumanTask)
                          .join(Membership, and_(Membership.role_code == HumanTask.lane,
                                                 Membership.org_unit_id == HumanTask.org_unit_id))
                          .where(HumanTask.id == task_id, Membership.user_id == user.id))
    runtime.ready_task(session, task_id)  # not found / no longer ready, said precisely
    if task is None or task.assignee_id not in (None, user.id):
        raise PermissionDenied(f"{user.username} may not act on task {task_id}")
    return task


def complete_task(session: Session, runtime: WorkflowRuntime, username: str, task_id: str, data: dict,
                  at: datetime | None = None) -> InstanceChange:
    user = user_by_username(session, username)
    task_for_actor(session, runtime, user, task_id)
    return runtime.complete_task(session, task_id, data, user_id=user.id, at=at)
