"""An admin changes a process in the browser: the unit-proposal flow's deadline timer and a
form label, published as version 2. A campaign opened afterwards runs on version 2, one
opened before stays on version 1, and the instance viewer highlights the current tasks."""

from __future__ import annotations

from factories.campaigns import open_campaign
from factories.dates import local
from factories.web import PASSWORD
from sqlalchemy import select

from engine.models import HumanTask, ProcessDefinition, ProcessInstance

NEW_LABEL = "Đơn vị chưa có nhu cầu"


def _sign_in_as_admin(browser, base: str):
    page = browser.new_context(locale="vi-VN", viewport={"width": 1600, "height": 1000}).new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/login")
    page.fill("#username", "admin")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Đăng nhập")
    page.wait_for_url(f"{base}/inbox")
    return page, errors


def _unit_instance(services, campaign_id: int, unit: str = "cg_vp") -> tuple[int, int]:
    with services.db.read() as session:
        return session.execute(
            select(ProcessInstance.id, ProcessDefinition.version)
            .join(ProcessDefinition, ProcessDefinition.id == ProcessInstance.definition_id)
            .where(ProcessInstance.business_key == f"campaign:{campaign_id}/unit:{unit}")
        ).one()


def test_admin_changes_the_deadline_and_a_label_and_publishes_version_2(
    commune, live_server, browser, artifacts
):
    services = commune
    before = open_campaign(services, at=local(2026, 1, 5, 9, 0))
    page, errors = _sign_in_as_admin(browser, live_server)

    page.click("nav >> text=Quản trị")
    page.click('a[href$="/admin/processes/unit_proposal"]')
    page.click("#edit-process")
    page.wait_for_selector('[data-element-id="draft_cutoff"]')
    page.screenshot(path=artifacts / "editor.png")

    page.click('[data-element-id="draft_cutoff"]')
    timer = page.locator('#panel input[name="timer_expression"]')
    assert timer.input_value() == "unit_deadline"
    timer.fill("working_days_before(unit_deadline, 1)")
    timer.press("Tab")

    page.click('[data-element-id="draft_proposal"]')
    label = page.locator('#form-editor [data-property="no_demand"] input[name="title"]')
    assert label.input_value() == "Đơn vị không có nhu cầu"
    label.fill(NEW_LABEL)
    label.press("Tab")
    page.wait_for_function(
        "text => document.querySelector('#form-preview').textContent.includes(text)", arg=NEW_LABEL
    )
    page.screenshot(path=artifacts / "form-editor.png")

    page.click("#publish")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('2')")
    assert "2" in page.inner_text("#status")
    page.screenshot(path=artifacts / "published.png")

    after = open_campaign(services, title="Đợt bổ sung", at=local(2026, 1, 6, 9, 0))
    old_instance, old_version = _unit_instance(services, before)
    new_instance, new_version = _unit_instance(services, after)
    assert (old_version, new_version) == (1, 2)
    with services.db.read() as session:
        due = {
            instance: session.scalar(select(HumanTask.due_at).where(HumanTask.instance_id == instance))
            for instance in (old_instance, new_instance)
        }
    assert due == {old_instance: local(2026, 1, 14, 12, 0), new_instance: local(2026, 1, 13, 8, 0)}

    page.goto(f"{live_server}/admin/instances/{new_instance}")
    page.wait_for_selector('[data-element-id="draft_proposal"].tf-current')
    assert page.locator('[data-element-id="proposal_requested"].tf-completed').count() == 1
    assert page.locator('[data-element-id="to_draft"].tf-completed').count() == 1  # the flow taken
    assert page.locator('[data-element-id="approve_proposal"].tf-current').count() == 0
    page.screenshot(path=artifacts / "instance-viewer.png", full_page=True)
    page.goto(f"{live_server}/admin/instances/{old_instance}")
    assert "phiên bản 1" in page.inner_text("h1")
    page.wait_for_selector('[data-element-id="draft_proposal"].tf-current')
    assert errors == []


def test_the_editors_own_words_are_in_vietnamese(commune, live_server, browser):
    page, errors = _sign_in_as_admin(browser, live_server)
    page.goto(f"{live_server}/admin/processes/unit_proposal/edit")
    page.wait_for_selector('#editor[data-state="ready"]')

    start_event = page.locator('.djs-palette .entry[data-action="create.start-event"]')
    assert start_event.get_attribute("aria-label") == "Tạo sự kiện bắt đầu"

    page.click('[data-element-id="draft_proposal"]')  # a user task: its context pad opens
    change = page.locator('.djs-context-pad .entry[data-action="replace"]')
    assert change.get_attribute("title") == "Đổi loại phần tử"
    change.click()
    menu = page.locator(".djs-popup")
    menu.wait_for()
    assert menu.locator(".djs-popup-title").inner_text() == "Đổi loại phần tử"
    labels = menu.locator(".djs-popup-body .entry").all_inner_texts()
    assert {"Công việc thủ công", "Bước gọi quy trình khác", "Tiến trình con (thu gọn)"} <= set(labels)
    assert menu.locator('.djs-popup-header .entry[title="Nhiều lượt song song"]').count() == 1
    assert errors == []
