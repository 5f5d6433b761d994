"""A campaign worked in a real browser: the officer's invalid then valid proposal, the
head's approval, the board updating, the cutoff deeming the silent units, and the
.xlsx holding exactly the on-time proposals."""

from __future__ import annotations

from factories.campaigns import open_campaign
from factories.dates import local
from factories.web import browser_signed_in, field
from openpyxl import load_workbook

CUTOFF = local(2026, 1, 14, 12, 0)


def test_a_unit_proposes_its_head_approves_and_phong_vhxh_sees_it_all(
    commune, live_server, browser, artifacts
):
    services = commune
    campaign_id = open_campaign(services, at=local(2026, 1, 10, 9, 0))
    services.clock.set(local(2026, 1, 12, 9, 0))

    officer = browser_signed_in(browser, live_server, "cg_vp.canbo")
    officer.screenshot(path=artifacts / "inbox.png", full_page=True)
    assert "còn 2 ngày 3 giờ" in officer.inner_text("table.tasks")
    officer.click("text=Lập đề xuất nhu cầu")
    officer.select_option(field("lines[0].field"), "ict")
    officer.fill(field("lines[0].major"), "Công nghệ thông tin")
    officer.fill(field("lines[0].criteria"), "Tốt nghiệp loại xuất sắc")
    officer.select_option(field("lines[0].target_group"), "excellent_graduate")
    officer.fill(field("lines[0].job_position"), "Chuyên viên chuyển đổi số")
    officer.fill(field("lines[0].quantity_year"), "ba")
    officer.fill(field("lines[0].quantity_period"), "2")
    officer.click("button[value=submit]")
    error = officer.locator('[data-field="lines[0].quantity_year"] .field-error')
    assert "số nguyên" in error.inner_text()
    assert officer.input_value(field("lines[0].major")) == "Công nghệ thông tin"  # nothing typed is lost
    assert officer.input_value(field("lines[0].quantity_year")) == "ba"
    officer.screenshot(path=artifacts / "task-form-error.png", full_page=True)
    officer.fill(field("lines[0].quantity_year"), "1")
    officer.click("button[value=submit]")
    officer.wait_for_url(f"{live_server}/inbox")
    flash = officer.inner_text(".flash")  # what happened, and to whom the case went
    assert "Việc «Thủ trưởng duyệt và gửi đề xuất» đã chuyển tới" in flash, flash

    head = browser_signed_in(browser, live_server, "cg_vp.truong")
    head.click("text=Thủ trưởng duyệt và gửi đề xuất")
    head.select_option(field("head_decision"), "submit")
    head.click("button[value=submit]")
    head.wait_for_url(f"{live_server}/inbox")

    office = browser_signed_in(browser, live_server, "vhxh.canbo")
    office.goto(f"{live_server}/campaigns/{campaign_id}")
    assert "Đã gửi đúng hạn" in office.inner_text('[data-unit="cg_vp"]')
    assert "Chưa gửi" in office.inner_text('[data-unit="cg_pkt"]')

    services.fire_timers(CUTOFF)  # the scheduler's job, at the cutoff
    services.clock.set(CUTOFF)
    office.reload()
    assert "Đã gửi đúng hạn" in office.inner_text('[data-unit="cg_vp"]')
    for silent in ("cg_pkt", "cg_thcs", "cg_tyt"):
        assert "Coi như không có nhu cầu" in office.inner_text(f'[data-unit="{silent}"]')
    office.screenshot(path=artifacts / "board.png", full_page=True)

    with office.expect_download() as download:
        office.click("text=Tải tệp Excel (.xlsx)")
    saved = artifacts / "aggregation.xlsx"
    download.value.save_as(saved)
    sheet = load_workbook(saved)["Tổng hợp nhu cầu"]
    rows = [row for row in sheet.iter_rows(min_row=5, values_only=True) if row[0] not in (None, "")]
    assert rows == [
        (1, "Công nghệ thông tin và truyền thông", "Văn phòng HĐND và UBND xã Cẩm Giang", 1, 2, 1)
    ]
    assert [cell.value for cell in sheet[4]][:3] == ["STT", "Lĩnh vực", "Cơ quan, đơn vị"]
