"""The engine's reads and writes, each one explicit SQL statement.

An engine operation costs a handful of statements on small rows. SQLAlchemy's unit of
work (flushes, identity map, change tracking) costs several times the SQL itself on
that scale, so the hot path uses Core statements on the mapped tables, and the
optimistic lock is a plain ``UPDATE ... WHERE lock_version = :loaded``.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from engine.errors import ConcurrencyConflict
from engine.models import HumanTask, ProcessInstance

INSTANCE = ProcessInstance.__table__
TASK = HumanTask.__table__


@dataclass
class InstanceRecord:
    id: int | None
    definition_id: int
    process_key: str
    business_key: str | None
    parent_id: int | None
    lane_orgs: dict
    status: str
    created_at: datetime
    serialization: bytes = b""
    next_timer_at: datetime | None = None
    error_message: str | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    lock_version: int = 0  # the version loaded; 0 until inserted


@dataclass
class TaskRecord:
    id: str
    instance_id: int
    process_key: str
    task_name: str
    title: str
    lane: str
    org_unit_id: int | None
    form_key: str
    status: str
    created_at: datetime
    due_at: datetime | None = None
    assignee_id: int | None = None
    completed_at: datetime | None = None
    completed_by: int | None = None
    completed_data: dict | None = None


_INSTANCE_FIELDS = [field.name for field in fields(InstanceRecord)]
# What an operation can change on an existing instance; the rest is fixed at its start.
_INSTANCE_CHANGES = ("status", "serialization", "next_timer_at", "error_message", "updated_at", "completed_at")
_TASK_FIELDS = [field.name for field in fields(TaskRecord)]


def load_instance(session: Session, instance_id: int) -> InstanceRecord | None:
    row = session.execute(select(INSTANCE).where(INSTANCE.c.id == instance_id)).first()
    return InstanceRecord(**row._mapping) if row else None


def claim_due_instances(session: Session, at: datetime, after_id: int, limit: int) -> list[InstanceRecord]:
    """Running instances with a timer due at ``at``, in id order after ``after_id``. On
    PostgreSQL the rows stay locked until commit and rows others hold are skipped."""
    query = (select(INSTANCE)
             .where(INSTANCE.c.next_timer_at <= at, INSTANCE.c.status == "running", INSTANCE.c.id > after_id)
             .order_by(INSTANCE.c.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return [InstanceRecord(**row._mapping) for row in session.execute(query)]


def save_instance(session: Session, record: InstanceRecord) -> None:
    """Insert a new instance, or update one if nobody saved it since it was loaded."""
    if record.id is None:
        values = {name: getattr(record, name) for name in _INSTANCE_FIELDS if name not in ("id", "lock_version")}
        record.id = session.execute(insert(INSTANCE).values(**values, lock_version=1)
                                    .returning(INSTANCE.c.id)).scalar_one()
        record.lock_version = 1
        return
    values = {name: getattr(record, name) for name in _INSTANCE_CHANGES}
    result = session.execute(update(INSTANCE)
                             .where(INSTANCE.c.id == record.id, INSTANCE.c.lock_version == record.lock_version)
                             .values(**values, lock_version=record.lock_version + 1))
    if result.rowcount != 1:
        raise ConcurrencyConflict(f"instance {record.id} was changed by someone else; nothing was saved")
    record.lock_version += 1


def park_in_error(session: Session, instance_id: int, message: str) -> None:
    session.execute(update(INSTANCE).where(INSTANCE.c.id == instance_id).values(
        status="error", error_message=message[:4000], next_timer_at=None,
        lock_version=INSTANCE.c.lock_version + 1))


def load_task(session: Session, task_id: str) -> TaskRecord | None:
    row = session.execute(select(TASK).where(TASK.c.id == task_id)).first()
    return TaskRecord(**row._mapping) if row else None


def insert_tasks(session: Session, tasks: list[TaskRecord]) -> None:
    if tasks:
        session.execute(insert(TASK), [{name: getattr(task, name) for name in _TASK_FIELDS} for task in tasks])


def close_tasks(session: Session, task_ids: list[str], status: str, at: datetime) -> None:
    if task_ids:
        session.execute(update(TASK).where(TASK.c.id.in_(task_ids)).values(status=status, completed_at=at))


def record_completion(session: Session, task: TaskRecord) -> None:
    session.execute(update(TASK).where(TASK.c.id == task.id).values(
        status=task.status, completed_at=task.completed_at, completed_by=task.completed_by,
        completed_data=task.completed_data))
