"""Every route and API endpoint, called by every role and by users of another unit.

The table below names, for each route, who may succeed. A route missing from the table
fails the test, so a new route cannot ship without its rule. For each call: never a
5xx; a user outside the rule gets a 4xx (or, for pages, the sign-in redirect) and
changes nothing; users of another unit never see the victim unit's task or data.
"""

from __future__ import annotations

import re

import pytest
from factories import REPO_ROOT
from factories.campaigns import open_campaign
from factories.dates import local
from factories.tasks import inbox
from factories.web import csrf_token, signed_in, web_app
from sqlalchemy import func, select

from engine.models import HumanTask, ProcessDefinition, ProcessInstance
from services.campaigns import Campaign
from services.comments._models import CaseComment
from services.common.models import AuditEvent
from services.deadlines._models import CalendarDay
from services.delegation._models import Absence
from services.identity import _api_tokens as api_tokens
from services.notifications import Notification, notify
from services.process_admin._models import ProcessDraft
from services.targets import TargetFigure
from services.work._models import SavedFilter, TaskEvent

USERS = ["cg_vp.canbo", "cg_vp.truong", "cg_pkt.canbo", "cg_pkt.truong", "vhxh.canbo", "chutich", "admin"]
STRANGERS = ["cg_pkt.canbo", "cg_pkt.truong"]  # another unit than the victim's (cg_vp)
EVERYONE = set(USERS)
BOARD = {"vhxh.canbo", "chutich"}
ADMIN = {"admin"}
# The talent database: the commune's Phòng VH-XH and chair see its people, unit heads their own unit's.
TALENT_SEARCH = {"vhxh.canbo", "chutich", "cg_vp.truong", "cg_pkt.truong"}
VICTIM_TALENT = {"vhxh.canbo", "chutich", "cg_vp.truong"}  # serves in cg_vp

# (method, rule) -> who may succeed; "public" routes answer anyone, signed in or not.
RULES = {
    ("GET", "/static/<path:filename>"): "public",
    ("GET", "/api/v1/openapi.json"): "public",
    ("GET", "/api/v1/docs"): "public",
    ("GET", "/api/v1/docs/assets/<path:filename>"): "public",
    ("GET", "/health"): "public",
    ("GET", "/login"): "public",
    ("POST", "/login"): "public",
    ("POST", "/language/<code>"): "public",
    ("GET", "/api/v1/tasks"): EVERYONE,
    ("GET", "/api/v1/tasks/<task_id>"): {"cg_vp.canbo"},
    ("POST", "/api/v1/tasks/<task_id>/claim"): {"cg_vp.canbo"},
    ("POST", "/api/v1/tasks/<task_id>/release"): set(),  # nobody has claimed it
    ("POST", "/api/v1/tasks/<task_id>/complete"): {"cg_vp.canbo"},
    ("POST", "/api/v1/campaigns"): {"vhxh.canbo"},
    ("GET", "/api/v1/campaigns/<int:campaign_id>"): BOARD,
    ("GET", "/api/v1/campaigns/<int:campaign_id>/aggregation"): BOARD,
    ("GET", "/api/v1/process-definitions"): ADMIN,
    ("POST", "/api/v1/instances"): ADMIN,
    ("GET", "/api/v1/instances/<int:instance_id>"): ADMIN,
    ("GET", "/api/v1/calendar/<int:year>"): EVERYONE,
    ("GET", "/api/v1/calendar/<int:year>/suggestions"): ADMIN,
    ("GET", "/api/v1/calendar/<int:year>/confirmation"): EVERYONE,
    ("POST", "/api/v1/calendar/<int:year>/confirmation"): ADMIN,
    ("PUT", "/api/v1/calendar/days/<day>"): ADMIN,
    ("DELETE", "/api/v1/calendar/days/<day>"): ADMIN,
    ("GET", "/api/v1/notifications"): EVERYONE,
    ("POST", "/api/v1/notifications/<int:notification_id>/read"): {"cg_vp.canbo"},
    ("POST", "/logout"): EVERYONE,
    ("GET", "/"): EVERYONE,
    ("GET", "/inbox"): EVERYONE,
    ("POST", "/tasks/<task_id>/claim"): {"cg_vp.canbo"},
    ("POST", "/tasks/<task_id>/release"): set(),
    ("GET", "/tasks/<task_id>"): {"cg_vp.canbo"},
    ("POST", "/tasks/<task_id>"): {"cg_vp.canbo"},
    ("GET", "/tasks/<task_id>/documents/<int:document_id>"): set(),  # the case names no document
    ("GET", "/campaigns"): EVERYONE,
    ("GET", "/campaigns/<int:campaign_id>"): BOARD,
    ("GET", "/campaigns/<int:campaign_id>/aggregation.xlsx"): BOARD,
    ("POST", "/campaigns/<int:campaign_id>/units/<unit_code>/<action>"): set(),  # nothing returnable yet
    ("GET", "/campaigns/<int:campaign_id>/units/<unit_code>"): BOARD,
    ("POST", "/campaigns/<int:campaign_id>/remind"): {"vhxh.canbo"},
    ("GET", "/campaigns/new"): {"vhxh.canbo"},
    ("POST", "/campaigns/new"): {"vhxh.canbo"},
    ("GET", "/notifications"): EVERYONE,
    ("GET", "/city-rounds"): EVERYONE,  # each sees the rounds open to them: none here
    ("GET", "/city-rounds/<int:round_id>"): set(),  # Sở Nội vụ and the city chair only
    ("GET", "/rounds"): EVERYONE,  # each sees the rounds open to them: none here
    ("GET", "/rounds/new"): set(),  # Sở Nội vụ only
    ("POST", "/rounds/new"): set(),
    ("GET", "/rounds/<int:round_id>"): set(),
    ("POST", "/rounds/<int:round_id>/nominations"): set(),
    ("POST", "/rounds/<int:round_id>/applications"): set(),
    ("POST", "/rounds/<int:round_id>/external-nominations"): set(),
    ("GET", "/rounds/<int:round_id>/<any(minutes, decision):paper>.<any(docx, pdf):form>"): set(),
    ("GET", "/commitments/<int:commitment_id>"): set(),  # the person, Sở Nội vụ, the employer's head, finance
    ("POST", "/commitments/<int:commitment_id>/signed-scan"): set(),
    ("POST", "/commitments/<int:commitment_id>/breach"): set(),
    ("GET", "/commitments/<int:commitment_id>/documents/<int:document_id>"): set(),
    ("GET", "/commitments/<int:commitment_id>/documents/<int:document_id>.pdf"): set(),
    ("GET", "/talents"): TALENT_SEARCH,
    ("POST", "/talents"): TALENT_SEARCH,
    ("POST", "/api/v1/talents/search"): TALENT_SEARCH,
    ("GET", "/talents/<int:person_id>"): VICTIM_TALENT,
    ("GET", "/api/v1/talents"): TALENT_SEARCH,
    ("GET", "/api/v1/talents/<int:person_id>"): VICTIM_TALENT,
    ("POST", "/notifications/<int:notification_id>/read"): {"cg_vp.canbo"},
    ("GET", "/admin/"): ADMIN,
    ("POST", "/admin/upload"): ADMIN,
    ("GET", "/admin/processes/<key>"): ADMIN,
    ("GET", "/admin/processes/<key>/edit"): ADMIN,
    ("GET", "/admin/processes/<key>/decisions/<file>"): ADMIN,
    ("GET", "/admin/processes/<key>/versions/<int:version>.bpmn"): ADMIN,
    ("GET", "/admin/processes/<key>/draft.bpmn"): ADMIN,
    ("GET", "/admin/processes/<key>/diff"): ADMIN,
    ("GET", "/admin/instances/<int:instance_id>"): ADMIN,
    ("GET", "/admin/instances/<int:instance_id>/cancel"): ADMIN,
    ("POST", "/admin/instances/<int:instance_id>/actions/<action>"): ADMIN,
    ("GET", "/admin/instances/<int:instance_id>/migrate"): ADMIN,
    ("POST", "/admin/instances/<int:instance_id>/migrate"): ADMIN,
    ("GET", "/admin/users"): ADMIN,
    ("GET", "/admin/templates"): ADMIN,
    ("POST", "/admin/templates/<key>"): ADMIN,
    ("POST", "/admin/templates/<key>/<int:version>/publish"): ADMIN,
    ("GET", "/admin/templates/<key>/default.docx"): ADMIN,
    ("GET", "/admin/templates/<key>/<int:version>.docx"): ADMIN,
    ("GET", "/admin/templates/<key>/default.pdf"): ADMIN,
    ("GET", "/admin/templates/<key>/<int:version>.pdf"): ADMIN,
    ("GET", "/admin/users/<int:user_id>"): ADMIN,
    ("POST", "/admin/users/<int:user_id>/actions/<action>"): ADMIN,
    ("GET", "/api/v1/admin/roles"): ADMIN,
    ("GET", "/api/v1/admin/processes/<key>/draft"): ADMIN,
    ("PUT", "/api/v1/admin/processes/<key>/draft"): ADMIN,
    ("GET", "/api/v1/admin/processes/<key>/decisions/<file>"): ADMIN,
    ("PUT", "/api/v1/admin/processes/<key>/decisions/<file>"): ADMIN,
    ("POST", "/api/v1/admin/decision-test"): ADMIN,
    ("GET", "/api/v1/admin/connectors"): ADMIN,
    ("POST", "/api/v1/admin/processes/<key>/draft/publish"): ADMIN,
    ("POST", "/api/v1/admin/processes/<key>/draft/dry-run"): ADMIN,
    ("POST", "/api/v1/admin/form-preview"): ADMIN,
    ("GET", "/api/v1/admin/instances/<int:instance_id>/diagram"): ADMIN,
    ("GET", "/api/v1/tasks/done"): EVERYONE,
    ("POST", "/inbox/filters"): EVERYONE,
    ("POST", "/inbox/filters/<int:filter_id>/delete"): {"cg_vp.canbo"},
    ("GET", "/api/v1/tasks/<task_id>/comments"): {"cg_vp.canbo"},
    ("POST", "/api/v1/tasks/<task_id>/comments"): {"cg_vp.canbo"},
    ("POST", "/api/v1/tasks/<task_id>/comments/<int:comment_id>/withdraw"): {"cg_vp.canbo"},
    ("POST", "/tasks/<task_id>/comments"): {"cg_vp.canbo"},
    ("POST", "/tasks/<task_id>/comments/<int:comment_id>/withdraw"): {"cg_vp.canbo"},
    ("GET", "/tasks/<task_id>/attachments/<int:attachment_id>"): set(),  # nothing attached
    ("POST", "/tasks/<task_id>/recall"): {"cg_vp.canbo"},  # (refused: not sent yet)
    ("POST", "/tasks/<task_id>/delegate"): {"cg_vp.canbo"},
    ("GET", "/absences"): EVERYONE,
    ("POST", "/absences"): EVERYONE,
    ("POST", "/absences/<int:absence_id>/cancel"): {"cg_vp.canbo"},
    # The registers: a body's records clerk only (none of these users is one).
    ("GET", "/plans"): {"vhxh.canbo"},
    ("POST", "/plans/import"): {"vhxh.canbo"},
    ("GET", "/plans/<int:plan_id>"): {"vhxh.canbo"},
    ("POST", "/plans/<int:plan_id>/tasks/<int:plan_task_id>/confirm"): {"vhxh.canbo"},
    ("POST", "/plans/<int:plan_id>/tasks/<int:plan_task_id>/lead"): {"vhxh.canbo"},
    ("POST", "/plans/<int:plan_id>/tasks/<int:plan_task_id>/time"): {"vhxh.canbo"},
    ("POST", "/plans/<int:plan_id>/tasks/<int:plan_task_id>/approver"): {"vhxh.canbo"},
    ("POST", "/plans/<int:plan_id>/organisations"): {"vhxh.canbo"},
    ("POST", "/plans/<int:plan_id>/follow-up"): {"vhxh.canbo"},
    ("POST", "/plans/<int:plan_id>/issue"): {"vhxh.canbo"},
    ("GET", "/plans/<int:plan_id>/board"): {"vhxh.canbo"},
    ("GET", "/plans/<int:plan_id>/board/tasks/<int:plan_task_id>"): {"vhxh.canbo"},
    ("GET", "/plans/<int:plan_id>/board.xlsx"): {"vhxh.canbo"},
    ("POST", "/plans/<int:plan_id>/amendments"): {"vhxh.canbo"},
    ("POST", "/plans/<int:plan_id>/board/units/<int:assignment_id>/event"): {"vhxh.canbo"},
    # The targets' dashboards: a commune's chair and Phòng VH-XH, their commune's only.
    ("POST", "/talents/<int:person_id>/trainings"): set(),  # Sở Nội vụ's officers
    ("GET", "/targets"): BOARD,
    ("GET", "/targets/<target_code>"): BOARD,
    ("GET", "/targets/compare"): set(),  # the city's
    ("GET", "/targets/figures"): BOARD,
    ("POST", "/targets/figures"): BOARD,
    ("GET", "/targets.xlsx"): BOARD,
    ("GET", "/records"): set(),
    ("GET", "/records/<int:org_unit_id>"): set(),
    ("GET", "/records/<int:org_unit_id>/<any(sent, received):register>.xlsx"): set(),
    ("GET", "/records/documents/<int:document_id>.<any(docx, pdf):form>"): set(),
    ("POST", "/records/documents/<int:document_id>/void"): set(),
}
UNIT_PROPOSAL_BPMN = (REPO_ROOT / "bpmn/unit_proposal/unit_proposal.bpmn").read_text()
# Calls that would change state are made by everyone but the allowed (the success
# paths have their own tests); reads are made by everyone.
UNSAFE = {"POST", "PUT", "DELETE"}


@pytest.fixture
def world(commune):
    campaign_id = open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(local(2026, 1, 12, 9, 0))
    app = web_app(commune)
    victim_task = inbox(commune, "cg_vp.canbo")[0]
    with commune.db.transaction() as session:
        from services.identity import user_by_username

        victim = user_by_username(session, "cg_vp.canbo")
        notify(
            session,
            key="walk:1",
            user=victim,
            subject="Nhắc việc",
            body="Việc của Văn phòng",
            at=commune.clock.now(),
            task_id=victim_task.id,
        )
        notification_id = session.scalar(select(Notification.id))
        tokens = {name: api_tokens.issue(session, name, "walk", commune.clock.now()) for name in USERS}
        person_id = _talent_serving_in(session, commune, "cg_vp")
        victim_id = victim.id
        owned = _owned_by(session, victim, victim_task, commune.clock.now())
    values = {
        "task_id": victim_task.id,
        "campaign_id": campaign_id,
        "instance_id": victim_task.instance_id,
        "year": 2026,
        "day": "2026-03-09",
        "notification_id": notification_id,
        "code": "en",
        "filename": "app.css",
        "unit_code": "cg_vp",
        "action": "return",
        "key": "unit_proposal",
        "file": "rules.dmn",
        "version": 1,
        "person_id": person_id,
        "document_id": 1,
        "round_id": 1,
        "commitment_id": 1,
        "user_id": victim_id,
        "attachment_id": 1,
        "org_unit_id": 1,
        "register": "sent",
        "form": "pdf",
        "paper": "minutes",
        "plan_id": 1,
        "plan_task_id": 1,
        "target_code": "kpi_retention_5y",
        "assignment_id": 1,
        **owned,
    }
    return app, tokens, values, victim_task


def _owned_by(session, victim, task, at) -> dict:
    """A comment, an absence and a saved filter of the victim, for the routes that act on one."""
    from datetime import timedelta

    comment = CaseComment(
        instance_id=task.instance_id,
        task_id=task.id,
        author_id=victim.id,
        role_code=task.lane,
        org_unit_id=task.org_unit_id,
        audience="unit",
        body="Ý kiến nội bộ",
        created_at=at,
    )
    absence = Absence(
        user_id=victim.id,
        delegate_id=victim.id,
        starts_on=(at + timedelta(days=30)).date(),
        ends_on=(at + timedelta(days=31)).date(),
        process_keys=[],
        reason="Nghỉ phép",
        created_at=at,
    )
    saved = SavedFilter(owner_id=victim.id, name="Của tôi", query={"queue": "mine"}, created_at=at)
    session.add_all([comment, absence, saved])
    session.flush()
    return {"comment_id": comment.id, "absence_id": absence.id, "filter_id": saved.id}


def _talent_serving_in(session, services, unit_code: str) -> int:
    from datetime import date

    from services.identity import unit_by_code
    from services.people import TalentListEntry, _talents as talents

    person = talents.register_person(
        session,
        services.citizen_id_keys,
        services.clock.now(),
        None,
        full_name="Trần Minh Khoa",
        citizen_id="999202000111",
    )
    session.add(
        TalentListEntry(
            person_id=person.id,
            org_unit_id=unit_by_code(session, unit_code).id,
            included_on=date(2026, 3, 16),
        )
    )
    return person.id


def _url(rule: str, values: dict) -> str:
    path = re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", lambda match: str(values[match.group(1)]), rule)
    if rule == "/api/v1/docs/assets/<path:filename>":
        path = path.replace("app.css", "swagger-ui.css")
    return path


def _state(services) -> tuple:
    with services.db.read() as session:
        return (
            session.scalar(select(func.count()).where(HumanTask.status != "ready")),
            session.scalar(select(func.count()).where(HumanTask.assignee_id.is_not(None))),
            session.scalar(select(func.count()).select_from(Campaign)),
            session.scalar(select(func.count()).select_from(CalendarDay)),
            session.scalar(select(func.count()).where(Notification.read_at.is_not(None))),
            session.scalar(select(func.count()).select_from(AuditEvent)),
            session.scalar(select(func.count()).select_from(ProcessDraft)),
            session.scalar(select(func.count()).select_from(ProcessDefinition)),
            session.scalar(select(func.count()).where(ProcessInstance.status != "running")),
            session.scalar(select(func.count()).select_from(CaseComment)),
            session.scalar(select(func.count()).where(CaseComment.withdrawn_at.is_not(None))),
            session.scalar(select(func.count()).select_from(TaskEvent)),
            session.scalar(select(func.count()).select_from(SavedFilter)),
            session.scalar(select(func.count()).select_from(Absence)),
            session.scalar(select(func.count()).where(Absence.cancelled_at.is_not(None))),
            session.scalar(select(func.count()).select_from(TargetFigure)),
        )


def _bodies(values: dict) -> dict:
    return {
        "/api/v1/tasks/<task_id>/complete": {"data": {"no_demand": True}},
        "/api/v1/tasks/<task_id>/comments": {"body": "Ý kiến", "audience": "unit"},
        "/api/v1/tasks/<task_id>/comments/<int:comment_id>/withdraw": {"reason": "Nhầm"},
        "/api/v1/campaigns": {
            "commune_code": "xa_cam_giang_ubnd",
            "title": "Đợt thử nghiệm",
            "target_year": 2027,
        },
        "/api/v1/instances": {"process_key": "unit_proposal", "data": {}, "lane_orgs": {}},
        "/api/v1/calendar/days/<day>": {"kind": "day_off", "name": "Nghỉ"},
        "/api/v1/admin/processes/<key>/draft": {"bpmn": UNIT_PROPOSAL_BPMN, "forms": {}, "meta": {}},
        "/api/v1/admin/processes/<key>/decisions/<file>": {"dmn": "<definitions/>"},
        "/api/v1/admin/decision-test": {"dmn": "<definitions/>", "data": {}},
        "/api/v1/admin/form-preview": {
            "schema": {"type": "object", "additionalProperties": False, "properties": {}}
        },
    }


def test_every_route_is_in_the_table(commune):
    app = web_app(commune)
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == set(RULES), (
        f"routes without a rule: {routes - set(RULES)}; stale rules: {set(RULES) - routes}"
    )


def test_every_route_with_every_role_and_another_unit(world, commune):
    app, tokens, values, victim_task = world
    bodies = _bodies(values)
    browsers = {name: signed_in(app, name) for name in USERS}
    for (method, rule), allowed in RULES.items():
        if allowed == "public" or rule == "/logout":
            continue
        url = _url(rule, values)
        for name in USERS:
            if method in UNSAFE and name in allowed:
                continue
            before = _state(commune)
            if rule.startswith("/api/"):
                response = app.test_client().open(
                    url,
                    method=method,
                    json=bodies.get(rule),
                    headers={"Authorization": f"Bearer {tokens[name]}"},
                )
            else:
                browser = browsers[name]
                data = (
                    {
                        "csrf_token": csrf_token(browser, "/inbox"),
                        "action": "submit",
                        "no_demand.present": "1",
                        "no_demand": "true",
                    }
                    if method in UNSAFE
                    else None
                )
                response = browser.open(url, method=method, data=data)
            where = f"{method} {url} as {name}: {response.status_code}"
            assert response.status_code < 500, where
            if name not in allowed:
                assert 400 <= response.status_code < 500, where
                assert _state(commune) == before, f"{where} changed something"
            if name in STRANGERS:  # (the page may repeat the URL the caller asked for; nothing more)
                body = response.get_data(as_text=True).replace(url, "")
                assert victim_task.id not in body and "Văn phòng HĐND" not in body, (
                    f"{where} leaked the victim's data"
                )


def test_signed_out_callers_get_nothing_but_public_routes(world, commune):
    app, _, values, victim_task = world
    bodies = _bodies(values)
    client = app.test_client()
    for (method, rule), allowed in RULES.items():
        if allowed == "public":
            continue
        before = _state(commune)
        url = _url(rule, values)
        response = client.open(url, method=method, json=bodies.get(rule))
        where = f"{method} {rule} signed out: {response.status_code}"
        if rule.startswith("/api/"):
            assert response.status_code == 401, where
        else:
            assert response.status_code in (302, 400, 401), where  # to the sign-in page, or no CSRF token
        if response.status_code != 302:  # a redirect names the page asked for, to come back to it
            assert victim_task.id not in response.get_data(as_text=True).replace(url, ""), where
        assert _state(commune) == before, where
