"""Fire every due timer as of an instant, in bounded batches.

Each batch is computed first, in a read-only transaction: the due instances are loaded
and their timers fired in memory, which runs the BPMN's user code (scripts, conditions,
``due`` expressions) with no write lock held, so a slow script never makes other users
wait for the database (on SQLite one writer blocks all others). Then one write
transaction saves each outcome inside a savepoint, behind the instance's optimistic lock:
an instance someone changed meanwhile is skipped (the next run sees its new state), one
that failed is parked in error and never claimed again, and neither undoes the others.
Firing moves ``next_timer_at`` past ``at``, so a second run finds nothing: running it
twice, or two schedulers at once, fires nothing twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import sessionmaker

from engine import store
from engine.errors import ConcurrencyConflict, ContractBroken
from engine.messages import Message
from engine.runtime import PendingChange, WorkflowRuntime

log = logging.getLogger(__name__)


@dataclass
class TimerRun:
    fired: int = 0
    conflicts: int = 0
    failed: int = 0


def fire_due_timers(
    sessions: sessionmaker,
    read_sessions: sessionmaker,
    runtime: WorkflowRuntime,
    at: datetime,
    batch_size: int = 200,
) -> TimerRun:
    run, last_id = TimerRun(), 0
    while True:
        with read_sessions() as session:
            batch = store.due_instances(session, at, last_id, batch_size)
            if not batch:
                return run
            last_id = batch[-1].saved_id
            outcomes = [
                (instance.saved_id, _fired_in_memory(runtime, session, instance, at)) for instance in batch
            ]
        with sessions.begin() as session:
            for instance_id, outcome in outcomes:
                _write(session, runtime, instance_id, outcome, run)


def _fired_in_memory(runtime: WorkflowRuntime, session, instance, at: datetime) -> PendingChange | Exception:
    try:
        return runtime.timers_outcome(session, instance, at)
    except Exception as error:  # one broken instance must not stop everyone's timers
        log.exception("instance %s failed while firing timers", instance.id)
        return error


def _write(
    session, runtime: WorkflowRuntime, instance_id: int, outcome: PendingChange | Exception, run: TimerRun
) -> None:
    try:
        if isinstance(outcome, Exception):
            raise outcome
        with session.begin_nested():
            runtime.write(session, outcome)
        run.fired += 1
    except ConcurrencyConflict:
        run.conflicts += 1  # changed meanwhile; the next run sees its new state
    except Exception as error:
        if not isinstance(outcome, Exception):
            log.exception("instance %s failed while saving its timers", instance_id)
        reason = (
            error.message
            if isinstance(error, ContractBroken)
            else Message("firing timers failed: %(error)s", error=repr(error))
        )
        with session.begin_nested():
            runtime.park(session, instance_id, reason)
        run.failed += 1
