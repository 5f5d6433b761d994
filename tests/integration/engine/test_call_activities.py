"""Call activities run as linked instances: mappings in and out, errors and escalations
from a child to its caller's boundary events, multi-instance user tasks and call
activities, early completion and interrupting timers. Every step is its own
transaction: each instance is saved and reloaded between steps. Both backends."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories.bpmn import Node, script_task, user_task
from factories.calls import (
    boundary,
    bundle,
    call_activity,
    error_catch,
    error_end,
    escalation_catch,
    escalation_throw,
    loop_xml,
    process,
    scored_task,
    timer,
)
from factories.linked_runs import T0, deliver, publish_all, start
from sqlalchemy import func, select

from engine.definitions import Bundle
from engine.errors import DefinitionRejected
from engine.models import CallActivity, HumanTask, InstanceInbox, ProcessInstance
from engine.serializer import dump_workflow, load_workflow
from engine.workflow_tasks import newest_data


def open_tasks(services, instance_id: int | None = None) -> list[HumanTask]:
    with services.db.read() as session:
        query = select(HumanTask).where(HumanTask.status == "ready")
        if instance_id is not None:
            query = query.where(HumanTask.instance_id == instance_id)
        return list(session.scalars(query.order_by(HumanTask.instance_id, HumanTask.created_at)))


def complete(services, task: HumanTask, data: dict, at=T0):
    with services.db.transaction() as session:
        return services.runtime.complete_task(session, task.id, data, user_id=None, at=at)


def instance(services, instance_id: int) -> ProcessInstance:
    with services.db.read() as session:
        return session.get(ProcessInstance, instance_id)


def children(services, parent_id: int) -> list[ProcessInstance]:
    with services.db.read() as session:
        return list(
            session.scalars(
                select(ProcessInstance)
                .where(ProcessInstance.parent_id == parent_id)
                .order_by(ProcessInstance.child_index)
            )
        )


def data_of(services, instance_id: int) -> dict:
    row = instance(services, instance_id)
    with services.db.read() as session:
        compiled = services.runtime.specs.by_id(session, row.definition_id)
    return newest_data(load_workflow(row.serialization, compiled.spec, compiled.subprocess_specs))


CHILD = bundle(
    "child_probe",
    process("child_probe", user_task("work"), script_task("answer", "result = topic + ':' + note")),
    {"topic": "x"},
)
REJECTING = bundle(
    "child_probe", process("child_probe", user_task("work"), end=error_end("REJ"), codes=("REJ",))
)


def asking_caller(topic: str, *after: Node) -> Bundle:
    """probe: start -> ask (child_probe, its topic from ``topic``, its result back as
    answer) -> ``after``... -> end."""
    ask = call_activity("ask", "child_probe", {"topic": topic}, {"answer": "result"})
    return bundle("probe", process("probe", ask, *after), {"subject": "abc"})


def test_a_call_activity_maps_data_in_and_out_and_the_caller_waits_for_its_child(services):
    caller = asking_caller("subject.upper()", user_task("review"))
    publish_all(services, CHILD, caller)
    caller_id = start(services, "probe", {"subject": "abc"})

    assert open_tasks(services, caller_id) == []
    (child,) = children(services, caller_id)
    assert (child.process_key, child.child_index) == ("child_probe", 0)
    assert data_of(services, child.id)["topic"] == "ABC"
    assert "subject" not in data_of(services, child.id)  # only what the mapping gives

    (work,) = open_tasks(services, child.id)
    complete(services, work, {"note": "ok"})
    assert instance(services, child.id).status == "completed"
    assert instance(services, child.id).call_output == {"answer": "ABC:ok"}
    assert open_tasks(services, caller_id) == []  # the scheduler joins

    assert deliver(services) == 1
    (review,) = open_tasks(services, caller_id)
    assert review.task_name == "review"
    assert data_of(services, caller_id)["answer"] == "ABC:ok"
    assert deliver(services) == 0  # delivered once


def test_an_error_thrown_in_a_child_is_caught_on_the_callers_boundary_with_the_childs_data(services):
    caller = bundle(
        "probe",
        process(
            "probe",
            call_activity("ask", "child_probe"),
            user_task("review"),
            side=(boundary("ask", "rejected", error_catch("REJ"), then=user_task("handle_rejection")),),
            codes=("REJ",),
        ),
    )
    publish_all(services, REJECTING, caller)
    caller_id = start(services, "probe", {"subject": "abc"})
    (child,) = children(services, caller_id)
    (work,) = open_tasks(services, child.id)
    complete(services, work, {"note": "không đạt"})

    assert deliver(services) == 1
    (handler,) = open_tasks(services, caller_id)
    assert handler.task_name == "handle_rejection"
    assert data_of(services, caller_id)["note"] == "không đạt"  # the child's data came with the error
    with services.db.read() as session:
        assert session.scalar(select(CallActivity.status)) == "cancelled"


def test_an_error_no_boundary_catches_stops_the_caller_in_error(services):
    caller = bundle("probe", process("probe", call_activity("ask", "child_probe"), user_task("review")))
    publish_all(services, REJECTING, caller)
    caller_id = start(services, "probe", {})
    (child,) = children(services, caller_id)
    complete(services, open_tasks(services, child.id)[0], {"note": "x"})
    deliver(services)
    parked = instance(services, caller_id)
    assert parked.status == "error"
    assert "REJ" in parked.error_message

    with services.db.transaction() as session:  # a retry is told again, not left waiting for ever
        services.runtime.retry(session, caller_id, T0)
    assert deliver(services) == 1
    again = instance(services, caller_id)
    assert again.status == "error" and "REJ" in again.error_message


def test_a_non_interrupting_escalation_from_a_child_runs_beside_the_waiting_call(services):
    escalating = bundle(
        "child_probe",
        process("child_probe", escalation_throw("too_slow", "SLOW"), user_task("work"), codes=("SLOW",)),
        {"topic": "x"},
    )
    caller = bundle(
        "probe",
        process(
            "probe",
            call_activity("ask", "child_probe"),
            user_task("review"),
            side=(
                boundary(
                    "ask", "slow", escalation_catch("SLOW"), interrupting=False, then=user_task("hurry_up")
                ),
            ),
            codes=("SLOW",),
        ),
    )
    publish_all(services, escalating, caller)
    caller_id = start(services, "probe", {"topic": "t"})
    (child,) = children(services, caller_id)

    assert deliver(services) == 1
    assert [task.task_name for task in open_tasks(services, caller_id)] == ["hurry_up"]
    (work,) = open_tasks(services, child.id)  # the child goes on
    complete(services, work, {"note": "xong"})
    assert deliver(services) == 1
    assert {task.task_name for task in open_tasks(services, caller_id)} == {"hurry_up", "review"}


def test_parallel_and_sequential_multi_instance_user_tasks(services):
    parallel = loop_xml(collection="members", item="member", output_collection="scores", output_item="score")
    sequential = loop_xml(
        sequential=True, collection="members", item="member", output_collection="ranks", output_item="score"
    )
    caller = bundle(
        "probe",
        process("probe", scored_task("score_all", parallel), scored_task("rank_each", sequential)),
        {"members": ["a", "b"]},
    )
    publish_all(services, caller)
    caller_id = start(services, "probe", {"members": ["an", "bình", "chi"]})

    first = open_tasks(services, caller_id)
    assert [task.task_name for task in first] == ["score_all"] * 3
    for score, task in zip((7, 8, 9), first):
        complete(services, task, {"score": score})
    for rank in (1, 2, 3):
        (task,) = open_tasks(services, caller_id)  # one at a time
        assert task.task_name == "rank_each"
        complete(services, task, {"score": rank})
    data = data_of(services, caller_id)
    assert sorted(data["scores"]) == [7, 8, 9]
    assert data["ranks"] == [1, 2, 3]
    assert instance(services, caller_id).status == "completed"


def mi_caller(loop: str, then: Node | None = None, side=()) -> bytes:
    return process(
        "probe",
        call_activity("ask_all", "child_probe", {"topic": "unit"}, {"answer": "result"}, loop=loop),
        then or user_task("review"),
        side=side,
    )


def test_a_multi_instance_call_activity_with_a_completion_condition_met_early_cancels_the_rest(services):
    loop = loop_xml(
        collection="units",
        item="unit",
        output_collection="answers",
        output_item="answer",
        condition="nrOfCompletedInstances >= 2",
    )
    publish_all(services, CHILD, bundle("probe", mi_caller(loop), {"units": ["a"]}))
    caller_id = start(services, "probe", {"units": ["u1", "u2", "u3", "u4"]})
    kids = children(services, caller_id)
    assert [kid.child_index for kid in kids] == [0, 1, 2, 3]
    with services.db.read() as session:
        counters = session.execute(
            select(CallActivity.nr_instances, CallActivity.nr_active, CallActivity.nr_completed)
        ).one()
    assert tuple(counters) == (4, 4, 0)

    complete(services, open_tasks(services, kids[2].id)[0], {"note": "c"})
    assert deliver(services) == 0  # one of four: nothing for the caller yet
    complete(services, open_tasks(services, kids[0].id)[0], {"note": "a"})
    deliver(services)

    assert [task.task_name for task in open_tasks(services, caller_id)] == ["review"]
    data = data_of(services, caller_id)
    assert data["answers"] == ["u1:a", "u3:c"]  # in the children's order, gathered at the join
    assert data["nrOfCompletedInstances"] == 2
    assert [instance(services, kid.id).status for kid in kids] == [
        "completed",
        "cancelled",
        "completed",
        "cancelled",
    ]
    assert open_tasks(services, kids[1].id) == []


def test_an_interrupting_timer_on_a_multi_instance_call_activity_cancels_the_children(services):
    loop = loop_xml(collection="units", item="unit", output_collection="answers", output_item="answer")
    side = (boundary("ask_all", "too_late", timer("P3D"), then=user_task("follow_up")),)
    publish_all(services, CHILD, bundle("probe", mi_caller(loop, side=side), {"units": ["a"]}))
    caller_id = start(services, "probe", {"units": ["u1", "u2", "u3"]})
    kids = children(services, caller_id)
    complete(services, open_tasks(services, kids[0].id)[0], {"note": "a"})

    later = T0 + timedelta(days=3, seconds=1)
    services.fire_timers(later)
    deliver(services, later)

    assert [task.task_name for task in open_tasks(services, caller_id)] == ["follow_up"]
    assert [instance(services, kid.id).status for kid in kids] == ["completed", "cancelled", "cancelled"]
    assert all(open_tasks(services, kid.id) == [] for kid in kids)
    with services.db.read() as session:
        assert session.scalar(select(CallActivity.status)) == "cancelled"
        assert session.scalar(select(func.count()).select_from(InstanceInbox)) == 0


def refusal(services, *bundles) -> list[str]:
    with pytest.raises(DefinitionRejected) as refused:
        publish_all(services, *bundles)
    return [str(problem) for problem in refused.value.problems]


def test_publishing_refuses_a_call_of_a_process_that_is_not_published(services):
    caller = bundle("probe", process("probe", call_activity("ask", "nowhere")))
    (problem,) = refusal(services, caller)
    assert "ask" in problem and "«nowhere» is not published" in problem

    publish_all(services, CHILD)
    pinned = bundle("probe", process("probe", call_activity("ask", "child_probe", version=7)))
    (problem,) = refusal(services, pinned)
    assert "version 7 of the called process «child_probe»" in problem


def test_publishing_refuses_mappings_that_name_no_real_data(services):
    publish_all(services, CHILD)
    caller = bundle(
        "probe",
        process(
            "probe",
            call_activity(
                "ask",
                "child_probe",
                {"topic": "subjcet", "colour": "subject"},
                {"answer": "reslt"},
                lanes={"boss": "1"},
            ),
        ),
        {"subject": "abc"},
    )
    problems = refusal(services, caller)
    assert any("in.topic: «subjcet» is not data of this process" in p for p in problems), problems
    assert any("in.colour: child_probe does not take «colour»" in p for p in problems), problems
    assert any("out.answer: «reslt» is not data of child_probe" in p for p in problems), problems
    assert any("lane.boss: child_probe has no lane «boss»" in p for p in problems), problems
    assert all(p.startswith("«Gọi ask» (call activity)") for p in problems), problems


def test_publishing_refuses_a_multi_instance_over_unknown_data(services):
    publish_all(services, CHILD)
    loop = loop_xml(collection="unitz", item="unit", output_collection="answers", output_item="answr")
    problems = refusal(services, bundle("probe", mi_caller(loop), {"units": ["a"]}))
    assert any("input collection «unitz»" in p for p in problems), problems
    assert any("output item «answr»" in p for p in problems), problems


def test_cancelling_a_caller_cancels_its_children_and_suspending_holds_them(services):
    loop = loop_xml(collection="units", item="unit", output_collection="answers", output_item="answer")
    publish_all(services, CHILD, bundle("probe", mi_caller(loop), {"units": ["a"]}))
    caller_id = start(services, "probe", {"units": ["u1", "u2", "u3"]})
    kids = [kid.id for kid in children(services, caller_id)]

    with services.db.transaction() as session:
        services.runtime.suspend(session, caller_id, T0)
    deliver(services)
    assert {instance(services, kid).status for kid in kids} == {"suspended"}
    with services.db.transaction() as session:
        services.runtime.resume(session, caller_id, T0)
    deliver(services)
    assert {instance(services, kid).status for kid in kids} == {"running"}

    complete(services, open_tasks(services, kids[0])[0], {"note": "a"})
    with services.db.transaction() as session:
        services.runtime.cancel(session, caller_id, T0)
    deliver(services)
    assert [instance(services, kid).status for kid in kids] == ["completed", "cancelled", "cancelled"]
    assert all(open_tasks(services, kid) == [] for kid in kids)
    assert deliver(services) == 0


def test_a_call_whose_input_mapping_fails_stops_the_caller_in_error_until_retried(services):
    caller = asking_caller("subject.upper()", user_task("review"))
    publish_all(services, CHILD, caller)
    caller_id = start(services, "probe", {"subject": 42})  # an int has no upper()
    failed = instance(services, caller_id)
    assert failed.status == "error" and "subject.upper()" in failed.error_message
    assert children(services, caller_id) == []
    with services.db.transaction() as session:  # the data a retry reads is fixed by hand here
        stored = session.get(ProcessInstance, caller_id)
        compiled = services.runtime.specs.by_id(session, stored.definition_id)
        workflow = load_workflow(stored.serialization, compiled.spec, compiled.subprocess_specs)
        for task in workflow.get_tasks():
            task.data["subject"] = "abc"
        stored.serialization = dump_workflow(workflow)
    with services.db.transaction() as session:
        services.runtime.retry(session, caller_id, T0)
    (child,) = children(services, caller_id)
    assert data_of(services, child.id)["topic"] == "ABC"


def test_a_caller_moved_to_a_new_version_while_its_call_waits_still_joins(services):
    caller_v1 = asking_caller("subject", user_task("review"))
    publish_all(services, CHILD, caller_v1)
    caller_id = start(services, "probe", {"subject": "abc"})
    caller_v2 = asking_caller("subject", user_task("review"), user_task("archive"))
    publish_all(services, caller_v2)
    with services.db.transaction() as session:
        target = services.runtime.latest(session, "probe")
        services.runtime.migrate(session, caller_id, target, T0)
    (child,) = children(services, caller_id)
    complete(services, open_tasks(services, child.id)[0], {"note": "ok"})
    deliver(services)
    (review,) = open_tasks(services, caller_id)
    complete(services, review, {"note": "x"})
    assert [task.task_name for task in open_tasks(services, caller_id)] == [
        "archive"
    ]  # the new version's path
    assert data_of(services, caller_id)["answer"] == "abc:ok"


def test_an_interrupting_timer_on_a_multi_instance_user_task_closes_every_open_instance(services):
    loop = loop_xml(collection="members", item="member", output_collection="scores", output_item="score")
    side = (boundary("score_all", "too_late", timer("P2D"), then=user_task("follow_up")),)
    publish_all(
        services,
        bundle("probe", process("probe", scored_task("score_all", loop), side=side), {"members": ["a"]}),
    )
    caller_id = start(services, "probe", {"members": ["an", "bình", "chi"]})
    first, *rest = open_tasks(services, caller_id)
    complete(services, first, {"score": 5})

    services.fire_timers(T0 + timedelta(days=2, seconds=1))
    assert [task.task_name for task in open_tasks(services, caller_id)] == ["follow_up"]
    with services.db.read() as session:
        statuses = dict(
            session.execute(
                select(HumanTask.id, HumanTask.status).where(HumanTask.task_name == "score_all")
            ).all()
        )
    assert statuses[first.id] == "completed"
    assert {statuses[task.id] for task in rest} == {"cancelled"}  # SpiffWorkflow drops them from its tree


def test_a_lane_mapping_gives_each_child_the_unit_that_acts_in_its_lane(services):
    loop = loop_xml(collection="units", item="unit")
    caller = bundle(
        "probe",
        process(
            "probe",
            call_activity(
                "ask_all", "child_probe", {"topic": "unit['code']"}, lanes={"clerk": "unit['id']"}, loop=loop
            ),
        ),
        {"units": [{"code": "a", "id": 1}]},
    )
    publish_all(services, CHILD, caller)
    caller_id = start(
        services, "probe", {"units": [{"code": "thcs", "id": 41}, {"code": "tram_y_te", "id": 42}]}
    )
    assert [open_tasks(services, kid.id)[0].org_unit_id for kid in children(services, caller_id)] == [41, 42]

    broken_id = start(services, "probe", {"units": [{"code": "x", "id": "không phải số"}]})
    broken = instance(services, broken_id)
    assert broken.status == "error" and "lane.clerk" in broken.error_message
