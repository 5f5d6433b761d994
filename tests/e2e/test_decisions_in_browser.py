"""Officers decide with the case in front of them: each decision's page shows, above its
form, every value the decision depends on, as the process bundle declares its case."""

from __future__ import annotations

from factories.campaigns import line, open_campaign, submit_proposal
from factories.dates import local
from factories.tasks import act, task_named
from factories.web import browser_signed_in

CUTOFF = local(2026, 1, 14, 12, 0)
LINES = [
    line(
        field="ict",
        major="Khoa học máy tính",
        criteria="Tốt nghiệp xuất sắc, IELTS 6.5",
        target_group="excellent_graduate",
        job_position="Chuyên viên chuyển đổi số",
        quantity_year=2,
        quantity_period=3,
    ),
    line(
        field="health",
        major="Y đa khoa",
        criteria="Bác sĩ chuyên khoa I",
        target_group="specialist_level_1",
        job_position="Bác sĩ trạm y tế",
        quantity_year=1,
        quantity_period=4,
    ),
]
NOTE = "Ưu tiên người có kinh nghiệm tại xã"


def _case(page) -> str:
    return page.inner_text("section.case")


def test_the_head_sees_every_line_and_the_note_of_the_proposal_to_send(commune, live_server, browser):
    services = commune
    open_campaign(services, at=local(2026, 1, 10, 9, 0))
    act(
        services,
        "cg_vp.canbo",
        "draft_proposal",
        {"no_demand": False, "lines": LINES, "note": NOTE},
        local(2026, 1, 12, 9, 0),
    )
    approval = task_named(services, "cg_vp.truong", "approve_proposal")

    head = browser_signed_in(browser, live_server, "cg_vp.truong")
    head.goto(f"{live_server}/tasks/{approval.id}")
    case = _case(head)
    for expected in (
        "Công nghệ thông tin và truyền thông",
        "Y tế",
        "Sinh viên tốt nghiệp xuất sắc",
        "Bác sĩ, dược sĩ chuyên khoa cấp I",
        "Khoa học máy tính",
        "Y đa khoa",
        "Tốt nghiệp xuất sắc, IELTS 6.5",
        "Bác sĩ chuyên khoa I",
        "Chuyên viên chuyển đổi số",
        "Bác sĩ trạm y tế",
        NOTE,
    ):
        assert expected in case, expected
    rows = head.locator("section.case table.case-table tbody tr")
    assert rows.count() == 2
    for row, need in zip((rows.nth(0).inner_text(), rows.nth(1).inner_text()), LINES):
        cells = row.split("\t")
        assert str(need["quantity_year"]) in cells and str(need["quantity_period"]) in cells
    assert "excellent_graduate" not in case and "specialist_level_1" not in case


def test_phong_vhxh_and_the_chair_see_every_units_totals(commune, live_server, browser):
    services = commune
    open_campaign(services, at=local(2026, 1, 10, 9, 0))
    submit_proposal(services, "cg_vp", LINES, local(2026, 1, 12, 9, 0))
    submit_proposal(
        services,
        "cg_tyt",
        [line(field="health", target_group="specialist_level_1", quantity_year=5, quantity_period=7)],
        local(2026, 1, 13, 9, 0),
    )
    act(services, "cg_th.canbo", "draft_proposal", {"no_demand": True}, local(2026, 1, 13, 10, 0))
    act(services, "cg_th.truong", "approve_proposal", {"head_decision": "submit"}, local(2026, 1, 13, 10, 5))
    services.clock.set(CUTOFF)
    services.fire_timers()
    services.deliver_inbox()  # the last unit's end: the campaign goes on

    expected = {
        "Văn phòng HĐND và UBND xã Cẩm Giang": ("3", "7", "2"),
        "Trạm Y tế xã Cẩm Giang": ("5", "7", "1"),
    }
    aggregation = task_named(services, "vhxh.canbo", "aggregate_proposals")
    office = browser_signed_in(browser, live_server, "vhxh.canbo")
    office.goto(f"{live_server}/tasks/{aggregation.id}")
    _assert_unit_totals(office, expected, units=10)
    assert "8" in office.inner_text("section.case dl") and "14" in office.inner_text(
        "section.case dl"
    )  # totals

    act(services, "vhxh.canbo", "aggregate_proposals", {}, local(2026, 1, 14, 14, 0))
    approval = task_named(services, "chutich", "approve_aggregation")
    chair = browser_signed_in(browser, live_server, "chutich")
    chair.goto(f"{live_server}/tasks/{approval.id}")
    _assert_unit_totals(chair, expected, units=10)


def _assert_unit_totals(page, expected: dict, units: int) -> None:
    table = page.locator("section.case table.case-table").first
    rows = {
        cells[1]: cells[2:]
        for cells in (row.split("\t") for row in table.locator("tbody tr").all_inner_texts())
    }
    assert len(rows) == units
    for unit, (year, period, needs) in expected.items():
        assert rows[unit] == ["Có", year, period, needs], (unit, rows[unit])
    assert all(counted == "Không" for unit, (counted, *_) in rows.items() if unit not in expected)


def test_a_returned_officer_sees_why_on_the_task_and_is_told(commune, live_server, browser):
    services = commune
    open_campaign(services, at=local(2026, 1, 10, 9, 0))
    act(
        services,
        "cg_vp.canbo",
        "draft_proposal",
        {"no_demand": False, "lines": LINES},
        local(2026, 1, 12, 9, 0),
    )
    comment = "Bổ sung tiêu chí ngoại ngữ cho vị trí chuyển đổi số"

    head = browser_signed_in(browser, live_server, "cg_vp.truong")
    head.goto(f"{live_server}/tasks/{task_named(services, 'cg_vp.truong', 'approve_proposal').id}")
    head.select_option('[name="head_decision"]', "return")
    head.fill('[name="head_comment"]', comment)
    head.click("button[value=submit]")
    head.wait_for_url(f"{live_server}/inbox")
    told = head.inner_text(".flash")
    assert "Đã chọn «Trả lại để chỉnh sửa»" in told and "Việc «Lập đề xuất nhu cầu» đã chuyển tới" in told, (
        told
    )

    officer = browser_signed_in(browser, live_server, "cg_vp.canbo")
    officer.goto(f"{live_server}/notifications")
    assert comment in officer.inner_text("main") and "trước 12 giờ ngày 14/01/2026" in officer.inner_text(
        "main"
    )
    officer.goto(f"{live_server}/tasks/{task_named(services, 'cg_vp.canbo', 'draft_proposal').id}")
    assert "Ý kiến của Thủ trưởng khi trả lại" in _case(officer) and comment in _case(officer)


def test_so_noi_vu_sees_the_dispatch_and_the_city_chair_edits_prefilled_targets(
    commune, live_server, browser
):
    from factories.city import (
        CAM_GIANG,
        DIGITAL,
        MATHS,
        register_both,
        registration_task,
        submit_both_communes,
    )

    from services.city import _consolidation as city_consolidation

    services = commune
    submit_both_communes(services)
    office = browser_signed_in(browser, live_server, "snv.vanthu")  # the records clerk registers it
    office.goto(f"{live_server}/tasks/{registration_task(services, CAM_GIANG).id}")
    case = _case(office)
    for expected in (
        "01/UBND-VHXH",
        "Cẩm Giang",
        DIGITAL,
        "Bác sĩ đa khoa",
        MATHS,
        "Công nghệ thông tin và truyền thông",
        "Y tế",
        "Giáo dục và đào tạo",
    ):
        assert expected in case, expected

    register_both(services)
    act(services, "snv.canbo", "consolidate_demand", {}, local(2026, 1, 16, 9, 0))
    services.clock.set(local(2026, 1, 20, 9, 0))
    chair = browser_signed_in(browser, live_server, "ct.thanhpho")
    chair.goto(f"{live_server}/tasks/{task_named(services, 'ct.thanhpho', 'approve_demand').id}")
    by_field = {
        cells[1]: cells[2:]
        for cells in (
            row.split("\t")
            for row in chair.locator("section.case table.case-table")
            .first.locator("tbody tr")
            .all_inner_texts()
        )
    }
    assert by_field == {
        "Giáo dục và đào tạo": ["4", "6"],
        "Y tế": ["1", "2"],
        "Công nghệ thông tin và truyền thông": ["3", "5"],
    }
    prefilled = {
        chair.input_value(f'[name="targets[{i}].field"]'): chair.input_value(
            f'[name="targets[{i}].quantity_year"]'
        )
        for i in range(3)
    }
    assert prefilled == {"education": "4", "health": "1", "ict": "3"}  # the demand, ready to lower
    chair.select_option('[name="chair_decision"]', "approve")
    chair.fill('[name="decision_number"]', "125/QĐ-UBND")
    ict = next(i for i in range(3) if chair.input_value(f'[name="targets[{i}].field"]') == "ict")
    chair.fill(f'[name="targets[{ict}].quantity_year"]', "2")
    chair.click("button[value=submit]")
    chair.wait_for_url(f"{live_server}/inbox")
    with services.db.read() as session:
        assert city_consolidation.city_round_for_year(session, 2026).targets == {
            "education": 4,
            "health": 1,
            "ict": 2,
        }
