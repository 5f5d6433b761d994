"""Acting as a named user through the service layer: their inbox, one of their open tasks,
completing it."""

from __future__ import annotations

from datetime import datetime

from engine.models import HumanTask
from services.identity import user_by_username
from services.work import _tasks as tasks


def inbox(services, username: str) -> list[HumanTask]:
    with services.db.transaction() as session:
        return tasks.tasks_for(session, user_by_username(session, username))


def task_named(services, username: str, task_name: str) -> HumanTask:
    matching = [task for task in inbox(services, username) if task.task_name == task_name]
    assert len(matching) == 1, f"{username} has {len(matching)} open {task_name} tasks"
    return matching[0]


def act(services, username: str, task_name: str, data: dict, at: datetime | None = None):
    if at is not None:
        services.clock.set(at)
    task = task_named(services, username, task_name)
    return tasks.complete_task(services.db, services.runtime, username, task.id, data)
