"""Campaigns over the REST API, for Phòng VH-XH to open and the chair to follow only."""

import pytest
from factories.dates import local
from factories.web import web_app

from services.identity import _api_tokens as api_tokens

OPEN = {
    "commune_code": "xa_cam_giang_ubnd",
    "title": "Đề xuất nhu cầu năm 2027",
    "target_year": 2027,
    "launch_doc": "12/UBND-VHXH",
}


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


def test_phong_vhxh_opens_a_campaign_and_the_chair_follows_it(api):
    refused = api.post("/api/v1/campaigns", json=OPEN, headers=api.tokens["cg_vp.canbo"])
    assert refused.status_code == 403
    opened = api.post("/api/v1/campaigns", json=OPEN, headers=api.tokens["vhxh.canbo"])
    assert opened.status_code == 201, opened.get_json()
    campaign = opened.get_json()
    assert campaign["unit_deadline"] == "2027-01-14T05:00:00+00:00"
    status = api.get(f"/api/v1/campaigns/{campaign['id']}", headers=api.tokens["chutich"]).get_json()
    assert len(status["units"]) == 10 and {unit["status"] for unit in status["units"]} == {"not_started"}
    assert (
        api.get(f"/api/v1/campaigns/{campaign['id']}", headers=api.tokens["cg_vp.canbo"]).status_code == 404
    )
    aggregation = api.get(f"/api/v1/campaigns/{campaign['id']}/aggregation", headers=api.tokens["vhxh.canbo"])
    assert aggregation.get_json()["totals"] == {"quantity_year": 0, "quantity_period": 0}


@pytest.mark.parametrize(
    "body, field",
    [
        ({**OPEN, "target_year": "năm sau"}, "target_year"),
        ({**OPEN, "unit_deadline": "2027-01-14T12:00:00"}, "unit_deadline"),  # no offset
        ({**OPEN, "colour": "red"}, "colour"),
        ({key: value for key, value in OPEN.items() if key != "title"}, "title"),
    ],
)
def test_bad_campaign_requests_name_the_field(api, body, field):
    response = api.post("/api/v1/campaigns", json=body, headers=api.tokens["vhxh.canbo"])
    assert response.status_code == 422 and field in response.get_json()["errors"]
