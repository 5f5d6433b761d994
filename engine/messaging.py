"""Messages and signals between instances (docs/events.md).

Each instance's waiting message and signal catches are mirrored in message_subscription
at every save, so a sender finds its receivers by an indexed query, never by loading
instances. What an operation throws and nothing inside its instance catches is routed
in the sender's transaction: a message to the oldest matching subscription (an inbox
row), else to a published process whose start event catches it (a new instance), else
buffered when its bpmn:message declares a buffer, else refused; a signal to every
waiting subscription of its name in one INSERT...SELECT, and to signal start events.
The scheduler delivers the inbox rows (engine.linking), exactly once.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import SignalEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Table, bindparam, delete, func, insert, literal, null, select
from sqlalchemy.orm import Session

from engine import dry_run
from engine.db import JSONDocument
from engine.errors import EngineError
from engine.messages import Message
from engine.models import BufferedMessage, InstanceInbox, MessageSubscription, ProcessDefinition
from engine.store import InstanceRecord
from engine.xml_safety import parse_untrusted_xml

if TYPE_CHECKING:
    from engine.runtime import WorkflowRuntime

log = logging.getLogger(__name__)

MESSAGE, SIGNAL = "message", "signal"
SUBSCRIPTION, BUFFERED, INBOX = (
    cast(Table, model.__table__) for model in (MessageSubscription, BufferedMessage, InstanceInbox)
)
# Statuses whose instance may still catch: an instance suspended or in error keeps its
# subscriptions, and its inbox rows wait until it runs again.
KEEPS_SUBSCRIPTIONS = ("running", "suspended", "error")
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
SPIFF = "{http://spiffworkflow.org/bpmn/schema/1.0/core}"


@dataclass(frozen=True)
class Waiting:
    kind: str
    name: str
    correlation: str
    task_id: str


@dataclass(frozen=True)
class Outbound:
    kind: str
    name: str
    payload: dict
    correlations: dict


def canonical(correlations: dict) -> str:
    """One string for a set of correlation values: equal values, equal strings."""
    return (
        json.dumps(correlations, sort_keys=True, separators=(",", ":"), default=str) if correlations else ""
    )


def _plain(value) -> dict:
    return json.loads(json.dumps(value or {}, default=str))


def _kind(definition) -> str | None:
    if isinstance(definition, MessageEventDefinition):
        return MESSAGE
    if isinstance(definition, SignalEventDefinition):
        return SIGNAL
    return None


def _caught(task) -> list[tuple[str, Any]]:
    """The messages and signals a waiting task catches, with their kind: an event-based
    gateway waits for several events at once (a MultipleEventDefinition)."""
    if task.has_state(TaskState.FINISHED_MASK):
        return []
    definition = task.task_spec.event_definition
    every = definition.event_definitions if isinstance(definition, MultipleEventDefinition) else [definition]
    return [(kind, each) for each in every if (kind := _kind(each)) is not None]


def _receiver_correlations(workflow: BpmnWorkflow, task, definition: MessageEventDefinition) -> dict:
    """The values a waiting message catch correlates on: its message's retrieval
    expressions evaluated on the waiting task's data. One that cannot be evaluated
    (the variable is not there yet) leaves the catch uncorrelated."""
    try:
        return definition.calculate_correlations(
            workflow.script_engine, definition.correlation_properties, dict(task.data)
        )
    except Exception:  # noqa: BLE001 - see the docstring
        return {}


def waiting_of(workflow: BpmnWorkflow) -> list[Waiting]:
    """The instance's waiting message and signal catches."""
    waiting = {
        Waiting(
            kind,
            definition.name,
            canonical(_receiver_correlations(workflow, task, definition)) if kind == MESSAGE else "",
            str(task.id),
        )
        for task in workflow.event_manager.tasks.values()
        for kind, definition in _caught(task)
    }
    return sorted(waiting, key=lambda each: (each.kind, each.name, each.task_id))


def outbound_of(events: list[BpmnEvent]) -> list[Outbound]:
    """The messages and signals among the events an instance threw and did not catch."""
    return [
        Outbound(kind, event.event_definition.name, _plain(event.payload), _plain(event.correlations))
        for event in events
        if (kind := _kind(event.event_definition)) is not None
    ]


# -- at every save ----------------------------------------------------------------------


def after_write(
    runtime: WorkflowRuntime,
    session: Session,
    instance: InstanceRecord,
    waiting: list[Waiting],
    outbound: list[Outbound],
    at: datetime,
    started: bool,
) -> None:
    _sync(session, instance, waiting if instance.status in KEEPS_SUBSCRIPTIONS else [], at, started)
    for each in outbound:
        if each.kind == MESSAGE:
            outcome = route_message(runtime, session, each, at, instance)
        else:
            broadcast_signal(runtime, session, each, at, instance)
            outcome = "broadcast"
        recording = dry_run.current()
        if recording is not None:
            recording.sent.append(dry_run.Sent(each.kind, each.name, each.payload, outcome, instance.id))


# Built once: building a statement costs more than running it (see engine.store), and
# these run at every save of an instance that waits for a message.
_SUBSCRIPTIONS_OF = select(SUBSCRIPTION).where(SUBSCRIPTION.c.instance_id == bindparam("b_instance_id"))
_INSERT_SUBSCRIPTIONS = insert(SUBSCRIPTION)
_DELETE_SUBSCRIPTIONS = delete(SUBSCRIPTION).where(SUBSCRIPTION.c.id.in_(bindparam("b_ids", expanding=True)))
_TAKE_BUFFERED = (
    delete(BUFFERED)
    .where(
        BUFFERED.c.id
        == select(BUFFERED.c.id)
        .where(
            BUFFERED.c.name == bindparam("b_name"),
            BUFFERED.c.correlation == bindparam("b_correlation"),
            BUFFERED.c.expires_at > bindparam("b_at"),
        )
        .order_by(BUFFERED.c.id)
        .limit(1)
        .scalar_subquery()
    )
    .returning(BUFFERED.c.payload, BUFFERED.c.correlations)
)


def _sync(
    session: Session, instance: InstanceRecord, waiting: list[Waiting], at: datetime, started: bool
) -> None:
    """Rewrite the instance's subscriptions only where they changed; a new message
    subscription takes a buffered message that matches it."""
    existing = (
        {}
        if started
        else {
            Waiting(row.kind, row.name, row.correlation, row.task_id): row.id
            for row in session.execute(_SUBSCRIPTIONS_OF, {"b_instance_id": instance.saved_id})
        }
    )
    wanted = set(waiting)
    gone = [row_id for each, row_id in existing.items() if each not in wanted]
    if gone:
        session.execute(_DELETE_SUBSCRIPTIONS, {"b_ids": gone})
    added = [each for each in waiting if each not in existing]
    if not added:
        return
    session.execute(
        _INSERT_SUBSCRIPTIONS,
        [
            {
                "instance_id": instance.saved_id,
                "kind": each.kind,
                "name": each.name,
                "correlation": each.correlation,
                "task_id": each.task_id,
                "created_at": at,
            }
            for each in added
        ],
    )
    for each in added:
        if each.kind == MESSAGE:
            _take_buffered(session, instance.saved_id, each, at)


def _take_buffered(session: Session, instance_id: int, waiting: Waiting, at: datetime) -> None:
    row = session.execute(
        _TAKE_BUFFERED, {"b_name": waiting.name, "b_correlation": waiting.correlation, "b_at": at}
    ).first()
    if row is not None:
        _enqueue(session, instance_id, MESSAGE, waiting.name, row.payload, row.correlations, at)
        session.execute(delete(SUBSCRIPTION).where(SUBSCRIPTION.c.task_id == waiting.task_id))


def _enqueue(
    session: Session, instance_id: int, kind: str, name: str, payload: dict, correlations: dict, at: datetime
) -> None:
    session.execute(
        insert(INBOX).values(
            instance_id=instance_id,
            call_id=None,
            kind=kind,
            payload={"name": name, "payload": payload, "correlations": correlations},
            created_at=at,
        )
    )


# -- routing ----------------------------------------------------------------------------


def route_message(
    runtime: WorkflowRuntime,
    session: Session,
    message: Outbound,
    at: datetime,
    sender: InstanceRecord | None = None,
) -> str:
    """Route one message; what became of it: delivered | started | outside | buffered. Raises
    EngineError when nothing takes it and its declaration does not buffer it."""
    receiver = session.execute(
        select(SUBSCRIPTION.c.id, SUBSCRIPTION.c.instance_id)
        .where(
            SUBSCRIPTION.c.kind == MESSAGE,
            SUBSCRIPTION.c.name == message.name,
            SUBSCRIPTION.c.correlation == canonical(message.correlations),
        )
        .order_by(SUBSCRIPTION.c.created_at, SUBSCRIPTION.c.id)
        .limit(1)
    ).first()
    if receiver is not None:
        # Taken: a second message of the same name waits for the receiver's next save.
        session.execute(delete(SUBSCRIPTION).where(SUBSCRIPTION.c.id == receiver.id))
        _enqueue(
            session, receiver.instance_id, MESSAGE, message.name, message.payload, message.correlations, at
        )
        return "delivered"
    if _start_catchers(runtime, session, message, at, sender, first_only=True):
        return "started"
    buffer, leaves = declaration_of(session, message.name, sender)
    if leaves:
        log.info("message %r left the product (its receiver has no process here)", message.name)
        return "outside"
    if buffer is None:
        raise EngineError(
            Message(
                "No case waits for the message «%(message)s», and its declaration does not keep it "
                "(add a buffer to the message to keep it until a case waits for it).",
                message=message.name,
            )
        )
    session.execute(
        insert(BUFFERED).values(
            name=message.name,
            correlation=canonical(message.correlations),
            correlations=message.correlations,
            payload=message.payload,
            created_at=at,
            expires_at=at + TimerEventDefinition.get_timedelta_from_start(buffer, at),
        )
    )
    return "buffered"


def broadcast_signal(
    runtime: WorkflowRuntime, session: Session, signal: Outbound, at: datetime, sender: InstanceRecord | None
) -> None:
    """One inbox row for every instance waiting for the signal, in one statement, and a
    new instance of every published process whose start event catches it."""
    payload = {"name": signal.name, "payload": signal.payload, "correlations": {}}
    receivers = (
        select(
            SUBSCRIPTION.c.instance_id,
            null(),
            literal(SIGNAL),
            literal(payload, JSONDocument),
            literal(at, SUBSCRIPTION.c.created_at.type),
        )
        .where(SUBSCRIPTION.c.kind == SIGNAL, SUBSCRIPTION.c.name == signal.name)
        .group_by(SUBSCRIPTION.c.instance_id)
    )
    if sender is not None and sender.id is not None:
        receivers = receivers.where(SUBSCRIPTION.c.instance_id != sender.id)
    session.execute(
        insert(INBOX).from_select(["instance_id", "call_id", "kind", "payload", "created_at"], receivers)
    )
    _start_catchers(runtime, session, signal, at, sender, first_only=False)


def _start_catchers(
    runtime: WorkflowRuntime,
    session: Session,
    event: Outbound,
    at: datetime,
    sender: InstanceRecord | None,
    first_only: bool,
) -> bool:
    """Start an instance of each published process (the first only, for a message) whose
    start event catches the event; it catches it at once, with the event's payload as its
    start data. The sender's lanes are inherited, as a call activity's children inherit
    them, except those a capability resolves for the process (engine.reactions.LaneSource)."""
    from engine.runtime import StartRequest

    started = False
    for definition in _latest_definitions(session):
        spec = runtime.specs.get(definition).spec
        catching = any(
            isinstance(task_spec, StartEvent)
            and _kind(task_spec.event_definition) == event.kind
            and task_spec.event_definition.name == event.name
            for task_spec in spec.task_specs.values()
        )
        if not catching:
            continue
        lanes = {
            **(sender.lane_orgs if sender else {}),
            **runtime.reactions.start_lanes(session, definition.key, event.payload),
        }
        request = StartRequest(
            dict(event.payload),
            lanes,
            sender.business_key if sender else None,
            caught=(
                event.kind,
                {"name": event.name, "payload": event.payload, "correlations": event.correlations},
            ),
        )
        parent_id = sender.id if sender else None  # the instance viewer links the case to its sender
        runtime.start_many(
            session, definition.key, [request], parent_id=parent_id, at=at, definition=definition
        )
        started = True
        if first_only:
            break
    return started


def _latest_definitions(session: Session) -> list[ProcessDefinition]:
    newest = (
        select(ProcessDefinition.key, func.max(ProcessDefinition.version).label("version"))
        .group_by(ProcessDefinition.key)
        .subquery()
    )
    return list(
        session.scalars(
            select(ProcessDefinition)
            .join(
                newest,
                (ProcessDefinition.key == newest.c.key) & (ProcessDefinition.version == newest.c.version),
            )
            .order_by(ProcessDefinition.key)
        )
    )


# What each version declares of its messages, by the checksum of its BPMN (what it is
# computed from): each message's buffer (a parsed ISO 8601 duration) and the messages
# that leave the product.
_DECLARED: dict[str, tuple[dict[str, dict | None], set[str]]] = {}
# <spiffworkflow:property name="receiver" value="outside"/> on a bpmn:message: its
# receiver is a party with no process here (a citizen, another agency; a black-box pool).
RECEIVER, OUTSIDE = "receiver", "outside"


def declaration_of(session: Session, name: str, sender: InstanceRecord | None) -> tuple[dict | None, bool]:
    """What the sender's version declares of a message nothing waits for (for a message
    from outside, any published process that declares it): how long it is kept (None
    refuses it) and whether it leaves the product."""
    definitions = (
        [session.get_one(ProcessDefinition, sender.definition_id)]
        if sender is not None
        else _latest_definitions(session)
    )
    for definition in definitions:
        if definition.sha256 not in _DECLARED:
            root = parse_untrusted_xml(definition.bpmn_xml.encode("utf-8"))
            buffers = {key: _duration(value) for key, value in declared(root, "buffer").items()}
            leaving = {key for key, value in declared(root, RECEIVER).items() if value == OUTSIDE}
            _DECLARED[definition.sha256] = (buffers, leaving)
        buffers, leaving = _DECLARED[definition.sha256]
        if buffers.get(name) is not None or name in leaving:
            return buffers.get(name), name in leaving
    return None, False


def declared(root, property_name: str) -> dict[str, str]:
    """Each bpmn:message that declares the property, and its value as written."""
    return {
        message.get("name") or message.get("id") or "": prop.get("value") or ""
        for message in root.iter(f"{BPMN}message")
        for prop in message.iter(f"{SPIFF}property")
        if prop.get("name") == property_name
    }


def _duration(value: str) -> dict | None:
    try:
        return TimerEventDefinition.parse_iso_duration(value)
    except Exception:  # noqa: BLE001 - SpiffWorkflow raises a bare Exception
        return None


def invalid_buffers(root) -> list[tuple[str, str]]:
    """The messages whose buffer is not an ISO 8601 duration (refused at publish)."""
    return [(name, value) for name, value in declared(root, "buffer").items() if _duration(value) is None]


def drop_expired(session: Session, at: datetime) -> int:
    expired = session.execute(
        delete(BUFFERED).where(BUFFERED.c.expires_at <= at).returning(BUFFERED.c.name)
    ).all()
    for row in expired:
        log.info("buffered message %r expired: dropped", row.name)
    return len(expired)


# -- delivery, in the receiver ------------------------------------------------------------


def catch(workflow: BpmnWorkflow, kind: str, delivered: dict) -> bool:
    """Give a delivered message or signal to the waiting catch it is for. Whether one
    still waited for it."""
    name, correlations = delivered["name"], delivered.get("correlations") or {}
    for task in list(workflow.event_manager.tasks.values()):
        for caught_kind, definition in _caught(task):
            if caught_kind != kind or definition.name != name:
                continue
            if kind == MESSAGE:
                if canonical(_receiver_correlations(workflow, task, definition)) != canonical(correlations):
                    continue
                # SpiffWorkflow checks a message's values against the instance's: this
                # catch matched on them, so they become the instance's.
                workflow.correlations.update(correlations)
            try:
                workflow.send_event(BpmnEvent(definition, delivered.get("payload") or {}, correlations))
            except WorkflowException:
                continue
            return True
    return False


def not_waiting(
    runtime: WorkflowRuntime, session: Session, instance_id: int, kind: str, delivered: dict, at
) -> None:
    """A delivery its receiver no longer waits for: a message is routed again (buffered
    or dropped), a signal is dropped."""
    if kind == SIGNAL:
        log.info("instance %s no longer waits for the signal %r: dropped", instance_id, delivered["name"])
        return
    message = Outbound(
        MESSAGE, delivered["name"], delivered.get("payload") or {}, delivered.get("correlations") or {}
    )
    try:
        route_message(runtime, session, message, at)
    except EngineError:
        log.info("instance %s no longer waits for the message %r: dropped", instance_id, message.name)
