"""Events inside one instance, through the runtime: errors and escalations thrown in a
sub-process, event sub-processes (timer, error, escalation, conditional start),
conditional events and event-based gateways, interrupting and not. Every step is an
operation of its own (the instance is saved and reloaded between steps), timers fire
through the scheduler's path, in simulated time. Both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories.bpmn import Node, script_task, user_task
from factories.calls import SCORE_FORM_FILE, error_catch, escalation_catch, timer
from factories.dates import local
from factories.events import (
    catch,
    conditional,
    event,
    events_bundle,
    flows,
    gateway,
    on_boundary,
    process,
    sub_process,
    throw,
)
from factories.words import in_vietnamese
from sqlalchemy import select

from engine.definitions import publish
from engine.errors import DefinitionRejected
from engine.messages import stored_text
from engine.models import HumanTask, ProcessInstance
from engine.serializer import load_workflow
from engine.workflow_tasks import newest_data

T0 = local(2026, 1, 10, 9, 0)
HOUR = timedelta(hours=1)
START = event("start", kind="startEvent")


def run(services, bpmn: bytes) -> int:
    """Publish ``bpmn`` as the probe process and start an instance of it."""
    with services.db.transaction() as session:
        publish(session, events_bundle(bpmn), T0, services.runtime.helpers)
        return services.runtime.start(session, "probe", {}, lane_orgs={}, at=T0).instance.id


def rows(services, instance_id: int) -> dict[str, str]:
    """Each task row of the instance: its name and status (the inbox's projection)."""
    with services.db.read() as session:
        found = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id))
        return {row.task_name: row.status for row in found}


def ready_id(services, instance_id: int, name: str) -> str:
    with services.db.read() as session:
        return session.scalar(
            select(HumanTask.id).where(
                HumanTask.instance_id == instance_id, HumanTask.task_name == name, HumanTask.status == "ready"
            )
        )


def complete(services, instance_id: int, name: str, data: dict, at=T0):
    task_id = ready_id(services, instance_id, name)
    with services.db.transaction() as session:
        return services.runtime.complete_task(session, task_id, data, user_id=None, at=at)


def task_data(services, instance_id: int, name: str) -> dict:
    """The data an open task sees (what its form shows)."""
    task_id = ready_id(services, instance_id, name)
    with services.db.read() as session:
        return services.runtime.task_data(session, task_id)


def instance(services, instance_id: int) -> ProcessInstance:
    with services.db.read() as session:
        return session.get(ProcessInstance, instance_id)


def data_of(services, instance_id: int) -> dict:
    row = instance(services, instance_id)
    with services.db.read() as session:
        compiled = services.runtime.specs.by_id(session, row.definition_id)
    return newest_data(load_workflow(row.serialization, compiled.spec, compiled.subprocess_specs))


def refusals(services, bpmn: bytes) -> list[str]:
    with pytest.raises(DefinitionRejected) as refused:
        with services.db.transaction() as session:
            publish(session, events_bundle(bpmn), T0, services.runtime.helpers)
    return [str(problem) for problem in refused.value.problems]


def scored(node_id: str):
    return user_task(node_id, SCORE_FORM_FILE)


# ------------------------------------------------------------------ errors and escalations


def rejecting_review(catches: str) -> bytes:
    """A sub-process whose reviewer may reject (an error end event), caught by an error
    boundary event that ``catches``, leading to a script that reads the review's data."""
    review = sub_process(
        "review",
        user_task("check"),
        gateway("verdict", "exclusiveGateway"),
    ).xml.replace(
        'sourceRef="verdict" targetRef="review_end"/>',
        'sourceRef="verdict" targetRef="review_end"><bpmn:conditionExpression>note != "no"'
        "</bpmn:conditionExpression></bpmn:sequenceFlow>"
        + event("rejected", error_catch("REJ"), name="Bác").xml
        + '<bpmn:sequenceFlow id="verdict_rejected" sourceRef="verdict" targetRef="rejected">'
        '<bpmn:conditionExpression>note == "no"</bpmn:conditionExpression></bpmn:sequenceFlow>',
    )
    return process(
        "probe",
        START,
        Node("review", review),
        user_task("after"),
        event("end"),
        on_boundary("review", "caught", catches),
        script_task("handle", "handled = note"),
        event("caught_end"),
        paths=flows("start", "review", "after", "end") + flows("caught", "handle", "caught_end"),
        codes=("REJ",),
    )


@pytest.mark.parametrize("catches", [error_catch("REJ"), "<bpmn:errorEventDefinition/>"], ids=["code", "any"])
def test_an_error_end_in_a_sub_process_goes_to_its_boundary_event_with_the_data_it_had(services, catches):
    rejected = run(services, rejecting_review(catches))
    change = complete(services, rejected, "check", {"note": "no"})

    assert change.finished and change.end_events == ["caught_end"]
    assert data_of(services, rejected)["handled"] == "no"  # what the reviewer wrote, after the boundary
    assert rows(services, rejected) == {"check": "completed"}  # "after" never opened

    accepted = run(services, rejecting_review(catches))
    complete(services, accepted, "check", {"note": "yes"})
    assert rows(services, accepted) == {"check": "completed", "after": "ready"}


def test_an_error_nothing_catches_stops_the_instance_in_error_naming_it(services):
    failing = run(
        services,
        process(
            "probe",
            START,
            user_task("work"),
            event("fail", error_catch("REJ")),
            paths=flows("start", "work", "fail"),
            codes=("REJ",),
        ),
    )
    complete(services, failing, "work", {"note": "x"})

    stopped = instance(services, failing)
    assert stopped.status == "error" and stopped.next_timer_at is None
    assert "«REJ»" in stopped.error_message
    assert "Lỗi «REJ» đã được phát ra" in in_vietnamese(
        stored_text(stopped.error_wording, stopped.error_message)
    )


def test_a_failing_script_is_a_failure_no_error_boundary_catches(services):
    failing = run(
        services,
        process(
            "probe",
            START,
            sub_process("review", script_task("divide", "ratio = 1 / 0")),
            event("end"),
            on_boundary("review", "caught", "<bpmn:errorEventDefinition/>"),
            user_task("handle"),
            event("caught_end"),
            paths=flows("start", "review", "end") + flows("caught", "handle", "caught_end"),
        ),
    )
    stopped = instance(services, failing)
    assert stopped.status == "error" and "«divide» (divide)" in stopped.error_message
    assert rows(services, failing) == {}


@pytest.mark.parametrize("interrupting", [False, True], ids=["non-interrupting", "interrupting"])
def test_an_escalation_thrown_in_a_sub_process_reaches_its_boundary_event(services, interrupting):
    review = sub_process(
        "review", user_task("check"), throw("slow", escalation_catch("SLOW")), user_task("finish")
    )
    escalated = run(
        services,
        process(
            "probe",
            START,
            review,
            event("end"),
            on_boundary("review", "late", escalation_catch("SLOW"), interrupting=interrupting),
            user_task("chase"),
            event("late_end"),
            paths=flows("start", "review", "end") + flows("late", "chase", "late_end"),
            codes=("SLOW",),
        ),
    )
    complete(services, escalated, "check", {"note": "slow"})

    if interrupting:  # the sub-process stops before its second task opens
        assert rows(services, escalated) == {"check": "completed", "chase": "ready"}
    else:
        assert rows(services, escalated) == {"check": "completed", "chase": "ready", "finish": "ready"}
        complete(services, escalated, "finish", {"note": "done"})
    complete(services, escalated, "chase", {"note": "chased"})
    assert instance(services, escalated).status == "completed"


def test_an_escalation_end_event_lets_its_sub_process_end_and_its_boundary_path_run(services):
    review = sub_process("review", user_task("check")).xml.replace(
        '<bpmn:endEvent id="review_end"/>', event("review_end", escalation_catch("SLOW")).xml
    )
    escalated = run(
        services,
        process(
            "probe",
            START,
            Node("review", review),
            user_task("after"),
            event("end"),
            on_boundary("review", "late", escalation_catch("SLOW"), interrupting=False),
            user_task("chase"),
            event("late_end"),
            paths=flows("start", "review", "after", "end") + flows("late", "chase", "late_end"),
            codes=("SLOW",),
        ),
    )
    complete(services, escalated, "check", {"note": "late"})
    assert rows(services, escalated) == {"check": "completed", "after": "ready", "chase": "ready"}


# ------------------------------------------------------------------ event sub-processes


def reminded(interrupting: bool) -> bytes:
    """A user task; an event sub-process started by a one-hour timer opens "chase"."""
    return process(
        "probe",
        START,
        user_task("work"),
        event("end"),
        sub_process("remind", user_task("chase"), start=timer("PT1H"), interrupting=interrupting),
        paths=flows("start", "work", "end"),
    )


@pytest.mark.parametrize("interrupting", [False, True], ids=["non-interrupting", "interrupting"])
def test_a_timer_starts_an_event_sub_process_while_a_user_task_waits(services, interrupting):
    waiting = run(services, reminded(interrupting))
    assert instance(services, waiting).next_timer_at == T0 + HOUR  # the scheduler wakes it

    assert services.fire_timers(T0 + HOUR - timedelta(seconds=1)).fired == 0
    assert services.fire_timers(T0 + HOUR).fired == 1
    assert rows(services, waiting) == {"work": "cancelled" if interrupting else "ready", "chase": "ready"}
    assert instance(services, waiting).next_timer_at is None

    complete(services, waiting, "chase", {"note": "chased"}, at=T0 + 2 * HOUR)
    if not interrupting:
        assert instance(services, waiting).status == "running"
        complete(services, waiting, "work", {"note": "done"}, at=T0 + 2 * HOUR)
    assert instance(services, waiting).status == "completed"


def test_an_event_sub_process_that_never_started_does_not_keep_the_instance_open(services):
    finished = run(services, reminded(interrupting=False))
    change = complete(services, finished, "work", {"note": "done"})

    assert change.finished and instance(services, finished).next_timer_at is None
    assert services.fire_timers(T0 + 2 * HOUR).fired == 0


def test_an_error_starts_an_event_sub_process_that_sees_the_data(services):
    handled = run(
        services,
        process(
            "probe",
            START,
            user_task("work"),
            event("fail", error_catch("REJ")),
            sub_process(
                "on_error", script_task("log", "logged = note"), user_task("fix"), start=error_catch("REJ")
            ),
            paths=flows("start", "work", "fail"),
            codes=("REJ",),
        ),
    )
    assert rows(services, handled) == {"work": "ready"}  # it waits for its error, not for the start

    complete(services, handled, "work", {"note": "broken"})
    assert rows(services, handled) == {"work": "completed", "fix": "ready"}
    assert task_data(services, handled, "fix")["logged"] == "broken"
    complete(services, handled, "fix", {"note": "fixed"})
    assert instance(services, handled).status == "completed"


def test_an_escalation_starts_a_non_interrupting_event_sub_process(services):
    escalated = run(
        services,
        process(
            "probe",
            START,
            user_task("work"),
            throw("slow", escalation_catch("SLOW")),
            user_task("finish"),
            event("end"),
            sub_process("notify", user_task("inform"), start=escalation_catch("SLOW"), interrupting=False),
            paths=flows("start", "work", "slow", "finish", "end"),
            codes=("SLOW",),
        ),
    )
    complete(services, escalated, "work", {"note": "late"})
    assert rows(services, escalated) == {"work": "completed", "finish": "ready", "inform": "ready"}


# ------------------------------------------------------------------ conditional events


def test_a_conditional_event_fires_in_the_operation_that_changes_the_data(services):
    """A person's score makes the condition true: the event fires in that same completion."""
    watched = run(
        services,
        process(
            "probe",
            START,
            gateway("fork", "parallelGateway"),
            scored("score_it"),
            catch("low", conditional("score < 50"), name="Điểm thấp"),
            user_task("redo"),
            gateway("join", "parallelGateway"),
            event("end"),
            paths=flows("start", "fork", "score_it", "join", "end") + flows("fork", "low", "redo", "join"),
        ),
    )
    assert rows(services, watched) == {"score_it": "ready"}  # no score yet: the condition is false

    change = complete(services, watched, "score_it", {"score": 30})
    assert [task.task_name for task in change.opened_tasks] == ["redo"]
    assert "low" in change.reached


@pytest.mark.parametrize("interrupting", [False, True], ids=["non-interrupting", "interrupting"])
def test_a_conditional_boundary_event_watches_a_sub_process(services, interrupting):
    review = sub_process("review", scored("first"), user_task("second"))
    watched = run(
        services,
        process(
            "probe",
            START,
            review,
            event("end"),
            on_boundary("review", "low", conditional("score < 50"), interrupting=interrupting),
            user_task("redo"),
            event("low_end"),
            paths=flows("start", "review", "end") + flows("low", "redo", "low_end"),
        ),
    )
    complete(services, watched, "first", {"score": 30})

    expected = {"first": "completed", "redo": "ready"} | ({} if interrupting else {"second": "ready"})
    assert rows(services, watched) == expected
    assert data_of(services, watched)["score"] == 30


def test_a_conditional_start_event_starts_its_event_sub_process_once(services):
    watched = run(
        services,
        process(
            "probe",
            START,
            scored("first"),
            scored("second"),
            event("end"),
            sub_process("alarm", user_task("redo"), start=conditional("score < 50"), interrupting=False),
            paths=flows("start", "first", "second", "end"),
        ),
    )
    complete(services, watched, "first", {"score": 30})
    assert rows(services, watched) == {"first": "completed", "second": "ready", "redo": "ready"}

    complete(services, watched, "second", {"score": 20})  # still true: it does not start again
    assert rows(services, watched) == {"first": "completed", "second": "completed", "redo": "ready"}
    complete(services, watched, "redo", {"note": "redone"})
    assert instance(services, watched).status == "completed"


# ------------------------------------------------------------------ event-based gateways


def timer_or_low_score() -> bytes:
    """A score to enter beside an event-based gateway waiting for two hours or a low score."""
    return process(
        "probe",
        START,
        gateway("fork", "parallelGateway"),
        scored("score_it"),
        event("scored"),
        gateway("wait"),
        catch("late", timer("PT2H")),
        catch("low", conditional("score < 50")),
        user_task("chase"),
        user_task("redo"),
        event("chased"),
        event("redone"),
        paths=flows("start", "fork", "score_it", "scored")
        + flows("fork", "wait", "late", "chase", "chased")
        + flows("wait", "low", "redo", "redone"),
    )


def test_an_event_based_gateway_takes_the_first_event_and_withdraws_the_other(services):
    low_first = run(services, timer_or_low_score())
    assert instance(services, low_first).next_timer_at == T0 + 2 * HOUR  # its timer wakes the scheduler

    complete(services, low_first, "score_it", {"score": 30})
    assert rows(services, low_first) == {"score_it": "completed", "redo": "ready"}
    assert instance(services, low_first).next_timer_at is None  # the timer is withdrawn

    timer_first = run(services, timer_or_low_score())
    assert services.fire_timers(T0 + 2 * HOUR).fired == 1  # only the second still waits for it
    assert rows(services, timer_first) == {"score_it": "ready", "chase": "ready"}
    complete(services, timer_first, "score_it", {"score": 30}, at=T0 + 3 * HOUR)
    assert rows(services, timer_first) == {"score_it": "completed", "chase": "ready"}  # too late


# ------------------------------------------------------------------ publishing


def test_publishing_refuses_what_does_not_run_naming_elements_by_label(services):
    forbidden = refusals(
        services,
        process(
            "probe",
            START,
            catch("odd", conditional("__import__('os').getcwd() == ''"), name="Điều kiện lạ"),
            event("end"),
            paths=flows("start", "odd", "end"),
        ),
    )
    assert len(forbidden) == 1 and forbidden[0].startswith("«Điều kiện lạ» (intermediate event): ")

    linked = refusals(
        services,
        process(
            "probe",
            START,
            throw("jump", '<bpmn:linkEventDefinition name="L"/>', name="Nhảy"),
            catch("land", '<bpmn:linkEventDefinition name="L"/>', name="Đáp"),
            event("end"),
            paths=flows("start", "jump") + flows("land", "end"),
        ),
    )
    assert linked == [
        "«Nhảy» (link event): this element type is not supported",
        "«Đáp» (link event): this element type is not supported",
    ]
    cancelled = refusals(
        services,
        process(
            "probe",
            START,
            user_task("work"),
            event("stop", "<bpmn:cancelEventDefinition/>", name="Huỷ"),
            paths=flows("start", "work", "stop"),
        ),
    )
    assert cancelled == ["«Huỷ» (end event): a cancel event is not supported here"]
    compensated = refusals(
        services,
        process(
            "probe",
            START,
            user_task("work"),
            throw("undo", "<bpmn:compensateEventDefinition/>", name="Hoàn tác"),
            event("end"),
            paths=flows("start", "work", "undo", "end"),
        ),
    )
    assert compensated == ["«Hoàn tác» (compensation event): this element type is not supported"]
    two_timers = refusals(
        services,
        process(
            "probe",
            START,
            gateway("wait"),
            catch("soon", timer("PT1H")),
            catch("later", timer("PT2H")),
            event("soon_end"),
            event("later_end"),
            paths=flows("start", "wait", "soon", "soon_end") + flows("wait", "later", "later_end"),
        ),
    )
    assert two_timers == [
        "«wait» (event-based gateway): "
        "an event-based gateway can wait for one timer and one condition at most"
    ]
    inner = sub_process("on_slow", user_task("fix"), start=escalation_catch("SLOW"), interrupting=False)
    review = sub_process("review", user_task("check"), throw("slow", escalation_catch("SLOW")))
    nested = refusals(
        services,
        process(
            "probe",
            START,
            Node("review", review.xml.replace("</bpmn:subProcess>", inner.xml + "</bpmn:subProcess>")),
            event("end"),
            paths=flows("start", "review", "end"),
            codes=("SLOW",),
        ),
    )
    assert nested == [
        "«Tiểu trình on_slow» (event subprocess): "
        "inside a subprocess, an event subprocess can start only on a timer"
    ]
