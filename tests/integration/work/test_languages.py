"""One language at a time (docs/languages.md): what the services say (refusals, notifications,
roles, the days off suggested) and the error pages read in the reader's language, Vietnamese
or English, never a mix; the API keeps its JSON shape in both."""

from __future__ import annotations

import pytest
from factories.campaigns import open_campaign
from factories.dates import local
from factories.tasks import task_named
from factories.web import csrf_token, shown_after_refusal, signed_in, web_app

from engine.messages import Message
from services.identity import _api_tokens as api_tokens, user_by_username
from services.notifications import notify

# What each language reads; the other language's words must not show.
ERROR_PAGES = {
    "vi": {
        403: "Vai trò của đồng chí không được thực hiện việc này.",
        404: "Không tìm thấy",
        405: "Không thực hiện được",
    },
    "en": {403: "Your role does not allow this.", 404: "Not found", 405: "Not allowed here"},
}


@pytest.mark.parametrize("language", ["vi", "en"])
def test_error_pages_are_the_apps_own_in_the_readers_language(commune, language):
    officer = signed_in(web_app(commune), "cg_vp.canbo", language)
    other = "en" if language == "vi" else "vi"
    answers = {
        403: officer.get("/admin/"),  # not an administrator
        404: officer.get("/no-such-page"),
        405: officer.get("/notifications/1/read"),  # a form's address, posted only
    }
    for status, answer in answers.items():
        page = answer.get_data(as_text=True)
        assert answer.status_code == status
        assert ERROR_PAGES[language][status] in page and ERROR_PAGES[other][status] not in page
        assert 'href="/inbox"' in page  # a way back
    # An unknown task is the app's 404 page too; the API keeps its JSON.
    assert officer.get("/tasks/00000000-0000-0000-0000-000000000000").status_code == 404
    assert officer.get("/api/v1/no-such-thing").get_json()["code"] == "not_found"


def test_an_unexpected_failure_is_the_apps_own_page_too(commune):
    app = web_app(commune)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the failure is logged, a page answers
    app.add_url_rule("/failing", "failing", lambda: 1 / 0)
    answer = signed_in(app, "cg_vp.canbo", "vi").get("/failing")
    assert answer.status_code == 500 and "Hệ thống gặp lỗi" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("language", "words"),
    [("vi", "Vui lòng nhập «Lý do» chuyển xử lý."), ("en", "Please enter the «Reason» for handing it over.")],
)
def test_a_refused_form_says_why_in_the_readers_language(commune, language, words):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    task = task_named(commune, "cg_vp.canbo", "draft_proposal")
    officer = signed_in(web_app(commune), "cg_vp.canbo", language)
    page = f"/tasks/{task.id}"
    with commune.db.read() as session:
        colleague_id = user_by_username(session, "cg_vp.chuyenvien").id
    refused = officer.post(
        f"{page}/delegate",
        data={"csrf_token": csrf_token(officer, page), "delegate_id": str(colleague_id), "reason": " "},
        follow_redirects=True,
    )
    assert words in shown_after_refusal(refused, page)


@pytest.mark.parametrize(
    ("language", "subject", "role"),
    [
        ("vi", "Nhắc việc: «Lập đề xuất» — còn 2 giờ", "Cán bộ đơn vị"),
        ("en", "Reminder: «Lập đề xuất» — 2 hours left", "Unit officer"),
    ],
)
def test_a_notification_and_the_api_read_in_the_readers_language(commune, language, subject, role):
    now = commune.clock.now()
    with commune.db.transaction() as session:
        officer = user_by_username(session, "cg_vp.canbo")
        left = Message("%(amount)s left", amount=Message("%(count)s hours", count="2"))
        notify(
            session,
            key=f"reminder:t1:PT2H:{officer.id}",
            user=officer,
            subject=Message("Reminder: «%(task)s» — %(left)s", task="Lập đề xuất", left=left),
            body="Còn 2 giờ.",  # a text written before notifications kept their wording: as it is
            at=now,
        )
        token = api_tokens.issue(session, "cg_vp.canbo", "bell", now)
    client = signed_in(web_app(commune), "cg_vp.canbo", language)
    page = client.get("/notifications").get_data(as_text=True)
    assert subject in page and "Còn 2 giờ." in page
    api = client.get(
        "/api/v1/notifications", headers={"Authorization": f"Bearer {token}", "Accept-Language": language}
    )
    assert api.get_json()["items"][0]["subject"] == subject
    wrong = client.post(
        "/api/v1/notifications/999999/read",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": language},
    )
    expected = {"vi": "Không tìm thấy thông báo chưa đọc này.", "en": "No such unread notification."}
    assert (wrong.status_code, wrong.get_json()["message"]) == (404, expected[language])
    # The case's history names roles in words, not codes.
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    task = task_named(commune, "cg_vp.canbo", "draft_proposal")
    history = client.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert f"{role} — " in history and "unit_officer" not in history


def test_suggested_days_off_are_named_in_each_language(commune):
    with commune.db.transaction() as session:
        token = api_tokens.issue(session, "admin", "calendar", commune.clock.now())
    client = web_app(commune).test_client()
    for language, name in (("vi", "Quốc khánh"), ("en", "National Day")):
        days = client.get(
            "/api/v1/calendar/2030/suggestions",
            headers={"Authorization": f"Bearer {token}", "Accept-Language": language},
        ).get_json()
        assert {"day": "2030-09-02", "name": name} in days
