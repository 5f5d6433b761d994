"""What the runtime refuses, and what a refusal or a failure leaves behind: bad form data
changes nothing, a stale save is a conflict, and a failing script parks the instance in
"error" without losing what the user submitted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories.bpmn import stored_text
from factories.campaigns import line, open_campaign, proposal_of, statuses
from factories.words import in_vietnamese
from sqlalchemy import select

from engine import store
from engine.definitions import Bundle, publish
from engine.errors import ConcurrencyConflict, FormInvalid, NotFound, TaskNotReady
from engine.models import HumanTask, ProcessInstance
from services.identity import user_by_username
from services.work import _tasks as tasks

UNIT = "cg_vp"
OFFICER = f"{UNIT}.canbo"


# ------------------------------------------------------------------ helpers


def unit_instance_id(services, campaign_id: int, unit: str = UNIT) -> int:
    return proposal_of(services, campaign_id, unit).instance_id


def ready_task(services, instance_id: int) -> HumanTask:
    with services.db.transaction() as session:
        ready = list(
            session.scalars(
                select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "ready")
            )
        )
    assert len(ready) == 1, ready
    return ready[0]


def snapshot(services, instance_id: int) -> dict:
    """Everything a completion could change, as plain values."""
    with services.db.transaction() as session:
        instance = session.get(ProcessInstance, instance_id)
        rows = session.scalars(
            select(HumanTask)
            .where(HumanTask.instance_id == instance_id)
            .order_by(HumanTask.created_at, HumanTask.id)
        )
        return {
            "lock_version": instance.lock_version,
            "status": instance.status,
            "serialization": instance.serialization,
            "updated_at": instance.updated_at,
            "next_timer_at": instance.next_timer_at,
            "error_message": instance.error_message,
            "tasks": [
                (row.id, row.task_name, row.status, row.completed_by, row.completed_data, row.completed_at)
                for row in rows
            ],
        }


def complete(services, username: str, task_id: str, data: dict):
    return tasks.complete_task(services.db, services.runtime, username, task_id, data)


def refused(services, error_type, username: str, task_id: str, data: dict):
    """Complete expecting ``error_type``; the transaction is committed anyway, so anything the
    runtime changed before refusing would be stored."""
    with pytest.raises(error_type) as caught:
        tasks.complete_task(services.db, services.runtime, username, task_id, data)
    return caught.value


@pytest.fixture
def draft(commune):
    """An open campaign and the draft task of unit cg_vp, waiting for its officer."""
    services = commune
    campaign_id = open_campaign(services)
    instance_id = unit_instance_id(services, campaign_id)
    task = ready_task(services, instance_id)
    assert task.task_name == "draft_proposal"
    services.clock.advance(hours=2)
    return services, campaign_id, instance_id, task


# ------------------------------------------------------------------ form data

INVALID_DRAFTS = {
    "typename-top-level": (
        {"no_demand": True, "typename": "BpmnWorkflow"},
        "typename",
        "Không được dùng tên trường «typename»",
    ),
    "typename-in-a-line": (
        {"no_demand": False, "lines": [{**line(), "typename": "TaskSpec"}]},
        "lines[0].typename",
        "Không được dùng tên trường «typename»",
    ),
    "unknown-field": (
        {"no_demand": True, "favourite_colour": "xanh"},
        "favourite_colour",
        "Trường «favourite_colour» không có trong biểu mẫu",
    ),
    "unknown-field-in-a-line": (
        {"no_demand": False, "lines": [line(), {**line(), "salary": 100}]},
        "lines[1].salary",
        "Trường «salary» (dòng 2) không có trong biểu mẫu",
    ),
    "wrong-type": ({"no_demand": "không"}, "no_demand", "«Đơn vị không có nhu cầu» phải là giá trị có/không"),
    "wrong-type-in-a-line": (
        {"no_demand": False, "lines": [line(quantity_period="hai")]},
        "lines[0].quantity_period",
        "«Số lượng cả giai đoạn» (dòng 1) phải là số nguyên",
    ),
    "year-above-period": (
        {"no_demand": False, "lines": [line(quantity_year=3, quantity_period=2)]},
        "lines[0].quantity_year",
        "«Số lượng năm kế hoạch» (dòng 1) phải nhỏ hơn hoặc bằng «Số lượng cả giai đoạn»",
    ),
}


@pytest.mark.parametrize("case", list(INVALID_DRAFTS))
def test_invalid_form_data_is_refused_and_changes_nothing(draft, case):
    services, campaign_id, instance_id, task = draft
    data, field, message = INVALID_DRAFTS[case]
    before = snapshot(services, instance_id)
    status_before = statuses(services, campaign_id)[UNIT]

    error = refused(services, FormInvalid, OFFICER, task.id, data)

    named = [e for e in error.errors if e.field == field]
    assert len(named) == 1, error.errors
    assert message in in_vietnamese(named[0].message)
    assert field in str(error)
    assert snapshot(services, instance_id) == before
    assert ready_task(services, instance_id).id == task.id
    assert statuses(services, campaign_id)[UNIT] == status_before

    # The same task still accepts valid data afterwards.
    complete(services, OFFICER, task.id, {"no_demand": False, "lines": [line()]})
    assert snapshot(services, instance_id)["lock_version"] > before["lock_version"]
    assert ready_task(services, instance_id).task_name == "approve_proposal"


def test_every_problem_of_a_form_is_reported_at_once(draft):
    services, _, instance_id, task = draft
    before = snapshot(services, instance_id)
    data = {
        "no_demand": False,
        "typename": "x",
        "extra": 1,
        "lines": [line(quantity_year=5, quantity_period=4), {**line(), "typename": "y", "major": 7}],
    }

    error = refused(services, FormInvalid, OFFICER, task.id, data)

    fields = {e.field for e in error.errors}
    assert {"typename", "extra", "lines[0].quantity_year", "lines[1].typename", "lines[1].major"} <= fields
    assert all("«" in e.message and e.message.endswith(".") for e in error.errors), error.errors
    assert snapshot(services, instance_id) == before


def test_data_that_is_not_an_object_is_refused(draft):
    services, _, instance_id, task = draft
    before = snapshot(services, instance_id)

    with services.db.transaction() as session:
        with pytest.raises(FormInvalid) as caught:
            services.runtime.complete_task(session, task.id, [{"no_demand": True}], user_id=None)

    assert [e.field for e in caught.value.errors] == [""]
    assert "JSON" in caught.value.errors[0].message
    assert snapshot(services, instance_id) == before


# ------------------------------------------------------------------ task identity and state


@pytest.mark.parametrize("task_id", ["00000000-0000-4000-8000-000000000000", "not-a-task-id"])
def test_completing_an_unknown_task_is_not_found(draft, task_id):
    services, _, instance_id, _ = draft
    before = snapshot(services, instance_id)

    with services.db.transaction() as session:
        with pytest.raises(NotFound, match=task_id):
            services.runtime.complete_task(session, task_id, {"no_demand": True}, user_id=None)
    with pytest.raises(NotFound):
        tasks.complete_task(services.db, services.runtime, OFFICER, task_id, {"no_demand": True})

    assert snapshot(services, instance_id) == before


def test_completing_a_task_twice_is_refused_the_second_time(draft):
    services, campaign_id, instance_id, task = draft
    complete(services, OFFICER, task.id, {"no_demand": True})
    after_first = snapshot(services, instance_id)
    assert [row[2] for row in after_first["tasks"]] == ["completed", "ready"]
    services.clock.advance(minutes=1)

    error = refused(services, TaskNotReady, OFFICER, task.id, {"no_demand": False, "lines": [line()]})
    assert task.id in str(error)
    with services.db.transaction() as session:
        with pytest.raises(TaskNotReady):
            services.runtime.complete_task(session, task.id, {"no_demand": True}, user_id=None)

    assert snapshot(services, instance_id) == after_first
    assert statuses(services, campaign_id)[UNIT] == "drafting"


# ------------------------------------------------------------------ optimistic lock


def _stale_copy(services, instance_id: int) -> store.InstanceRecord:
    """Session A reads the instance (its lock_version and serialization) and closes."""
    with services.db.transaction() as a:
        return store.load_instance(a, instance_id)


def test_a_stale_timer_save_is_a_conflict_and_keeps_the_other_save(draft):
    services, campaign_id, instance_id, task = draft
    stale_instance = _stale_copy(services, instance_id)
    read_version = stale_instance.lock_version

    # Session B completes the draft and commits.
    complete(services, OFFICER, task.id, {"no_demand": True})
    after_b = snapshot(services, instance_id)
    assert after_b["lock_version"] != read_version

    # Session A's copy is saved: the UPDATE ... WHERE lock_version = <A's> matches no row.
    services.clock.advance(minutes=1)
    with pytest.raises(ConcurrencyConflict, match=str(instance_id)):
        with services.db.transaction() as session:
            assert stale_instance.lock_version == read_version  # A's copy, with A's serialization
            services.runtime.fire_timers(session, stale_instance, services.clock.now())

    assert snapshot(services, instance_id) == after_b
    assert ready_task(services, instance_id).task_name == "approve_proposal"
    assert statuses(services, campaign_id)[UNIT] == "drafting"


def test_a_second_completion_of_the_same_task_is_refused_and_the_first_stands(draft):
    services, campaign_id, instance_id, task = draft
    # B submits "no demand" first; A then submits from the form it had opened.
    complete(services, OFFICER, task.id, {"no_demand": True})
    after_b = snapshot(services, instance_id)
    services.clock.advance(minutes=1)
    with pytest.raises(TaskNotReady, match="already completed"):
        complete(
            services,
            OFFICER,
            task.id,
            {"no_demand": False, "lines": [line(quantity_year=9, quantity_period=9)]},
        )

    assert snapshot(services, instance_id) == after_b
    with services.db.transaction() as session:
        officer_id = user_by_username(session, OFFICER).id
    (winner,) = [row for row in after_b["tasks"] if row[0] == task.id]
    assert winner[2:5] == ("completed", officer_id, {"no_demand": True})
    assert proposal_of(services, campaign_id, UNIT).status == "drafting"


# ------------------------------------------------------------------ a script that fails

KEY = "fragile"
FORM_FILE = "note.schema.json"
NOTE = "Dữ liệu người dùng đã nhập: 42 hồ sơ"
FRAGILE_FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Ghi chú",
    "type": "object",
    "additionalProperties": False,
    "required": ["note"],
    "properties": {"note": {"title": "Ghi chú", "type": "string", "minLength": 1}},
}
FRAGILE_BPMN = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="defs" targetNamespace="http://talentflow.local/test">
  <bpmn:process id="{KEY}" isExecutable="true">
    <bpmn:laneSet id="lanes">
      <bpmn:lane id="lane_clerk" name="clerk">
        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>write_note</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>compute</bpmn:flowNodeRef>
        <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
      </bpmn:lane>
    </bpmn:laneSet>
    <bpmn:startEvent id="start"/>
    <bpmn:userTask id="write_note" name="Ghi chú">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formJsonSchemaFilename" value="{FORM_FILE}"/>
      </spiffworkflow:properties></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:scriptTask id="compute" name="Tính tỉ lệ"><bpmn:script>x = 1 / 0</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="write_note"/>
    <bpmn:sequenceFlow id="f2" sourceRef="write_note" targetRef="compute"/>
    <bpmn:sequenceFlow id="f3" sourceRef="compute" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>""".encode()


def test_a_script_failing_at_run_time_parks_the_instance_in_error_and_keeps_the_data(services):
    with services.db.transaction() as session:
        definition, created = publish(
            session, Bundle(KEY, FRAGILE_BPMN, {FORM_FILE: FRAGILE_FORM}, {}), services.clock.now()
        )
        assert created  # the failing script passes the load-time check: it only fails when run
    with services.db.transaction() as session:
        started = services.runtime.start(session, KEY, {}, lane_orgs={"clerk": 7}, business_key="fragile:1")
        instance_id = started.instance.id
        assert started.instance.status == "running"
    task = ready_task(services, instance_id)
    assert (task.task_name, task.lane, task.org_unit_id) == ("write_note", "clerk", 7)
    services.clock.advance(minutes=3)
    at = services.clock.now()

    with services.db.transaction() as session:
        change = services.runtime.complete_task(session, task.id, {"note": NOTE}, user_id=99)  # no raise
        assert change.instance.status == "error"
        assert not change.finished
        assert change.closed_task_ids == [task.id]
        assert change.opened_tasks == []

    with services.db.transaction() as session:
        instance = session.get(ProcessInstance, instance_id)
        assert instance.status == "error"
        assert "division by zero" in instance.error_message
        assert instance.completed_at is None and instance.next_timer_at is None
        assert instance.updated_at == at
        assert instance.definition_id == definition.id
        assert NOTE in stored_text(instance.serialization)  # the submitted data is in the stored workflow
        row = session.get(HumanTask, task.id)
        assert (row.status, row.completed_by, row.completed_data, row.completed_at) == (
            "completed",
            99,
            {"note": NOTE},
            at,
        )
        assert (
            session.scalars(
                select(HumanTask).where(HumanTask.instance_id == instance_id, HumanTask.status == "ready")
            ).all()
            == []
        )
        error_version = instance.lock_version

    # An instance in error is not stepped again by a timer run or a late completion.
    with services.db.transaction() as session:
        with pytest.raises(TaskNotReady):
            services.runtime.fire_timers(
                session, session.get(ProcessInstance, instance_id), at + timedelta(hours=1)
            )
    with services.db.transaction() as session:
        with pytest.raises(TaskNotReady):
            services.runtime.complete_task(session, task.id, {"note": "lần hai"}, user_id=99)
    assert services.fire_timers(at + timedelta(days=1)).fired == 0
    with services.db.transaction() as session:
        instance = session.get(ProcessInstance, instance_id)
        assert (instance.status, instance.lock_version) == ("error", error_version)
