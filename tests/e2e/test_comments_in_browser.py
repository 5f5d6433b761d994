"""Comments (ý kiến) in a real browser: a comment written by the officer is read by their
head and not by another unit; one marked for the reviewing office reaches Phòng VH-XH."""

from __future__ import annotations

from factories.campaigns import line, open_campaign
from factories.dates import local
from factories.tasks import act, task_named
from factories.web import browser_signed_in

INTERNAL = "Cần bổ sung minh chứng kinh nghiệm công tác tại xã"
FOR_OFFICE = "Kính đề nghị Phòng VH-XH ưu tiên chỉ tiêu chuyển đổi số"


def _comment(page, body: str, for_office: bool = False) -> str:
    page.fill("#comment-body", body)
    if for_office:
        page.check("#comment-audience")
    with page.expect_navigation():  # posted, then redirected back to the task's page
        page.click("section.comments button[type=submit] >> text=Gửi ý kiến")
    return page.inner_text(".flash")


def test_a_comment_by_the_officer_is_read_by_the_head_and_not_by_another_unit(commune, live_server, browser):
    services = commune
    campaign_id = open_campaign(services, at=local(2026, 1, 10, 9, 0))
    services.clock.set(local(2026, 1, 12, 9, 0))
    draft = task_named(services, "cg_vp.canbo", "draft_proposal")

    officer = browser_signed_in(browser, live_server, "cg_vp.canbo")
    officer.goto(f"{live_server}/tasks/{draft.id}")
    with officer.expect_navigation():
        officer.click("section.comments button[type=submit] >> text=Gửi ý kiến")  # nothing typed
    assert "Ý kiến không được để trống." in officer.inner_text("section.comments")
    assert "Đã gửi ý kiến của bạn." in _comment(officer, INTERNAL)
    assert officer.url.startswith(f"{live_server}/tasks/{draft.id}")
    assert "Đã gửi ý kiến của bạn." in _comment(officer, FOR_OFFICE, for_office=True)
    mine = officer.inner_text("section.comments")
    assert INTERNAL in mine and FOR_OFFICE in mine and "nội bộ đơn vị" in mine
    assert "gửi cả cơ quan thẩm định" in mine and "12/01/2026" in mine
    act(services, "cg_vp.canbo", "draft_proposal", {"no_demand": False, "lines": [line()], "note": ""})

    head = browser_signed_in(browser, live_server, "cg_vp.truong")
    approval = task_named(services, "cg_vp.truong", "approve_proposal")
    head.goto(f"{live_server}/tasks/{approval.id}")
    read = head.inner_text("section.comments")
    assert INTERNAL in read and FOR_OFFICE in read
    assert "Cán bộ Văn phòng HĐND và UBND xã Cẩm Giang" in read and "Cán bộ đơn vị" in read
    assert head.locator("section.comments form.comment-withdraw").count() == 0  # not the head's to withdraw
    assert INTERNAL in head.inner_text("section.history")  # in the case's history too

    other_head = browser_signed_in(browser, live_server, "cg_thcs.truong")
    answer = other_head.goto(f"{live_server}/tasks/{approval.id}")
    assert answer is not None and answer.status == 404
    assert INTERNAL not in other_head.content()

    office = browser_signed_in(browser, live_server, "vhxh.canbo")
    office.goto(f"{live_server}/campaigns/{campaign_id}/units/cg_vp")
    history = office.inner_text("main")
    assert FOR_OFFICE in history and INTERNAL not in history


def test_the_officer_withdraws_a_comment_with_a_reason_and_the_head_sees_only_the_trace(
    commune, live_server, browser
):
    services = commune
    open_campaign(services, at=local(2026, 1, 10, 9, 0))
    services.clock.set(local(2026, 1, 12, 9, 0))
    draft = task_named(services, "cg_vp.canbo", "draft_proposal")
    officer = browser_signed_in(browser, live_server, "cg_vp.canbo")
    officer.goto(f"{live_server}/tasks/{draft.id}")
    _comment(officer, INTERNAL)

    withdraw = officer.locator("section.comments form.comment-withdraw")
    with officer.expect_navigation():
        withdraw.locator("button").click()  # no reason
    assert "Lý do rút ý kiến không được để trống." in officer.inner_text("section.comments")
    services.clock.set(local(2026, 1, 12, 9, 30))
    officer.locator("section.comments form.comment-withdraw input[name=reason]").fill("Nhầm hồ sơ")
    with officer.expect_navigation():
        officer.locator("section.comments form.comment-withdraw button").click()
    assert "Đã rút ý kiến của bạn." in officer.inner_text(".flash")
    act(services, "cg_vp.canbo", "draft_proposal", {"no_demand": True})

    head = browser_signed_in(browser, live_server, "cg_vp.truong")
    head.goto(f"{live_server}/tasks/{task_named(services, 'cg_vp.truong', 'approve_proposal').id}")
    page = head.inner_text("main")
    assert INTERNAL not in page
    assert "Đã rút lúc 12/01/2026 09:30: Nhầm hồ sơ" in head.inner_text("section.comments")
    assert "đã rút lúc" in head.inner_text("section.history")
