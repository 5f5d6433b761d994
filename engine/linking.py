"""Linked instances: a call activity's children, their counters, and what the scheduler
delivers to a caller (docs/call-activities.md).

A caller's operation that opens a call activity starts its children (the first batch
in the same transaction, the others through the inbox); a child's end updates its
call's counter row, O(1), and only the end that completes the call (or meets its
completion condition) queues a join for the caller. Errors and escalations a child
throws and nothing in it catches are queued for the caller too. The scheduler
delivers each inbox row in one transaction with the caller's save, deleting it: a
crash before the commit leaves it to deliver again, one after leaves nothing, so the
caller steps exactly once.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, cast
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import (
    ErrorEventDefinition,
    EscalationEventDefinition,
)
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import CursorResult, Table, bindparam, delete, exists, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from engine import messaging, outbox
from engine.call_activity import CHILD_INPUTS, COUNTERS, CallSettings, LinkedCallActivity
from engine.connectors import PENDING_CALL, ConnectorTask
from engine.errors import ConcurrencyConflict, EngineError
from engine.messages import Message
from engine.models import CallActivity, CallInput, InstanceInbox, ProcessDefinition, ProcessInstance
from engine.outbox import OpenedConnectorCall
from engine.store import InstanceRecord
from engine.workflow_tasks import all_tasks, find_task, newest_data

if TYPE_CHECKING:
    from engine.runtime import InstanceChange, WorkflowRuntime

log = logging.getLogger(__name__)

# Children started per transaction: the first batch with the caller's step, the rest by
# the scheduler, so that no transaction grows with the size of a fan-out.
BATCH = 200
RUNNING, JOINING, JOINED, CANCELLED = "running", "joining", "joined", "cancelled"
# What the inbox holds.
START_BATCH, JOIN, ERROR, ESCALATION = "start_batch", "join", "error", "escalation"
SUSPEND_CHILDREN, RESUME_CHILDREN, CANCEL_CHILDREN = "suspend_children", "resume_children", "cancel_children"
# Deliveries that step the caller, which must be running to take them.
STEPS_CALLER = (JOIN, ERROR, ESCALATION, START_BATCH, messaging.MESSAGE, messaging.SIGNAL)


def _table(model) -> Table:
    return cast(Table, model.__table__)


CALL, CALL_INPUT, INBOX, INSTANCE = map(_table, (CallActivity, CallInput, InstanceInbox, ProcessInstance))


@dataclass(frozen=True)
class OpenedCall:
    task_id: str
    element: str
    settings: CallSettings
    children: list[dict]  # each child's {"data": ..., "lanes": ...}


@dataclass(frozen=True)
class Thrown:
    kind: str  # error | escalation
    code: str | None
    payload: dict


@dataclass
class Links:
    """What an operation changed in an instance's links to others."""

    opened: list[OpenedCall] = field(default_factory=list)
    closed: dict[str, bool] = field(default_factory=dict)  # calls that stopped waiting -> joined?
    thrown: list[Thrown] = field(default_factory=list)
    ended: bool = False  # a child whose end its call must count
    # Messages and signals thrown that nothing in the instance caught, and what it waits for
    # (engine.messaging).
    outbound: list[messaging.Outbound] = field(default_factory=list)
    waiting: list[messaging.Waiting] = field(default_factory=list)
    connector_calls: list[OpenedConnectorCall] = field(default_factory=list)  # engine.outbox


def links_of(workflow: BpmnWorkflow, waiting_before: frozenset[str]) -> Links:
    """Calls opened and closed by an operation, and the events its instance threw that
    nothing in it caught. Takes each opened call's child inputs out of the workflow,
    so they are never saved with it."""
    links = Links()
    waiting = set()
    for task in all_tasks(workflow):
        if isinstance(task.task_spec, LinkedCallActivity) and task.state == TaskState.STARTED:
            waiting.add(str(task.id))
            children = task.internal_data.pop(CHILD_INPUTS, None)
            if children is not None:
                spec = task.task_spec
                links.opened.append(OpenedCall(str(task.id), spec.bpmn_id, spec.settings, children))
        elif isinstance(task.task_spec, ConnectorTask) and task.state == TaskState.STARTED:
            call = task.internal_data.pop(PENDING_CALL, None)
            if call is not None:
                spec = task.task_spec
                title = spec.bpmn_name or spec.bpmn_id
                links.connector_calls.append(
                    OpenedConnectorCall(str(task.id), spec.bpmn_id, title, call["connector"], call["params"])
                )
    links.closed = {
        task_id: getattr(find_task(workflow, UUID(task_id)), "state", None) == TaskState.COMPLETED
        for task_id in sorted(waiting_before - waiting)
    }
    events = workflow.get_events()
    links.outbound = messaging.outbound_of(events)
    links.waiting = messaging.waiting_of(workflow)
    for event in events:
        definition = event.event_definition
        if isinstance(definition, (ErrorEventDefinition, EscalationEventDefinition)):
            kind = ERROR if isinstance(definition, ErrorEventDefinition) else ESCALATION
            # Without a payload expression, what the child knew when it threw.
            payload = newest_data(workflow) if event.payload is None else event.payload
            links.thrown.append(Thrown(kind, definition.code, payload))
    return links


def call_settings(session: Session, runtime: WorkflowRuntime, call_id: int) -> tuple[CallSettings, dict]:
    """A call's settings as its caller's version drew them, and its counter row."""
    row = session.execute(_CALL_ROW, {"b_call_id": call_id}).one()
    compiled = runtime.specs.by_id(session, row.parent_definition_id)
    return compiled.call_settings(row.element), dict(row._mapping)


def child_output(settings: CallSettings, workflow: BpmnWorkflow, evaluate) -> dict:
    """What a child that ended gives back to its caller."""
    data = newest_data(workflow)
    if settings.outputs:
        return {name: evaluate(expression, dict(data)) for name, expression in settings.outputs.items()}
    loop = settings.loop
    if loop is not None:
        return {loop.output_item: data.get(loop.output_item)} if loop.output_item else {}
    return data


# -- after an instance's save ---------------------------------------------------------


def after_write(runtime: WorkflowRuntime, session: Session, change: InstanceChange, links: Links) -> None:
    instance, at = change.instance, change.at
    started = change.cause == "start"
    messaging.after_write(runtime, session, instance, links.waiting, links.outbound, at, started)
    for call in links.opened:
        _open(runtime, session, instance, call, at)
    for task_id, joined in links.closed.items():
        _close(session, instance, task_id, joined, at)
    if links.connector_calls:  # an in-process one steps the instance again: after all the rest
        outbox.open_calls(runtime, session, instance, links.connector_calls, at)
    if instance.call_id is None or instance.parent_id is None:
        return
    for thrown in links.thrown:
        payload = {"code": thrown.code, "data": thrown.payload, "child_id": instance.id}
        enqueue(session, instance.parent_id, instance.call_id, thrown.kind, at, payload)
    if links.ended and not any(thrown.kind == ERROR for thrown in links.thrown):
        # Last: the counter row is locked from here to the commit, as briefly as can be.
        _count_end(runtime, session, instance, at)


def enqueue(
    session: Session, instance_id: int, call_id: int | None, kind: str, at: datetime, payload=None
) -> None:
    session.execute(
        insert(INBOX).values(
            instance_id=instance_id, call_id=call_id, kind=kind, payload=payload, created_at=at
        )
    )


def _open(runtime: WorkflowRuntime, session: Session, caller: InstanceRecord, call: OpenedCall, at) -> None:
    settings = call.settings
    definition = called_definition(session, settings)
    count = len(call.children)
    sequential = settings.loop is not None and settings.loop.sequential
    call_id = session.execute(
        insert(CALL)
        .values(
            parent_id=caller.saved_id,
            task_id=call.task_id,
            element=call.element,
            parent_definition_id=caller.definition_id,
            definition_id=definition.id,
            sequential=sequential,
            nr_instances=count,
            nr_started=0,
            nr_active=0,
            nr_completed=0,
            status=RUNNING,
            created_at=at,
        )
        .returning(CALL.c.id)
    ).scalar_one()
    first = 1 if sequential else BATCH
    if count > first:
        session.execute(
            insert(CALL_INPUT),
            [
                {"call_id": call_id, "child_index": index, "data": child}
                for index, child in enumerate(call.children)
                if index >= first
            ],
        )
        if not sequential:
            enqueue(session, caller.saved_id, call_id, START_BATCH, at)
    if count == 0:
        session.execute(update(CALL).where(CALL.c.id == call_id).values(status=JOINING))
        enqueue(session, caller.saved_id, call_id, JOIN, at)
        return
    _start(runtime, session, caller, call_id, definition, list(enumerate(call.children[:first])), at)


def called_definition(session: Session, settings: CallSettings) -> ProcessDefinition:
    query = select(ProcessDefinition).where(ProcessDefinition.key == settings.called_key)
    if settings.version is not None:
        query = query.where(ProcessDefinition.version == settings.version)
    definition = session.scalars(query.order_by(ProcessDefinition.version.desc()).limit(1)).first()
    if definition is None:
        if settings.version:
            raise EngineError(
                Message(
                    "version %(version)s of the called process «%(process)s» is not published",
                    version=settings.version,
                    process=settings.called_key,
                )
            )
        raise EngineError(
            Message("the called process «%(process)s» is not published", process=settings.called_key)
        )
    return definition


def _start(
    runtime: WorkflowRuntime,
    session: Session,
    caller: InstanceRecord,
    call_id: int,
    definition: ProcessDefinition,
    children: list[tuple[int, dict]],
    at: datetime,
) -> None:
    from engine.runtime import StartRequest

    session.execute(
        update(CALL)
        .where(CALL.c.id == call_id)
        .values(nr_started=CALL.c.nr_started + len(children), nr_active=CALL.c.nr_active + len(children))
    )
    requests = [
        StartRequest(
            child["data"],
            {**caller.lane_orgs, **child["lanes"]},
            child.get("business_key", caller.business_key),
            call=(call_id, index),
        )
        for index, child in children
    ]
    runtime.start_many(
        session, definition.key, requests, parent_id=caller.saved_id, at=at, definition=definition
    )


def _close(session: Session, caller: InstanceRecord, task_id: str, joined: bool, at: datetime) -> None:
    """A call that stopped waiting: joined, or cancelled (an interrupting boundary event,
    the caller cancelled). Its children still active are cancelled, in batches."""
    row = session.execute(select(CALL.c.id).where(CALL.c.task_id == task_id)).first()
    if row is None:
        return
    session.execute(update(CALL).where(CALL.c.id == row.id).values(status=JOINED if joined else CANCELLED))
    session.execute(delete(CALL_INPUT).where(CALL_INPUT.c.call_id == row.id))
    if _has_children(session, row.id, ("running", "suspended", "error")):
        enqueue(session, caller.saved_id, row.id, CANCEL_CHILDREN, at)


def _has_children(session: Session, call_id: int, statuses: tuple[str, ...]) -> bool:
    return bool(
        session.scalar(select(exists().where(INSTANCE.c.call_id == call_id, INSTANCE.c.status.in_(statuses))))
    )


def _count_end(runtime: WorkflowRuntime, session: Session, child: InstanceRecord, at: datetime) -> None:
    counted = session.execute(_COUNT_END, {"b_call_id": child.call_id}).first()
    if counted is None:
        return  # the call was cancelled or is joining: this end changes nothing
    call = counted._mapping
    caller_id = call["parent_id"]
    if call["nr_completed"] >= call["nr_instances"] or _condition_met(runtime, session, child, call):
        joining = cast(
            CursorResult,
            session.execute(
                update(CALL).where(CALL.c.id == call["id"], CALL.c.status == RUNNING).values(status=JOINING)
            ),
        )
        if joining.rowcount == 1:
            enqueue(session, caller_id, call["id"], JOIN, at)
    elif call["sequential"] and call["nr_active"] == 0:
        enqueue(session, caller_id, call["id"], START_BATCH, at)


def _condition_met(runtime: WorkflowRuntime, session: Session, child: InstanceRecord, call) -> bool:
    """The completion condition, with the counters and the ended child's items. A
    condition that fails to evaluate counts as not met (it is tried at publish)."""
    settings = runtime.specs.by_id(session, call["parent_definition_id"]).call_settings(call["element"])
    loop = settings.loop
    if loop is None or not loop.condition:
        return False
    scope = dict(child.call_output or {})
    scope.update(zip(COUNTERS, (call["nr_instances"], call["nr_active"], call["nr_completed"])))
    try:
        return bool(runtime.script_engine.environment.evaluate(loop.condition, scope))
    except Exception as error:  # noqa: BLE001 - see the docstring
        log.warning("call %s: completion condition %r failed: %s", call["id"], loop.condition, error)
        return False


# Built once: every child's end runs them (thousands at a cutoff).
_CALL_ROW = select(CALL).where(CALL.c.id == bindparam("b_call_id"))
_COUNT_END = (
    update(CALL)
    .where(CALL.c.id == bindparam("b_call_id"), CALL.c.status == RUNNING)
    .values(nr_active=CALL.c.nr_active - 1, nr_completed=CALL.c.nr_completed + 1)
    .returning(*CALL.c)
)


# -- the scheduler's deliveries -------------------------------------------------------


@dataclass
class InboxRun:
    delivered: int = 0
    conflicts: int = 0
    failed: int = 0


def deliver_inbox(
    sessions: sessionmaker, runtime: WorkflowRuntime, at: datetime, limit: int = 200
) -> InboxRun:
    """Deliver what the inbox holds for instances that can take it, oldest first, each
    row in a transaction of its own."""
    run = InboxRun()
    with sessions.begin() as session:
        messaging.drop_expired(session, at)
    with sessions() as session:
        rows = session.execute(
            select(INBOX.c.id, INBOX.c.instance_id, INBOX.c.kind)
            .join(INSTANCE, INSTANCE.c.id == INBOX.c.instance_id)
            .where((INSTANCE.c.status == "running") | INBOX.c.kind.not_in(STEPS_CALLER))
            .order_by(INBOX.c.id)
            .limit(limit)
        ).all()
    for row in rows:
        try:
            with sessions.begin() as session:
                if deliver(runtime, session, row.id, at):
                    run.delivered += 1
        except ConcurrencyConflict:
            run.conflicts += 1  # the caller changed meanwhile; the row waits for the next run
        except Exception as error:
            log.exception("instance %s: delivering %s failed", row.instance_id, row.kind)
            with sessions.begin() as session:
                session.execute(delete(INBOX).where(INBOX.c.id == row.id))
                runtime.park(
                    session,
                    row.instance_id,
                    Message("delivering %(kind)s failed: %(error)s", kind=row.kind, error=repr(error)),
                )
            run.failed += 1
    return run


def deliver(runtime: WorkflowRuntime, session: Session, inbox_id: int, at: datetime) -> bool:
    """Deliver one inbox row in the caller's transaction; False when another took it first."""
    row = session.execute(
        delete(INBOX).where(INBOX.c.id == inbox_id).returning(*INBOX.c)
    ).first()  # taken: another scheduler that took it first leaves nothing here
    if row is None:
        return False
    if row.kind == START_BATCH:
        _start_batch(runtime, session, row.call_id, at)
    elif row.kind in (SUSPEND_CHILDREN, RESUME_CHILDREN, CANCEL_CHILDREN):
        _cascade(runtime, session, row, at)
    elif row.kind in (messaging.MESSAGE, messaging.SIGNAL):
        runtime.deliver_event(session, row.instance_id, row.kind, row.payload, at)
    else:
        runtime.deliver_to_caller(session, row.instance_id, row.call_id, row.kind, row.payload or {}, at)
    return True


def _start_batch(runtime: WorkflowRuntime, session: Session, call_id: int, at: datetime) -> None:
    call = session.execute(select(CALL).where(CALL.c.id == call_id)).one()
    if call.status != RUNNING:
        return
    size = 1 if call.sequential else BATCH
    inputs = session.execute(
        select(CALL_INPUT.c.child_index, CALL_INPUT.c.data)
        .where(CALL_INPUT.c.call_id == call_id)
        .order_by(CALL_INPUT.c.child_index)
        .limit(size + 1)
    ).all()
    batch = [(row.child_index, row.data) for row in inputs[:size]]
    if not batch:
        return
    session.execute(
        delete(CALL_INPUT).where(CALL_INPUT.c.call_id == call_id, CALL_INPUT.c.child_index <= batch[-1][0])
    )
    caller = runtime.instance_record(session, call.parent_id)
    definition = session.get(ProcessDefinition, call.definition_id)
    assert definition is not None, "a definition is never deleted"
    if len(inputs) > size and not call.sequential:
        enqueue(session, caller.saved_id, call_id, START_BATCH, at)
    _start(runtime, session, caller, call_id, definition, batch, at)


_CASCADE = {
    SUSPEND_CHILDREN: ("suspend", ("running",)),
    RESUME_CHILDREN: ("resume", ("suspended",)),
    CANCEL_CHILDREN: ("cancel", ("running", "suspended", "error")),
}


def _cascade(runtime: WorkflowRuntime, session: Session, row, at: datetime) -> None:
    """Suspend, resume or cancel a batch of children (of one call, or of every call of
    an instance); queue the next batch if more remain."""
    operation, statuses = _CASCADE[row.kind]
    query = select(INSTANCE.c.id).where(INSTANCE.c.status.in_(statuses))
    if row.call_id is not None:
        query = query.where(INSTANCE.c.call_id == row.call_id)
    else:
        calls = select(CALL.c.id).where(CALL.c.parent_id == row.instance_id)
        query = query.where(INSTANCE.c.call_id.in_(calls))
    children = session.scalars(query.order_by(INSTANCE.c.id).limit(BATCH + 1)).all()
    for child_id in children[:BATCH]:
        getattr(runtime, operation)(session, child_id, at)
    if len(children) > BATCH:
        enqueue(session, row.instance_id, row.call_id, row.kind, at)


def cascade_to_children(session: Session, instance_id: int, kind: str, at: datetime) -> None:
    """Queue an administrator's suspend or resume for the children of an instance's calls."""
    active = select(exists().where(CALL.c.parent_id == instance_id, CALL.c.status.in_((RUNNING, JOINING))))
    if session.scalar(active):
        enqueue(session, instance_id, None, kind, at)


# -- in the caller, when a delivery steps it -------------------------------------------


def join(session: Session, workflow: BpmnWorkflow, call_id: int) -> None:
    """Complete the call's waiting task with what its children gave back: gathered
    once, here, in the children's order."""
    call = session.execute(select(CALL).where(CALL.c.id == call_id)).one()
    task = find_task(workflow, UUID(call.task_id))
    if task is None or task.state != TaskState.STARTED:
        return  # cancelled meanwhile (an interrupting event came first)
    settings: CallSettings = task.task_spec.settings
    outputs = session.execute(
        select(INSTANCE.c.call_output)
        .where(INSTANCE.c.call_id == call_id, INSTANCE.c.status == "completed")
        .order_by(INSTANCE.c.child_index)
    ).scalars()
    loop = settings.loop
    if loop is None:
        for output in outputs:
            task.data.update(output or {})
    else:
        if loop.output_collection:
            task.data[loop.output_collection] = [(output or {}).get(loop.output_item) for output in outputs]
        task.data.update(zip(COUNTERS, (call.nr_instances, call.nr_active, call.nr_completed)))
    task.complete()


def catch_thrown(session: Session, workflow: BpmnWorkflow, call_id: int, kind: str, payload: dict) -> bool:
    """Deliver a child's error or escalation to the boundary events of its call
    activity. Whether one caught it."""
    task_id = session.scalar(select(CALL.c.task_id).where(CALL.c.id == call_id))
    task = find_task(workflow, UUID(task_id)) if task_id else None
    if task is None or task.state != TaskState.STARTED:
        return False
    return catch_at(task, kind, payload)


def catch_at(task, kind: str, payload: dict) -> bool:
    """Deliver an error or escalation thrown at a waiting task (a call activity, a service
    task) to its boundary events: the first whose code matches (or that names none)
    catches it, with the payload's data. Whether one caught it."""
    kind_class = ErrorEventDefinition if kind == ERROR else EscalationEventDefinition
    code = payload.get("code")
    catching = [
        boundary
        for boundary in (task.parent.children if task.parent else [])
        if isinstance(boundary.task_spec, BoundaryEvent)
        and boundary.state == TaskState.WAITING
        and isinstance(boundary.task_spec.event_definition, kind_class)
        and boundary.task_spec.event_definition.code in (None, "", code)
    ]
    for boundary in catching[:1]:
        definition, data = boundary.task_spec.event_definition, payload.get("data") or {}
        boundary.task_spec.catch(boundary, BpmnEvent(definition, data))
        boundary.task_spec._update(boundary)
        if getattr(definition, "variable", None) is None:
            # SpiffWorkflow gives the payload only to an event that names a variable for
            # it; here the path after the boundary event sees the child's data in any case.
            boundary.data.update(data)
    return bool(catching)
