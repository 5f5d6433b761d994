"""Issuing a plan, amending it and recording a task's event
(docs/plans.md#followed-to-the-end)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message
from engine.runtime import WorkflowRuntime
from services.common import audit
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.deadlines import CalendarSource
from services.identity import UNIT_HEAD, holds_role
from services.plans import _follow as follow, _time_rules as time_rules
from services.plans._drafts import COORDINATOR, DRAFT, LEAD, draft_for, missing_clarity, province_units
from services.plans._models import Plan, PlanAmendment, PlanDeliverable, PlanTask, PlanTaskUnit

ISSUED, WITHDRAWN_TASK = follow.ISSUED, "withdrawn"


def issue_plan(
    session: Session,
    runtime: WorkflowRuntime,
    calendar: CalendarSource,
    user_id: int,
    plan_id: int,
    at: datetime,
) -> Plan:
    """Issue a draft whose every task meets the six "rõ": its `plan` instance calls one
    `plan_task` per task and unit. Refused, naming what is missing, otherwise."""
    plan = draft_for(session, user_id, plan_id, lock=True)
    if plan.status != DRAFT:
        raise Conflict(Message("The plan is already issued."))
    if plan.reporting_rule is None or plan.monitor_id is None:
        raise InvalidInput(
            "reporting_text",
            Message("Set how the plan is reported on and its monitoring office before issuing it."),
        )
    tasks = list(session.scalars(select(PlanTask).where(PlanTask.plan_id == plan.id).order_by(PlanTask.seq)))
    unready = [str(task.seq) for task in tasks if missing_clarity(session, task.id)]
    if not tasks or unready:
        raise InvalidInput(
            "plan",
            Message(
                "Tasks %(tasks)s do not meet the six «rõ» yet: settle them before issuing the plan.",
                tasks=", ".join(unready) or "—",
            ),
        )
    plan.status, plan.issued_at = ISSUED, at
    plan.follow_until = follow.horizon(plan, tasks)
    for task in tasks:
        task.status = ISSUED
        _set_deadline(session, plan, task, calendar)
    change = runtime.start(
        session,
        follow.PLAN_PROCESS,
        {"plan_id": plan.id, "amendment_id": 0, "plan_code": plan.code, "plan_title": plan.title},
        lane_orgs={},
        business_key=f"plan:{plan.id}",
        at=at,
    )
    plan.instance_id = change.instance.id
    audit.record(
        session,
        at,
        user_id,
        "plan.issued",
        f"plan:{plan.id}",
        tasks=len(tasks),
        follow_until=str(plan.follow_until),
    )
    return plan


def _set_deadline(session: Session, plan: Plan, task: PlanTask, calendar: CalendarSource) -> None:
    deadline = follow.schedule_of(task, plan, calendar.current()).deadline
    for assignment in session.scalars(select(PlanTaskUnit).where(PlanTaskUnit.task_id == task.id)):
        assignment.deadline_at = deadline


# -- amendments ------------------------------------------------------------------------------


@dataclass
class NewTask:
    """A task an amendment adds."""

    title: str
    lead_id: int | None
    time_text: str
    product: str
    coordinator_ids: list[int] = field(default_factory=list)


@dataclass
class Amendment:
    code: str  # the amending document's number and symbol
    issued_on: date | None
    summary: str = ""
    added: list[NewTask] = field(default_factory=list)
    withdrawn: list[int] = field(default_factory=list)  # task ids
    retimed: dict[int, str] = field(default_factory=dict)  # task id -> its new time


def amend_plan(
    session: Session,
    runtime: WorkflowRuntime,
    calendar: CalendarSource,
    user_id: int,
    plan_id: int,
    amendment: Amendment,
    at: datetime,
) -> PlanAmendment:
    """An amendment (điều chỉnh, bổ sung) of an issued plan: added tasks start in their own
    `plan` instance, withdrawn ones stop (their units' instances cancelled), a changed time
    is followed from each unit's next step on."""
    plan = draft_for(session, user_id, plan_id, lock=True)
    if plan.status != ISSUED:
        raise Conflict(Message("Only an issued plan is amended; a draft is changed on its page."))
    code = amendment.code.strip()
    if not code:
        raise InvalidInput("code", Message("Write the amending document's number and symbol."))
    if amendment.issued_on is None:
        raise InvalidInput("issued_on", Message("Write the amending document's date."))
    if not (amendment.added or amendment.withdrawn or amendment.retimed):
        raise InvalidInput(
            "title", Message("An amendment adds, withdraws or changes the time of at least one task.")
        )
    tasks = {task.id: task for task in session.scalars(select(PlanTask).where(PlanTask.plan_id == plan.id))}
    for task_id in [*amendment.withdrawn, *amendment.retimed]:
        if task_id not in tasks or tasks[task_id].status != ISSUED:
            raise InvalidInput("task_id", Message("Choose a task of the plan still being carried out."))
    record = PlanAmendment(
        plan_id=plan.id,
        code=code,
        issued_on=amendment.issued_on,
        summary=amendment.summary.strip(),
        created_by=user_id,
        created_at=at,
    )
    session.add(record)
    session.flush()
    for task_id, text in amendment.retimed.items():
        task = tasks[task_id]
        task.time_text, task.time_rule = text.strip(), _rule(text).to_json()
        _set_deadline(session, plan, task, calendar)
    added = [_add_task(session, plan, record, new, calendar) for new in amendment.added]
    if added:
        change = runtime.start(
            session,
            follow.PLAN_PROCESS,
            {"plan_id": plan.id, "amendment_id": record.id, "plan_code": plan.code, "plan_title": plan.title},
            lane_orgs={},
            business_key=f"plan:{plan.id}/amendment:{record.id}",
            at=at,
        )
        record.instance_id = change.instance.id
    for task_id in amendment.withdrawn:
        _withdraw(session, runtime, tasks[task_id], at)
    audit.record(
        session,
        at,
        user_id,
        "plan.amended",
        f"plan:{plan.id}",
        code=code,
        added=[task.seq for task in added],
        withdrawn=[tasks[task_id].seq for task_id in amendment.withdrawn],
        retimed={tasks[task_id].seq: text for task_id, text in amendment.retimed.items()},
    )
    return record


def _rule(text: str) -> time_rules.TimeRule:
    rule = time_rules.parse(text.strip()) if text.strip() else None
    if rule is None:
        raise InvalidInput(
            "time_text",
            Message(
                "The time «%(time)s» is not understood: write it as plans do, e.g. «Quý III/2027», "
                "«Trước ngày 30/11 hằng năm», «Thường xuyên».",
                time=text.strip(),
            ),
        )
    return rule


def _add_task(
    session: Session, plan: Plan, amendment: PlanAmendment, new: NewTask, calendar: CalendarSource
) -> PlanTask:
    if not new.title.strip():
        raise InvalidInput("title", Message("Write the task's content."))
    units = {unit.id for unit in province_units(session, plan)}
    if new.lead_id not in units or any(unit_id not in units for unit_id in new.coordinator_ids):
        raise InvalidInput("lead_id", Message("Choose a unit of the plan's province."))
    if not new.product.strip():
        raise InvalidInput("product", Message("Write the task's product."))
    rule = _rule(new.time_text)
    last = session.scalar(select(func.max(PlanTask.seq)).where(PlanTask.plan_id == plan.id)) or 0
    task = PlanTask(
        plan_id=plan.id,
        seq=last + 1,
        title=new.title.strip(),
        leaders=[],
        time_text=new.time_text.strip(),
        time_rule=rule.to_json(),
        status=ISSUED,
        notes=[],
        amendment_id=amendment.id,
    )
    session.add(task)
    session.flush()
    roles = [
        (LEAD, new.lead_id),
        *((COORDINATOR, unit_id) for unit_id in new.coordinator_ids if unit_id != new.lead_id),
    ]
    for role, unit_id in roles:
        session.add(PlanTaskUnit(task_id=task.id, role=role, org_unit_id=unit_id, words="", confirmed=True))
    session.add(PlanDeliverable(task_id=task.id, name=new.product.strip(), time_text="", time_rule=None))
    session.flush()
    plan.follow_until = max(plan.follow_until or date.min, follow.horizon(plan, [task]))
    _set_deadline(session, plan, task, calendar)
    return task


def _withdraw(session: Session, runtime: WorkflowRuntime, task: PlanTask, at: datetime) -> None:
    task.status = WITHDRAWN_TASK
    for assignment in session.scalars(select(PlanTaskUnit).where(PlanTaskUnit.task_id == task.id)):
        if assignment.status in (follow.DONE, follow.WITHDRAWN):
            continue
        if assignment.instance_id is not None:
            runtime.cancel(session, assignment.instance_id, at)  # its reaction marks it withdrawn
        else:
            assignment.status, assignment.due_at, assignment.closed_at = follow.WITHDRAWN, None, at


# -- a task's event ----------------------------------------------------------------------------


def record_event(
    session: Session, runtime: WorkflowRuntime, user_id: int, assignment_id: int, note: str, at: datetime
) -> PlanTask:
    """The event an event-triggered task opens on ("Khi tuyển dụng, tiếp nhận") happened:
    recorded by the unit's head or the plan's monitoring offices; the unit then owes a report.
    Returns the task."""
    assignment = session.get(PlanTaskUnit, assignment_id)
    if assignment is None:
        raise InvalidInput("assignment_id", Message("There is no such task of a unit."))
    task = session.get_one(PlanTask, assignment.task_id)
    if not holds_role(session, user_id, UNIT_HEAD, assignment.org_unit_id):
        try:
            draft_for(session, user_id, task.plan_id)
        except (PermissionDenied, NotFound):
            raise PermissionDenied(
                Message("Only the unit's head or the plan's monitoring office records it.")
            ) from None
    if assignment.instance_id is None or not follow.waits_for_event(session, assignment.instance_id):
        raise Conflict(Message("This task does not wait for an event now."))
    message = follow.event_message(assignment.id, at, note.strip())
    runtime.deliver_event(session, assignment.instance_id, "message", message, at)
    audit.record(
        session, at, user_id, "plan.task_event", f"plan_task_unit:{assignment.id}", note=note.strip()
    )
    return task
