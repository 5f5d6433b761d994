"""Service tasks through registered connectors, at the engine: in-process connectors run
in the step's transaction; outbound ones wait in the outbox for the scheduler's job, which
retries with the same idempotency key and delivers the answer once; a call that fails for
good is a BPMN error at the task's boundary events or stops the instance. Both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories.bpmn import script_task, user_task
from factories.calls import boundary, bundle, error_catch, process
from factories.connectors import publish_with, service_task, state
from factories.linked_runs import T0, start
from sqlalchemy import select

from engine.connectors import FAILED_CODE, Connector, ConnectorError, Parameter
from engine.errors import DefinitionRejected
from engine.messages import Message
from engine.models import ConnectorCall
from engine.outbox import RetryLater, RetryPolicy, perform_due_calls

POLICY = RetryPolicy(attempts=3, base=timedelta(seconds=10), timeout=1.0, lease=timedelta(seconds=30))


def echo_connector(seen: list) -> Connector:
    def run(context, params):
        seen.append((context.instance_id, params))
        return {"echoed": params["text"].upper()}

    return Connector(
        "echo",
        Message("Echo"),
        (Parameter("text", "text", Message("Text")), Parameter("times", "number", Message("Times"), False)),
        run=run,
        target=lambda params: "echo",
    )


def remote_connector(answers: list, keys: list) -> Connector:
    """An outbound connector answering from ``answers`` in turn (an exception is raised)."""

    def perform(params, key, timeout):
        keys.append(key)
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    return Connector(
        "remote", Message("Remote"), (Parameter("id", "number", Message("Id")),), perform=perform
    )


def outbox(services, at):
    return perform_due_calls(services.db.transaction, services.runtime, lambda: at, POLICY)


def test_an_in_process_connector_runs_in_the_step_and_the_instance_goes_on(services):
    seen: list = []
    services.runtime.register_connector(echo_connector(seen))
    publish_with(
        services,
        bundle(
            "echoing", process("echoing", service_task("say", "echo", "said", text="name"), user_task("next"))
        ),
    )
    instance_id = start(services, "echoing", {"name": "lan"})
    row, data, open_tasks, calls = state(services, instance_id)
    assert data["said"] == {"echoed": "LAN"}
    assert open_tasks == ["next"]
    assert [(c.connector, c.status, c.target, c.params) for c in calls] == [("echo", "done", "echo", None)]
    assert seen == [(instance_id, {"text": "lan"})]


def test_an_outbound_call_is_retried_with_one_key_and_delivered_once(services):
    answers: list = [RetryLater("503"), RetryLater("timed out"), {"status": 200, "ok": True}]
    keys: list = []
    services.runtime.register_connector(remote_connector(answers, keys))
    publish_with(
        services,
        bundle(
            "asking", process("asking", service_task("ask", "remote", "reply", id="7"), user_task("next"))
        ),
    )
    instance_id = start(services, "asking", {})
    row, data, open_tasks, calls = state(services, instance_id)
    assert open_tasks == [] and calls[0].status == "pending"  # waits at the service task
    first = outbox(services, T0)
    assert (first.retried, first.delivered) == (1, 0)
    assert outbox(services, T0 + timedelta(seconds=5)).retried == 0  # not due before its backoff
    assert outbox(services, T0 + timedelta(seconds=10)).retried == 1
    done = outbox(services, T0 + timedelta(seconds=40))
    assert (done.answered, done.delivered) == (1, 1)
    assert len(set(keys)) == 1 and len(keys) == 3
    row, data, open_tasks, calls = state(services, instance_id)
    assert data["reply"] == {"status": 200, "ok": True} and open_tasks == ["next"]
    assert (calls[0].status, calls[0].attempts, calls[0].params) == ("done", 3, None)
    assert outbox(services, T0 + timedelta(seconds=50)).delivered == 0  # once
    with services.db.read() as session:  # the parameters are gone (SQL NULL), not kept as JSON null
        assert session.scalar(select(ConnectorCall.id).where(ConnectorCall.params.is_not(None))) is None


def test_a_call_that_fails_for_good_is_caught_by_an_error_boundary(services):
    services.runtime.register_connector(remote_connector([ConnectorError(Message("refused: 400"))], []))
    caught = boundary("ask", "call_failed", error_catch(FAILED_CODE), then=user_task("by_hand"))
    publish_with(
        services,
        bundle(
            "asking",
            process(
                "asking",
                service_task("ask", "remote", id="7"),
                user_task("next"),
                side=(caught,),
                codes=(FAILED_CODE,),
            ),
        ),
    )
    instance_id = start(services, "asking", {})
    outbox(services, T0)
    row, data, open_tasks, calls = state(services, instance_id)
    assert open_tasks == ["by_hand"] and row.status == "running"
    assert calls[0].status == "failed" and "400" in calls[0].last_error


def test_an_uncaught_final_failure_stops_the_instance_naming_the_task(services):
    services.runtime.register_connector(remote_connector([RetryLater("down")] * 3, []))
    publish_with(services, bundle("asking", process("asking", service_task("ask", "remote", id="7"))))
    instance_id = start(services, "asking", {})
    for seconds in (0, 10, 30):
        outbox(services, T0 + timedelta(seconds=seconds))
    row, data, open_tasks, calls = state(services, instance_id)
    assert row.status == "error"
    assert "«Gọi ask» (ask)" in row.error_message and "3 attempts" in row.error_message


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (
            service_task("ask", "nowhere", id="1"),
            "«Gọi ask» (service task): the connector «nowhere» does not exist",
        ),
        (service_task("ask", "remote"), "needs the parameter «id»"),
        (service_task("ask", "remote", id="1", other="2"), "has no parameter «other»"),
        (service_task("ask", "remote", id="'seven'"), "parameter «id» must be a number"),
        (service_task("ask", "remote", id="__import__('os')"), "parameter «id»"),
    ],
)
def test_publishing_refuses_what_no_connector_can_run(services, task, expected):
    services.runtime.register_connector(remote_connector([], []))
    with pytest.raises(DefinitionRejected) as refused:
        publish_with(services, bundle("asking", process("asking", task)))
    assert any(expected in str(problem) for problem in refused.value.problems), refused.value.problems


def test_a_script_after_the_call_reads_the_answer(services):
    services.runtime.register_connector(echo_connector([]))
    publish_with(
        services,
        bundle(
            "echoing",
            process(
                "echoing",
                service_task("say", "echo", text="'hi'"),
                script_task("read", "heard = say_result['echoed']"),
                user_task("next"),
            ),
        ),
    )
    row, data, open_tasks, calls = state(services, start(services, "echoing", {}))
    assert data["heard"] == "HI" and open_tasks == ["next"]


def test_an_administrators_retry_calls_again_with_a_new_key(services):
    keys: list = []
    answers: list = [ConnectorError(Message("refused: 400")), {"ok": True}]
    services.runtime.register_connector(remote_connector(answers, keys))
    publish_with(
        services,
        bundle("asking", process("asking", service_task("ask", "remote", id="7"), user_task("next"))),
    )
    instance_id = start(services, "asking", {})
    outbox(services, T0)
    assert state(services, instance_id)[0].status == "error"
    with services.db.transaction() as session:
        services.runtime.retry(session, instance_id, at=T0 + timedelta(minutes=1))
    outbox(services, T0 + timedelta(minutes=1))
    row, data, open_tasks, calls = state(services, instance_id)
    assert row.status == "running", (row.error_message, [(c.status, c.last_error) for c in calls])
    assert open_tasks == ["next"] and data["ask_result"] == {"ok": True}
    assert [call.status for call in calls] == ["failed", "done"] and len(set(keys)) == 2
