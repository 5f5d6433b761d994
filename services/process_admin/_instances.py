"""Instances as administrators watch and steer them: the viewer's data, its links to a
parent and children, suspend, resume, retry, cancel, and migration to a newer version of
their process. Every action is audited with who, when, what, and the version before and
after."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from engine.definitions import all_task_specs
from engine.errors import NotFound
from engine.inspection import InstanceState, instance_state
from engine.messages import Message
from engine.models import CallActivity, HumanTask, ProcessDefinition, ProcessInstance
from engine.runtime import WorkflowRuntime
from engine.versions import MigrationPlan
from services import notifications
from services.common import audit
from services.common.errors import InvalidInput
from services.common.models import AuditEvent
from services.identity import AppUser, OrgChart

ACTIONS = ("suspend", "resume", "retry", "cancel")
MIN_REASON_LENGTH = 10
# What the viewer offers in each status (the runtime refuses the rest anyway).
ACTIONS_BY_STATUS = {
    "running": ("suspend", "cancel"),
    "suspended": ("resume", "cancel"),
    "error": ("retry", "cancel"),
}


@dataclass(frozen=True)
class InstancePage:
    instance: ProcessInstance
    definition: ProcessDefinition
    newer_versions: list[int]
    state: InstanceState
    tasks: list[tuple[HumanTask, str | None]]  # each task with who completed it
    audit: list[tuple[AuditEvent, str | None]]  # each admin action with who did it

    @property
    def actions(self) -> tuple[str, ...]:
        return ACTIONS_BY_STATUS.get(self.instance.status, ())


def instances_of(session: Session, key: str, limit: int = 200) -> list[tuple[ProcessInstance, int]]:
    """The newest instances of a process, each with its definition version."""
    return list(
        session.execute(
            select(ProcessInstance, ProcessDefinition.version)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(ProcessInstance.process_key == key)
            .order_by(ProcessInstance.id.desc())
            .limit(limit)
        )
        .tuples()
        .all()
    )


def instance_page(session: Session, runtime: WorkflowRuntime, instance_id: int) -> InstancePage:
    instance = _instance(session, instance_id)
    definition = session.get_one(ProcessDefinition, instance.definition_id)
    newer = list(
        session.scalars(
            select(ProcessDefinition.version)
            .where(
                ProcessDefinition.key == instance.process_key, ProcessDefinition.version > definition.version
            )
            .order_by(ProcessDefinition.version)
        )
    )
    completer, actor = aliased(AppUser), aliased(AppUser)
    tasks = session.execute(
        select(HumanTask, completer.full_name)
        .outerjoin(completer, completer.id == HumanTask.completed_by)
        .where(HumanTask.instance_id == instance_id)
        .order_by(HumanTask.created_at)
    ).all()
    events = session.execute(
        select(AuditEvent, actor.full_name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .where(AuditEvent.subject == _subject(instance_id))
        .order_by(AuditEvent.at, AuditEvent.id)
    ).all()
    return InstancePage(
        instance,
        definition,
        newer,
        instance_state(session, runtime, instance_id),
        [tuple(row) for row in tasks],
        [tuple(row) for row in events],
    )


def diagram(session: Session, runtime: WorkflowRuntime, instance_id: int) -> dict:
    """The instance's BPMN and which elements to highlight, for the viewer."""
    instance = _instance(session, instance_id)
    state = instance_state(session, runtime, instance_id)
    definition = session.get_one(ProcessDefinition, instance.definition_id)
    return {
        "bpmn": definition.bpmn_xml,
        "completed": state.completed,
        "current": state.current,
        "failed": state.failed,
    }


# -- an instance's parent and children ------------------------------------------------
# A caller may have thousands of children: the viewer counts them by status and lists
# one page of them through the indexes (ix_process_instance_call: call_id, status,
# child_index; the one on parent_id), never reading all of them nor any child's workflow.

CHILDREN_PER_PAGE = 50
CHILD_STATES = ("running", "suspended", "error", "completed", "cancelled")
# The key of the list of children an instance's code started (parent_id, no call
# activity: the older product flows); a call activity's list has its row's id as key.
STARTED_BY_CODE = "direct"


@dataclass(frozen=True)
class ChildRow:
    id: int
    child_index: int | None  # its place in its call's children, from 0; None when started by code
    process_key: str
    business_key: str | None
    status: str
    updated_at: datetime


@dataclass(frozen=True)
class CalledBy:
    """The call activity whose children a list shows."""

    call: CallActivity
    label: str  # the call activity's name in the caller's BPMN (its id if it has none)
    called_key: str
    called_version: int


@dataclass(frozen=True)
class ChildList:
    """One list of an instance's children: those of one call activity, in their order,
    or (``called_by`` None) those its code started, by id. ``rows`` is one page of them,
    of the status ``state`` when it is set."""

    key: str
    called_by: CalledBy | None
    counts: dict[str, int]  # children by status
    state: str | None
    page: int  # from 1
    rows: list[ChildRow]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def pages(self) -> int:
        return _pages(self.counts.get(self.state, 0) if self.state else self.total)

    @property
    def offset(self) -> int:
        """How many children the pages before this one show."""
        return (self.page - 1) * CHILDREN_PER_PAGE


@dataclass(frozen=True)
class ParentLink:
    """The instance that started a child, and the call activity that did, if one did."""

    id: int
    process_key: str
    business_key: str | None
    call_id: int | None
    label: str | None  # the call activity's name
    child_index: int | None

    @property
    def list_key(self) -> str:
        return str(self.call_id) if self.call_id is not None else STARTED_BY_CODE

    @property
    def page(self) -> int:
        """The page of the parent's list that shows this child (a call's children are
        started in the order of their indexes, so those that exist have 0..n-1)."""
        return 1 if self.child_index is None else self.child_index // CHILDREN_PER_PAGE + 1


@dataclass(frozen=True)
class Family:
    parent: ParentLink | None
    lists: list[ChildList]
    selected: str | None  # the key of the list that the state and page asked for apply to
    # What the query asked for that the viewer set aside, as typed: "call" (no such list),
    # "state" (no such status), "page" (not a page number), "page_beyond" (past the last page).
    ignored: dict[str, str]


def family(
    session: Session,
    runtime: WorkflowRuntime,
    instance_id: int,
    *,
    call: str | None = None,
    state: str | None = None,
    page: str | None = None,
) -> Family:
    """The instance's parent and its lists of children, as the viewer's query asks:
    ``call`` (a list's key; by default the first list), ``state`` (one of CHILD_STATES)
    and ``page`` (from 1) choose which page of that list to show, the other lists show
    their first page. What it does not understand it ignores, and says so in ``ignored``."""
    row = session.execute(
        select(ProcessInstance.parent_id, ProcessInstance.call_id, ProcessInstance.child_index).where(
            ProcessInstance.id == instance_id
        )
    ).first()
    if row is None:
        raise NotFound(f"no instance {instance_id}")
    parent = None if row.parent_id is None else _parent_link(session, runtime, *row)
    sources = _child_sources(session, runtime, instance_id)
    ignored: dict[str, str] = {}
    keys = [key for key, _, _ in sources]
    selected = keys[0] if keys else None
    if call:
        selected = call if call in keys else None
        if selected is None:
            ignored["call"] = call
    if state and state not in CHILD_STATES:
        ignored["state"], state = state, None
    wanted = _page_number(page)
    if wanted is None:
        ignored["page"], wanted = page or "", 1
    lists = []
    for key, called_by, counts in sources:
        chosen = (state, wanted) if key == selected else (None, 1)
        lists.append(_child_list(session, instance_id, key, called_by, counts, *chosen))
        if key == selected and lists[-1].page < wanted:
            ignored["page_beyond"] = page or ""
    return Family(parent, lists, selected, ignored)


def _child_sources(
    session: Session, runtime: WorkflowRuntime, instance_id: int
) -> list[tuple[str, CalledBy | None, dict[str, int]]]:
    """Each list of the instance's children: its key, its call activity, its counts."""
    calls = session.execute(
        select(CallActivity, ProcessDefinition.key, ProcessDefinition.version)
        .join(ProcessDefinition, ProcessDefinition.id == CallActivity.definition_id)
        .where(CallActivity.parent_id == instance_id)
        .order_by(CallActivity.id)
    ).all()
    counts: dict[int | None, dict[str, int]] = {call.id: {} for call, _, _ in calls}
    if calls:  # one GROUP BY on ix_process_instance_call for every call's children
        for call_id, status, number in session.execute(
            select(ProcessInstance.call_id, ProcessInstance.status, func.count())
            .where(ProcessInstance.call_id.in_(list(counts)))
            .group_by(ProcessInstance.call_id, ProcessInstance.status)
        ):
            counts[call_id][status] = number
    sources: list[tuple[str, CalledBy | None, dict[str, int]]] = [
        (
            str(call.id),
            CalledBy(
                call, _element_label(session, runtime, call.parent_definition_id, call.element), key, version
            ),
            counts[call.id],
        )
        for call, key, version in calls
    ]
    # Children started by code: only when the calls' children are not all the children
    # (a count on the parent_id index), so that a caller's page reads none of their rows.
    children = session.scalar(
        select(func.count()).select_from(ProcessInstance).where(ProcessInstance.parent_id == instance_id)
    )
    if (children or 0) > sum(sum(by_status.values()) for by_status in counts.values()):
        by_code = dict(
            session.execute(
                select(ProcessInstance.status, func.count())
                .where(ProcessInstance.parent_id == instance_id, ProcessInstance.call_id.is_(None))
                .group_by(ProcessInstance.status)
            )
            .tuples()
            .all()
        )
        if by_code:
            sources.append((STARTED_BY_CODE, None, by_code))
    return sources


def _child_list(
    session: Session,
    instance_id: int,
    key: str,
    called_by: CalledBy | None,
    counts: dict[str, int],
    state: str | None,
    page: int,
) -> ChildList:
    page = min(page, _pages(counts.get(state, 0) if state else sum(counts.values())))
    offset = (page - 1) * CHILDREN_PER_PAGE
    if called_by is not None:
        rows = _call_children(session, called_by.call.id, state, offset)
    else:
        query = select(*_CHILD_COLUMNS).where(
            ProcessInstance.parent_id == instance_id, ProcessInstance.call_id.is_(None)
        )
        if state:
            query = query.where(ProcessInstance.status == state)
        rows = _child_rows(
            session, query.order_by(ProcessInstance.id).offset(offset).limit(CHILDREN_PER_PAGE)
        )
    return ChildList(key, called_by, counts, state, page, rows)


_CHILD_COLUMNS = (
    ProcessInstance.id,
    ProcessInstance.child_index,
    ProcessInstance.process_key,
    ProcessInstance.business_key,
    ProcessInstance.status,
    ProcessInstance.updated_at,
)


def _call_children(session: Session, call_id: int, state: str | None, offset: int) -> list[ChildRow]:
    """A page of a call's children: the page's first and last indexes from the index
    (call_id, status, child_index) alone, then the rows between them, so that no more
    than a page of rows is ever read, whichever the page."""
    where = [ProcessInstance.call_id == call_id]
    if state:
        where.append(ProcessInstance.status == state)
    indexes = session.scalars(
        select(ProcessInstance.child_index)
        .where(*where)
        .order_by(ProcessInstance.child_index)
        .offset(offset)
        .limit(CHILDREN_PER_PAGE)
    ).all()
    if not indexes:
        return []
    return _child_rows(
        session,
        select(*_CHILD_COLUMNS)
        .where(*where, ProcessInstance.child_index.between(indexes[0], indexes[-1]))
        .order_by(ProcessInstance.child_index, ProcessInstance.id)
        .limit(CHILDREN_PER_PAGE),
    )


def _child_rows(session: Session, query) -> list[ChildRow]:
    return [ChildRow(*row) for row in session.execute(query)]


def _parent_link(
    session: Session, runtime: WorkflowRuntime, parent_id: int, call_id: int | None, child_index: int | None
) -> ParentLink | None:
    parent = session.execute(
        select(ProcessInstance.process_key, ProcessInstance.business_key).where(
            ProcessInstance.id == parent_id
        )
    ).first()
    if parent is None:
        return None
    call = None if call_id is None else session.get(CallActivity, call_id)
    label = (
        None if call is None else _element_label(session, runtime, call.parent_definition_id, call.element)
    )
    return ParentLink(parent_id, parent.process_key, parent.business_key, call_id, label, child_index)


def _element_label(session: Session, runtime: WorkflowRuntime, definition_id: int, element: str) -> str:
    """The name of a BPMN element in a version of a process (its id if it has none)."""
    for spec in all_task_specs(runtime.specs.by_id(session, definition_id)):
        if spec.bpmn_id == element:
            return spec.bpmn_name or element
    return element


def _page_number(typed: str | None) -> int | None:
    """A page asked for, from 1 (the first when none is); None when it is not a page."""
    if not typed:
        return 1
    try:
        number = int(typed)
    except ValueError:
        return None
    return number if number >= 1 else None


def _pages(count: int) -> int:
    return max(1, math.ceil(count / CHILDREN_PER_PAGE))


def act(
    session: Session,
    runtime: WorkflowRuntime,
    actor_id: int,
    instance_id: int,
    action: str,
    at: datetime,
    reason: str | None = None,
) -> None:
    """Suspend, resume, retry or cancel; refused with a clear error when the instance's
    state does not allow it, and then nothing changes. A cancel needs a reason, and the
    people who held its open tasks and the heads of their units are told it, and why."""
    if action not in ACTIONS:
        raise InvalidInput("action", f"phải là một trong {', '.join(ACTIONS)}")
    reason = (reason or "").strip() or None
    if action == "cancel" and len(reason or "") < MIN_REASON_LENGTH:
        raise InvalidInput(
            "reason",
            Message(
                "«%(label)s» must have at least %(minimum)s characters.",
                label=Message("Reason for cancelling"),
                minimum=MIN_REASON_LENGTH,
            ),
        )
    change = getattr(runtime, action)(session, instance_id, at)
    version = _version_of(session, change.instance.definition_id)
    audit.record(
        session,
        at,
        actor_id,
        f"instance.{action}",
        _subject(instance_id),
        status_before=change.status_before,
        status_after=change.instance.status,
        before_version=version,
        after_version=version,
        **({"reason": reason} if reason else {}),
    )
    if action == "cancel":
        assert reason is not None  # checked above: a cancel has its reason
        _tell_cancelled(session, change.closed_task_ids, reason, at)


def cancel_preview(session: Session, instance_id: int, at: datetime) -> list[tuple[HumanTask, list[str]]]:
    """What a cancel would close: each open task with the names of who would be told."""
    tasks = list(
        session.scalars(
            select(HumanTask).where(
                HumanTask.instance_id == _instance(session, instance_id).id, HumanTask.status == "ready"
            )
        )
    )
    chart = OrgChart(session, at)
    return [(task, [user.full_name for user in _concerned(chart, task)]) for task in tasks]


def _concerned(chart: OrgChart, task: HumanTask) -> list[AppUser]:
    """Who held the task, and the head of its unit (or the heads above, see OrgChart)."""
    people = chart.task_holders(task.lane, task.org_unit_id, task.assignee_id)
    people += chart.escalation_recipients(task.lane, task.org_unit_id, 1)
    return list({user.id: user for user in people}.values())


def _tell_cancelled(session: Session, task_ids: list[str], reason: str, at: datetime) -> None:
    chart = OrgChart(session, at)
    for task in session.scalars(select(HumanTask).where(HumanTask.id.in_(task_ids))):
        unit = chart.unit(task.org_unit_id)
        for user in _concerned(chart, task):
            notifications.notify(
                session,
                key=f"task-cancelled:{task.id}:{user.id}",
                user=user,
                at=at,
                subject=f"Hồ sơ đã bị hủy: «{task.title}»",
                body=f"Quản trị viên đã hủy hồ sơ{f' của {unit.name}' if unit else ''}; "
                f"việc «{task.title}» không còn phải làm. Lý do: «{reason}».",
            )


def migration_plan(
    session: Session, runtime: WorkflowRuntime, instance_id: int, to_version: int
) -> MigrationPlan:
    return runtime.plan_migration(session, instance_id, _target(session, instance_id, to_version))


def migrate(
    session: Session, runtime: WorkflowRuntime, actor_id: int, instance_id: int, to_version: int, at: datetime
) -> None:
    """Move the instance to ``to_version`` when that is safe (MigrationRefused, with the
    reasons, otherwise; nothing changes then)."""
    change = runtime.migrate(session, instance_id, _target(session, instance_id, to_version), at)
    assert change.definition_before is not None, "a migration records the version it left"
    audit.record(
        session,
        at,
        actor_id,
        "instance.migrate",
        _subject(instance_id),
        before_version=_version_of(session, change.definition_before),
        after_version=to_version,
    )


def _target(session: Session, instance_id: int, version: int) -> ProcessDefinition:
    instance = _instance(session, instance_id)
    target = session.scalar(
        select(ProcessDefinition).where(
            ProcessDefinition.key == instance.process_key, ProcessDefinition.version == version
        )
    )
    if target is None:
        raise InvalidInput("version", f"quy trình {instance.process_key} không có phiên bản {version}")
    return target


def _version_of(session: Session, definition_id: int) -> int:
    return session.get_one(ProcessDefinition, definition_id).version


def _instance(session: Session, instance_id: int) -> ProcessInstance:
    instance = session.get(ProcessInstance, instance_id)
    if instance is None:
        raise NotFound(f"no instance {instance_id}")
    return instance


def _subject(instance_id: int) -> str:
    return f"process_instance:{instance_id}"
