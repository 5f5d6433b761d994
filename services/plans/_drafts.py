"""An imported plan kept as a draft, and what its tasks still lack of the six "rõ" before
they can be issued (docs/plans.md#drafts)."""

from __future__ import annotations

import contextlib
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message, from_json, to_json
from services import documents
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.identity import SNV_OFFICER, VHXH_OFFICER, Membership, OrgUnit, city_of
from services.plans import _time_rules as time_rules
from services.plans._import import BY_CASE, DE_NGHI, ImportedPlan, UnitRef
from services.plans._models import Plan, PlanDeliverable, PlanTask, PlanTaskUnit
from services.records import PARTY

DRAFT = "draft"
LEAD, COORDINATOR, EXECUTOR = "lead", "coordinator", "executor"

# The six "rõ" a task must meet before it is issued, in the order officers say them.
CLEAR_PERSON = Message("rõ người (who receives it: a lead unit whose head gets the task)")
CLEAR_WORK = Message("rõ việc (what: the task's content)")
CLEAR_TIME = Message("rõ thời gian (when: a time understood)")
CLEAR_RESPONSIBILITY = Message("rõ trách nhiệm (lead and coordinating units, each in the directory)")
CLEAR_PRODUCT = Message("rõ sản phẩm (at least one product)")
CLEAR_AUTHORITY = Message("rõ thẩm quyền (the issuing body, in the directory)")


def keep_import(
    session: Session,
    at: datetime,
    actor_id: int | None,
    imported: ImportedPlan,
    content: bytes,
    filename: str,
) -> Plan:
    """The imported plan as a draft, with its document."""
    source = documents.store(
        session,
        at,
        actor_id,
        kind="plan_source",
        subject="plan:import",
        filename=documents.clean_filename(filename, documents.DOCX, "ke-hoach.docx"),
        media_type=documents.DOCX,
        content=content,
    )
    plan = Plan(
        code=imported.code,
        kind=imported.kind,
        doc_type=imported.doc_type,
        title=imported.title,
        issuer_text=imported.issuer_text,
        superior_text=imported.superior_text,
        issuer_id=imported.issuer_id,
        province_id=imported.province_id,
        place=imported.place,
        issued_on=imported.issued_on,
        status=DRAFT,
        implements=imported.implements,
        reporting_rule=imported.reporting_rule.to_json() if imported.reporting_rule else None,
        monitor_id=imported.monitor_id,
        source_document_id=source.id,
        columns=imported.columns,
        notes=[to_json(note) for note in imported.notes],
        created_by=actor_id,
        created_at=at,
    )
    session.add(plan)
    session.flush()
    source.subject = f"plan:{plan.id}"
    for imported_task in imported.tasks:
        task = PlanTask(
            plan_id=plan.id,
            seq=imported_task.seq,
            title=imported_task.title,
            leaders=imported_task.leaders,
            time_text=imported_task.time_text,
            time_rule=imported_task.time_rule.to_json() if imported_task.time_rule else None,
            assignment_kind=imported_task.assignment_kind,
            precondition=imported_task.precondition,
            status=DRAFT,
            notes=[to_json(note) for note in imported_task.notes],
        )
        session.add(task)
        session.flush()
        for role, refs in (
            (LEAD, imported_task.leads),
            (COORDINATOR, imported_task.coordinators),
            (EXECUTOR, imported_task.executors),
        ):
            session.add_all(row for ref in refs for row in _unit_rows(task.id, role, ref))
        session.add_all(
            PlanDeliverable(
                task_id=task.id,
                name=product.name,
                time_text=product.time_text,
                time_rule=product.time_rule.to_json() if product.time_rule else None,
            )
            for product in imported_task.deliverables
        )
    session.flush()
    return plan


def _unit_rows(task_id: int, role: str, ref: UnitRef) -> list[PlanTaskUnit]:
    """One row per unit the words stand for; the words alone for a class each case decides
    or a name not in the directory. A unit matched by name is confirmed; one of a class the
    officer confirms."""
    if not ref.unit_ids:
        return [PlanTaskUnit(task_id=task_id, role=role, words=ref.text, unit_class=ref.unit_class)]
    return [
        PlanTaskUnit(
            task_id=task_id,
            role=role,
            org_unit_id=unit_id,
            words=ref.text,
            unit_class=ref.unit_class,
            confirmed=ref.unit_class is None,
        )
        for unit_id in ref.unit_ids
    ]


def _unit_rows_of(session: Session, task_id: int) -> list[PlanTaskUnit]:
    return list(session.scalars(select(PlanTaskUnit).where(PlanTaskUnit.task_id == task_id)))


def missing_clarity(session: Session, task_id: int) -> list[Message]:
    """The "rõ" the task lacks (none: it may be issued), each saying what fills it."""
    task = session.get(PlanTask, task_id)
    if task is None:
        raise NotFound(Message("There is no task %(id)s.", id=task_id))
    plan = session.get_one(Plan, task.plan_id)
    units = _unit_rows_of(session, task_id)
    leads = [row for row in units if row.role == LEAD and _settled(row)]
    unsettled = [row for row in units if not _settled(row)]
    has_product = session.scalar(
        select(PlanDeliverable.id).where(PlanDeliverable.task_id == task_id).limit(1)
    )
    missing = []
    if not leads:
        missing.append(CLEAR_PERSON)
    if not task.title.strip():
        missing.append(CLEAR_WORK)
    if task.time_rule is None:
        missing.append(CLEAR_TIME)
    if not leads or unsettled:
        missing.append(CLEAR_RESPONSIBILITY)
    if has_product is None:
        missing.append(CLEAR_PRODUCT)
    if plan.issuer_id is None:
        missing.append(CLEAR_AUTHORITY)
    return missing


def _settled(row: PlanTaskUnit) -> bool:
    """A unit of the directory confirmed, or a class each case decides."""
    if row.org_unit_id is None:
        return row.unit_class == BY_CASE
    return row.confirmed


# -- the officer's work on a draft --------------------------------------------------------------

# Organisations an officer adds from the import screen (not units of the hierarchy).
ORGANISATION_KINDS = {
    "party_committee": Message("Party committee or body"),
    "state_treasury": Message("State Treasury"),
    "other_organisation": Message("Other organisation"),
}


def may_manage_plans(session: Session, user_id: int) -> bool:
    """The monitoring offices import and settle plans: Sở Nội vụ and Phòng VH-XH."""
    return bool(
        session.scalar(
            select(Membership.id)
            .where(Membership.user_id == user_id, Membership.role_code.in_((SNV_OFFICER, VHXH_OFFICER)))
            .limit(1)
        )
    )


def _managed(session: Session, user_id: int) -> None:
    if not may_manage_plans(session, user_id):
        raise PermissionDenied(Message("Only Sở Nội vụ and Phòng Văn hóa - Xã hội officers manage plans."))


def _visible(session: Session, user_id: int):
    """The plans an officer sees: those they imported and those of their province."""
    _managed(session, user_id)
    provinces = set()
    for unit in session.scalars(
        select(OrgUnit)
        .join(Membership, Membership.org_unit_id == OrgUnit.id)
        .where(Membership.user_id == user_id, Membership.role_code.in_((SNV_OFFICER, VHXH_OFFICER)))
    ):
        with contextlib.suppress(NotFound):  # a unit outside any province sees its own imports only
            provinces.add(city_of(session, unit).id)
    return or_(Plan.created_by == user_id, Plan.province_id.in_(provinces))


def plans_for(session: Session, user_id: int) -> list[Plan]:
    return list(
        session.scalars(
            select(Plan).where(_visible(session, user_id)).order_by(Plan.created_at.desc(), Plan.id.desc())
        )
    )


def draft_for(session: Session, user_id: int, plan_id: int, *, lock: bool = False) -> Plan:
    """A plan the officer may see (PermissionDenied, NotFound otherwise)."""
    query = select(Plan).where(Plan.id == plan_id, _visible(session, user_id))
    plan = session.scalar(query.with_for_update() if lock else query)
    if plan is None:
        raise NotFound(Message("There is no plan %(id)s.", id=plan_id))
    return plan


def _draft_task(session: Session, user_id: int, plan_id: int, task_id: int) -> PlanTask:
    plan = draft_for(session, user_id, plan_id, lock=True)
    if plan.status != DRAFT:
        raise Conflict(Message("The plan is issued: its tasks change by an amendment."))
    task = session.get(PlanTask, task_id)
    if task is None or task.plan_id != plan_id:
        raise NotFound(Message("There is no task %(id)s.", id=task_id))
    return task


def confirm_units(session: Session, user_id: int, plan_id: int, task_id: int, kept: set[int]) -> None:
    """The officer's answer on the units a class stood for: those kept are confirmed, the
    others leave the task."""
    _draft_task(session, user_id, plan_id, task_id)
    for row in _unit_rows_of(session, task_id):
        if row.unit_class is not None and row.org_unit_id is not None and not row.confirmed:
            if row.id in kept:
                row.confirmed = True
            else:
                session.delete(row)


def set_lead(session: Session, user_id: int, plan_id: int, task_id: int, org_unit_id: int) -> None:
    """A lead unit the officer chose (a task that named only its directing leaders)."""
    _draft_task(session, user_id, plan_id, task_id)
    plan = session.get_one(Plan, plan_id)
    if org_unit_id not in {unit.id for unit in province_units(session, plan)}:
        raise InvalidInput("org_unit_id", Message("Choose a unit of the plan's province."))
    if any(row.role == LEAD and row.org_unit_id == org_unit_id for row in _unit_rows_of(session, task_id)):
        return
    unit = session.get_one(OrgUnit, org_unit_id)
    session.add(
        PlanTaskUnit(task_id=task_id, role=LEAD, org_unit_id=unit.id, words=unit.name, confirmed=True)
    )
    issuer_bloc = "party_mass" if plan.kind == PARTY else "state"
    if unit.bloc != issuer_bloc:
        session.get_one(PlanTask, task_id).assignment_kind = DE_NGHI


def set_approver(session: Session, user_id: int, plan_id: int, task_id: int, org_unit_id: int | None) -> None:
    """The authority that approves the task's product, among the units of the plan's
    province; none: the plan's issuing body."""
    task = _draft_task(session, user_id, plan_id, task_id)
    plan = session.get_one(Plan, plan_id)
    if org_unit_id is not None and org_unit_id not in {unit.id for unit in province_units(session, plan)}:
        raise InvalidInput("approver_id", Message("Choose a unit of the plan's province."))
    task.approver_id = org_unit_id


def set_follow_up(
    session: Session, user_id: int, plan_id: int, reporting_text: str, monitor_id: int | None
) -> None:
    """How the plan is reported on ("Định kỳ 6 tháng và hằng năm") and which office
    monitors it, among the units of its province."""
    plan = draft_for(session, user_id, plan_id, lock=True)
    if plan.status != DRAFT:
        raise Conflict(Message("The plan is issued: its tasks change by an amendment."))
    rule = time_rules.parse(reporting_text.strip()) if reporting_text.strip() else None
    if rule is None or rule.kind not in (time_rules.ANNUAL, time_rules.SEMIANNUAL, time_rules.ANNUAL_BEFORE):
        raise InvalidInput(
            "reporting_text",
            Message("Write how the plan is reported on, e.g. «Định kỳ 6 tháng và hằng năm» or «Hằng năm»."),
        )
    if monitor_id not in {unit.id for unit in province_units(session, plan)}:
        raise InvalidInput("monitor_id", Message("Choose a unit of the plan's province."))
    plan.reporting_rule, plan.monitor_id = rule.to_json(), monitor_id


_TIME_NOTES = (
    "The time «%(time)s» is not understood: set it.",
    "The time «%(time)s» is already past when the plan is issued.",
)


def set_time(session: Session, user_id: int, plan_id: int, task_id: int, text: str) -> None:
    """The time of a task written again by the officer, understood or refused."""
    task = _draft_task(session, user_id, plan_id, task_id)
    text = text.strip()
    rule = time_rules.parse(text) if text else None
    if rule is None:
        raise InvalidInput(
            "time_text",
            Message(
                "The time «%(time)s» is not understood: write it as plans do, e.g. «Quý III/2027», "
                "«Trước ngày 30/11 hằng năm», «Thường xuyên».",
                time=text,
            ),
        )
    task.time_text, task.time_rule = text, rule.to_json()
    task.notes = [
        note for note in task.notes if not (isinstance(note, dict) and note.get("template") in _TIME_NOTES)
    ]
    plan = session.get_one(Plan, plan_id)
    if plan.issued_on is not None and time_rules.is_past(rule, plan.issued_on):
        task.notes = [*task.notes, to_json(Message(_TIME_NOTES[1], time=text))]


def add_organisation(
    session: Session, user_id: int, plan_id: int, words: str, name: str, kind: str
) -> OrgUnit:
    """An organisation the document names and the directory lacks (the State Treasury, a
    Party committee), added under the plan's province; every place of the plan naming it
    with those words — and the issuing body — now stands for it."""
    plan = draft_for(session, user_id, plan_id, lock=True)
    if plan.status != DRAFT:
        raise Conflict(Message("The plan is issued: its tasks change by an amendment."))
    if plan.province_id is None:
        raise Conflict(Message("The plan's place is no province of the directory."))
    name = name.strip()
    if not name or len(name) > 300:
        raise InvalidInput("name", Message("Enter the organisation's name (at most 300 characters)."))
    if kind not in ORGANISATION_KINDS:
        raise InvalidInput("kind", Message("Choose the kind of organisation."))
    unit = OrgUnit(
        code=f"plan{plan.id}_{uuid.uuid4().hex[:10]}",
        name=name,
        kind=kind,
        level="department",
        parent_id=plan.province_id,
        bloc="party_mass" if kind == "party_committee" else "state",
    )
    session.add(unit)
    session.flush()
    task_ids = select(PlanTask.id).where(PlanTask.plan_id == plan.id)
    for row in session.scalars(
        select(PlanTaskUnit).where(
            PlanTaskUnit.task_id.in_(task_ids),
            PlanTaskUnit.words == words,
            PlanTaskUnit.org_unit_id.is_(None),
        )
    ):
        row.org_unit_id, row.unit_class, row.confirmed = unit.id, None, True
    if plan.issuer_id is None and words == plan.issuer_text:
        plan.issuer_id = unit.id
    return unit


def province_units(session: Session, plan: Plan) -> list[OrgUnit]:
    """The units a lead may be chosen among: the province's own and those under it."""
    if plan.province_id is None:
        return []
    units, pending = [], [plan.province_id]
    while pending:
        found = list(session.scalars(select(OrgUnit).where(OrgUnit.id.in_(pending))))
        units.extend(found)
        pending = list(
            session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id.in_([u.id for u in found])))
        )
    return sorted(units, key=lambda unit: (unit.level != "province", unit.level, unit.name))


@dataclass(frozen=True)
class TaskView:
    task: PlanTask
    units: dict[str, list[PlanTaskUnit]]  # by role
    unit_names: dict[int, str]
    products: list[PlanDeliverable]
    notes: list[Message]
    missing: list[Message]  # of the six "rõ"


def draft_view(session: Session, user_id: int, plan_id: int) -> tuple[Plan, list[Message], list[TaskView]]:
    """The plan, its notes and each task as the import screen shows it."""
    plan = draft_for(session, user_id, plan_id)
    tasks = session.scalars(
        select(PlanTask).where(PlanTask.plan_id == plan.id).order_by(PlanTask.seq, PlanTask.id)
    )
    views = []
    for task in tasks:
        rows = _unit_rows_of(session, task.id)
        ids = [row.org_unit_id for row in rows if row.org_unit_id is not None]
        names = dict(
            session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.id.in_(ids))).tuples().all()
        )
        products = session.scalars(
            select(PlanDeliverable).where(PlanDeliverable.task_id == task.id).order_by(PlanDeliverable.id)
        )
        views.append(
            TaskView(
                task,
                {role: [row for row in rows if row.role == role] for role in (LEAD, COORDINATOR, EXECUTOR)},
                names,
                list(products),
                [from_json(note) for note in task.notes],
                missing_clarity(session, task.id),
            )
        )
    return plan, [from_json(note) for note in plan.notes], views
