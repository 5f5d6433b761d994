"""An administrator dry-runs a draft before publishing it (docs/dry-runs.md): the path
taken, the tasks that would open, the timers, messages, cases and connector calls, and
nothing of it kept."""

import pytest
from factories.bpmn import user_task
from factories.calls import bundle, call_activity, loop_xml, process
from factories.connectors import publish_with, service_task
from factories.dates import local
from factories.messages import message_declaration, throw, with_declarations
from factories.web import api_client
from sqlalchemy import func, select

from engine.models import BufferedMessage, HumanTask, ProcessDefinition, ProcessInstance
from services import process_admin
from services.documents import StoredDocument

DRY_RUN = "/api/v1/admin/processes/{key}/draft/dry-run"


@pytest.fixture
def api(commune):
    commune.clock.set(local(2026, 1, 10, 9, 0))
    return api_client(commune, "vhxh.canbo", "admin")


def _counts(commune) -> tuple[int, int, int]:
    with commune.db.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (ProcessDefinition, ProcessInstance, HumanTask)
        )


def _save(commune, draft) -> list:
    with commune.db.transaction() as session:
        return process_admin.save_draft(
            session,
            commune.runtime,
            1,
            draft.key,
            draft.bpmn.decode(),
            draft.forms,
            draft.meta,
            commune.clock.now(),
        )


def test_a_dry_run_shows_the_path_the_tasks_and_the_timers_and_keeps_nothing(api, commune):
    before = _counts(commune)
    answer = api.post(DRY_RUN.format(key="unit_proposal"), json={}, headers=api.tokens["admin"])
    assert answer.status_code == 200, answer.get_json()
    run = answer.get_json()
    assert run["status"] == "running" and run["refusals"] == []
    assert "draft_proposal" in run["current"]
    assert [task["element"] for task in run["tasks"]] == ["draft_proposal"]
    assert run["tasks"][0]["lane"] == "unit_officer"
    assert run["tasks"][0]["due"] == "trước 12 giờ ngày 14/01/2026"
    assert run["timers"] and run["timers"][0]["due_at"].startswith("2026-01-14T05:00")
    assert _counts(commune) == before


def test_steps_complete_tasks_as_a_person_would(api):
    steps = [
        {"element": "draft_proposal", "data": {"no_demand": True}},
        {"element": "approve_proposal", "data": {"head_decision": "submit"}},
    ]
    run = api.post(DRY_RUN.format(key="unit_proposal"), json={"steps": steps}, headers=api.tokens["admin"])
    body = run.get_json()
    assert body["steps_done"] == 2 and body["refusals"] == []
    assert body["status"] == "completed" and "declared_no_demand" in body["completed"]
    assert body["tasks"] == [] and body["timers"] == []


def test_a_step_that_cannot_be_done_is_refused_in_words_and_the_run_stops_there(api):
    admin = api.tokens["admin"]
    wrong_form = api.post(
        DRY_RUN.format(key="unit_proposal"),
        json={"steps": [{"element": "draft_proposal", "data": {"no_demand": "có"}}]},
        headers=admin,
    ).get_json()
    assert wrong_form["steps_done"] == 0 and wrong_form["status"] == "running"
    refused = "Bước 1 («draft_proposal»): «Đơn vị không có nhu cầu» phải là giá trị có/không."
    assert refused in wrong_form["refusals"]
    not_open = api.post(
        DRY_RUN.format(key="unit_proposal"),
        json={"steps": [{"element": "approve_proposal", "data": {}}]},
        headers=admin,
    ).get_json()
    assert not_open["refusals"] == ["Bước 1 («approve_proposal»): không có việc này đang mở ở bước này."]


def test_a_changed_draft_shows_the_cases_messages_and_connector_calls_it_would_start(api, commune):
    child = process("probe_child", user_task("check"), lane="unit_officer")
    publish_with(commune, bundle("probe_child", child))
    drawn = with_declarations(
        process(
            "probe_cycle",
            call_activity("ask_units", "probe_child", loop=loop_xml(collection="units", item="unit")),
            throw("tell_city", "asked"),
            service_task("write_notice", "generate_document", "notice", template="'thong_bao'", fields="{}"),
            user_task("wrap_up"),
            lane="vhxh_officer",
        ),
        message_declaration("asked", payload="{'units': len(units)}", buffer="P7D"),
    )
    draft = bundle("probe_cycle", drawn, example={"units": ["a", "b", "c"]})
    assert _save(commune, draft) == []
    before = _counts(commune)
    run = api.post(DRY_RUN.format(key="probe_cycle"), json={}, headers=api.tokens["admin"]).get_json()
    assert run["version"] == 1 and run["status"] == "running"
    assert "ask_units" in run["current"] and run["case_count"] == 3
    assert {case["process_key"] for case in run["cases"]} == {"probe_child"}
    assert [task["process_key"] for task in run["tasks"]] == ["probe_child"] * 3

    children = [{"element": "check", "data": {"note": "xong"}}] * 3
    run = api.post(
        DRY_RUN.format(key="probe_cycle"), json={"steps": children}, headers=api.tokens["admin"]
    ).get_json()
    assert run["refusals"] == [] and run["steps_done"] == 3
    assert {"ask_units", "tell_city", "write_notice"} <= set(run["completed"])
    assert run["current"] == ["wrap_up"]
    assert run["messages"] == [
        {
            "kind": "message",
            "name": "asked",
            "payload": {"units": 3},
            "outcome": "buffered",
            "said": "được giữ lại cho tới khi có hồ sơ chờ nó",
        }
    ]
    assert [(call["connector"], call["status"]) for call in run["connector_calls"]] == [
        ("generate_document", "done")
    ]
    assert _counts(commune) == before
    with commune.db.read() as session:
        assert session.scalar(select(func.count()).select_from(BufferedMessage)) == 0
        assert session.scalar(select(func.count()).select_from(StoredDocument)) == 0


def test_a_draft_that_would_not_publish_is_refused_with_its_problems(api, commune):
    broken = process("probe_broken", user_task("task"), lane="no_such_role")
    draft = bundle("probe_broken", broken)
    _save(commune, draft)
    refused = api.post(DRY_RUN.format(key="probe_broken"), json={}, headers=api.tokens["admin"])
    assert refused.status_code == 422 and refused.get_json()["problems"]


def test_only_an_administrator_dry_runs(api):
    answer = api.post(DRY_RUN.format(key="unit_proposal"), json={}, headers=api.tokens["vhxh.canbo"])
    assert answer.status_code == 403


def test_a_start_the_engine_refuses_is_reported_not_raised(api, commune):
    drawn = with_declarations(
        process("probe_lonely", throw("tell_nobody", "unheard"), user_task("task"), lane="vhxh_officer"),
        message_declaration("unheard", payload="{}"),
    )
    assert _save(commune, bundle("probe_lonely", drawn)) == []
    run = api.post(DRY_RUN.format(key="probe_lonely"), json={}, headers=api.tokens["admin"]).get_json()
    assert run["status"] == "refused" and run["tasks"] == []
    assert run["refusals"] and run["refusals"][0].startswith("Khi bắt đầu: ")
    assert "«unheard»" in run["refusals"][0]
