"""A refused form in the browser (docs/screens.md, "Forms"): the summary above it counts
exactly the fields marked and painted invalid, takes the focus, and links each error to
its field; Enter in a text field submits the form instead of adding a row."""

from __future__ import annotations

import re

from factories.campaigns import open_campaign
from factories.dates import local
from factories.web import browser_signed_in, field

# The controls painted in the colour of errors (app.css --bad) in a form.
PAINTED = """(form) => [...document.querySelectorAll(`${form} :is(input, select, textarea, fieldset)`)]
  .filter((control) => getComputedStyle(control).borderTopColor === 'rgb(179, 38, 30)').length"""


def _summary_agrees(page, form: str) -> list[str]:
    """The summary of the refused ``form`` has the focus and announces as many problems as
    it lists; each link points to a field marked invalid and described by its message, and
    only the linked fields are marked and painted. The links' targets."""
    summary = page.locator(".error-summary")
    assert page.evaluate("document.activeElement.className") == "error-summary"
    count = int(re.search(r"\d+", summary.locator("h2").inner_text()).group())
    targets = [link.get_attribute("href")[1:] for link in summary.locator("li a").all()]
    assert count == summary.locator("li").count() == len(targets)
    for target in targets:
        marked = page.locator(f'[id="{target}"]')
        assert marked.get_attribute("aria-invalid") == "true"
        assert page.locator(f'[id="{marked.get_attribute("aria-describedby")}"]').inner_text()
    assert page.locator(f'{form} [aria-invalid="true"]').count() == len(targets)
    assert page.evaluate(PAINTED, form) == len(targets)
    return targets


def test_an_empty_submit_marks_what_it_counts_and_enter_submits(commune, live_server, browser):
    open_campaign(commune, at=local(2026, 1, 10, 9, 0))
    commune.clock.set(local(2026, 1, 12, 9, 0))
    officer = browser_signed_in(browser, live_server, "cg_vp.canbo")
    officer.click("text=Lập đề xuất nhu cầu")
    task_url = officer.url

    with officer.expect_navigation():
        officer.click("button[value=submit]")  # nothing filled in
    # The list of needs is missing: only its frame is marked, not the ten inputs of its row.
    assert _summary_agrees(officer, "form.task-form") == ["lines"]

    officer.fill(field("lines[0].major"), "Công nghệ thông tin")
    with officer.expect_navigation():
        officer.press(field("lines[0].major"), "Enter")
    assert officer.url == task_url  # submitted and refused: no "?rows=1", no second row
    assert officer.locator("fieldset.row").count() == 1
    assert officer.input_value(field("lines[0].major")) == "Công nghệ thông tin"
    targets = _summary_agrees(officer, "form.task-form")
    assert len(targets) == 6  # the row's six other required fields

    officer.keyboard.press("Tab")  # the summary's first link, followed: the focus is in its field
    officer.keyboard.press("Enter")
    assert officer.evaluate("document.activeElement.id") == targets[0]

    with officer.expect_navigation():
        officer.click("text=Thêm dòng")  # the row is added by its own button only
    assert officer.locator("fieldset.row").count() == 2


def test_the_campaign_and_absence_forms_summarise_their_refusals(commune, live_server, browser):
    commune.clock.set(local(2026, 1, 5, 9, 0))
    office = browser_signed_in(browser, live_server, "vhxh.canbo")
    office.goto(f"{live_server}/campaigns/new")
    office.fill("#title", "")
    with office.expect_navigation():
        office.click("button >> text=Mở đợt")
    assert _summary_agrees(office, "form.task-form") == ["title"]

    officer = browser_signed_in(browser, live_server, "cg_vp.canbo")
    officer.goto(f"{live_server}/absences")
    with officer.expect_navigation():
        officer.click("button >> text=Đăng ký vắng mặt")
    assert _summary_agrees(officer, "form.absence-form")
