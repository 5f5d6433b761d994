"""Dry runs: before publishing a changed process, an administrator runs its draft with the
example start data and sees what would happen: the path taken, the tasks that would open,
the timers that would be set, the messages that would be sent, the cases and connector
calls it would start. Everything runs for real, in a savepoint that is rolled back at
the end, so nothing of it stays (docs/dry-runs.md)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import dry_run as recording_of, linking
from engine.definitions import Bundle, all_task_specs, latest_definition, publish
from engine.errors import EngineError, FormInvalid, NotFound
from engine.inspection import instance_state
from engine.messages import Message
from engine.models import ConnectorCall, HumanTask, InstanceInbox, ProcessInstance
from engine.runtime import StartRequest, WorkflowRuntime
from services.identity import task_roles
from services.process_admin._models import ProcessDraft

MAX_STEPS = 20
# Deliveries between the run's own cases (a child's end joining its caller...) per step;
# a model that keeps messaging itself stops there.
MAX_DELIVERIES = 100
MAX_LISTED = 100  # tasks, timers, cases: the first ones, with the total


@dataclass(frozen=True)
class Step:
    """Complete the open user task ``element`` with ``data``, as a person would."""

    element: str
    data: dict


@dataclass(frozen=True)
class OpenTask:
    process_key: str
    element: str
    title: str
    lane: str
    due_at: datetime | None


@dataclass(frozen=True)
class Timer:
    process_key: str
    element: str
    label: str
    due_at: datetime


@dataclass(frozen=True)
class SentMessage:
    kind: str  # message | signal
    name: str
    payload: dict
    outcome: str  # engine.dry_run.Sent


@dataclass(frozen=True)
class StartedCase:
    process_key: str
    status: str


@dataclass(frozen=True)
class ConnectorUse:
    element: str
    title: str
    connector: str
    target: str | None
    status: str


@dataclass(frozen=True)
class DryRunReport:
    key: str
    version: int  # the version the draft would be published as
    status: str  # the draft's case at the end: running | completed | error
    error: str | None  # why it stopped in error, worded (engine.messages.stored_text)
    refusals: list[Message]  # a step refused: nothing of that step ran
    steps_done: int
    # The rest is empty for a run refused at its start.
    completed: list[str] = field(default_factory=list)  # the draft's elements passed, waiting, failed
    current: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    tasks: list[OpenTask] = field(default_factory=list)
    task_count: int = 0
    timers: list[Timer] = field(default_factory=list)
    messages: list[SentMessage] = field(default_factory=list)
    cases: list[StartedCase] = field(default_factory=list)  # a call's children, a message's receiver...
    case_count: int = 0
    connector_calls: list[ConnectorUse] = field(default_factory=list)


def dry_run(
    session: Session,
    runtime: WorkflowRuntime,
    key: str,
    steps: list[Step],
    at: datetime,
    data: dict | None = None,
) -> DryRunReport:
    """Run the saved draft of ``key`` (the newest version when there is none) from its
    start with ``data`` (by default its example start data), then each step in turn. The
    draft is checked as publishing checks it (DefinitionRejected). Nothing is kept."""
    bundle = _bundle(session, key)
    savepoint = session.begin_nested()
    definition, created = None, False
    try:
        definition, created = publish(
            session, bundle, at, runtime.helpers, set(task_roles()), runtime.contracts, runtime.connectors
        )
        start = data if data is not None else dict(bundle.meta.get("start_data_example") or {})
        with recording_of.recording() as recording:
            refusals, done = _run(session, runtime, definition, start, steps[:MAX_STEPS], at, recording)
        return _report(session, runtime, definition, recording, refusals, done)
    finally:
        savepoint.rollback()
        if created and definition is not None:
            runtime.specs.forget(definition.id)


def _bundle(session: Session, key: str) -> Bundle:
    draft = session.get(ProcessDraft, key)
    if draft is not None:
        return Bundle(key, draft.bpmn_xml.encode("utf-8"), draft.forms, draft.meta, draft.decisions)
    latest = latest_definition(session, key)
    if latest is None:
        raise NotFound(Message("There is no process «%(process)s».", process=key))
    return Bundle(key, latest.bpmn_xml.encode("utf-8"), latest.forms, latest.meta, latest.decisions)


def _run(session, runtime, definition, data, steps, at, recording) -> tuple[list[Message], int]:
    """Start, then the steps; a refusal ends the run where it happened."""
    start = StartRequest(data, {})
    refused = _attempt(
        session,
        recording,
        lambda: runtime.start_many(session, definition.key, [start], at=at, definition=definition),
    )
    if refused is not None:
        return _refusal(Message("The start"), refused), 0
    _deliver_own(session, runtime, recording, at)
    for number, step in enumerate(steps, start=1):
        task = _open_task(session, recording.instance_ids, step.element)
        where = Message("Step %(number)s («%(task)s»)", number=number, task=step.element)
        if task is None:
            return [Message("%(where)s: no such task is open at this point.", where=where)], number - 1
        refused = _attempt(
            session,
            recording,
            lambda task_id=task.id, data=step.data: runtime.complete_task(
                session, task_id, data, user_id=None, at=at
            ),
        )
        if refused is not None:
            return _refusal(where, refused), number - 1
        _deliver_own(session, runtime, recording, at)
    return [], len(steps)


def _attempt(session: Session, recording, operation) -> EngineError | None:
    """Run one operation as the product would: refused, nothing of it stays (unless the
    refusal says what came before stands, as timers fired before a late completion)."""
    instances, sent = len(recording.instance_ids), len(recording.sent)
    savepoint = session.begin_nested()
    try:
        operation()
    except EngineError as error:
        if error.keeps_changes:
            savepoint.commit()
        else:
            savepoint.rollback()
            del recording.instance_ids[instances:], recording.sent[sent:]
        return error
    savepoint.commit()
    return None


def _refusal(where: Message, error: EngineError) -> list[Message]:
    problems = [error.message]
    if isinstance(error, FormInvalid):  # each field's problem names the field by its label
        problems = [problem.message for problem in error.errors]
    return [Message("%(where)s: %(problem)s", where=where, problem=problem) for problem in problems]


def _open_task(session: Session, instance_ids: list[int], element: str) -> HumanTask | None:
    return session.scalars(
        select(HumanTask)
        .where(
            HumanTask.instance_id.in_(instance_ids),
            HumanTask.task_name == element,
            HumanTask.status == "ready",
        )
        .order_by(HumanTask.instance_id, HumanTask.created_at)
        .limit(1)
    ).first()


def _deliver_own(session: Session, runtime: WorkflowRuntime, recording, at: datetime) -> None:
    """What the scheduler would deliver between the run's own cases (a child's end to its
    caller, a batch of children), at once; what goes to real cases is only reported."""
    for _ in range(MAX_DELIVERIES):
        inbox_id = session.scalar(
            select(InstanceInbox.id)
            .where(InstanceInbox.instance_id.in_(recording.instance_ids))
            .order_by(InstanceInbox.id)
            .limit(1)
        )
        if inbox_id is None:
            return
        delivery = _attempt(
            session, recording, lambda row=inbox_id: linking.deliver(runtime, session, row, at)
        )
        if delivery is not None:
            return  # refused: the case stays as it was, the report says where it stands


def _report(session, runtime, definition, recording, refusals, done) -> DryRunReport:
    ids = recording.instance_ids
    if not ids:  # refused at the start
        return DryRunReport(definition.key, definition.version, "refused", None, refusals, 0)
    root_id, others = ids[0], ids[1:]
    root = session.get_one(ProcessInstance, root_id)
    state = instance_state(session, runtime, root_id)
    tasks = session.scalars(
        select(HumanTask)
        .where(HumanTask.instance_id.in_(ids), HumanTask.status == "ready")
        .order_by(HumanTask.instance_id, HumanTask.created_at)
    ).all()
    cases = session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(others))).all()
    calls = session.scalars(
        select(ConnectorCall).where(ConnectorCall.instance_id.in_(ids)).order_by(ConnectorCall.id)
    ).all()
    return DryRunReport(
        key=definition.key,
        version=definition.version,
        status=root.status,
        error=root.worded_error,
        refusals=refusals,
        steps_done=done,
        completed=state.completed,
        current=state.current,
        failed=state.failed,
        tasks=[OpenTask(t.process_key, t.task_name, t.title, t.lane, t.due_at) for t in tasks[:MAX_LISTED]],
        task_count=len(tasks),
        timers=_timers(session, runtime, [root_id, *others][:MAX_LISTED]),
        messages=[SentMessage(s.kind, s.name, s.payload, s.outcome) for s in recording.sent],
        cases=[StartedCase(case.process_key, case.status) for case in cases[:MAX_LISTED]],
        case_count=len(cases),
        connector_calls=[ConnectorUse(c.element, c.title, c.connector, c.target, c.status) for c in calls],
    )


def _timers(session: Session, runtime: WorkflowRuntime, instance_ids: list[int]) -> list[Timer]:
    timers = []
    for instance_id in instance_ids:
        instance = session.get_one(ProcessInstance, instance_id)
        if instance.status not in ("running", "suspended"):
            continue
        labels = _labels(session, runtime, instance.definition_id)
        for element, due in instance_state(session, runtime, instance_id).timers:
            timers.append(Timer(instance.process_key, element, labels.get(element) or element, due))
    return sorted(timers, key=lambda timer: timer.due_at)[:MAX_LISTED]


def _labels(session: Session, runtime: WorkflowRuntime, definition_id: int) -> dict[str, str]:
    compiled = runtime.specs.by_id(session, definition_id)
    return {spec.bpmn_id: spec.bpmn_name for spec in all_task_specs(compiled) if spec.bpmn_id}
