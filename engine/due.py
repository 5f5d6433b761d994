"""When the engine next has work due: the earliest timer of a running instance, alert of an
open task, delivery waiting in the inbox, or connector call to perform. The scheduler
sleeps until then (README.md, "The scheduler"). Each condition is the one the work's own
claim uses, so that what is reported due can be done (a suspended instance's timers and
alerts wait until it runs again)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engine.helpers import as_instant
from engine.linking import INBOX, STEPS_CALLER
from engine.outbox import CALLS, PENDING
from engine.store import INSTANCE, TASK


def due_instants(after: datetime | None):
    """The statements giving each kind of work's earliest due instant (later than ``after``
    when given): one scalar subquery each, selected together in one statement."""
    later = (lambda column: column > after) if after is not None else (lambda column: column.is_not(None))
    timers = select(func.min(INSTANCE.c.next_timer_at)).where(
        INSTANCE.c.status == "running", later(INSTANCE.c.next_timer_at)
    )
    alerts = (
        select(func.min(TASK.c.next_alert_at))
        .join(INSTANCE, INSTANCE.c.id == TASK.c.instance_id)
        .where(TASK.c.status == "ready", INSTANCE.c.status == "running", later(TASK.c.next_alert_at))
    )
    inbox = (
        select(func.min(INBOX.c.created_at))
        .join(INSTANCE, INSTANCE.c.id == INBOX.c.instance_id)
        .where(
            (INSTANCE.c.status == "running") | INBOX.c.kind.not_in(STEPS_CALLER), later(INBOX.c.created_at)
        )
    )
    # A call leased by a scheduler that performs it is due again only when the lease ends.
    call_due = case(
        (CALLS.c.leased_until > CALLS.c.next_attempt_at, CALLS.c.leased_until), else_=CALLS.c.next_attempt_at
    )
    calls = select(func.min(call_due)).where(CALLS.c.status == PENDING, later(call_due))
    return [timers, alerts, inbox, calls]


def earliest(session: Session, statements: list) -> datetime | None:
    """The earliest instant the ``due_instants``-like statements give, in one query."""
    row = session.execute(select(*(statement.scalar_subquery() for statement in statements))).one()
    found = [as_instant(value) for value in row if value is not None]
    return min(found, default=None)
