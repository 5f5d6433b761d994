"""Recall (thu hồi) in the browser: an officer takes back the proposal they sent before
the head acted on it; their form opens again with what they sent, the head's task closes
and leaves his inbox, and the case's history tells both."""

from __future__ import annotations

from factories.campaigns import line, open_campaign
from factories.dates import local
from factories.tasks import act, task_named
from factories.web import browser_signed_in, field

LINES = [
    line(major="Khoa học dữ liệu", job_position="Chuyên viên phân tích dữ liệu", quantity_year=1),
    line(field="health", major="Y đa khoa", target_group="specialist_level_1", job_position="Bác sĩ"),
]


def test_a_recall_reopens_the_officers_task_and_closes_the_heads(commune, live_server, browser, artifacts):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    draft = task_named(commune, "cg_vp.canbo", "draft_proposal")
    act(
        commune,
        "cg_vp.canbo",
        "draft_proposal",
        {"no_demand": False, "lines": LINES, "note": "Cần trong quý I"},
        local(2026, 1, 12, 9, 0),
    )
    approval = task_named(commune, "cg_vp.truong", "approve_proposal")

    officer = browser_signed_in(browser, live_server, "cg_vp.canbo")
    officer.goto(f"{live_server}/tasks/{draft.id}")
    assert "Công việc này đã đóng." in officer.inner_text("main")
    officer.click("section.recall button >> text=Thu hồi")
    officer.wait_for_url(f"{live_server}/tasks/{draft.id}")
    officer.screenshot(path=str(artifacts / "reopened.png"), full_page=True)
    assert "Đồng chí đã thu hồi «Lập đề xuất nhu cầu»" in officer.inner_text("body")
    assert officer.locator("form.task-form button >> text=Gửi").count() == 1  # the form is back
    assert officer.input_value(field("lines[0].major")) == "Khoa học dữ liệu"
    assert officer.input_value(field("lines[1].major")) == "Y đa khoa"
    assert officer.input_value(field("note")) == "Cần trong quý I"
    assert officer.locator("section.recall").count() == 0
    history = officer.inner_text("section.history")
    assert "«Lập đề xuất nhu cầu» được" in history and "thu hồi" in history
    assert "«Thủ trưởng duyệt và gửi đề xuất» đã đóng do bước trước đã được thu hồi" in history

    head = browser_signed_in(browser, live_server, "cg_vp.truong")
    assert head.locator(f'a[href="/tasks/{approval.id}"]').count() == 0  # gone from his inbox
    head.goto(f"{live_server}/tasks/{approval.id}")
    head.screenshot(path=str(artifacts / "head-closed.png"), full_page=True)
    assert "Công việc này đã đóng." in head.inner_text("main")
    assert head.locator("form.task-form").count() == 0
    assert "đã đóng do bước trước đã được thu hồi" in head.inner_text("section.history")

    # Sent again from the reopened form, the head has a new task to decide.
    officer.fill(field("note"), "Đã bổ sung")
    officer.click("form.task-form button >> text=Gửi")
    officer.wait_for_url(f"{live_server}/inbox")
    assert task_named(commune, "cg_vp.truong", "approve_proposal").id != approval.id
