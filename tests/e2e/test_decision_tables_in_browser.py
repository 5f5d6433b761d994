"""An admin changes a rule in the browser: the dossier checklist's health certificate is
valid 3 months instead of 6. They open the table from the process's page, change the cell in
dmn-js, try it on an example, save it and publish. A dossier screened on a case started after
the publish applies 3 months; a case started before keeps its version's 6 months."""

from __future__ import annotations

from datetime import date

import pytest
from factories.dates import local
from factories.selection import item, open_round, positions_of, screen
from factories.web import browser_signed_in
from sqlalchemy import select

from engine.errors import FormInvalid
from engine.models import ProcessDefinition
from services.selection import _candidacy as candidacy

HEALTH_CERTIFICATE_CELL = 'td[data-row-id="rule_4"][data-col-id="output_months"]'


def _apply(services, round_id: int, name: str, at) -> int:
    position = positions_of(services, round_id)["Chuyên viên nông nghiệp và môi trường"]
    services.clock.set(at)
    with services.db.transaction() as session:
        return candidacy.apply(
            session,
            services.runtime,
            services.citizen_id_keys,
            "snv.canbo",
            round_id=round_id,
            position_id=position,
            full_name=name,
            date_of_birth=date(1995, 1, 1),
            at=at,
        ).id


def _intake_dossier(health_issued_on: str) -> dict:
    return {
        "dossier": [
            item("so_yeu_ly_lich", "2026-02-20"),
            item("van_bang", "2019-10-30"),
            item("giay_chung_nhan_suc_khoe", health_issued_on),
            item("ban_tu_nhan_xet", "2026-02-20"),
        ],
        "procedure": "tiep_nhan",
        "decision": "eligible",
    }


def test_the_admin_shortens_the_health_certificate_validity_and_only_new_cases_apply_it(
    commune, live_server, browser, artifacts
):
    services = commune
    round_id = open_round(services)
    before = _apply(services, round_id, "Nguyễn Văn Trước", local(2026, 2, 10, 9, 0))

    page = browser_signed_in(browser, live_server, "admin")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # From the business-rule task in the BPMN editor...
    page.goto(f"{live_server}/admin/processes/candidate_dossier/edit")
    page.wait_for_selector("#editor[data-state=ready]")
    page.click('[data-element-id="list_required_items"]')
    assert page.locator('#panel select[name="called_decision"]').input_value() == "dossier_checklist"
    assert page.locator('#panel input[name="result_variable"]').input_value() == "required_items"
    assert (
        page.locator('#panel [data-show="decision-link"]')
        .get_attribute("href")
        .endswith("/decisions/dossier_checklist.dmn")
    )
    page.screenshot(path=artifacts / "business-rule-task.png")
    # ...and from the process's page.
    page.goto(f"{live_server}/admin/processes/candidate_dossier")
    page.click('#decision-tables a[href$="/decisions/dossier_checklist.dmn"]')
    page.wait_for_selector("#decision-editor[data-state=ready]")
    cell = page.locator(HEALTH_CERTIFICATE_CELL)
    assert cell.inner_text().strip() == "6"
    page.screenshot(path=artifacts / "decision-table.png")

    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.click("#test-title")  # leave the cell

    page.fill("#test-procedure", '"tiep_nhan"')
    page.click("#run-test")
    page.wait_for_selector("#test-output")
    rows = page.locator("#test-output tbody tr")
    assert rows.count() == 4
    health = page.locator("#test-output tbody tr", has_text="giay_chung_nhan_suc_khoe")
    assert "3" in health.inner_text()
    page.screenshot(path=artifacts / "decision-tried.png")

    page.click("#save-table")
    page.wait_for_function(
        "() => document.querySelector('#status').dataset.kind === 'info' "
        "&& document.querySelector('#status').textContent.includes(':')"
    )
    page.click("#publish")
    page.wait_for_function("() => /\\b2\\b/.test(document.querySelector('#status').textContent)")
    assert errors == []
    with services.db.read() as session:
        newest = session.scalar(
            select(ProcessDefinition.version)
            .where(ProcessDefinition.key == "candidate_dossier")
            .order_by(ProcessDefinition.version.desc())
        )
    assert newest == 2

    after = _apply(services, round_id, "Trần Thị Sau", local(2026, 2, 11, 9, 0))
    # On 25/02/2026 a certificate of 01/10/2025 is under 6 months old but over 3.
    check_day = local(2026, 2, 25, 9, 0)
    with pytest.raises(FormInvalid) as refused:
        screen(services, after, _intake_dossier("2025-10-01"), check_day)
    assert [error.code for error in refused.value.errors] == ["too_old"]
    screen(services, before, _intake_dossier("2025-10-01"), check_day)
