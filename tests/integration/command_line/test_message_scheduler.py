"""The scheduler process delivers messages between instances exactly once, through a
SIGKILL between the throws and the catches.

Each sender waits on a timer already due; the scheduler's timers fire it, it throws a
message correlated to its own receiver, and the routing writes an inbox row in the
sender's transaction; the scheduler's inbox job delivers it. The scheduler is killed
while messages wait in the inbox, then a new one is started: each receiver must then
have caught its own message once, and nothing be left over. Both backends.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories.bpmn import user_task
from factories.messages import catch, correlation, due_timer, message_bundle, message_declaration, throw
from factories.scheduler_process import kill_while_waiting
from sqlalchemy import func, select

from engine.definitions import publish
from engine.models import HumanTask, InstanceInbox, MessageSubscription, ProcessInstance
from engine.runtime import StartRequest

PAIRS = 30
pytestmark = pytest.mark.database


def _pairs_with_due_senders(services) -> None:
    declarations = (
        message_declaration("ping", "{'pair': pair}", variable="ping"),
        correlation("pairing", "pair", "ping"),
    )
    sender = message_bundle(
        "sender",
        due_timer(),
        throw("send", "ping"),
        declarations=declarations,
        example={"pair": 0, "deadline": "2026-01-14T12:00:00+07:00"},
    )
    receiver = message_bundle(
        "receiver", catch("wait", "ping"), user_task("task"), declarations=declarations, example={"pair": 0}
    )
    now = services.clock.now()
    deadline = (now - timedelta(minutes=1)).isoformat()
    with services.db.transaction() as session:
        for each in (sender, receiver):
            publish(session, each, now - timedelta(hours=2), services.runtime.helpers)
        services.runtime.start_many(
            session, "receiver", [StartRequest({"pair": n}, {}) for n in range(PAIRS)], at=now
        )
        services.runtime.start_many(
            session,
            "sender",
            [StartRequest({"pair": n, "deadline": deadline}, {}) for n in range(PAIRS)],
            at=now - timedelta(hours=1),
        )


def _messages_waiting(services) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).where(InstanceInbox.kind == "message"))


def _caught(services) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).where(HumanTask.process_key == "receiver"))


def test_a_scheduler_killed_between_throws_and_catches_delivers_each_message_once(
    own_services,
    tmp_path,
):
    services = own_services
    _pairs_with_due_senders(services)
    kill_while_waiting(
        services,
        tmp_path / "scheduler.log",
        waiting=lambda: _messages_waiting(services) > 0,
        done=lambda: _caught(services) >= PAIRS,
        what_waits="a message to wait in the inbox",
        what_is_done="every receiver caught its message",
    )

    with services.db.read() as session:
        assert _caught(services) == PAIRS  # one task per receiver: each caught once
        assert session.scalar(select(func.count()).select_from(InstanceInbox)) == 0
        assert session.scalar(select(func.count()).select_from(MessageSubscription)) == 0
        statuses = session.execute(
            select(ProcessInstance.process_key, ProcessInstance.status, func.count()).group_by(
                ProcessInstance.process_key, ProcessInstance.status
            )
        ).all()
    assert sorted(map(tuple, statuses)) == [("receiver", "running", PAIRS), ("sender", "completed", PAIRS)]
