"""Delegation in a real browser: a task handed to a colleague with a reason is in the
colleague's inbox and the reason in the case's history; an absence declared on
/absences routes a new task to the delegate, and the deadline's escalation still
reaches the absent officer's head (docs/working-together.md)."""

from __future__ import annotations

from factories.campaigns import open_campaign
from factories.dates import local
from factories.tasks import task_named
from factories.web import browser_signed_in

OPENED = local(2026, 1, 10, 9, 0)
CUTOFF = local(2026, 1, 14, 12, 0)
REASON = "Đồng chí Hoa phụ trách lĩnh vực chuyển đổi số"
OFFICER = "Cán bộ Văn phòng HĐND và UBND xã Cẩm Giang"
COLLEAGUE = "Lê Thị Hoa"


def _task_link(task_id: str) -> str:
    return f'a[href$="/tasks/{task_id}"]'


def test_a_task_handed_with_a_reason_is_in_the_colleagues_inbox_and_the_history(
    commune, live_server, browser
):
    services = commune
    open_campaign(services, at=OPENED)
    services.clock.set(local(2026, 1, 11, 9, 0))
    draft = task_named(services, "cg_vp.canbo", "draft_proposal")

    officer = browser_signed_in(browser, live_server, "cg_vp.canbo")
    officer.goto(f"{live_server}/tasks/{draft.id}")
    with officer.expect_navigation():  # nothing chosen: refused, back on the task's page
        officer.click("section.delegation button[type=submit] >> text=Chuyển xử lý")
    assert "Vui lòng chọn «Người nhận»." in officer.inner_text("section.delegation")
    officer.select_option("#delegate_id", label=COLLEAGUE)
    officer.fill("#delegation-reason", REASON)
    officer.click("section.delegation button[type=submit] >> text=Chuyển xử lý")
    officer.wait_for_url(f"{live_server}/inbox")
    assert f"Đã chuyển công việc cho {COLLEAGUE} xử lý." in officer.inner_text(".flash")
    assert officer.locator(_task_link(draft.id)).count() == 0

    colleague = browser_signed_in(browser, live_server, "cg_vp.chuyenvien")
    assert colleague.locator(_task_link(draft.id)).count() >= 1
    colleague.goto(f"{live_server}/notifications")
    assert REASON in colleague.inner_text("main")
    colleague.goto(f"{live_server}/tasks/{draft.id}")
    history = colleague.inner_text("section.history")
    assert f"được {OFFICER} chuyển cho {COLLEAGUE} xử lý, lý do: {REASON}" in history, history


def test_an_absence_routes_a_new_task_and_the_escalation_still_reaches_the_head(
    commune, live_server, browser
):
    services = commune
    services.clock.set(local(2026, 1, 9, 16, 0))
    officer = browser_signed_in(browser, live_server, "cg_vp.canbo")
    officer.click("header nav >> text=Lịch vắng mặt")
    officer.wait_for_url(f"{live_server}/absences")
    officer.fill("#absence-starts_on", "2026-01-10")
    officer.fill("#absence-ends_on", "2026-01-16")
    officer.select_option("#absence-delegate_id", label=COLLEAGUE)
    officer.check("text=Đề xuất nhu cầu thu hút người có tài năng, nguồn nhân lực chất lượng cao của đơn vị")
    officer.fill("#absence-reason", "Đi học lớp bồi dưỡng")
    with officer.expect_navigation():
        officer.click("button[type=submit] >> text=Đăng ký vắng mặt")
    assert "Đã ghi nhận lịch vắng mặt" in officer.inner_text(".flash")
    row = officer.inner_text("table.absences tbody tr")
    assert "10/01/2026" in row and "16/01/2026" in row and COLLEAGUE in row and "Sắp tới" in row

    open_campaign(services, at=OPENED)  # the next morning, while the officer is away
    draft = task_named(services, "cg_vp.chuyenvien", "draft_proposal")
    colleague = browser_signed_in(browser, live_server, "cg_vp.chuyenvien")
    assert colleague.locator(_task_link(draft.id)).count() >= 1
    colleague.goto(f"{live_server}/tasks/{draft.id}")
    assert f"được giao cho {COLLEAGUE} xử lý thay trong thời gian {OFFICER} vắng mặt" in colleague.inner_text(
        "section.history"
    )
    officer.goto(f"{live_server}/notifications")
    assert f"đã được giao cho {COLLEAGUE} xử lý thay" in officer.inner_text("main")  # still informed

    services.tick(CUTOFF)  # nobody sent it: the timer closes it, escalated to the unit's head
    head = browser_signed_in(browser, live_server, "cg_vp.truong")
    head.goto(f"{live_server}/notifications")
    told = head.inner_text("main")
    assert "Hết hạn: «" in told and "Văn phòng HĐND và UBND xã Cẩm Giang" in told, told
    assert head.locator(_task_link(draft.id)).count() == 1
