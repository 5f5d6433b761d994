"""Steps of a task's life that its row alone does not tell (delegations, absences,
recalls), written by the contexts that make them; work.history shows them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.orm import Session

from services.common.db import table_of
from services.work._models import TaskEvent

TASK_EVENT = table_of(TaskEvent)


def record_task_event(
    session: Session,
    *,
    instance_id: int,
    task_id: str,
    kind: str,
    at: datetime,
    actor_id: int | None = None,
    from_user_id: int | None = None,
    to_user_id: int | None = None,
    reason: str | None = None,
) -> None:
    """Write one step; ``kind`` is one of delegated, absence_routed, recalled, closed_by_recall."""
    session.execute(
        insert(TASK_EVENT).values(
            instance_id=instance_id,
            task_id=task_id,
            kind=kind,
            at=at,
            actor_id=actor_id,
            from_user_id=from_user_id,
            to_user_id=to_user_id,
            reason=reason,
        )
    )
