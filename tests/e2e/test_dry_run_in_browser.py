"""An admin dry-runs a changed draft in the BPMN editor (docs/dry-runs.md): the path
taken is marked on the diagram, the tasks that would open are listed with their role
and due date, a task completed with data runs it again further; nothing is kept."""

from __future__ import annotations

from factories.web import browser_signed_in
from sqlalchemy import func, select

from engine.models import HumanTask, ProcessDefinition, ProcessInstance


def _counts(services) -> tuple[int, int, int]:
    with services.db.read() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (ProcessDefinition, ProcessInstance, HumanTask)
        )


def test_the_admin_dry_runs_a_changed_draft_and_sees_the_path_and_the_tasks(
    commune, live_server, browser, artifacts
):
    before = _counts(commune)
    page = browser_signed_in(browser, live_server, "admin")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server}/admin/processes/unit_proposal/edit")
    page.wait_for_selector("#editor[data-state=ready]")

    page.click('[data-element-id="draft_cutoff"]')  # the unit's cutoff, a day earlier
    timer = page.locator('#panel input[name="timer_expression"]')
    timer.fill("working_days_before(unit_deadline, 1)")
    timer.press("Tab")
    page.click("#dry-run")
    page.wait_for_selector('[data-element-id="draft_proposal"].tf-current')
    assert page.locator('[data-element-id="proposal_requested"].tf-completed').count() == 1
    assert page.locator('[data-element-id="to_draft"].tf-completed').count() > 0  # the flow taken
    assert "Phiên bản 2: hồ sơ chạy thử đang chạy" in page.inner_text("#status")
    task = page.locator('#dry-run-result tr[data-element="draft_proposal"]')
    assert "Cán bộ" in task.inner_text() and "trước 8 giờ ngày 13/01/2026" in task.inner_text()
    assert "trước 8 giờ ngày 13/01/2026" in page.inner_text('#dry-run-result [data-list="timers"]')
    page.screenshot(path=artifacts / "dry-run.png", full_page=True)

    task.locator("button").click()
    data = page.locator('#dry-run-result textarea[name="step_data"]')
    assert '"no_demand": false' in data.input_value()  # the form's required fields, to fill in
    data.fill('{"no_demand": true}')
    page.click('#dry-run-result [data-action="add-step"]')
    page.wait_for_selector('#dry-run-result tr[data-element="approve_proposal"]')
    assert page.locator('[data-element-id="draft_proposal"].tf-completed').count() == 1
    assert page.locator('[data-element-id="approve_proposal"].tf-current').count() == 1
    assert "draft_proposal" in page.inner_text("#dry-run-steps")
    page.screenshot(path=artifacts / "dry-run-step.png", full_page=True)

    assert errors == []
    assert _counts(commune) == before  # the draft is saved; nothing of the runs is kept
