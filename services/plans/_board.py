"""The monitoring board of an issued plan (docs/plans.md#the-monitoring-board): where each
task and unit stands, read from the assignments alone (never the engine), so that a plan of
thousands of units answers at once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message
from services.identity import AppUser, OrgUnit
from services.plans import _follow as follow
from services.plans._drafts import COORDINATOR, EXECUTOR, LEAD, draft_for
from services.plans._models import Plan, PlanAmendment, PlanDeliverable, PlanReport, PlanTask, PlanTaskUnit

ON_TIME, LATE, OVERDUE, DONE, WITHDRAWN = "on_time", "late", "overdue", "done", "withdrawn"
# Worst first: a task stands where its worst unit stands.
STANDINGS = (OVERDUE, LATE, ON_TIME, DONE, WITHDRAWN)
STANDING_WORDS = {
    ON_TIME: Message("On time"),
    LATE: Message("Late"),
    OVERDUE: Message("Overdue"),
    DONE: Message("Carried out"),
    WITHDRAWN: Message("Withdrawn"),
}
ROLE_WORDS = {LEAD: Message("Lead"), COORDINATOR: Message("Coordinating"), EXECUTOR: Message("Executing")}


def _standing(at: datetime):
    """A unit's standing at ``at``: overdue while a report it owes or the task's deadline is
    past; late once a report came after its due instant; done; withdrawn."""
    return case(
        (PlanTaskUnit.status == follow.WITHDRAWN, WITHDRAWN),
        (PlanTaskUnit.status == follow.DONE, DONE),
        (or_(PlanTaskUnit.due_at < at, PlanTaskUnit.deadline_at < at), OVERDUE),
        (PlanTaskUnit.late.is_(True), LATE),
        else_=ON_TIME,
    )


def standing_of(assignment: PlanTaskUnit, at: datetime) -> str:
    """The same standing as ``_standing``, of one loaded row."""
    if assignment.status in (follow.WITHDRAWN, follow.DONE):
        return WITHDRAWN if assignment.status == follow.WITHDRAWN else DONE
    if any(instant is not None and instant < at for instant in (assignment.due_at, assignment.deadline_at)):
        return OVERDUE
    return LATE if assignment.late else ON_TIME


def _task_standing(counts: dict[str, int], withdrawn_task: bool) -> str:
    if withdrawn_task:
        return WITHDRAWN
    active = [standing for standing in STANDINGS if counts.get(standing) and standing != WITHDRAWN]
    return active[0] if active else ON_TIME


@dataclass
class BoardTask:
    task: PlanTask
    standing: str
    counts: dict[str, int]  # units by standing
    products: list[str]  # the task's products, as the plan names them
    received: int  # reports that sent a product


@dataclass
class Board:
    plan: Plan
    tasks: list[BoardTask]
    totals: dict[str, int]  # tasks by standing
    amendments: list[PlanAmendment] = field(default_factory=list)


def board(session: Session, user_id: int, plan_id: int, at: datetime) -> Board:
    """Each task of an issued plan with its units counted by standing, and its products."""
    plan = draft_for(session, user_id, plan_id)
    tasks = list(session.scalars(select(PlanTask).where(PlanTask.plan_id == plan.id).order_by(PlanTask.seq)))
    standing = _standing(at)
    counts: dict[int, dict[str, int]] = {}
    for task_id, value, count in session.execute(
        select(PlanTaskUnit.task_id, standing, func.count())
        .join(PlanTask, PlanTask.id == PlanTaskUnit.task_id)
        .where(PlanTask.plan_id == plan.id, PlanTaskUnit.org_unit_id.is_not(None))
        .group_by(PlanTaskUnit.task_id, standing)
    ):
        counts.setdefault(task_id, {})[value] = count
    products: dict[int, list[str]] = {}
    for task_id, name in session.execute(
        select(PlanDeliverable.task_id, PlanDeliverable.name)
        .join(PlanTask, PlanTask.id == PlanDeliverable.task_id)
        .where(PlanTask.plan_id == plan.id)
        .order_by(PlanDeliverable.id)
    ):
        products.setdefault(task_id, []).append(name)
    received = dict(
        session.execute(
            select(PlanTaskUnit.task_id, func.count(PlanReport.id))
            .join(PlanReport, PlanReport.assignment_id == PlanTaskUnit.id)
            .join(PlanTask, PlanTask.id == PlanTaskUnit.task_id)
            .where(
                PlanTask.plan_id == plan.id,
                or_(PlanReport.attachment_id.is_not(None), PlanReport.deliverable_note != ""),
            )
            .group_by(PlanTaskUnit.task_id)
        )
        .tuples()
        .all()
    )
    rows = [
        BoardTask(
            task,
            _task_standing(counts.get(task.id, {}), task.status == WITHDRAWN),
            counts.get(task.id, {}),
            products.get(task.id, []),
            received.get(task.id, 0),
        )
        for task in tasks
    ]
    totals: dict[str, int] = {}
    for row in rows:
        totals[row.standing] = totals.get(row.standing, 0) + 1
    amendments = session.scalars(
        select(PlanAmendment).where(PlanAmendment.plan_id == plan.id).order_by(PlanAmendment.id)
    )
    return Board(plan, rows, totals, list(amendments))


@dataclass
class UnitLine:
    assignment: PlanTaskUnit
    unit_name: str
    standing: str
    officer_name: str
    reports: list[PlanReport]
    waits_for_event: bool


def board_task(
    session: Session, user_id: int, plan_id: int, task_id: int, at: datetime
) -> tuple[PlanTask, list[UnitLine]]:
    """One task's units with their standing, officer and reports."""
    plan = draft_for(session, user_id, plan_id)
    task = session.get(PlanTask, task_id)
    if task is None or task.plan_id != plan.id:
        raise NotFound(Message("There is no task %(id)s.", id=task_id))
    lines = _unit_lines(session, [task.id], at)
    return task, lines.get(task.id, [])


def _unit_lines(session: Session, task_ids: list[int], at: datetime) -> dict[int, list[UnitLine]]:
    rows = session.execute(
        select(PlanTaskUnit, OrgUnit.name, AppUser.full_name)
        .join(OrgUnit, OrgUnit.id == PlanTaskUnit.org_unit_id)
        .outerjoin(AppUser, AppUser.id == PlanTaskUnit.officer_id)
        .where(PlanTaskUnit.task_id.in_(task_ids))
        .order_by(PlanTaskUnit.task_id, PlanTaskUnit.role.desc(), PlanTaskUnit.id)
    ).all()
    reports: dict[int, list[PlanReport]] = {}
    for report in session.scalars(
        select(PlanReport)
        .join(PlanTaskUnit, PlanTaskUnit.id == PlanReport.assignment_id)
        .where(PlanTaskUnit.task_id.in_(task_ids))
        .order_by(PlanReport.sent_at, PlanReport.id)
    ):
        reports.setdefault(report.assignment_id, []).append(report)
    lines: dict[int, list[UnitLine]] = {}
    for assignment, name, officer in rows:
        lines.setdefault(assignment.task_id, []).append(
            UnitLine(
                assignment,
                name,
                standing_of(assignment, at),
                officer or "",
                reports.get(assignment.id, []),
                assignment.status == follow.WAITING
                and assignment.instance_id is not None
                and follow.waits_for_event(session, assignment.instance_id),
            )
        )
    return lines


@dataclass
class ExportTask:
    """One row of the plan's own table, with where it stands."""

    row: BoardTask
    units: dict[str, list[str]]  # names by role, the document's words where a unit is not in the directory
    leaders: list[str]
    lines: list[UnitLine]


def export_rows(session: Session, user_id: int, plan_id: int, at: datetime) -> tuple[Board, list[ExportTask]]:
    """The board with every unit of every task, for the 6-monthly and yearly report."""
    summary = board(session, user_id, plan_id, at)
    task_ids = [row.task.id for row in summary.tasks]
    lines = _unit_lines(session, task_ids, at)
    words: dict[int, dict[str, list[str]]] = {}
    for task_id, role, text, name in session.execute(
        select(PlanTaskUnit.task_id, PlanTaskUnit.role, PlanTaskUnit.words, OrgUnit.name)
        .outerjoin(OrgUnit, OrgUnit.id == PlanTaskUnit.org_unit_id)
        .where(PlanTaskUnit.task_id.in_(task_ids))
        .order_by(PlanTaskUnit.id)
    ):
        words.setdefault(task_id, {}).setdefault(role, []).append(name or text)
    return summary, [
        ExportTask(row, words.get(row.task.id, {}), list(row.task.leaders), lines.get(row.task.id, []))
        for row in summary.tasks
    ]
