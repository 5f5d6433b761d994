"""Task inbox use cases: what a user may see and complete."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, delete, func, select
from sqlalchemy.orm import Session

from engine import outbox
from engine.definitions import all_task_specs
from engine.errors import ContractBroken, DeadlinePassed, NotFound
from engine.messages import Message
from engine.models import HumanTask, ProcessInstance
from engine.runtime import InstanceChange, WorkflowRuntime
from services import attachments, comments
from services.common.db import Database
from services.common.errors import Conflict, PermissionDenied
from services.common.models import AuditEvent
from services.deadlines import Escalation
from services.identity import AppUser, Membership, OrgChart, OrgUnit, role_word, user_by_username
from services.work._inbox import _visible_to
from services.work._models import TaskDraft, TaskEvent

# A service task's call as the case history says it (docs/connectors.md).
CALL_STATUS_WORDS = {
    outbox.PENDING: Message("waiting to be performed"),
    outbox.ANSWERED: Message("answered"),
    outbox.DONE: Message("done"),
    outbox.FAILED: Message("failed"),
}


def tasks_for(session: Session, user: AppUser, limit: int = 100) -> list[HumanTask]:
    """The first ``limit`` open tasks the user may see (see ``inbox``), by due date."""
    return list(
        session.scalars(
            select(HumanTask)
            .where(_visible_to(session, user))
            .order_by(HumanTask.due_at.is_(None), HumanTask.due_at, HumanTask.created_at)
            .limit(limit)
        )
    )


def complete_task(
    db: Database,
    runtime: WorkflowRuntime,
    username: str,
    task_id: str,
    data: dict,
    at: datetime | None = None,
) -> InstanceChange:
    """Complete a task the user holds. What the completion runs of the BPMN's code (scripts,
    conditions, due expressions) runs in a read-only transaction, so it never holds the
    database's write lock; the outcome is then written in a short write transaction behind
    the instance's optimistic lock (someone else's save in between: 409, nothing saved)."""
    with db.read() as session:
        user_id = _actor_of_ready_task(session, runtime, username, task_id)
        broken: ContractBroken | None = None
        try:
            completion = runtime.completion_outcome(session, task_id, data, user_id=user_id, at=at)
        except ContractBroken as error:
            broken = error
    if broken is not None:
        # Nothing of the completion was saved. The instance waits in error for an
        # administrator (the reason shows in the instance viewer) and what was typed is
        # kept as the user's draft.
        with db.transaction() as session:
            assert broken.instance_id is not None, "a completion's instance is saved"
            runtime.park(session, broken.instance_id, broken.message)
            _keep_draft(session, user_id, task_id, data, at or runtime.clock.now())
        raise broken
    with db.transaction() as session:
        _actor_of_ready_task(session, runtime, username, task_id)  # still theirs
        try:
            change = runtime.write_completion(session, completion)
        except DeadlinePassed as error:
            # The timers fired as the scheduler would have fired them, and that stands; the
            # completion was not saved.
            error.keeps_changes = True
            raise
        session.execute(delete(TaskDraft).where(TaskDraft.task_id == task_id))
    return change


# Built once: building a statement costs more than running it (see engine.store).
_ACTOR_OF_READY_TASK = (
    select(AppUser.id, HumanTask.assignee_id)
    .select_from(HumanTask)
    .join(
        Membership,
        and_(Membership.role_code == HumanTask.lane, Membership.org_unit_id == HumanTask.org_unit_id),
    )
    .join(AppUser, AppUser.id == Membership.user_id)
    .where(
        HumanTask.id == bindparam("task_id"),
        HumanTask.status == "ready",
        AppUser.username == bindparam("username"),
        AppUser.active.is_(True),
    )
)


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


def visible_task(session: Session, user: AppUser, task_id: str) -> HumanTask:
    """A task the user may look at: open to them, or one they completed. Anything else
    is 'not found', so that other units' tasks are not even confirmed to exist."""
    task = session.get(HumanTask, task_id)
    if task is not None:
        if task.completed_by == user.id or task.assignee_id == user.id:
            return task
        if task.status == "ready" and task.assignee_id is None and _holds(session, user, task):
            return task
        if task.status != "ready" and _holds(session, user, task):
            return task
    raise NotFound(f"no task {task_id}")


def _holds(session: Session, user: AppUser, task: HumanTask) -> bool:
    holding = select(func.count()).where(
        Membership.user_id == user.id,
        Membership.role_code == task.lane,
        Membership.org_unit_id == task.org_unit_id,
    )
    return session.execute(holding).scalar_one() > 0


def claim(session: Session, user: AppUser, task_id: str) -> HumanTask:
    """Take an open task of one's queue so that colleagues no longer see it."""
    task = visible_task(session, user, task_id)
    if task.status != "ready":
        raise Conflict(f"task {task_id} is already {task.status}")
    if task.assignee_id not in (None, user.id):
        raise Conflict(f"task {task_id} is someone else's")
    task.assignee_id = user.id
    return task


def release(session: Session, user: AppUser, task_id: str) -> HumanTask:
    """Give a claimed task back to the queue."""
    task = visible_task(session, user, task_id)
    if task.status != "ready" or task.assignee_id != user.id:
        raise Conflict(f"task {task_id} is not claimed by {user.username}")
    if not _holds(session, user, task):
        raise Conflict("a task given to you by an escalation cannot be released")
    task.assignee_id = None
    return task


def save_draft(session: Session, user: AppUser, task_id: str, data: dict, at: datetime) -> None:
    """Keep what the user typed, valid or not, until they submit."""
    task = visible_task(session, user, task_id)
    if task.status != "ready":
        raise Conflict(f"task {task_id} is already {task.status}")
    _keep_draft(session, user.id, task_id, data, at)


def _keep_draft(session: Session, user_id: int, task_id: str, data: dict, at: datetime) -> None:
    draft = session.get(TaskDraft, (task_id, user_id))
    if draft is None:
        session.add(TaskDraft(task_id=task_id, user_id=user_id, data=data, saved_at=at))
    else:
        draft.data, draft.saved_at = data, at


def draft_of(session: Session, user: AppUser, task_id: str) -> TaskDraft | None:
    return session.get(TaskDraft, (task_id, user.id))


def history(session: Session, instance_id: int, reader: AppUser) -> list[dict]:
    """The case's steps: for whom each task opened, who did what and when, its escalations,
    delegations and recalls, and the comments and attachments ``reader`` may see. Each step
    is a dict with ``at``, ``what`` and what _history.html shows for that kind."""
    rows = list(
        session.scalars(
            select(HumanTask).where(HumanTask.instance_id == instance_id).order_by(HumanTask.created_at)
        )
    )
    escalated = list(session.scalars(select(Escalation).where(Escalation.instance_id == instance_id)))
    # An administrator's cancel closes the open tasks at its instant, with the reason it was given.
    cancels = {
        event.at: event
        for event in session.scalars(
            select(AuditEvent).where(
                AuditEvent.subject == f"process_instance:{instance_id}",
                AuditEvent.action == "instance.cancel",
            )
        )
    }
    events = list(
        session.scalars(select(TaskEvent).where(TaskEvent.instance_id == instance_id).order_by(TaskEvent.at))
    )
    recalled_away = {told.task_id for told in events if told.kind == "closed_by_recall"}
    user_ids = (
        {task.completed_by for task in rows}
        | {uid for told in events for uid in (told.actor_id, told.from_user_id, told.to_user_id)}
        | {uid for row in escalated for uid in row.recipient_ids}
        | {event.actor_id for event in cancels.values()}
    )
    users: dict[int | None, str] = dict(
        session.execute(select(AppUser.id, AppUser.full_name).where(AppUser.id.in_(user_ids))).tuples().all()
    )
    units: dict[int | None, str] = dict(
        session.execute(
            select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_({task.org_unit_id for task in rows}))
        )
        .tuples()
        .all()
    )
    steps: list[dict] = []
    for task in rows:
        unit, role = units.get(task.org_unit_id), role_word(task.lane)
        holder = Message("%(role)s — %(unit)s", role=role, unit=unit) if unit else role
        steps.append({"at": task.created_at, "what": "opened", "title": task.title, "who": holder})
        if task.status == "completed":
            steps.append(
                {
                    "at": task.completed_at,
                    "what": "completed",
                    "title": task.title,
                    "who": users.get(task.completed_by),
                }
            )
        elif task.status == "cancelled" and task.completed_at in cancels:
            event = cancels[task.completed_at]
            steps.append(
                {
                    "at": task.completed_at,
                    "what": "cancelled",
                    "title": task.title,
                    "who": users.get(event.actor_id),
                    "reason": event.details.get("reason"),
                }
            )
        elif task.status == "cancelled" and task.id not in recalled_away:  # a recall's step says it
            steps.append({"at": task.completed_at, "what": "closed", "title": task.title, "who": None})
    for escalation in escalated:
        steps.append(
            {
                "at": escalation.escalated_at,
                "what": f"escalated:{escalation.level}:{escalation.action}",
                "title": "",
                "who": ", ".join(users.get(uid, "") for uid in escalation.recipient_ids),
            }
        )
    titles = {task.id: task.title for task in rows}
    for told in events:
        steps.append(
            {
                "at": told.at,
                "what": told.kind,
                "title": titles.get(told.task_id, ""),
                "who": users.get(told.actor_id),
                "from": users.get(told.from_user_id),
                "to": users.get(told.to_user_id),
                "reason": told.reason,
            }
        )
    steps += [
        {
            "at": call.created_at,
            "what": "connector",
            "title": call.title,
            "connector": call.connector,
            "target": call.target or "—",
            "status": CALL_STATUS_WORDS.get(call.status, call.status),
            "duration_ms": call.duration_ms,
        }
        for call in outbox.history(session, instance_id)
    ]
    steps += comments.history_steps(session, instance_id, reader)
    steps += attachments.history_steps(session, instance_id, reader)
    return sorted(steps, key=lambda step: step["at"])


def form_of(session: Session, runtime: WorkflowRuntime, task: HumanTask) -> dict:
    """The JSON Schema of the task's form, from the definition version of its instance."""
    return _compiled(session, runtime, task).form_for(task.task_name)


@dataclass(frozen=True)
class Outcome:
    """What a completion did, for the person's confirmation."""

    decision: str | None  # the choice they made, in the form's words
    next_steps: list[tuple[str, list[str]]]  # each task it opened, with who holds it now
    ended: list[str]  # where the case ended, as the BPMN labels its end events


def outcome_of(
    session: Session, runtime: WorkflowRuntime, task: HumanTask, data: dict, change: InstanceChange
) -> Outcome:
    compiled = _compiled(session, runtime, task)
    fields = compiled.form_for(task.task_name).get("properties", {})
    decision = next(
        (
            option.get("title")
            for name, spec in fields.items()
            for option in spec.get("oneOf", [])
            if name in data and option.get("const") == data[name]
        ),
        None,
    )
    chart = OrgChart(session, change.at)
    next_steps = [
        (
            opened.title,
            [
                holder.full_name
                for holder in chart.task_holders(opened.lane, opened.org_unit_id, opened.assignee_id)
            ],
        )
        for opened in change.opened_tasks
    ]
    labels = {spec.bpmn_id: spec.bpmn_name or spec.bpmn_id for spec in all_task_specs(compiled)}
    return Outcome(decision, next_steps, [labels.get(end, end) for end in change.end_events])


def case_values(
    session: Session, runtime: WorkflowRuntime, task: HumanTask, task_data: dict, at: datetime
) -> dict:
    """What the task's case and form draw on: its data, and what the capabilities keep
    for it outside the workflow (engine.reactions.CaseSource), which may also prefill it."""
    return {
        **task_data,
        **runtime.reactions.case_data(session, task.process_key, task.task_name, task.instance_id, at),
    }


def case_of(
    session: Session, runtime: WorkflowRuntime, task: HumanTask, values: dict
) -> tuple[dict, dict] | None:
    """The case the task decides on, if its BPMN declares one: the case schema and the
    ``case_values`` it names."""
    schema = _compiled(session, runtime, task).case_for(task.task_name)
    if schema is None:
        return None
    return schema, {name: values[name] for name in schema.get("properties", {}) if name in values}


def instructions_of(session: Session, runtime: WorkflowRuntime, task: HumanTask) -> str:
    """The task's documentation in the BPMN (may name case data as {{ name }})."""
    return _compiled(session, runtime, task).user_tasks[task.task_name].instructions


def _compiled(session: Session, runtime: WorkflowRuntime, task: HumanTask):
    instance = session.get_one(ProcessInstance, task.instance_id)
    return runtime.specs.by_id(session, instance.definition_id)
