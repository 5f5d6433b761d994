"""Task inbox use cases: what a user may see and complete."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from engine.models import HumanTask
from engine.runtime import InstanceChange, WorkflowRuntime
from services.directory import holds_role, user_by_username
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


def may_act_on(session: Session, user: AppUser, task: HumanTask) -> bool:
    if task.assignee_id is not None and task.assignee_id != user.id:
        return False
    return holds_role(session, user.id, task.lane, task.org_unit_id)


def complete_task(session: Session, runtime: WorkflowRuntime, username: str, task_id: str, data: dict,
                  at: datetime | None = None) -> InstanceChange:
    user = user_by_username(session, username)
    task = runtime.ready_task(session, task_id)
    if not may_act_on(session, user, task):
        raise PermissionDenied(f"{username} may not act on task {task_id}")
    return runtime.complete_task(session, task_id, data, user_id=user.id, at=at)
