"""The resolution's targets in a real browser (docs/targets.md): the city chair sees them on
the home page, opens the dashboard's charts and numbers, drills down from the five-year
retention target to the cohort's people, enters the year's new recruits and sees the
share move; the Excel export holds the numbers the page shows."""

from __future__ import annotations

import io

from factories.dates import local
from factories.targets import COHORTS, build_talents
from factories.web import browser_signed_in
from openpyxl import load_workbook


def _card(page, code: str) -> str:
    return page.inner_text(f"section.target:has(#{code}-name)")


def test_the_city_chair_follows_the_targets(commune, live_server, browser, artifacts):
    build_talents(commune, COHORTS)
    commune.clock.set(local(2026, 12, 6, 9, 0))
    chair = browser_signed_in(browser, live_server, "ct.thanhpho")
    home = chair.inner_text(".targets-summary")
    assert "Chỉ tiêu Nghị quyết năm 2026" in home and "80%" in home

    chair.click("header.top nav >> text=Chỉ tiêu")
    chair.wait_for_url(f"{live_server}/targets")
    assert chair.locator("svg.chart").count() == 7
    assert (
        chair.locator("svg.chart rect").count() == 4
    )  # a bar a value: retention's and training's 2025, 2026
    retention = _card(chair, "kpi_retention_5y")
    assert (
        "80%" in retention and "so với chỉ tiêu 100%" in retention and "Chưa đạt, chưa đến mốc" in retention
    )
    assert "Chưa có số liệu" in _card(chair, "kpi_talent_share_new_recruits")
    description = chair.text_content("#kpi_retention_5y-chart-desc")  # what a screen reader says
    assert "Năm 2025: 100%, chỉ tiêu 100%, Đạt" in description
    chair.screenshot(path=artifacts / "targets-dashboard.png", full_page=True)

    chair.click("#kpi_retention_5y-name a")
    chair.wait_for_url(f"{live_server}/targets/kpi_retention_5y?*")
    people = chair.inner_text("table.people")
    assert chair.locator("table.people tbody tr").count() == 10  # the 2021 cohort
    assert "Vũ Thị Giang" in people and "Đã nghỉ ngày 01/03/2024, chưa đủ 05 năm" in people
    assert "Đã nghỉ ngày 01/03/2026, sau khi đủ 05 năm" in people  # Trần Văn Cường: still counted
    chair.screenshot(path=artifacts / "target-retention.png", full_page=True)

    chair.click("text=Nhập số liệu")
    chair.select_option("#measure", "new_recruits")
    chair.fill("#value", "20")
    chair.fill("#document", "Báo cáo số 210/BC-SNV")
    chair.click("button:has-text('Lưu số liệu')")
    assert "Đã lưu số liệu: 20." in chair.inner_text(".flash")
    assert "Báo cáo số 210/BC-SNV" in chair.inner_text("table.history")

    chair.click("text=Tất cả chỉ tiêu")
    share = _card(chair, "kpi_talent_share_new_recruits")
    assert "15%" in share and "Đúng lộ trình" in share  # 3 talents of 20, against 12% on the way to 20%
    with chair.expect_download() as download:
        chair.click("text=Tải về (.xlsx)")
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes()))["Chỉ tiêu"]
    rows = {row[0]: row for row in sheet.iter_rows(min_row=4, values_only=True)}
    assert rows["kpi_talent_share_new_recruits"][4:10] == (
        3,
        "Tổng số tuyển dụng mới trong năm",
        20,
        15,
        12,
        "Đúng lộ trình",
    )
    assert rows["kpi_retention_5y"][4:10] == (
        8,
        rows["kpi_retention_5y"][5],
        10,
        80,
        100,
        "Chưa đạt, chưa đến mốc",
    )
