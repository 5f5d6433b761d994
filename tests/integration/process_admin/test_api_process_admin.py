"""Process administration over the REST API: definitions and instances, for admins only."""

import pytest
from factories.bpmn import BUNDLES
from factories.dates import local
from factories.web import web_app

from services.identity import _api_tokens as api_tokens


@pytest.fixture
def api(commune):
    commune.clock.set(local(2026, 12, 1, 9, 0))
    client = web_app(commune).test_client()
    with commune.db.transaction() as session:
        client.tokens = {
            name: {"Authorization": f"Bearer {api_tokens.issue(session, name, 'api', commune.clock.now())}"}
            for name in ("vhxh.canbo", "cg_vp.canbo", "chutich", "admin")
        }
    return client


def test_only_admins_list_definitions_and_start_and_show_instances(api):
    for name in ("vhxh.canbo", "cg_vp.canbo", "chutich"):
        assert api.get("/api/v1/process-definitions", headers=api.tokens[name]).status_code == 403
        assert api.get("/api/v1/instances/1", headers=api.tokens[name]).status_code == 403
    listed = api.get("/api/v1/process-definitions", headers=api.tokens["admin"]).get_json()
    assert {(d["key"], d["version"]) for d in listed} == {(key, 1) for key in BUNDLES}
    start = {
        "process_key": "unit_proposal",
        "lane_orgs": {"unit_officer": "cg_vp", "unit_head": "cg_vp"},
        "data": {
            "campaign_id": 0,
            "title": "Thử",
            "commune_name": "Cẩm Giang",
            "target_year": 2027,
            "period_from": 2026,
            "period_to": 2030,
            "unit_deadline": "2027-01-14T12:00:00+07:00",
            "city_deadline": "2027-01-15T00:00:00+07:00",
            "unit_code": "cg_vp",
            "unit_name": "VP",
        },
    }
    started = api.post("/api/v1/instances", json=start, headers=api.tokens["admin"])
    assert started.status_code == 201, started.get_json()
    instance = api.get(
        f"/api/v1/instances/{started.get_json()['id']}", headers=api.tokens["admin"]
    ).get_json()
    assert instance["status"] == "running" and [t["task_name"] for t in instance["tasks"]] == [
        "draft_proposal"
    ]
    unknown = api.post(
        "/api/v1/instances",
        json={**start, "lane_orgs": {"unit_officer": "nowhere"}},
        headers=api.tokens["admin"],
    )
    assert unknown.status_code == 404
