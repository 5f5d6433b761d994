"""Messages between instances: correlation, message start, buffering and refusal,
through save-and-reload between every step, delivered by the scheduler's inbox job.
Both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories.bpmn import process_xml, user_task
from factories.calls import boundary, bundle, process
from factories.linked_runs import T0, deliver, publish_all, start
from factories.messages import (
    catch,
    correlation,
    due_timer,
    ending_with,
    event_gateway,
    message_bundle,
    message_declaration,
    message_ref,
    receive_task,
    send_task,
    starting_on,
    throw,
    with_declarations,
)
from sqlalchemy import func, select

from engine.errors import DefinitionRejected, EngineError
from engine.models import BufferedMessage, HumanTask, InstanceInbox, MessageSubscription, ProcessInstance
from engine.serializer import load_workflow
from engine.workflow_tasks import newest_data

PAYLOAD = "{'proposal_id': proposal_id, 'ok': True}"


def count(services, model) -> int:
    with services.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def data_of(services, instance_id: int) -> tuple[str, dict]:
    with services.db.read() as session:
        row = session.get(ProcessInstance, instance_id)
        compiled = services.runtime.specs.by_id(session, row.definition_id)
        return row.status, newest_data(
            load_workflow(row.serialization, compiled.spec, compiled.subprocess_specs)
        )


def exchange(buffer: str | None = None, receiver: str | None = None):
    declarations = (
        message_declaration("approved", PAYLOAD, buffer, "approval", receiver),
        correlation("proposal", "proposal_id", "approved"),
    )
    sender = message_bundle(
        "sender", user_task("decide"), throw("send", "approved"), declarations=declarations
    )
    receiver = message_bundle("receiver", catch("wait", "approved"), declarations=declarations)
    return sender, receiver


def decide(services, sender_id: int, at=T0):
    with services.db.read() as session:
        task = session.scalars(select(HumanTask).where(HumanTask.instance_id == sender_id)).one()
    with services.db.transaction() as session:
        return services.runtime.complete_task(session, task.id, {"note": "ok"}, user_id=None, at=at)


def test_two_pairs_each_get_their_own_message(services):
    publish_all(services, *exchange())
    receivers = {pid: start(services, "receiver", {"proposal_id": pid}) for pid in ("P1", "P2")}
    assert count(services, MessageSubscription) == 2
    senders = {pid: start(services, "sender", {"proposal_id": pid}) for pid in ("P2", "P1")}
    for pid in ("P2", "P1"):
        decide(services, senders[pid])
    assert count(services, InstanceInbox) == 2
    assert deliver(services) == 2
    for pid, receiver_id in receivers.items():
        status, data = data_of(services, receiver_id)
        assert status == "completed"
        assert data["approval"] == {"proposal_id": pid, "ok": True}
    assert count(services, InstanceInbox) == count(services, MessageSubscription) == 0


def test_refused_message_refuses_the_senders_operation(services):
    publish_all(services, *exchange())
    sender_id = start(services, "sender", {"proposal_id": "P9"})
    with pytest.raises(EngineError, match="approved"):
        decide(services, sender_id)
    with services.db.read() as session:
        assert (
            session.scalars(select(HumanTask.status).where(HumanTask.instance_id == sender_id)).one()
            == "ready"
        )


def test_a_message_to_a_party_outside_the_product_leaves_without_refusing_the_sender(services):
    publish_all(services, *exchange(receiver="outside"))
    change = decide(services, start(services, "sender", {"proposal_id": "P5"}))
    assert change.instance.status == "completed"
    assert count(services, BufferedMessage) == count(services, InstanceInbox) == 0


def test_buffered_message_is_consumed_when_a_receiver_waits(services):
    publish_all(services, *exchange(buffer="P7D"))
    decide(services, start(services, "sender", {"proposal_id": "P3"}))
    assert count(services, BufferedMessage) == 1
    receiver_id = start(services, "receiver", {"proposal_id": "P3"}, at=T0 + timedelta(days=1))
    assert count(services, BufferedMessage) == 0
    deliver(services, T0 + timedelta(days=1))
    assert data_of(services, receiver_id)[0] == "completed"


def test_buffered_message_expires(services):
    publish_all(services, *exchange(buffer="P1D"))
    decide(services, start(services, "sender", {"proposal_id": "P4"}))
    deliver(services, T0 + timedelta(days=2))
    assert count(services, BufferedMessage) == 0
    receiver_id = start(services, "receiver", {"proposal_id": "P4"}, at=T0 + timedelta(days=2))
    assert data_of(services, receiver_id)[0] == "running"


def test_a_message_starts_a_process_whose_start_event_catches_it(services):
    declarations = (message_declaration("opened", "{'file': file}", variable="opened"),)
    sender = bundle(
        "sender",
        with_declarations(
            ending_with(process_xml(user_task("decide"), key="sender"), message_ref("opened")), *declarations
        ),
    )
    started = bundle(
        "started",
        with_declarations(
            starting_on(process_xml(user_task("task"), key="started"), message_ref("opened")), *declarations
        ),
    )
    publish_all(services, sender, started)
    sender_id = start(services, "sender", {"file": "F1"})
    decide(services, sender_id)
    deliver(services)
    with services.db.read() as session:
        (new,) = session.scalars(
            select(ProcessInstance).where(ProcessInstance.process_key == "started")
        ).all()
    status, data = data_of(services, new.id)
    assert (status, data["opened"]) == ("running", {"file": "F1"})
    assert data_of(services, sender_id)[0] == "completed"


def test_send_task_and_receive_task(services):
    declarations = (
        message_declaration("asked", "{'proposal_id': proposal_id}", variable="asked"),
        correlation("proposal", "proposal_id", "asked"),
    )
    sender = message_bundle(
        "sender", user_task("decide"), send_task("send", "asked"), declarations=declarations
    )
    receiver = message_bundle(
        "receiver", receive_task("wait", "asked"), user_task("task"), declarations=declarations
    )
    publish_all(services, sender, receiver)
    receiver_id = start(services, "receiver", {"proposal_id": "P5"})
    decide(services, start(services, "sender", {"proposal_id": "P5"}))
    assert deliver(services) == 1
    status, data = data_of(services, receiver_id)
    assert (status, data["asked"]) == ("running", {"proposal_id": "P5"})
    assert count(services, MessageSubscription) == 0


@pytest.mark.parametrize("interrupting", [True, False])
def test_message_boundary_event(services, interrupting):
    declarations = (
        message_declaration("withdrawn", "{'proposal_id': proposal_id}", variable="withdrawal"),
        correlation("proposal", "proposal_id", "withdrawn"),
    )
    on_boundary = boundary(
        "review",
        "on_withdrawn",
        message_ref("withdrawn"),
        interrupting=interrupting,
        then=user_task("archive"),
    )
    receiver = bundle(
        "receiver",
        with_declarations(process("receiver", user_task("review"), side=(on_boundary,)), *declarations),
    )
    sender = message_bundle(
        "sender", user_task("decide"), throw("send", "withdrawn"), declarations=declarations
    )
    publish_all(services, sender, receiver)
    receiver_id = start(services, "receiver", {"proposal_id": "P6"})
    decide(services, start(services, "sender", {"proposal_id": "P6"}))
    assert deliver(services) == 1
    with services.db.read() as session:
        ready = sorted(
            session.scalars(
                select(HumanTask.task_name).where(
                    HumanTask.instance_id == receiver_id, HumanTask.status == "ready"
                )
            )
        )
        waiting = session.scalar(
            select(func.count())
            .select_from(MessageSubscription)
            .where(MessageSubscription.instance_id == receiver_id)
        )
    assert ready == (["archive"] if interrupting else ["archive", "review"])
    # SpiffWorkflow fires a non-interrupting boundary event once: it does not wait again.
    assert waiting == 0


@pytest.mark.parametrize("message_first", [True, False])
def test_event_based_gateway_message_or_timer(services, message_first):
    declarations = (
        message_declaration("answer", "{'proposal_id': proposal_id}"),
        correlation("proposal", "proposal_id", "answer"),
    )
    publish_all(
        services,
        bundle("receiver", event_gateway("receiver", "answer", "P2D", declarations)),
        message_bundle("sender", user_task("decide"), throw("send", "answer"), declarations=declarations),
    )
    receiver_id = start(services, "receiver", {"proposal_id": "P7"})
    assert count(services, MessageSubscription) == 1
    if message_first:
        decide(services, start(services, "sender", {"proposal_id": "P7"}), at=T0 + timedelta(days=1))
        deliver(services, T0 + timedelta(days=1))
    else:
        services.fire_timers(T0 + timedelta(days=2, seconds=1))
    with services.db.read() as session:
        row = session.get(ProcessInstance, receiver_id)
        assert row.status == "completed"
        compiled = services.runtime.specs.by_id(session, row.definition_id)
        workflow = load_workflow(row.serialization, compiled.spec, compiled.subprocess_specs)
    ended = {
        task.task_spec.bpmn_id
        for task in workflow.get_tasks()
        if task.task_spec.bpmn_id in ("by_message", "by_timer") and task.state == 64
    }
    assert ended == {"by_message" if message_first else "by_timer"}
    if message_first:
        assert newest_data(workflow)["received"] == {"proposal_id": "P7"}
    assert count(services, MessageSubscription) == 0


def test_a_message_from_outside(services):
    publish_all(services, *exchange())
    receiver_id = start(services, "receiver", {"proposal_id": "P8"})
    with services.db.transaction() as session:
        outcome = services.runtime.send_message(
            session,
            "approved",
            {"proposal_id": "P8", "ok": False},
            {"proposal": {"proposal_id": "P8"}},
            at=T0,
        )
    assert outcome == "delivered"
    deliver(services)
    assert data_of(services, receiver_id)[1]["approval"] == {"proposal_id": "P8", "ok": False}


def test_a_buffer_that_is_not_a_duration_is_refused_at_publish(services):
    sender, _ = exchange(buffer="a week")
    with pytest.raises(DefinitionRejected) as refused:
        publish_all(services, sender)
    assert "«a week»" in str(refused.value.problems)


def test_a_refused_message_thrown_on_a_timer_stops_the_sender_in_error(services):
    declarations = (
        message_declaration("approved", PAYLOAD),
        correlation("proposal", "proposal_id", "approved"),
    )
    example = {"proposal_id": "P0", "deadline": "2026-01-14T12:00:00+07:00"}
    sender = message_bundle(
        "sender", due_timer(), throw("send", "approved"), declarations=declarations, example=example
    )
    publish_all(services, sender)
    sender_id = start(
        services, "sender", {"proposal_id": "P10", "deadline": (T0 + timedelta(hours=1)).isoformat()}
    )
    services.fire_timers(T0 + timedelta(hours=2))
    with services.db.read() as session:
        row = session.get(ProcessInstance, sender_id)
        assert row.status == "error"
        assert "approved" in row.error_message
