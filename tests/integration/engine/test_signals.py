"""Signals between instances: a broadcast reaches every waiting instance exactly once,
signal start events, signal boundary events. Every step saves and reloads its
instances; the scheduler's inbox job delivers. Both backends."""

from __future__ import annotations

import pytest
from factories.bpmn import process_xml, user_task
from factories.calls import boundary, bundle, process
from factories.linked_runs import T0, deliver, publish_all
from factories.messages import (
    signal_catch,
    signal_declaration,
    signal_ref,
    signal_throw,
    starting_on,
    with_declarations,
)
from sqlalchemy import func, select

from engine.models import HumanTask, InstanceInbox, MessageSubscription, ProcessInstance
from engine.runtime import StartRequest

GO = signal_declaration("go")


def thrower():
    return bundle(
        "thrower",
        with_declarations(process_xml(user_task("decide"), signal_throw("shout", "go"), key="thrower"), GO),
    )


def throw(services) -> None:
    with services.db.transaction() as session:
        instance_id = services.runtime.start(session, "thrower", {}, lane_orgs={}, at=T0).instance.id
    with services.db.read() as session:
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id)).one()
    with services.db.transaction() as session:
        services.runtime.complete_task(session, task.id, {"note": "ok"}, user_id=None, at=T0)


def statuses(services, key: str) -> dict[str, int]:
    with services.db.read() as session:
        rows = session.execute(
            select(ProcessInstance.status, func.count())
            .where(ProcessInstance.process_key == key)
            .group_by(ProcessInstance.status)
        )
        return dict(rows.all())


def count(services, model) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_a_signal_reaches_every_waiting_instance_once(services):
    waiter = bundle(
        "waiter",
        with_declarations(process_xml(signal_catch("wait", "go"), user_task("task"), key="waiter"), GO),
    )
    publish_all(services, thrower(), waiter)
    with services.db.transaction() as session:
        services.runtime.start_many(session, "waiter", [StartRequest({}, {})] * 1000, at=T0)
    assert count(services, MessageSubscription) == 1000
    throw(services)
    assert count(services, InstanceInbox) == 1000
    assert deliver(services) == 1000
    assert count(services, InstanceInbox) == count(services, MessageSubscription) == 0
    with services.db.read() as session:
        per_instance = session.execute(
            select(HumanTask.instance_id, func.count())
            .where(HumanTask.process_key == "waiter")
            .group_by(HumanTask.instance_id)
        ).all()
    assert len(per_instance) == 1000 and {n for _, n in per_instance} == {1}
    assert deliver(services) == 0


def test_a_signal_starts_a_process_whose_start_event_catches_it(services):
    started = bundle(
        "started",
        with_declarations(starting_on(process_xml(user_task("task"), key="started"), signal_ref("go")), GO),
    )
    publish_all(services, thrower(), started)
    throw(services)
    deliver(services)
    assert statuses(services, "started") == {"running": 1}
    assert count(services, MessageSubscription) == 0


@pytest.mark.parametrize("interrupting", [True, False])
def test_signal_boundary_event(services, interrupting):
    on_go = boundary(
        "review", "on_go", signal_ref("go"), interrupting=interrupting, then=user_task("archive")
    )
    receiver = bundle(
        "receiver", with_declarations(process("receiver", user_task("review"), side=(on_go,)), GO)
    )
    publish_all(services, thrower(), receiver)
    with services.db.transaction() as session:
        receiver_id = services.runtime.start(session, "receiver", {}, lane_orgs={}, at=T0).instance.id
    throw(services)
    assert deliver(services) == 1
    with services.db.read() as session:
        ready = sorted(
            session.scalars(
                select(HumanTask.task_name).where(
                    HumanTask.instance_id == receiver_id, HumanTask.status == "ready"
                )
            )
        )
    assert ready == (["archive"] if interrupting else ["archive", "review"])


def test_a_signal_nobody_waits_for_is_dropped(services):
    publish_all(services, thrower())
    throw(services)
    assert count(services, InstanceInbox) == 0
    assert statuses(services, "thrower") == {"completed": 1}
