"""The officer's pages through Flask's test client: sign-in with throttling and CSRF,
the inbox with time left, the task form keeping what was typed, drafts, and no view
into another unit's tasks."""

import re

import pytest
from factories.campaigns import open_campaign
from factories.dates import local
from factories.tasks import inbox
from factories.web import PASSWORD, csrf_token, shown_after_refusal, signed_in, web_app
from sqlalchemy import func, select

from engine.models import HumanTask
from services.identity._models import LoginAttempt
from services.work._models import TaskDraft


@pytest.fixture
def app(commune):
    commune.clock.set(local(2026, 1, 12, 9, 0))
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(local(2026, 1, 12, 9, 0))
    return web_app(commune)


def _task_id(services, username: str) -> str:
    return inbox(services, username)[0].id


def test_sign_in_refuses_wrong_passwords_then_throttles_even_the_right_one(app, commune):
    client = app.test_client()
    for _ in range(5):
        wrong = client.post(
            "/login",
            data={"username": "cg_vp.canbo", "password": "sai-mat-khau", "csrf_token": csrf_token(client)},
        )
        assert wrong.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu." in wrong.get_data(as_text=True)
    throttled = client.post(
        "/login", data={"username": "cg_vp.canbo", "password": PASSWORD, "csrf_token": csrf_token(client)}
    )
    assert throttled.status_code == 429 and "chờ 1 phút" in throttled.get_data(as_text=True)
    assert client.get("/inbox").status_code == 302  # still signed out
    commune.clock.advance(minutes=1)
    assert signed_in(app, "cg_vp.canbo").get("/inbox").status_code == 200
    with commune.db.read() as session:
        assert (
            session.scalar(select(func.count()).select_from(LoginAttempt)) == 6
        )  # the refused one unchecked


def test_posts_without_a_csrf_token_are_refused_and_change_nothing(app, commune):
    client = signed_in(app, "cg_vp.canbo")
    task_id = _task_id(commune, "cg_vp.canbo")
    for path, data in (
        (f"/tasks/{task_id}", {"action": "submit", "no_demand": "true"}),
        (f"/tasks/{task_id}/claim", {}),
        ("/logout", {}),
    ):
        assert client.post(path, data=data).status_code == 400
    with commune.db.read() as session:
        task = session.get(HumanTask, task_id)
        assert (task.status, task.assignee_id) == ("ready", None)
    assert (
        app.test_client().post("/login", data={"username": "cg_vp.canbo", "password": PASSWORD}).status_code
        == 400
    )


def test_the_inbox_shows_time_left_in_vietnamese_and_security_headers(app):
    client = signed_in(app, "cg_vp.canbo")
    page = client.get("/inbox")
    text = page.get_data(as_text=True)
    assert "Hộp công việc" in text and "Lập đề xuất nhu cầu" in text
    assert "trước 12 giờ ngày 14/01/2026" in text and "còn 2 ngày 3 giờ" in text  # in the law's words
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    english = signed_in(app, "cg_vp.canbo", language="en").get("/inbox").get_data(as_text=True)
    assert "Inbox" in english and "2 days 3 hours left" in english


def test_an_invalid_form_comes_back_with_the_error_by_its_field_and_nothing_lost(app, commune):
    client = signed_in(app, "cg_vp.canbo")
    task_id = _task_id(commune, "cg_vp.canbo")
    form = {
        "csrf_token": csrf_token(client, f"/tasks/{task_id}"),
        "action": "submit",
        "no_demand.present": "1",
        "lines[0].field": "ict",
        "lines[0].major": "Công nghệ thông tin",
        "lines[0].criteria": "Tốt nghiệp xuất sắc",
        "lines[0].target_group": "excellent_graduate",
        "lines[0].job_position": "Chuyên viên",
        "lines[0].quantity_year": "ba",
        "lines[0].quantity_period": "2",
    }
    response = client.post(f"/tasks/{task_id}", data=form, follow_redirects=True)
    text = shown_after_refusal(response, f"/tasks/{task_id}")
    error = re.search(
        r'data-field="lines\[0\]\.quantity_year">.*?<p class="field-error"[^>]*>([^<]+)</p>', text, re.S
    )
    assert error and "số nguyên" in error.group(1)
    assert 'value="ba"' in text and "Công nghệ thông tin" in text and "Tốt nghiệp xuất sắc" in text
    assert "số nguyên" not in client.get(f"/tasks/{task_id}").get_data(
        as_text=True
    )  # a refresh: no stale error
    form["lines[0].quantity_year"] = "1"
    done = client.post(f"/tasks/{task_id}", data=form)
    assert done.status_code == 302
    with commune.db.read() as session:
        assert session.get(HumanTask, task_id).status == "completed"


def test_a_draft_is_kept_until_submitted_and_a_row_can_be_added(app, commune):
    client = signed_in(app, "cg_vp.canbo")
    task_id = _task_id(commune, "cg_vp.canbo")
    token = csrf_token(client, f"/tasks/{task_id}")
    more = client.post(
        f"/tasks/{task_id}",
        data={"csrf_token": token, "action": "add_row", "lines[0].major": "Luật"},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert 'name="lines[1].major"' in more and 'value="Luật"' in more
    saved = client.post(
        f"/tasks/{task_id}",
        data={
            "csrf_token": token,
            "action": "save_draft",
            "lines[0].major": "Luật",
            "lines[0].quantity_year": "x",
        },
    )
    assert saved.status_code == 302
    again = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert (
        'value="Luật"' in again and 'value="x"' in again and "Bản nháp đã lưu lúc 12/01/2026 09:00" in again
    )
    with commune.db.read() as session:
        assert session.scalar(select(func.count()).select_from(TaskDraft)) == 1


def test_another_units_task_is_not_found_and_cannot_be_claimed_or_submitted(app, commune):
    task_id = _task_id(commune, "cg_vp.canbo")
    stranger = signed_in(app, "cg_pkt.canbo")
    token = csrf_token(stranger, "/inbox")
    assert stranger.get(f"/tasks/{task_id}").status_code == 404
    assert stranger.post(f"/tasks/{task_id}/claim", data={"csrf_token": token}).status_code == 404
    refused = stranger.post(
        f"/tasks/{task_id}",
        data={"csrf_token": token, "action": "submit", "no_demand.present": "1", "no_demand": "true"},
    )
    assert refused.status_code == 404
    assert task_id not in stranger.get("/inbox").get_data(as_text=True)
    with commune.db.read() as session:
        assert session.get(HumanTask, task_id).status == "ready"


def test_claim_hides_the_task_from_colleagues_and_release_gives_it_back(app, commune):
    task_id = _task_id(commune, "cg_vp.canbo")
    with commune.db.transaction() as session:
        from services.identity import AppUser, grant_role

        session.add(AppUser(username="cg_vp.dongnghiep", full_name="Cán bộ 2", active=True))
        session.flush()
        grant_role(session, "cg_vp.dongnghiep", "cg_vp", "unit_officer")
    web_app(commune)  # gives the new user the test password
    first, second = signed_in(app, "cg_vp.canbo"), signed_in(app, "cg_vp.dongnghiep")
    assert task_id in second.get("/inbox").get_data(as_text=True)
    assert (
        first.post(f"/tasks/{task_id}/claim", data={"csrf_token": csrf_token(first, "/inbox")}).status_code
        == 302
    )
    assert task_id not in second.get("/inbox").get_data(as_text=True)
    assert second.get(f"/tasks/{task_id}").status_code == 404
    assert (
        first.post(f"/tasks/{task_id}/release", data={"csrf_token": csrf_token(first, "/inbox")}).status_code
        == 302
    )
    assert task_id in second.get("/inbox").get_data(as_text=True)


def test_phong_vhxh_returns_a_proposal_from_the_board_with_a_reason(app, commune):
    from factories.campaigns import line, submit_proposal

    submit_proposal(commune, "cg_vp", [line()], at=local(2026, 1, 12, 8, 0))
    commune.clock.set(local(2026, 1, 12, 9, 0))
    office = signed_in(app, "vhxh.canbo")
    board = office.get("/campaigns/1").get_data(as_text=True)
    assert "Trả lại để làm rõ" in board
    token = csrf_token(office, "/campaigns/1")
    short = office.post(
        "/campaigns/1/units/cg_vp/return", data={"csrf_token": token, "reason": "ngắn"}, follow_redirects=True
    )
    text = shown_after_refusal(short, "/campaigns/1")
    assert "ít nhất 10 ký tự" in text and ">ngắn</textarea>" in text
    done = office.post(
        "/campaigns/1/units/cg_vp/return",
        data={"csrf_token": token, "reason": "Đề nghị làm rõ tiêu chí tuyển chọn"},
    )
    assert done.status_code == 302
    assert "Chưa gửi (đã trả lại để làm rõ)" in office.get("/campaigns/1").get_data(as_text=True)
    chair = signed_in(app, "chutich")
    refused = chair.post(
        "/campaigns/1/units/cg_vp/return",
        data={"csrf_token": csrf_token(chair, "/inbox"), "reason": "Lý do đầy đủ và rõ ràng"},
    )
    assert refused.status_code == 403


def _bell(client) -> str:
    return re.search(r'<a class="bell".*?</a>', client.get("/inbox").get_data(as_text=True), re.S).group(0)


def test_the_bell_counts_unread_notifications_on_every_page(app, commune):
    officer = signed_in(app, "cg_vp.canbo")
    nothing_unread = _bell(officer)
    assert 'aria-label="Thông báo, 0 chưa đọc"' in nothing_unread and "count" not in nothing_unread
    commune.tick(local(2026, 1, 13, 12, 0))  # T-24 h: the officer is reminded
    bell = _bell(officer)
    assert 'aria-label="Thông báo, 2 chưa đọc"' in bell and '<span class="count">2</span>' in bell
    assert re.search(r'<svg [^>]*aria-hidden="true"', bell)  # an icon, not an emoji a font may lack
    page = officer.get("/notifications").get_data(as_text=True)
    assert "Nhắc việc: «Lập đề xuất nhu cầu»" in page and "Tổng hợp công việc ngày 13/01/2026" in page
    note_id = re.search(r"/notifications/(\d+)/read", page).group(1)
    officer.post(f"/notifications/{note_id}/read", data={"csrf_token": csrf_token(officer, "/inbox")})
    assert '<span class="count">1</span>' in _bell(officer)


def test_opening_a_campaign_is_phong_vhxhs_and_a_refusal_names_the_field(app):
    assert signed_in(app, "cg_vp.canbo").get("/campaigns/new").status_code == 404
    office = signed_in(app, "vhxh.canbo")
    token = csrf_token(office, "/campaigns/new")
    for form, field, message in (
        ({"title": "Đợt thử", "target_year": "năm sau"}, "target_year", "phải là một năm"),
        ({"title": "Đợt thử", "target_year": "2027"}, "units", "ít nhất một đơn vị"),
        ({"title": "", "target_year": "2027", "unit_codes": "cg_vp"}, "title", "«Tên đợt»"),
        (
            {"title": "Đợt thử", "target_year": "2027", "unit_codes": "cg_vp", "unit_deadline": "mai"},
            "unit_deadline",
            "ngày giờ",
        ),
    ):
        posted = office.post(
            "/campaigns/new", data={"csrf_token": token, "commune_code": "xa_cam_giang_ubnd", **form}
        )
        assert posted.status_code == 302 and posted.headers["Location"].endswith("/campaigns/new")
        page = office.get("/campaigns/new").get_data(as_text=True)
        assert f'id="{field}-error"' in page and message in page, field
