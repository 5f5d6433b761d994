"""The calendar over the REST API: read by anyone signed in, edited by admins only,
every bad request a clear JSON 4xx that changes nothing."""

from datetime import date

import pytest
from sqlalchemy import func, select

from services.common.models import AuditEvent
from services.deadlines import _calendar as calendar
from services.deadlines._models import CalendarDay
from services.identity import _api_tokens as api_tokens
from web import create_app

DAY = "2026-03-09"  # a Monday, an ordinary working day


@pytest.fixture
def api(commune):
    services = commune
    client = create_app(services).test_client()
    with services.db.transaction() as session:
        tokens = {
            username: api_tokens.issue(session, username, "test", services.clock.now())
            for username in ("admin", "cg_vp.canbo")
        }
    client.tokens = {username: {"Authorization": f"Bearer {token}"} for username, token in tokens.items()}
    client.services = services
    yield client
    with services.db.transaction() as session:
        calendar.unset_day(session, date.fromisoformat(DAY))  # calendar_day is reference data


def _stored(api) -> CalendarDay | None:
    with api.services.db.read() as session:
        return session.get(CalendarDay, date.fromisoformat(DAY))


def test_an_admin_sets_and_unsets_a_day_and_working_days_follow(api):
    helpers = api.services.runtime.helpers
    assert helpers["working_days_after"]("2026-03-06", 1).startswith("2026-03-10")  # Fri -> end of Mon 09/03
    response = api.put(
        f"/api/v1/calendar/days/{DAY}",
        json={"kind": "day_off", "name": "Nghỉ bù"},
        headers=api.tokens["admin"],
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json() == {"day": DAY, "kind": "day_off", "name": "Nghỉ bù"}
    assert helpers["working_days_after"]("2026-03-06", 1).startswith("2026-03-11")  # Monday is off now
    listed = api.get("/api/v1/calendar/2026", headers=api.tokens["cg_vp.canbo"]).get_json()
    assert {"day": DAY, "kind": "day_off", "name": "Nghỉ bù"} in listed
    assert api.delete(f"/api/v1/calendar/days/{DAY}", headers=api.tokens["admin"]).status_code == 204
    assert _stored(api) is None
    with api.services.db.read() as session:
        actions = session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject == f"calendar_day:{DAY}")
            .order_by(AuditEvent.id)
        ).all()
    assert actions == ["calendar.set", "calendar.unset"]


@pytest.mark.parametrize(
    "headers_of, status, code",
    [
        (None, 401, "unauthenticated"),
        ("cg_vp.canbo", 403, "permission_denied"),
    ],
)
def test_only_admins_edit_the_calendar(api, headers_of, status, code):
    headers = api.tokens[headers_of] if headers_of else {"Authorization": "Bearer not-a-token"}
    for response in (
        api.put(f"/api/v1/calendar/days/{DAY}", json={"kind": "day_off", "name": "x"}, headers=headers),
        api.delete(f"/api/v1/calendar/days/{DAY}", headers=headers),
        api.get("/api/v1/calendar/2026/suggestions", headers=headers),
    ):
        assert (response.status_code, response.get_json()["code"]) == (status, code)
    assert _stored(api) is None
    assert api.get("/api/v1/calendar/2026").status_code == 401


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({"kind": "holiday", "name": "x"}, 422, "kind"),
        ({"kind": "day_off"}, 422, "name"),
        ({"kind": "day_off", "name": ""}, 422, "name"),
        ({"kind": "day_off", "name": "x", "extra": 1}, 422, "extra"),
        ({"kind": "day_off", "name": "x" * 201}, 422, "name"),
    ],
)
def test_bad_bodies_name_the_field_and_change_nothing(api, body, status, field):
    response = api.put(f"/api/v1/calendar/days/{DAY}", json=body, headers=api.tokens["admin"])
    assert response.status_code == status
    assert field in response.get_json()["errors"]
    assert _stored(api) is None


def test_malformed_oversized_and_unknown_requests_get_a_clear_4xx(api):
    admin = api.tokens["admin"]
    malformed = api.put(
        f"/api/v1/calendar/days/{DAY}", data="{not json", headers=admin, content_type="application/json"
    )
    assert malformed.status_code == 400 and malformed.get_json()["code"] == "bad_request"
    bad_day = api.put(
        "/api/v1/calendar/days/2026-02-30", json={"kind": "day_off", "name": "x"}, headers=admin
    )
    assert bad_day.status_code == 422 and "day" in bad_day.get_json()["errors"]
    huge = api.put(
        f"/api/v1/calendar/days/{DAY}",
        data="{" + " " * (2 * 1024 * 1024) + "}",
        headers=admin,
        content_type="application/json",
    )
    assert huge.status_code == 413 and huge.get_json()["code"] == "request_too_large"
    missing = api.delete(f"/api/v1/calendar/days/{DAY}", headers=admin)
    assert missing.status_code == 404 and missing.get_json()["code"] == "not_found"
    assert api.get("/api/v1/nothing-here").get_json()["code"] == "not_found"
    assert _stored(api) is None


def test_a_revoked_token_no_longer_works_and_the_openapi_document_is_served(api):
    assert api.get("/api/v1/calendar/2026", headers=api.tokens["cg_vp.canbo"]).status_code == 200
    with api.services.db.transaction() as session:
        assert api_tokens.revoke(session, "cg_vp.canbo", "test", api.services.clock.now()) == 1
    assert api.get("/api/v1/calendar/2026", headers=api.tokens["cg_vp.canbo"]).status_code == 401
    spec = api.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/calendar/days/{day}" in spec["paths"]
    with api.services.db.read() as session:
        assert session.scalar(select(func.count()).select_from(CalendarDay)) > 0
