"""The proposal worked with the keyboard alone (docs/screens.md, "Forms"): Tab, Shift+Tab,
Enter, Space, arrows and typing, never a click or a filled-in value. The unit officer
signs in, opens the proposal from the inbox, fills a line, saves a draft and submits;
the head approves one proposal and returns another with the reason."""

from __future__ import annotations

from factories.campaigns import line, open_campaign
from factories.dates import local
from factories.tasks import act, task_named
from factories.web import PASSWORD

MOST_TABS = 80  # more stops than any of these pages has before the control sought

FOCUSED_IS = "(selector) => document.activeElement.matches(selector)"
FOCUSED_TEXT = "() => document.activeElement.textContent.trim()"


def _tab_to(page, selector: str) -> None:
    """Tab forward until the focus is on ``selector``: it is reachable by the keyboard."""
    for _ in range(MOST_TABS):
        if page.evaluate(FOCUSED_IS, selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reaches {selector}")


def _tab_to_link(page, words: str) -> None:
    for _ in range(MOST_TABS):
        if page.evaluate(FOCUSED_IS, "a") and words in page.evaluate(FOCUSED_TEXT):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reaches a link «{words}»")


def _press(page, key: str) -> None:
    """A key that sends a form or follows a link: the next page is loaded."""
    with page.expect_navigation():
        page.keyboard.press(key)


def _choose(page, selector: str, steps: int) -> None:
    """A closed list moved ``steps`` options down with the arrow key."""
    _tab_to(page, selector)
    for _ in range(steps):
        page.keyboard.press("ArrowDown")


def _sign_in(browser, base: str, username: str):
    page = browser.new_context(locale="vi-VN").new_page()
    page.goto(f"{base}/login")
    _tab_to(page, "#username")
    page.keyboard.type(username)
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    _press(page, "Enter")
    assert page.url == f"{base}/inbox"
    return page


def _open_from_inbox(page, title: str) -> None:
    _tab_to_link(page, title)
    _press(page, "Enter")
    assert page.evaluate("document.querySelector('h1').textContent").startswith(title)


def test_the_officer_drafts_and_submits_and_the_head_approves(commune, live_server, browser):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(local(2026, 1, 12, 9, 0))
    officer = _sign_in(browser, live_server, "cg_vp.canbo")
    _open_from_inbox(officer, "Lập đề xuất nhu cầu")

    _choose(officer, '[name="lines[0].field"]', 6)  # the sixth choice: ICT
    officer.keyboard.press("Tab")  # the next stop is the next field of the row
    assert officer.evaluate(FOCUSED_IS, '[name="lines[0].major"]')
    officer.keyboard.type("Công nghệ thông tin")
    officer.keyboard.press("Shift+Tab")  # and back
    assert officer.evaluate(FOCUSED_IS, '[name="lines[0].field"]')
    _tab_to(officer, '[name="lines[0].criteria"]')
    officer.keyboard.type("Tốt nghiệp loại xuất sắc")
    _choose(officer, '[name="lines[0].target_group"]', 1)  # excellent graduate
    _tab_to(officer, '[name="lines[0].job_position"]')
    officer.keyboard.type("Chuyên viên chuyển đổi số")
    _tab_to(officer, '[name="lines[0].quantity_year"]')
    officer.keyboard.type("1")
    _tab_to(officer, '[name="lines[0].quantity_period"]')
    officer.keyboard.type("2")
    _tab_to(officer, "button[value=save_draft]")
    _press(officer, "Enter")
    assert "Đã lưu nháp" in officer.inner_text(".flash")
    assert officer.input_value('[name="lines[0].field"]') == "ict"
    assert officer.input_value('[name="lines[0].target_group"]') == "excellent_graduate"

    _tab_to(officer, "button[value=submit]")
    _press(officer, " ")  # Space presses a button too
    assert officer.url == f"{live_server}/inbox"
    assert "Thủ trưởng duyệt và gửi đề xuất" in officer.inner_text(".flash")

    head = _sign_in(browser, live_server, "cg_vp.truong")
    _open_from_inbox(head, "Thủ trưởng duyệt và gửi đề xuất")
    _choose(head, '[name="head_decision"]', 1)  # "Gửi đề xuất"
    _tab_to(head, "button[value=submit]")
    _press(head, "Enter")
    assert "Đã chọn «Gửi đề xuất»" in head.inner_text(".flash")


def test_the_head_returns_a_proposal_with_the_reason(commune, live_server, browser):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(local(2026, 1, 12, 9, 0))
    act(commune, "cg_vp.canbo", "draft_proposal", {"no_demand": False, "lines": [line()]})
    head = _sign_in(browser, live_server, "cg_vp.truong")
    _open_from_inbox(head, "Thủ trưởng duyệt và gửi đề xuất")

    _choose(head, '[name="head_decision"]', 2)  # "Trả lại để chỉnh sửa"
    _tab_to(head, "button[value=submit]")
    _press(head, "Enter")  # no reason: refused, and the focus is on what to correct
    assert head.evaluate(FOCUSED_IS, ".error-summary")
    head.keyboard.press("Tab")  # its link to the reason's field, followed
    head.keyboard.press("Enter")
    assert head.evaluate(FOCUSED_IS, '[name="head_comment"]')
    head.keyboard.type("Bổ sung tiêu chí về kinh nghiệm công tác.")
    _tab_to(head, "button[value=submit]")
    _press(head, "Enter")
    assert "Đã chọn «Trả lại để chỉnh sửa»" in head.inner_text(".flash")
    returned = task_named(commune, "cg_vp.canbo", "draft_proposal")
    assert returned.status == "ready"
