"""A plan followed in a real browser (docs/plans.md#followed-to-the-end): Sở Nội vụ issues a
draft, the lead unit's head names an officer from the inbox, the officer reports with the
product, the board shows the lead unit done and Sở Nội vụ downloads it as .xlsx."""

from __future__ import annotations

import io

from factories.dates import local
from factories.plans import TaskSpec, draft_plan
from factories.web import browser_signed_in
from openpyxl import load_workbook


def test_a_plan_is_issued_carried_out_and_followed_on_its_board(commune, live_server, browser, artifacts):
    services = commune
    plan_id = draft_plan(
        services, [TaskSpec("Rà soát, đánh giá nhu cầu nhân tài", "Quý II/2026", ["cg_pkt"], ["cg_vp"])]
    )
    services.clock.set(local(2026, 1, 12, 9, 0))
    office = browser_signed_in(browser, live_server, "snv.canbo")
    office.goto(f"{live_server}/plans/{plan_id}")
    office.click("button:has-text('Ban hành kế hoạch')")
    office.wait_for_url(f"{live_server}/plans/{plan_id}/board")
    assert "Đã ban hành kế hoạch" in office.inner_text(".flash")
    assert "Đúng hạn" in office.inner_text("table")

    head = browser_signed_in(browser, live_server, "cg_pkt.truong")
    head.goto(f"{live_server}/inbox")
    head.click("text=Giao cán bộ thực hiện nhiệm vụ 1 của 05/KH-UBND")
    assert "Cán bộ Phòng Kinh tế xã Cẩm Giang (cg_pkt.canbo)" in head.inner_text("main")  # whom to name
    head.fill('[name="officer_username"]', "cg_pkt.canbo")
    head.click("button[value=submit]")
    head.wait_for_url(f"{live_server}/inbox")

    services.clock.set(local(2026, 6, 10, 9, 0))
    officer = browser_signed_in(browser, live_server, "cg_pkt.canbo")
    officer.goto(f"{live_server}/inbox")
    officer.click("text=Báo cáo nhiệm vụ 1 của 05/KH-UBND: hạn hết ngày 15/06/2026")
    officer.fill('[name="progress"]', "Đã rà soát 9 đơn vị, tổng hợp nhu cầu")
    officer.check('[name="finished"]')
    officer.fill('[name="deliverable_note"]', "Báo cáo số 12/BC-PKT")
    officer.click("button[value=submit]")
    officer.wait_for_url(f"{live_server}/inbox")

    office.goto(f"{live_server}/plans/{plan_id}/board")
    office.screenshot(path=artifacts / "plan-board.png", full_page=True)
    row = office.inner_text("tbody tr")  # the coordinating unit has not contributed yet
    assert "Đúng hạn" in row and "Hoàn thành: 1" in row and "1 đã nhận" in row
    with office.expect_download() as download:
        office.click("text=Tải về để báo cáo (.xlsx)")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes()))["Tình hình thực hiện"]
    assert sheet.cell(row=5, column=7).value == "Đúng hạn; hoàn thành 1/2 cơ quan"
