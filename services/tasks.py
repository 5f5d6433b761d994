"""Task inbox use cases: what a user may see and complete."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from engine.models import HumanTask
from engine.runtime import InstanceChange, WorkflowRuntime
from services.directory import user_by_username
from services.errors import PermissionDenied
from services.models import AppUser, Membership


def tasks_for(session: Session, user: AppUser, limit: int = 100) -> list[HumanTask]:
    """Open tasks of a lane the user holds, in the unit the task belongs to, unless
    someone else has it; and tasks assigned to the user (e.g. by an escalation)."""
    in_my_queues = (select(HumanTask.id)
                    .join(Membership, and_(Membership.role_code == HumanTask.lane,
                                           Membership.org_unit_id == HumanTask.org_unit_id))
                    .where(Membership.user_id == user.id, HumanTask.status == "ready")
                    .where((HumanTask.assignee_id.is_(None)) | (HumanTask.assignee_id == user.id)))
    query = (select(HumanTask)
             .where(HumanTask.status == "ready")
             .where(HumanTask.id.in_(in_my_queues) | (HumanTask.assignee_id == user.id))
             .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
             .limit(limit))
    return list(session.scalars(query))


def complete_task(session: Session, runtime: WorkflowRuntime, username: str, task_id: str, data: dict,
                  at: datetime | None = None) -> InstanceChange:
    user_id = _actor_of_ready_task(session, runtime, username, task_id)
    return runtime.complete_task(session, task_id, data, user_id=user_id, at=at)


# Built once: building a statement costs more than running it (see engine.store).
_ACTOR_OF_READY_TASK = (
    select(AppUser.id, HumanTask.assignee_id).select_from(HumanTask)
    .join(Membership, and_(Membership.role_code == HumanTask.lane, Membership.org_unit_id == HumanTask.org_unit_id))
    .join(AppUser, AppUser.id == Membership.user_id)
    .where(HumanTask.id == bindparam("task_id"), HumanTask.status == "ready",
           AppUser.username == bindparam("username"), AppUser.active.is_(True)))


def _actor_of_ready_task(session: Session, runtime: WorkflowRuntime, username: str, task_id: str) -> int:
    """The user's id if they hold the task's lane in its unit and it is not someone
    else's, or it is assigned to them; one query on the common path, precise errors
    otherwise."""
    found = session.execute(_ACTOR_OF_READY_TASK, {"task_id": task_id, "username": username}).first()
    if found is not None and found.assignee_id in (None, found.id):
        return found.id
    user = user_by_username(session, username)  # unknown user
    task = runtime.ready_task(session, task_id)  # unknown task, or no longer ready
    if task.assignee_id == user.id:
        return user.id
    raise PermissionDenied(f"{username} may not act on task {task_id}")
