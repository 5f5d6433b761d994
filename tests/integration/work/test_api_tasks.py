"""Tasks over the REST API: the inbox page, one task with its form, claim, release,
complete with field errors; never another unit's task; session calls need CSRF."""

import pytest
from factories.campaigns import line, open_campaign
from factories.dates import local
from factories.web import csrf_token, signed_in, web_app

from engine.models import HumanTask
from services.identity import _api_tokens as api_tokens


@pytest.fixture
def api(commune):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(local(2026, 1, 12, 9, 0))
    client = web_app(commune).test_client()
    with commune.db.transaction() as session:
        client.tokens = {
            name: {"Authorization": f"Bearer {api_tokens.issue(session, name, 'api', commune.clock.now())}"}
            for name in ("cg_vp.canbo", "cg_pkt.canbo", "cg_vp.truong")
        }
    client.services = commune
    return client


def _my_task(api, username="cg_vp.canbo") -> dict:
    [task] = api.get("/api/v1/tasks", headers=api.tokens[username]).get_json()["items"]
    return task


def test_the_inbox_page_and_a_task_with_its_form(api):
    page = api.get("/api/v1/tasks?per_page=10", headers=api.tokens["cg_vp.canbo"]).get_json()
    assert (page["total"], page["pages"], page["counts"]["all"], page["counts"]["soon"]) == (1, 1, 1, 0)
    task = page["items"][0]
    assert (task["task_name"], task["due_at"]) == ("draft_proposal", "2026-01-14T05:00:00+00:00")
    shown = api.get(f"/api/v1/tasks/{task['id']}", headers=api.tokens["cg_vp.canbo"]).get_json()
    assert shown["form"]["properties"]["no_demand"]["type"] == "boolean" and shown["escalations"] == []
    assert api.get("/api/v1/tasks?queue=nobody", headers=api.tokens["cg_vp.canbo"]).status_code == 422
    assert api.get("/api/v1/tasks?per_page=1000", headers=api.tokens["cg_vp.canbo"]).status_code == 422


def test_a_decision_carries_its_case(api):
    draft = _my_task(api)  # a first draft: nothing came back, no reason to show
    assert (
        api.get(f"/api/v1/tasks/{draft['id']}", headers=api.tokens["cg_vp.canbo"]).get_json()["case"]["data"]
        == {}
    )
    sent = {
        "no_demand": False,
        "note": "Ưu tiên người địa phương",
        "lines": [line(quantity_year=2, quantity_period=3), line(field="health", major="Y đa khoa")],
    }
    assert (
        api.post(
            f"/api/v1/tasks/{draft['id']}/complete", json={"data": sent}, headers=api.tokens["cg_vp.canbo"]
        ).status_code
        == 200
    )
    approval = _my_task(api, "cg_vp.truong")
    case = api.get(f"/api/v1/tasks/{approval['id']}", headers=api.tokens["cg_vp.truong"]).get_json()["case"]
    assert case["data"] == sent  # what the head decides on, exactly as the officer sent it
    assert case["schema"]["properties"]["lines"]["items"]["properties"]["field"]["title"] == "Lĩnh vực"


def test_complete_names_each_bad_field_then_succeeds(api):
    task = _my_task(api)
    headers = api.tokens["cg_vp.canbo"]
    bad = api.post(
        f"/api/v1/tasks/{task['id']}/complete",
        json={"data": {"no_demand": "có", "extra": 1}},
        headers=headers,
    )
    assert bad.status_code == 422 and bad.get_json()["code"] == "form_invalid"
    assert set(bad.get_json()["errors"]) >= {"no_demand"}
    assert (
        api.post(f"/api/v1/tasks/{task['id']}/complete", json={"nodata": {}}, headers=headers).status_code
        == 422
    )
    done = api.post(
        f"/api/v1/tasks/{task['id']}/complete", json={"data": {"no_demand": True}}, headers=headers
    )
    assert done.status_code == 200
    assert [t["task_name"] for t in done.get_json()["opened_tasks"]] == ["approve_proposal"]
    again = api.post(
        f"/api/v1/tasks/{task['id']}/complete", json={"data": {"no_demand": True}}, headers=headers
    )
    assert again.status_code in (404, 409)


def test_another_units_task_is_never_shown_claimed_or_completed(api):
    task = _my_task(api)
    stranger = api.tokens["cg_pkt.canbo"]
    assert task["id"] not in str(api.get("/api/v1/tasks", headers=stranger).get_json())
    for response in (
        api.get(f"/api/v1/tasks/{task['id']}", headers=stranger),
        api.post(f"/api/v1/tasks/{task['id']}/claim", headers=stranger),
        api.post(
            f"/api/v1/tasks/{task['id']}/complete", json={"data": {"no_demand": True}}, headers=stranger
        ),
    ):
        assert response.status_code == 404 and response.get_json()["code"] == "not_found"
    head = api.tokens["cg_vp.truong"]  # same unit, another role
    assert (
        api.post(
            f"/api/v1/tasks/{task['id']}/complete", json={"data": {"no_demand": True}}, headers=head
        ).status_code
        == 404
    )
    with api.services.db.read() as session:
        assert session.get(HumanTask, task["id"]).status == "ready"


def test_claim_and_release_and_session_calls_need_the_csrf_header(api):
    task = _my_task(api)
    headers = api.tokens["cg_vp.canbo"]
    claimed = api.post(f"/api/v1/tasks/{task['id']}/claim", headers=headers).get_json()
    assert claimed["assignee_id"] is not None
    assert api.post(f"/api/v1/tasks/{task['id']}/release", headers=headers).get_json()["assignee_id"] is None
    assert api.post(f"/api/v1/tasks/{task['id']}/release", headers=headers).status_code == 409

    browser = signed_in(web_app(api.services), "cg_vp.canbo")
    assert browser.get("/api/v1/tasks").status_code == 200  # reads need no token
    refused = browser.post(f"/api/v1/tasks/{task['id']}/claim")
    assert refused.status_code == 400 and refused.get_json()["code"] == "csrf_failed"
    token = csrf_token(browser, "/inbox")
    assert (
        browser.post(f"/api/v1/tasks/{task['id']}/claim", headers={"X-CSRFToken": token}).status_code == 200
    )


def test_swagger_ui_is_served_from_local_files_under_the_strict_policy(api):
    page = api.get("/api/v1/docs")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert "<script>" not in html and "http" not in html.split("<body>")[1]  # no inline script, no CDN
    assert api.get("/api/v1/docs/assets/swagger-ui-bundle.js").status_code == 200
    paths = api.get("/api/v1/openapi.json").get_json()["paths"]
    assert {
        "/api/v1/tasks",
        "/api/v1/tasks/{task_id}/complete",
        "/api/v1/campaigns",
        "/api/v1/process-definitions",
        "/api/v1/instances",
    } <= set(paths)


def test_bad_requests_get_a_clear_4xx_and_change_nothing(api):
    task = _my_task(api)
    headers = api.tokens["cg_vp.canbo"]
    url = f"/api/v1/tasks/{task['id']}/complete"
    malformed = api.post(url, data='{"data": {', headers=headers, content_type="application/json")
    assert malformed.status_code == 400 and malformed.get_json()["code"] == "bad_request"
    unknown = api.post(url, json={"data": {"no_demand": True}, "sneaky": 1}, headers=headers)
    assert unknown.status_code == 422 and "sneaky" in unknown.get_json()["errors"]
    huge = api.post(
        url,
        data='{"data": {"note": "' + "x" * (2 * 1024 * 1024) + '"}}',
        headers=headers,
        content_type="application/json",
    )
    assert huge.status_code == 413 and huge.get_json()["code"] == "request_too_large"
    not_json = api.post(
        url, data="no_demand=true", headers=headers, content_type="application/x-www-form-urlencoded"
    )
    assert 400 <= not_json.status_code < 500
    browser = signed_in(web_app(api.services), "cg_vp.canbo")
    page = browser.post(
        f"/tasks/{task['id']}",
        data={"csrf_token": csrf_token(browser, "/inbox"), "note": "x" * (2 * 1024 * 1024)},
    )
    assert page.status_code == 413
    with api.services.db.read() as session:
        assert session.get(HumanTask, task["id"]).status == "ready"
