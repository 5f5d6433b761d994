"""Fire every due timer as of an instant, in bounded batches.

Each batch claims due instances (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so any
number of callers can run at once; SQLite serializes writers), fires each inside a
savepoint, and commits. Firing moves ``next_timer_at`` past ``at``, so a second run
finds nothing: running it twice fires nothing twice.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import sessionmaker

from engine.errors import ConcurrencyConflict, ContractBroken
from engine import store
from engine.runtime import WorkflowRuntime

log = logging.getLogger(__name__)


@dataclass
class TimerRun:
    fired: int = 0
    conflicts: int = 0
    failed: int = 0


def fire_due_timers(sessions: sessionmaker, runtime: WorkflowRuntime, at: datetime,
                    batch_size: int = 200) -> TimerRun:
    run, last_id = TimerRun(), 0
    while True:
        with sessions.begin() as session:
            batch = store.claim_due_instances(session, at, last_id, batch_size)
            if not batch:
                return run
            for instance in batch:
                last_id = instance.id
                try:
                    with session.begin_nested():
                        runtime.fire_timers(session, instance, at)
                    run.fired += 1
                except ConcurrencyConflict:
                    run.conflicts += 1  # changed meanwhile; the next run sees its new state
                except Exception as error:  # one broken instance must not stop everyone's timers
                    log.exception("instance %s failed while firing timers", last_id)
                    reason = error.message if isinstance(error, ContractBroken) else f"firing timers failed: {error!r}"
                    with session.begin_nested():
                        runtime.park(session, last_id, reason)
                    run.failed += 1
