"""A task handed to a colleague (chuyển xử lý): same role, same unit, with a reason
(docs/working-together.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from engine.messages import Message
from engine.models import HumanTask
from services import notifications, work
from services.common import audit
from services.common.db import rows_changed
from services.common.display import local_time
from services.common.errors import Conflict, InvalidInput
from services.identity import AppUser, Membership

REASON_MAX = 500


def holds_now(session: Session, user: AppUser, task: HumanTask) -> bool:
    """The task is the user's to work now: assigned to them, or open in a queue they hold."""
    if task.status != "ready":
        return False
    if task.assignee_id == user.id:
        return True
    return task.assignee_id is None and _in_queue(session, user.id, task.lane, task.org_unit_id)


def colleagues_for(session: Session, user: AppUser, task: HumanTask) -> list[AppUser]:
    """Who may receive the task: the other active users holding its role in its unit
    (acting holders too)."""
    return list(
        session.scalars(
            select(AppUser)
            .where(
                AppUser.active.is_(True),
                AppUser.id != user.id,
                AppUser.id.in_(
                    select(Membership.user_id).where(
                        Membership.role_code == task.lane, Membership.org_unit_id == task.org_unit_id
                    )
                ),
            )
            .order_by(AppUser.full_name, AppUser.id)
        )
    )


def delegate_task(
    session: Session, user: AppUser, task_id: str, delegate_id: object, reason: object, at: datetime
) -> tuple[HumanTask, AppUser]:
    """Hand a task the user holds now to a colleague of the same role and unit, with a
    reason: assigned to them, in the case's history, the colleague told, audited."""
    task = work.visible_task(session, user, task_id)  # another unit's task: not found
    if not holds_now(session, user, task):
        raise Conflict(Message("This task is no longer yours to handle: it cannot be handed over."))
    colleague = _colleague(session, user, task, delegate_id)
    why = _reason(reason)
    handed = rows_changed(
        session,
        update(HumanTask)
        .where(
            HumanTask.id == task.id,
            HumanTask.status == "ready",
            or_(HumanTask.assignee_id.is_(None), HumanTask.assignee_id == user.id),
        )
        .values(assignee_id=colleague.id)
        .execution_options(synchronize_session=False),
    )
    if handed != 1:  # someone took or finished it meanwhile
        raise Conflict(Message("Someone else just claimed or handled this task: it cannot be handed over."))
    session.refresh(task)
    work.record_task_event(
        session,
        instance_id=task.instance_id,
        task_id=task.id,
        kind="delegated",
        at=at,
        actor_id=user.id,
        from_user_id=user.id,
        to_user_id=colleague.id,
        reason=why,
    )
    notifications.notify(
        session,
        key=f"delegated:{task.id}:{colleague.id}:{at.isoformat()}",
        user=colleague,
        subject=Message("Task handed to you: %(task)s", task=task.title),
        body=Message(
            "%(by)s handed you «%(task)s» at %(at)s, for this reason: «%(reason)s».",
            by=user.full_name,
            task=task.title,
            at=local_time(at),
            reason=why,
        ),
        at=at,
        task_id=task.id,
    )
    audit.record(
        session, at, user.id, "task.delegate", f"human_task:{task.id}", to=colleague.username, reason=why
    )
    return task, colleague


def chosen_colleague(user: AppUser, delegate_id: object, label: Message) -> int:
    """The id of the colleague chosen in the field ``delegate_id`` (named ``label``): a
    number, and not the user. Whether that colleague may take the work is the caller's check."""
    try:
        wanted = int(str(delegate_id).strip())
    except ValueError:
        raise InvalidInput("delegate_id", Message("Please choose «%(label)s».", label=label)) from None
    if wanted == user.id:
        raise InvalidInput(
            "delegate_id", Message("«%(label)s» must be a colleague, not yourself.", label=label)
        )
    return wanted


def _colleague(session: Session, user: AppUser, task: HumanTask, delegate_id: object) -> AppUser:
    wanted = chosen_colleague(user, delegate_id, Message("Colleague"))
    colleague = session.get(AppUser, wanted)
    if (
        colleague is None
        or not colleague.active
        or not _in_queue(session, wanted, task.lane, task.org_unit_id)
    ):
        raise InvalidInput(
            "delegate_id",
            Message(
                "«%(label)s» must be an active officer with your role in your unit.",
                label=Message("Colleague"),
            ),
        )
    return colleague


def _reason(reason: object) -> str:
    why = str(reason or "").strip()
    if not why:
        raise InvalidInput("reason", Message("Please enter the «Reason» for handing it over."))
    if len(why) > REASON_MAX:
        raise InvalidInput(
            "reason", Message("«Reason» may not be longer than %(limit)s characters.", limit=REASON_MAX)
        )
    return why


def _in_queue(session: Session, user_id: int, lane: str, unit_id: int | None) -> bool:
    held = select(func.count()).where(
        Membership.user_id == user_id, Membership.role_code == lane, Membership.org_unit_id == unit_id
    )
    return session.execute(held).scalar_one() > 0
