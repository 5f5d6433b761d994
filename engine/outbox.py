"""Connector calls: recorded in the step that made them, run in-process at once or, when
they leave the product, performed by the scheduler through an outbox (docs/connectors.md).

An outbound call is leased (``leased_until``) and counted as an attempt before it is
performed, with no transaction open during the call; its answer is stored first and
delivered to the instance after, in a transaction of its own that also marks the call
done: a scheduler killed during the call leaves a lease that expires, and the next one
performs the call again with the same idempotency key; an answer is delivered once.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, cast

from sqlalchemy import Table, and_, insert, null, or_, select, update
from sqlalchemy.orm import Session

from engine.connectors import CallContext, Connector, ConnectorError, checked_params
from engine.messages import Message
from engine.models import ConnectorCall

if TYPE_CHECKING:
    from engine.runtime import WorkflowRuntime
    from engine.store import InstanceRecord

CALLS = cast(Table, ConnectorCall.__table__)
PENDING, ANSWERED, DONE, FAILED = "pending", "answered", "done", "failed"
MAX_ERROR = 1000


@dataclass(frozen=True)
class OpenedConnectorCall:
    task_id: str
    element: str
    title: str
    connector: str
    params: dict


@dataclass(frozen=True)
class RetryPolicy:
    """How an outbound call is tried: ``attempts`` in all, the n-th retry ``base * 2**(n-1)``
    after the previous attempt, each attempt at most ``timeout`` seconds."""

    attempts: int = 5
    base: timedelta = timedelta(seconds=30)
    timeout: float = 10.0
    lease: timedelta = timedelta(seconds=60)

    def delay(self, attempt: int) -> timedelta:
        return self.base * (2 ** max(0, attempt - 1))


class RetryLater(Exception):
    """An outbound attempt failed in a way that may pass (no answer, a 5xx, a 429)."""


def open_calls(
    runtime: WorkflowRuntime,
    session: Session,
    instance: InstanceRecord,
    calls: list[OpenedConnectorCall],
    at: datetime,
) -> None:
    """Record each call the step made; run the in-process ones now, in this transaction,
    and step the instance on with each answer."""
    for call in calls:
        connector = runtime.connectors.get(call.connector)
        outbound = connector is not None and connector.outbound
        call_id = session.execute(
            insert(CALLS)
            .values(
                instance_id=instance.saved_id,
                task_id=call.task_id,
                element=call.element,
                title=call.title[:300],
                connector=call.connector,
                target=_target(connector, call.params) if connector else None,
                status=PENDING,
                idempotency_key=str(uuid.uuid4()),
                params=call.params,
                attempts=0,
                next_attempt_at=at if outbound else None,
                created_at=at,
            )
            .returning(CALLS.c.id)
        ).scalar_one()
        if not outbound:
            _run_in_process(runtime, session, instance.saved_id, call_id, connector, at)


def _target(connector: Connector, params: Mapping) -> str | None:
    """What the history names as the call's target: never a secret or a value, only a
    role, a template or an endpoint's host (see Connector.target)."""
    return connector.target(params) if connector.target is not None else None


def _run_in_process(
    runtime: WorkflowRuntime,
    session: Session,
    instance_id: int,
    call_id: int,
    connector: Connector | None,
    at,
) -> None:
    """An unknown connector (a version published before it was removed) fails the call."""
    row = session.execute(select(CALLS).where(CALLS.c.id == call_id)).one()
    started = time.perf_counter()
    try:
        if connector is None or connector.run is None:
            raise ConnectorError(Message("the connector «%(name)s» does not exist", name=row.connector))
        params = checked_params(connector, row.params or {})
        answer = connector.run(CallContext(session, instance_id, call_id, row.idempotency_key, at), params)
    except ConnectorError as error:
        _finish(session, call_id, FAILED, None, error.message, started, at)
        runtime.deliver_connector_answer(session, call_id, at)
        return
    _finish(session, call_id, ANSWERED, answer or {}, None, started, at)
    runtime.deliver_connector_answer(session, call_id, at)


def _finish(session, call_id, status, answer, error, started: float, at, attempts=None) -> None:
    values = {
        "status": status,
        "answer": answer,
        "last_error": str(error)[:MAX_ERROR] if error is not None else None,
        "duration_ms": int((time.perf_counter() - started) * 1000),
        "finished_at": at,
        "leased_until": None,
        "next_attempt_at": None,
    }
    query = update(CALLS).where(CALLS.c.id == call_id)
    if attempts is not None:  # only while our lease holds: no one else took it since
        query = query.where(CALLS.c.attempts == attempts, CALLS.c.status == PENDING)
    session.execute(query.values(**values))


# -- the scheduler's side ------------------------------------------------------------------


@dataclass
class OutboxRun:
    answered: int = 0
    retried: int = 0
    failed: int = 0
    delivered: int = 0
    errors: list[str] = field(default_factory=list)


def perform_due_calls(
    transaction: Callable,
    runtime: WorkflowRuntime,
    now: Callable[[], datetime],
    policy: RetryPolicy = RetryPolicy(),
    limit: int = 20,
) -> OutboxRun:
    """Perform the outbound calls due, one leased call at a time, then deliver every
    answer waiting. ``transaction()`` opens a transaction (a context manager giving a
    session); none is open while a call is performed."""
    run = OutboxRun()
    for _ in range(limit):
        leased = _lease_one(transaction, now(), policy)
        if leased is None:
            break
        _perform(transaction, runtime, leased, now, policy, run)
    deliver_answers(transaction, runtime, now(), run)
    return run


def _lease_one(transaction, at: datetime, policy: RetryPolicy):
    due = and_(
        CALLS.c.status == PENDING,
        CALLS.c.next_attempt_at <= at,
        or_(CALLS.c.leased_until.is_(None), CALLS.c.leased_until <= at),
    )
    with transaction() as session:
        row = session.execute(
            select(CALLS.c.id, CALLS.c.attempts).where(due).order_by(CALLS.c.next_attempt_at).limit(1)
        ).first()
        if row is None:
            return None
        taken = session.execute(
            update(CALLS)
            .where(CALLS.c.id == row.id, CALLS.c.attempts == row.attempts, due)
            .values(attempts=row.attempts + 1, leased_until=at + policy.lease)
        ).rowcount
        if not taken:  # another scheduler took it first
            return None
        return session.execute(select(CALLS).where(CALLS.c.id == row.id)).one()


def _perform(transaction, runtime: WorkflowRuntime, row, now, policy: RetryPolicy, run: OutboxRun) -> None:
    connector = runtime.connectors.get(row.connector)
    started = time.perf_counter()
    error: Message | str | None = None
    answer = None
    try:
        if connector is None or connector.perform is None:
            raise ConnectorError(Message("the connector «%(name)s» does not exist", name=row.connector))
        params = checked_params(connector, row.params or {})
        answer = connector.perform(params, row.idempotency_key, policy.timeout)
    except RetryLater as failure:
        error = str(failure)
    except ConnectorError as failure:
        with transaction() as session:
            _finish(session, row.id, FAILED, None, failure.message, started, now(), row.attempts)
        run.failed += 1
        return
    at = now()
    with transaction() as session:
        if error is None:
            _finish(session, row.id, ANSWERED, answer, None, started, at, row.attempts)
            run.answered += 1
        elif row.attempts >= policy.attempts:
            reason = Message(
                "no answer after %(attempts)s attempts: %(error)s", attempts=row.attempts, error=error
            )
            _finish(session, row.id, FAILED, None, reason, started, at, row.attempts)
            run.failed += 1
        else:
            session.execute(
                update(CALLS)
                .where(CALLS.c.id == row.id, CALLS.c.attempts == row.attempts, CALLS.c.status == PENDING)
                .values(
                    leased_until=None,
                    next_attempt_at=at + policy.delay(row.attempts),
                    last_error=str(error)[:MAX_ERROR],
                    duration_ms=int((time.perf_counter() - started) * 1000),
                )
            )
            run.retried += 1


def deliver_answers(transaction, runtime: WorkflowRuntime, at: datetime, run: OutboxRun) -> None:
    """Step each instance whose call is answered or failed for good, once: the call is
    marked done in the same transaction as the step."""
    with transaction() as session:
        waiting = session.execute(
            select(CALLS.c.id)
            .where(CALLS.c.status.in_((ANSWERED, FAILED)), CALLS.c.params.is_not(None))
            .order_by(CALLS.c.id)
        ).scalars()
        call_ids = list(waiting)
    for call_id in call_ids:
        try:
            with transaction() as session:
                if runtime.deliver_connector_answer(session, call_id, at) is not None:
                    run.delivered += 1
        except Exception as failure:  # noqa: BLE001 - one instance's conflict must not stop the others
            run.errors.append(f"call {call_id}: {failure}")


def answer_of(session: Session, call_id: int):
    """The call to deliver, if it still waits to be (its params are dropped once delivered)."""
    return session.execute(
        select(CALLS).where(CALLS.c.id == call_id, CALLS.c.params.is_not(None)).with_for_update()
    ).first()


def delivered(session: Session, call_id: int, status: str) -> None:
    """The answer reached the instance: the parameters (maybe personal data) go."""
    final = DONE if status == ANSWERED else FAILED
    # null(), not None: a JSON column stores None as the JSON text null, not as SQL NULL.
    session.execute(update(CALLS).where(CALLS.c.id == call_id).values(status=final, params=null()))


def failure_reason(row) -> Message:
    return Message(
        "the connector «%(connector)s» failed: %(error)s",
        connector=row.connector,
        error=row.last_error or "",
    )


def history(session: Session, instance_id: int) -> list:
    """The instance's connector calls, oldest first: what the case history shows."""
    return list(
        session.execute(
            select(
                CALLS.c.id,
                CALLS.c.element,
                CALLS.c.title,
                CALLS.c.connector,
                CALLS.c.target,
                CALLS.c.status,
                CALLS.c.attempts,
                CALLS.c.duration_ms,
                CALLS.c.last_error,
                CALLS.c.created_at,
                CALLS.c.finished_at,
            )
            .where(CALLS.c.instance_id == instance_id)
            .order_by(CALLS.c.id)
        )
    )
