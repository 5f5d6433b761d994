"""The engine's reads and writes, each one explicit SQL statement.

An engine operation costs a handful of statements on small rows. SQLAlchemy's unit of
work (flushes, identity map, change tracking) costs several times the SQL itself on
that scale, and so does building a statement object (about 180 µs each here), so the
hot path runs Core statements built once below, with bound parameters. The optimistic
lock is a plain ``UPDATE ... WHERE lock_version = :loaded``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import cast

from sqlalchemy import CursorResult, Table, and_, bindparam, case, insert, null, select, update
from sqlalchemy.orm import Session

from engine.db import Base
from engine.errors import ConcurrencyConflict
from engine.messages import wording_of
from engine.models import HumanTask, ProcessInstance


def _table(model: type[Base]) -> Table:
    # SQLAlchemy types __table__ as any FromClause; a model declared with __tablename__ maps a Table.
    table = model.__table__
    assert isinstance(table, Table), f"{model.__name__} maps no table"
    return table


INSTANCE = _table(ProcessInstance)
TASK = _table(HumanTask)


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
    error_wording: dict | None = None  # see engine.models.ProcessInstance
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    lock_version: int = 0  # the version loaded; 0 until inserted
    call_id: int | None = None  # see engine.models.ProcessInstance
    child_index: int | None = None
    call_output: dict | None = None

    @property
    def saved_id(self) -> int:
        """The id of an instance read from or inserted into the table."""
        assert self.id is not None, "only an instance being started has no id yet"
        return self.id


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
    next_alert_at: datetime | None = None  # when its escalation policy next acts
    alert_stage: int = 0  # how many of its planned alerts are behind it
    due_provisional_year: int | None = None  # see engine.models.HumanTask
    search_text: str = ""  # see engine.models.HumanTask


_INSTANCE_FIELDS = [field.name for field in fields(InstanceRecord)]
_LOAD_INSTANCE = select(INSTANCE).where(INSTANCE.c.id == bindparam("b_id"))
_INSERT_INSTANCES = insert(INSTANCE).returning(INSTANCE.c.id, sort_by_parameter_order=True)
# SET takes the columns named in the parameters; WHERE names its own (b_*) parameters.
_UPDATE_INSTANCE = update(INSTANCE).where(
    INSTANCE.c.id == bindparam("b_id"), INSTANCE.c.lock_version == bindparam("b_version")
)
_PARK_INSTANCE = (
    update(INSTANCE)
    .where(INSTANCE.c.id == bindparam("b_id"))
    .values(status="error", next_timer_at=None, lock_version=INSTANCE.c.lock_version + 1)
)
_LOAD_TASK = select(TASK).where(TASK.c.id == bindparam("b_id"))
_INSERT_TASKS = insert(TASK)
_CLOSE_TASKS = update(TASK).where(TASK.c.id.in_(bindparam("b_ids", expanding=True)))
_UPDATE_TASK = update(TASK).where(TASK.c.id == bindparam("b_id"))
# A task that moves to another lane or unit leaves whoever held it: they may not hold
# the new role. (SET expressions read the row as it was before the update.)
_REFRESH_TASK = _UPDATE_TASK.values(
    assignee_id=case(
        (
            and_(
                TASK.c.lane == bindparam("b_lane"),
                TASK.c.org_unit_id.is_not_distinct_from(bindparam("b_org_unit_id")),
            ),
            TASK.c.assignee_id,
        ),
        else_=None,
    )
)
# A completed task taken back (recalled) waits again for whoever completed it; null()
# because a JSON column would store None as the JSON value null.
_REOPEN_TASK = _UPDATE_TASK.values(
    status="ready", completed_at=None, completed_by=None, completed_data=null()
)
# What an operation can change on an existing instance; the rest is fixed at its start
# (definition_id changes only when the instance migrates to another version).
_INSTANCE_CHANGES = (
    "status",
    "serialization",
    "next_timer_at",
    "error_message",
    "error_wording",
    "updated_at",
    "completed_at",
    "definition_id",
    "call_output",
)
_REFRESHED_TASK_FIELDS = (
    "title",
    "search_text",
    "lane",
    "org_unit_id",
    "form_key",
    "due_at",
    "due_provisional_year",
    "next_alert_at",
    "alert_stage",
)
_REOPENED_TASK_FIELDS = ("assignee_id", *_REFRESHED_TASK_FIELDS)
_TASK_FIELDS = [field.name for field in fields(TaskRecord)]


def load_instance(session: Session, instance_id: int) -> InstanceRecord | None:
    row = session.execute(_LOAD_INSTANCE, {"b_id": instance_id}).first()
    return InstanceRecord(**row._mapping) if row else None


def due_instances(session: Session, at: datetime, after_id: int, limit: int) -> list[InstanceRecord]:
    """Running instances with a timer due at ``at``, in id order after ``after_id``. Read
    without locks: the optimistic lock decides, at save, who fired them (engine.timers)."""
    return [
        InstanceRecord(**row._mapping)
        for row in session.execute(
            select(INSTANCE)
            .where(INSTANCE.c.next_timer_at <= at, INSTANCE.c.status == "running", INSTANCE.c.id > after_id)
            .order_by(INSTANCE.c.id)
            .limit(limit)
        )
    ]


def insert_instances(session: Session, records: list[InstanceRecord]) -> None:
    """Insert new instances in one statement; each record gets its id."""
    rows = [
        {**{name: getattr(record, name) for name in _INSTANCE_FIELDS if name != "id"}, "lock_version": 1}
        for record in records
    ]
    ids = session.execute(_INSERT_INSTANCES, rows).scalars()
    for record, new_id in zip(records, ids, strict=True):
        record.id, record.lock_version = new_id, 1


def save_instance(session: Session, record: InstanceRecord) -> None:
    """Update an instance if nobody saved it since it was loaded."""
    instance_id = record.saved_id
    values = {name: getattr(record, name) for name in _INSTANCE_CHANGES}
    # Session.execute is typed to return a Result; a Core UPDATE's is a CursorResult, which has rowcount.
    result = cast(
        CursorResult,
        session.execute(
            _UPDATE_INSTANCE,
            {
                **values,
                "lock_version": record.lock_version + 1,
                "b_id": instance_id,
                "b_version": record.lock_version,
            },
        ),
    )
    if result.rowcount != 1:
        raise ConcurrencyConflict(instance_id)
    record.lock_version += 1


def park_in_error(session: Session, instance_id: int, message: str) -> None:
    session.execute(
        _PARK_INSTANCE,
        {"b_id": instance_id, "error_message": message[:4000], "error_wording": wording_of(message)},
    )


def load_task(session: Session, task_id: str) -> TaskRecord | None:
    row = session.execute(_LOAD_TASK, {"b_id": task_id}).first()
    return TaskRecord(**row._mapping) if row else None


def insert_tasks(session: Session, tasks: list[TaskRecord]) -> None:
    if tasks:
        session.execute(
            _INSERT_TASKS, [{name: getattr(task, name) for name in _TASK_FIELDS} for task in tasks]
        )


def close_tasks(session: Session, task_ids: list[str], status: str, at: datetime) -> None:
    if task_ids:
        session.execute(
            _CLOSE_TASKS, {"b_ids": task_ids, "status": status, "completed_at": at, "next_alert_at": None}
        )


def record_completion(session: Session, task: TaskRecord) -> None:
    session.execute(
        _UPDATE_TASK,
        {
            "b_id": task.id,
            "status": task.status,
            "completed_at": task.completed_at,
            "completed_by": task.completed_by,
            "completed_data": task.completed_data,
            "next_alert_at": None,
        },
    )


def refresh_tasks(session: Session, tasks: list[TaskRecord]) -> None:
    """Rewrite what the definition decides about open tasks (after a migration): title,
    lane, unit, form, due instant and escalation cursor."""
    if tasks:
        session.execute(
            _REFRESH_TASK,
            [
                {
                    "b_id": task.id,
                    "b_lane": task.lane,
                    "b_org_unit_id": task.org_unit_id,
                    **{name: getattr(task, name) for name in _REFRESHED_TASK_FIELDS},
                }
                for task in tasks
            ],
        )


def reopen_tasks(session: Session, tasks: list[TaskRecord]) -> None:
    """Rewrite the rows of completed tasks that are ready again (a recall), as the
    operation's records describe them; the row keeps its id and when it first opened."""
    if tasks:
        session.execute(
            _REOPEN_TASK,
            [
                {"b_id": task.id, **{name: getattr(task, name) for name in _REOPENED_TASK_FIELDS}}
                for task in tasks
            ],
        )
