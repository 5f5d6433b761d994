"""Plans followed to the end (docs/plans.md#followed-to-the-end).

Issuing a plan starts one `plan` instance, whose multi-instance call activity calls one
`plan_task` per task and unit (``PlanTaskUnit``, an *assignment*). A lead or executing
unit's head assigns an officer; the officer then owes one report per step the connector
``plan_task_next_step`` gives, from the task's time rule and the plan's reporting rule, read
at each step (so an amendment's new time is followed from the next step on). A
coordinating unit sends its contribution. What each unit stands at is kept on its
assignment, which the monitoring board reads without touching the engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.connectors import CallContext, Connector, ConnectorError, Parameter
from engine.contracts import Element, MessageUse, ProcessContract, user_task
from engine.errors import FormInvalid, NotFound
from engine.forms import FieldError
from engine.messages import Message
from engine.models import HumanTask, MessageSubscription
from engine.reactions import Capability, cancelled, completed, ended, reached, started
from engine.runtime import InstanceChange, WorkflowRuntime
from services.common.display import deadline_words, local_day
from services.deadlines import CalendarSource
from services.identity import (
    UNIT_HEAD,
    UNIT_OFFICER,
    AppUser,
    Membership,
    OrgUnit,
    holds_role,
    user_by_username,
)
from services.plans import _time_rules as time_rules
from services.plans._models import Plan, PlanDeliverable, PlanReport, PlanTask, PlanTaskUnit

PLAN_PROCESS, TASK_PROCESS = "plan", "plan_task"
ASSIGNMENTS_CALL, PLAN_ASSIGNMENTS, NEXT_STEP = "carry_out_tasks", "plan_assignments", "plan_task_next_step"
RECEIVE, PROGRESS_TASK, CONTINUING_TASK, CONTRIBUTE = (
    "receive_task",
    "report_progress",
    "report_continuing",
    "contribute",
)
TASK_EVENT, EVENT_KEY, EVENT_PROPERTY = "plan_task_event", "plan_assignment", "event_assignment"
ISSUED = "issued"  # a plan's or task's status once issued (_issue.py)
# Where a unit's part stands (PlanTaskUnit.status).
PENDING, OPEN, WAITING, DONE, WITHDRAWN = "pending", "open", "waiting", "done", "withdrawn"
# What the connector tells the unit's instance to do next.
STEP_OWED, STEP_WAIT, STEP_AWAIT_EVENT, STEP_CLOSE = "report", "wait", "await_event", "close"
# A task to carry out by a deadline (reports at the plan's cadence until it is done), a
# recurring one (one report per period of its own), or one without a deadline (reports at
# the plan's cadence, none of them due).
ONE_TIME = (time_rules.ABSOLUTE, time_rules.BEFORE_DATE, time_rules.WITHIN_PERIOD, time_rules.RANGE)
RECURRING = (time_rules.ANNUAL, time_rules.ANNUAL_BEFORE, time_rules.SEMIANNUAL)
ON_EVENT = (time_rules.EVENT, time_rules.ON_REQUEST)

NEEDED_BY = Message("Following a plan's tasks to the end")
CONTRACTS = (
    ProcessContract(
        PLAN_PROCESS,
        "services/plans",
        NEEDED_BY,
        (
            Element(
                ASSIGNMENTS_CALL,
                "callActivity",
                f"calls `{TASK_PROCESS}` once per task and unit (the connector `{PLAN_ASSIGNMENTS}` lists "
                "them, with the unit as the child's `unit_head` and `unit_officer`)",
            ),
        ),
        start_data=("plan_id", "amendment_id", "plan_code", "plan_title"),
    ),
    ProcessContract(
        TASK_PROCESS,
        "services/plans",
        NEEDED_BY,
        (
            user_task(
                RECEIVE,
                "completed: the officer the head names (refused unless one of the unit) gets its reports",
                "officer_username",
            ),
            user_task(
                PROGRESS_TASK,
                "opened: the report the unit owes, due when the connector said; completed: the report "
                "is kept (late when after its due instant); `finished` closes a task with a deadline",
                "progress",
                "finished",
                "deliverable_note",
                "deliverable_file",
            ),
            user_task(
                CONTINUING_TASK,
                "the same report without a due instant (a continuous task)",
                "progress",
                "finished",
                "deliverable_note",
                "deliverable_file",
            ),
            user_task(CONTRIBUTE, "completed: a coordinating unit's contribution is kept", "contribution"),
        ),
        outcomes={"task_closed": "closed", "contributed": "contributed"},
        start_data=(
            "assignment_id",
            "plan_id",
            "plan_code",
            "plan_title",
            "task_seq",
            "task_title",
            "role",
            "unit_name",
            "time_text",
            "deliverables_text",
            "partners_text",
            "unit_officers",
        ),
        messages=(
            MessageUse(
                TASK_EVENT,
                "the event an event-triggered task opens on, with its instant (`at`) and note",
                EVENT_KEY,
                (EVENT_PROPERTY,),
            ),
        ),
    ),
)


def register(runtime: WorkflowRuntime, calendar: CalendarSource) -> None:
    runtime.register_connector(
        Connector(
            PLAN_ASSIGNMENTS,
            Message("List the tasks of a plan and the units that carry them out"),
            (
                Parameter("plan_id", "number", Message("Plan")),
                Parameter("amendment_id", "number", Message("Amendment (0: the plan as issued)")),
            ),
            run=_plan_assignments,
        )
    )
    runtime.register_connector(
        Connector(
            NEXT_STEP,
            Message("The next report a unit owes on a task of a plan"),
            (
                Parameter("assignment_id", "number", Message("Task of a unit")),
                Parameter("reported_until", "text", Message("End of the period reported last")),
                Parameter("finished", "boolean", Message("The last report said the task is done")),
                Parameter("event_at", "text", Message("Instant of the task's event")),
            ),
            run=lambda context, params: _next_step(context, params, calendar),
        )
    )
    runtime.register(
        Capability(
            "plans",
            CONTRACTS,
            (
                started(TASK_PROCESS, _task_started),
                completed(TASK_PROCESS, RECEIVE, _officer_assigned),
                reached(TASK_PROCESS, PROGRESS_TASK, _report_owed),
                reached(TASK_PROCESS, CONTINUING_TASK, _report_owed),
                completed(TASK_PROCESS, PROGRESS_TASK, _reported),
                completed(TASK_PROCESS, CONTINUING_TASK, _reported),
                completed(TASK_PROCESS, CONTRIBUTE, _reported),
                ended(TASK_PROCESS, "task_closed", _closed),
                ended(TASK_PROCESS, "contributed", _closed),
                cancelled(TASK_PROCESS, _withdrawn),
            ),
        )
    )


# -- the plan's assignments ------------------------------------------------------------------


def assignment_key(plan_id: int, assignment_id: int) -> str:
    return f"plan:{plan_id}/assignment:{assignment_id}"


def _plan_assignments(context: CallContext, params: dict) -> dict:
    """The connector's answer: each unit of each task the plan (or the amendment) issued,
    keyed by the business key of its `plan_task` (a multi-instance call runs over the values)."""
    plan = context.session.get(Plan, params["plan_id"])
    if plan is None:
        raise ConnectorError(Message("there is no plan %(plan)s", plan=params["plan_id"]))
    amendment_id = params["amendment_id"] or None
    tasks = {
        task.id: task
        for task in context.session.scalars(
            select(PlanTask).where(
                PlanTask.plan_id == plan.id,
                PlanTask.status == ISSUED,
                PlanTask.amendment_id.is_(None)
                if amendment_id is None
                else PlanTask.amendment_id == amendment_id,
            )
        )
    }
    if not tasks:
        return {}
    units = context.session.execute(
        select(PlanTaskUnit, OrgUnit.name)
        .join(OrgUnit, OrgUnit.id == PlanTaskUnit.org_unit_id)
        .where(PlanTaskUnit.task_id.in_(tasks))
        .order_by(PlanTaskUnit.task_id, PlanTaskUnit.id)
    ).all()
    names: dict[tuple[int, str], list[str]] = {}
    for assignment, name in units:
        names.setdefault((assignment.task_id, assignment.role), []).append(name)
    officers: dict[int, list[str]] = {}  # who the head may name, shown in the head's case
    for unit_id, username, full_name in context.session.execute(
        select(Membership.org_unit_id, AppUser.username, AppUser.full_name)
        .join(AppUser, AppUser.id == Membership.user_id)
        .where(
            Membership.org_unit_id.in_({assignment.org_unit_id for assignment, _ in units}),
            Membership.role_code.in_((UNIT_OFFICER, UNIT_HEAD)),
            AppUser.active.is_(True),
        )
        .order_by(Membership.role_code.desc(), AppUser.full_name)
    ):
        officers.setdefault(unit_id, []).append(f"{full_name} ({username})")
    deliverables: dict[int, list[str]] = {}
    for task_id, name in context.session.execute(
        select(PlanDeliverable.task_id, PlanDeliverable.name).where(PlanDeliverable.task_id.in_(tasks))
    ):
        deliverables.setdefault(task_id, []).append(name)
    answer = {}
    for assignment, name in units:
        if assignment.status == WITHDRAWN:
            continue
        task = tasks[assignment.task_id]
        # A coordinator is told who leads; a lead, who coordinates.
        partners = names.get((task.id, "lead" if assignment.role == "coordinator" else "coordinator"), [])
        key = assignment_key(plan.id, assignment.id)
        answer[key] = {
            "business_key": key,
            "assignment_id": assignment.id,
            "org_unit_id": assignment.org_unit_id,
            "task_seq": task.seq,
            "task_title": task.title,
            "role": assignment.role,
            "unit_name": name,
            "time_text": task.time_text,
            "deliverables_text": "; ".join(deliverables.get(task.id, [])),
            "partners_text": ", ".join(partners),
            "unit_officers": "; ".join(dict.fromkeys(officers.get(assignment.org_unit_id, []))),
        }
    return answer


# -- the steps of a unit's task ------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    end: datetime  # the instant the period's report covers up to
    binding: bool  # its report is due at ``end`` (false: a continuous task's, never late)


@dataclass(frozen=True)
class Schedule:
    periods: list[Period]
    deadline: datetime | None  # a task with a deadline: by when it must be finished
    on_event: bool  # opens on its event


def schedule_of(task: PlanTask, plan: Plan, calendar) -> Schedule:
    """The periods a unit reports on for ``task`` of an issued plan, from the day it was issued
    to the plan's horizon."""
    assert plan.issued_at is not None and plan.follow_until is not None, "only an issued plan is followed"
    start, until = local_day(plan.issued_at), plan.follow_until
    cadence = (
        [
            due.at
            for due in time_rules.due_dates(
                time_rules.TimeRule.from_json(plan.reporting_rule), calendar, start, until
            )
        ]
        if plan.reporting_rule
        else []
    )
    rule = time_rules.TimeRule.from_json(task.time_rule) if task.time_rule else None
    kinds = {part.kind for part in rule.parts} if rule and rule.parts else {rule.kind} if rule else set()
    own = [due.at for due in time_rules.due_dates(rule, calendar, start, until)] if rule else []
    if kinds & set(ON_EVENT):
        return Schedule([Period(end, True) for end in cadence], None, on_event=True)
    if kinds & set(ONE_TIME) and own:
        ends = sorted(set(cadence) | set(own))
        return Schedule([Period(end, True) for end in ends], max(own), on_event=False)
    if kinds & set(RECURRING) and own:
        return Schedule([Period(end, True) for end in own], None, on_event=False)
    return Schedule([Period(end, False) for end in cadence], None, on_event=False)


@dataclass(frozen=True)
class Step:
    action: str
    period: Period | None = None
    opens_at: datetime | None = None


def next_step(
    schedule: Schedule,
    issued_at: datetime,
    reported_until: datetime | None,
    finished: bool,
    event_at: datetime | None,
    now: datetime,
) -> Step:
    """What the unit owes after its last report (``reported_until``: the end of the period it
    covered, none before the first)."""
    if finished and schedule.deadline is not None:
        return Step(STEP_CLOSE)
    if schedule.on_event:
        if event_at is None:  # waits for its event until the plan's last cut-off
            last = schedule.periods[-1].end if schedule.periods else issued_at
            return Step(STEP_AWAIT_EVENT, opens_at=last) if now < last else Step(STEP_CLOSE)
        due = next((period for period in schedule.periods if period.end > event_at), None)
        return Step(STEP_OWED, due or Period(event_at, False))
    opens_at = issued_at
    for period in schedule.periods:
        if reported_until is not None and period.end <= reported_until:
            opens_at = period.end
            continue
        return Step(STEP_WAIT, period, opens_at) if opens_at > now else Step(STEP_OWED, period, opens_at)
    return Step(STEP_CLOSE)


def _next_step(context: CallContext, params: dict, calendar: CalendarSource) -> dict:
    session = context.session
    assignment = session.get(PlanTaskUnit, params["assignment_id"])
    if assignment is None:
        raise ConnectorError(Message("there is no task of a unit %(id)s", id=params["assignment_id"]))
    task = session.get_one(PlanTask, assignment.task_id)
    plan = session.get_one(Plan, task.plan_id)
    schedule = schedule_of(task, plan, calendar.current())
    step = next_step(
        schedule,
        plan.issued_at or context.at,
        _instant(params["reported_until"]),
        bool(params["finished"]),
        _instant(params["event_at"]),
        context.at,
    )
    period = step.period
    return {
        "action": step.action,
        "period_end": period.end.isoformat() if period else "",
        "due": period.end.isoformat() if period and period.binding else "",
        "opens_at": step.opens_at.isoformat() if step.opens_at else "",
        "period_words": period_words(period) if period else "",
    }


def period_words(period: Period) -> str:
    """How a report's period reads in its title (Vietnamese, the task's own words)."""
    if period.binding:
        return f"hạn {deadline_words(period.end)}"
    return f"kỳ báo cáo {deadline_words(period.end)}"


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def horizon(plan: Plan, tasks: list[PlanTask]) -> date:
    """The last day the plan's tasks are followed to: the latest day any task's time names,
    and at least the end of the year it is issued."""
    assert plan.issued_at is not None, "the horizon of an issued plan"
    last = [date(local_day(plan.issued_at).year, 12, 31)]
    for task in tasks:
        if task.time_rule:
            rule = time_rules.TimeRule.from_json(task.time_rule)
            for part in rule.parts or (rule,):
                if part.last:
                    last.append(part.last)
                if part.at:
                    last.append(local_day(part.at))
    return max(last)


# -- the reactions ---------------------------------------------------------------------------


def _assignment(session: Session, change: InstanceChange) -> PlanTaskUnit | None:
    assignment_id = change.data.get("assignment_id")
    return session.get(PlanTaskUnit, assignment_id) if assignment_id is not None else None


def _task_started(session: Session, change: InstanceChange) -> None:
    assignment_id = change.data.get("assignment_id")
    if assignment_id is not None:
        session.execute(
            update(PlanTaskUnit)
            .where(PlanTaskUnit.id == assignment_id)
            .values(instance_id=change.instance.saved_id, status=OPEN)
        )


def _officer_assigned(session: Session, change: InstanceChange) -> None:
    assignment, done = _assignment(session, change), change.completed_task
    if assignment is None or done is None or done.completed_data is None:
        return
    username = done.completed_data["officer_username"].strip()
    try:
        officer = user_by_username(session, username)
    except NotFound:
        officer = None
    unit_id = assignment.org_unit_id
    if officer is None or not any(
        holds_role(session, officer.id, role, unit_id) for role in (UNIT_OFFICER, UNIT_HEAD)
    ):
        raise FormInvalid(
            [
                FieldError(
                    "officer_username",
                    "not_an_officer",
                    Message("«%(username)s» is not an officer of this unit.", username=username),
                )
            ]
        )
    # Until its first report opens (that reaction runs after this one, in the same step):
    # waiting for its first period or its event.
    assignment.officer_id, assignment.status = officer.id, WAITING


def _report_owed(session: Session, change: InstanceChange) -> None:
    """A report opened: the period it covers and its due instant; the assigned officer's."""
    assignment = _assignment(session, change)
    if assignment is None:
        return
    step = change.data.get("next_step") or {}
    assignment.status = OPEN
    assignment.period_end = _instant(step.get("period_end"))
    assignment.due_at = _instant(step.get("due"))
    if assignment.officer_id is not None:
        opened = [task.id for task in change.opened(PROGRESS_TASK) + change.opened(CONTINUING_TASK)]
        session.execute(
            update(HumanTask).where(HumanTask.id.in_(opened)).values(assignee_id=assignment.officer_id)
        )


def _reported(session: Session, change: InstanceChange) -> None:
    assignment, done = _assignment(session, change), change.completed_task
    if assignment is None or done is None or done.completed_data is None:
        return
    data = done.completed_data
    report = PlanReport(
        assignment_id=assignment.id,
        period_end=assignment.period_end,
        due_at=assignment.due_at,
        sent_at=change.at,
        sent_by=done.completed_by,
        progress=data.get("progress") or data.get("contribution") or "",
        finished=bool(data.get("finished")) or done.task_name == CONTRIBUTE,
        deliverable_note=data.get("deliverable_note") or "",
        attachment_id=data.get("deliverable_file"),
    )
    session.add(report)
    if report.due_at is not None and change.at > report.due_at:
        assignment.late = True
    # Until the next report opens (its reaction runs after this one, in the same step):
    # waiting for the next period or the task's event.
    assignment.status, assignment.due_at = WAITING, None


def _closed(session: Session, change: InstanceChange) -> None:
    assignment = _assignment(session, change)
    if assignment is not None:
        assignment.status, assignment.due_at, assignment.closed_at = DONE, None, change.at


def _withdrawn(session: Session, change: InstanceChange) -> None:
    # A cancelled workflow's newest data may not hold the start data: found by its instance.
    assignment = session.scalar(select(PlanTaskUnit).where(PlanTaskUnit.instance_id == change.instance.id))
    if assignment is not None:
        assignment.status, assignment.due_at, assignment.closed_at = WITHDRAWN, None, change.at


def waits_for_event(session: Session, instance_id: int) -> bool:
    waiting = select(MessageSubscription.id).where(
        MessageSubscription.instance_id == instance_id, MessageSubscription.name == TASK_EVENT
    )
    return session.scalar(waiting.limit(1)) is not None


def event_message(assignment_id: int, at: datetime, note: str) -> dict:
    """The message an event-triggered task opens on (the correlation key of plan_task.bpmn)."""
    return {
        "name": TASK_EVENT,
        "payload": {"assignment_id": assignment_id, "at": at.isoformat(), "note": note},
        "correlations": {EVENT_KEY: {EVENT_PROPERTY: assignment_id}},
    }
