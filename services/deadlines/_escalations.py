"""Reminders before a task's deadline and escalations after it, as the task's BPMN
policy plans them (engine.escalation), sent to the people the org chart names.

Each open task with a policy carries a cursor: ``next_alert_at`` and ``alert_stage``.
``send_due_alerts`` claims tasks whose next alert is due (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so any number of schedulers can run it), acts on them, moves their cursor
and commits, a batch at a time. Escalation rows are unique per task and level and
notifications per idempotency key, so even a repeated batch notifies nobody twice.

A task whose policy says ``close`` is closed by its BPMN timer; ``record_closures``
listens to timer firings and records that as its level-1 escalation, in the same
transaction as the firing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.escalation import CLOSE, ESCALATION, REASSIGN, Alert, due_alerts, plan_alerts
from engine.messages import Message
from engine.models import HumanTask, ProcessInstance
from engine.runtime import MIGRATE, RETRY, RUNNING, TIMER, InstanceChange, WorkflowRuntime
from services.common.db import table_of
from services.common.display import deadline_message, local_time, time_left_message
from services.deadlines import _calendar
from services.deadlines._models import Escalation
from services.identity import AppUser, OrgChart, OrgUnit
from services.notifications import Notice, notify_many

TASK = table_of(HumanTask)
ESCALATIONS = table_of(Escalation)
_MOVE_CURSOR = (
    update(TASK)
    .where(TASK.c.id == bindparam("b_id"))
    .values(
        alert_stage=bindparam("stage"), next_alert_at=bindparam("next_at"), assignee_id=bindparam("assignee")
    )
)


@dataclass
class AlertRun:
    reminders: int = 0
    escalations: int = 0


def replan_reminders(session: Session, runtime: WorkflowRuntime, at: datetime) -> int:
    """After a calendar edit, in its transaction: the pending alerts of open tasks planned
    again with the calendar as it now is, so that a reminder counted in working days moves
    with the days off (the scheduler then plans its wake-up anew). How many moved."""
    calendar = _calendar.load(session)

    def working_days_before(due, count: int) -> str:
        return _calendar.reminder_at(calendar, due, count)

    rows = session.execute(
        select(TASK.c.id, TASK.c.task_name, TASK.c.due_at, TASK.c.alert_stage, TASK.c.next_alert_at)
        .add_columns(ProcessInstance.definition_id)
        .join(ProcessInstance, ProcessInstance.id == TASK.c.instance_id)
        .where(TASK.c.status == "ready", TASK.c.due_at.is_not(None), TASK.c.next_alert_at > at)
    ).all()
    moved = 0
    for row in rows:
        policy = runtime.specs.by_id(session, row.definition_id).user_tasks[row.task_name].policy
        if not any(offset.working_days for offset in policy.reminders):
            continue
        alerts = plan_alerts(policy, row.due_at, working_days_before)
        planned = alerts[row.alert_stage].at if row.alert_stage < len(alerts) else None
        if planned != row.next_alert_at:
            session.execute(update(TASK).where(TASK.c.id == row.id).values(next_alert_at=planned))
            moved += 1
    return moved


def send_due_alerts(db, runtime: WorkflowRuntime, at: datetime, batch_size: int = 500) -> AlertRun:
    """Act on every alert due at ``at``. A task's cursor always moves past ``at``, so
    the loop ends and a second call finds nothing."""
    run = AlertRun()
    while True:
        with db.transaction() as session:
            batch = _claim_due(session, at, batch_size)
            if not batch:
                return run
            _act_on(session, runtime, batch, at, run)


def _claim_due(session: Session, at: datetime, limit: int) -> Sequence[Row]:
    query = (
        select(
            TASK.c.id,
            TASK.c.instance_id,
            TASK.c.task_name,
            TASK.c.title,
            TASK.c.lane,
            TASK.c.org_unit_id,
            TASK.c.assignee_id,
            TASK.c.due_at,
            TASK.c.alert_stage,
            ProcessInstance.definition_id,
        )
        .join(ProcessInstance, ProcessInstance.id == TASK.c.instance_id)
        # A suspended instance's tasks keep their cursor and are alerted once it
        # runs again; nobody can act on the tasks of one in error until it is retried.
        .where(TASK.c.next_alert_at <= at, TASK.c.status == "ready", ProcessInstance.status == RUNNING)
        .order_by(TASK.c.next_alert_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=TASK, skip_locked=True)
    return session.execute(query).all()


def _act_on(
    session: Session, runtime: WorkflowRuntime, batch: Sequence[Row], at: datetime, run: AlertRun
) -> None:
    chart, messages, escalations, cursors = OrgChart(session, at), [], [], []
    for task in batch:
        policy = runtime.specs.by_id(session, task.definition_id).user_tasks[task.task_name].policy
        alerts = plan_alerts(policy, task.due_at, runtime.helpers["working_days_before"])
        todo, stage = due_alerts(alerts, task.alert_stage, at, task.due_at)
        assignee = task.assignee_id
        for alert in todo:
            if alert.kind == ESCALATION:
                recipients = chart.escalation_recipients(task.lane, task.org_unit_id, alert.level)
                if policy.action == REASSIGN and recipients:
                    assignee = recipients[0].id
                escalations.append(_escalation_row(task, alert.level, policy.action, recipients, at))
                messages += _escalation_messages(chart, task, alert.level, policy.action, recipients, at)
                run.escalations += 1
            else:
                messages += _reminder_messages(chart, task, alert, at)
                run.reminders += 1
        cursors.append(
            {
                "b_id": task.id,
                "stage": stage,
                "assignee": assignee,
                "next_at": alerts[stage].at if stage < len(alerts) else None,
            }
        )
    _insert_escalations(session, escalations)
    notify_many(session, messages, at)
    session.execute(_MOVE_CURSOR, cursors)


def register(runtime: WorkflowRuntime) -> None:
    runtime.on_every_change(lambda session, change: record_closures(session, runtime, change))


def record_closures(session: Session, runtime: WorkflowRuntime, change: InstanceChange) -> None:
    """Runtime listener: tasks a timer closed whose policy says ``close`` were escalated
    at level 1 by closing; their unit's head is told. Timers fire on the scheduler's
    tick, and also when a migration or a retry steps an instance whose timer came due."""
    if change.cause not in (TIMER, MIGRATE, RETRY) or not change.closed_task_ids:
        return
    closed = session.execute(
        select(
            TASK.c.id,
            TASK.c.instance_id,
            TASK.c.task_name,
            TASK.c.title,
            TASK.c.lane,
            TASK.c.org_unit_id,
            TASK.c.due_at,
        ).where(TASK.c.id.in_(change.closed_task_ids), TASK.c.status == "cancelled")
    ).all()
    user_tasks = runtime.specs.by_id(session, change.instance.definition_id).user_tasks
    chart, messages, escalations = OrgChart.of_transaction(session, change.at), [], []
    for task in closed:
        if user_tasks[task.task_name].policy.action != CLOSE or task.due_at is None:
            continue
        recipients = chart.escalation_recipients(task.lane, task.org_unit_id, 1)
        escalations.append(_escalation_row(task, 1, CLOSE, recipients, change.at))
        messages += _escalation_messages(chart, task, 1, CLOSE, recipients, change.at)
    _insert_escalations(session, escalations)
    notify_many(session, messages, change.at)


def escalations_of(session: Session, task_ids: list[str]) -> dict[str, list[Escalation]]:
    """The escalations of each task, lowest level first (for the task page and board)."""
    found: dict[str, list[Escalation]] = {task_id: [] for task_id in task_ids}
    if task_ids:
        for row in session.scalars(
            select(Escalation).where(Escalation.task_id.in_(task_ids)).order_by(Escalation.level)
        ):
            found[row.task_id].append(row)
    return found


def highest_levels(session: Session, instance_ids: list[int]) -> dict[int, tuple[int, str]]:
    """The highest escalation (level, action) of each instance that has one (for boards)."""
    rows = session.execute(
        select(Escalation.instance_id, Escalation.level, Escalation.action)
        .where(Escalation.instance_id.in_(instance_ids))
        .order_by(Escalation.level)
    ).all()
    return {instance_id: (level, action) for instance_id, level, action in rows}


# -- rows and messages -------------------------------------------------------------


def _escalation_row(task, level: int, action: str, recipients: list[AppUser], at: datetime) -> dict:
    return {
        "task_id": task.id,
        "instance_id": task.instance_id,
        "level": level,
        "action": action,
        "due_at": task.due_at,
        "escalated_at": at,
        "recipient_ids": [user.id for user in recipients],
    }


def _insert_escalations(session: Session, rows: list[dict]) -> None:
    if rows:
        dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
        session.execute(
            dialect.insert(ESCALATIONS).on_conflict_do_nothing(index_elements=["task_id", "level"]), rows
        )


def _unit_name(chart: OrgChart, unit_id: int | None) -> str:
    unit: OrgUnit | None = chart.unit(unit_id)
    return unit.name if unit else ""


def _reminder_messages(chart: OrgChart, task, alert: Alert, at: datetime) -> list[Notice]:
    left = time_left_message(task.due_at, at)
    subject = Message("Reminder: «%(task)s» — %(left)s", task=task.title, left=left)
    body = Message(
        "The task «%(task)s» of %(unit)s is to be done %(deadline)s (%(left)s).",
        task=task.title,
        unit=_unit_name(chart, task.org_unit_id),
        deadline=deadline_message(task.due_at),
        left=left,
    )
    return [
        Notice(f"reminder:{task.id}:{alert.label}:{user.id}", user, subject, body, task.id)
        for user in chart.task_holders(task.lane, task.org_unit_id, task.assignee_id)
    ]


def _escalation_messages(
    chart: OrgChart, task, level: int, action: str, recipients: list[AppUser], at: datetime
) -> list[Notice]:
    unit, due = _unit_name(chart, task.org_unit_id), local_time(task.due_at)
    if action == CLOSE:
        subject = Message("Deadline passed: «%(task)s» — %(unit)s", task=task.title, unit=unit)
        body = Message(
            "The task «%(task)s» of %(unit)s closed by itself at its deadline, %(due)s.",
            task=task.title,
            unit=unit,
            due=due,
        )
    else:
        subject = Message(
            "Overdue (level %(level)s): «%(task)s» — %(unit)s", level=level, task=task.title, unit=unit
        )
        body = Message(
            "The task «%(task)s» of %(unit)s is overdue since %(due)s (%(left)s). "
            "Please see that it is handled.",
            task=task.title,
            unit=unit,
            due=due,
            left=time_left_message(task.due_at, at),
        )
        if action == REASSIGN and recipients:
            body = Message(
                "%(overdue)s The task was handed to %(holder)s.", overdue=body, holder=recipients[0].full_name
            )
    return [
        Notice(f"escalation:{task.id}:{level}:{user.id}", user, subject, body, task.id) for user in recipients
    ]
