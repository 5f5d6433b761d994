"""The inbox that finds things, in the browser: a word of a case's title typed without
accents finds it, a word of nothing says so; a saved filter is still there after signing
out and in, and applies; the task an officer completed is listed under 'Đã xử lý'."""

from __future__ import annotations

from factories.campaigns import line, open_campaign
from factories.dates import local
from factories.tasks import act, task_named
from factories.web import PASSWORD


def _search(page, words: str) -> None:
    page.fill('input[name="q"]', words)
    with page.expect_navigation():
        page.press('input[name="q"]', "Enter")


def test_search_saved_filter_and_done_view(commune, live_server, browser):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(local(2026, 1, 12, 9, 0))
    draft = task_named(commune, "cg_vp.canbo", "draft_proposal")
    title = draft.title
    assert "Lập" in title, title

    page = browser.new_context(locale="vi-VN").new_page()
    page.goto(f"{live_server}/login")
    page.fill("#username", "cg_vp.canbo")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Đăng nhập")
    page.wait_for_url(f"{live_server}/inbox")
    assert page.locator("table.tasks th", has_text="Người xử lý").count() == 1

    _search(page, "lap")  # "Lập", typed without its accent
    assert "q=lap" in page.url
    assert page.locator("table.tasks a", has_text=title).count() == 1
    _search(page, "khongcochunay")
    assert page.locator("table.tasks").count() == 0
    assert "Không tìm thấy công việc nào khớp với “khongcochunay”" in page.inner_text("p.empty")

    _search(page, "lap")
    page.fill("#filter-name", "Việc cần lập")
    with page.expect_navigation():
        page.click("button >> text=Lưu bộ lọc")
    assert "Đã lưu bộ lọc." in page.content()

    with page.expect_navigation():
        page.click("header.top button >> text=Đăng xuất")
    page.goto(f"{live_server}/inbox")  # signed out: the sign-in page
    assert page.locator("#username").count() == 1
    page.fill("#username", "cg_vp.canbo")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Đăng nhập")
    page.wait_for_url(f"{live_server}/inbox")
    page.goto(f"{live_server}/inbox?queue=mine")  # a view that does not show the task
    assert page.locator("table.tasks a", has_text=title).count() == 0
    saved = page.locator(".saved-filters li", has_text="Việc cần lập")
    assert saved.locator(".count").inner_text() == "1"
    with page.expect_navigation():
        saved.locator("a").click()
    assert page.input_value('input[name="q"]') == "lap"
    assert page.locator("table.tasks a", has_text=title).count() == 1

    act(commune, "cg_vp.canbo", "draft_proposal", {"no_demand": False, "lines": [line()], "note": "Đủ"})
    page.goto(f"{live_server}/inbox")
    assert page.locator("table.tasks a", has_text=title).count() == 0
    with page.expect_navigation():
        page.click("#done-tab")
    assert page.inner_text("#done-tab") == "Đã xử lý"
    done = page.locator("table.tasks.done tbody tr")
    assert done.count() == 1 and title in done.inner_text() and "12/01/2026" in done.inner_text()
    with page.expect_navigation():
        done.locator("a").click()
    assert page.url.endswith(f"/tasks/{draft.id}")
