"""Phòng VH-XH works the campaign from its board in a real browser: reminds the units
that have not answered (each once an hour), and follows a unit to its proposal."""

from __future__ import annotations

from datetime import timedelta

from factories.campaigns import line, open_campaign, submit_proposal
from factories.dates import local
from factories.web import browser_signed_in
from sqlalchemy import func, select

from engine.models import ProcessInstance
from services.common.models import AuditEvent
from services.notifications import Notification

REMIND = "text=Nhắc các đơn vị chưa gửi"


def _reminded(services) -> tuple[int, int]:
    with services.db.read() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(AuditEvent)
                .where(AuditEvent.action == "campaign_unit_reminded")
            ),
            session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.key.like("campaign-reminder:%"))
            ),
        )


def _remind(page) -> str:
    with page.expect_navigation():  # posted, then redirected back to the board
        page.click(REMIND)
    return page.inner_text(".flash")


def test_phong_vhxh_reminds_the_silent_units_once_an_hour(commune, live_server, browser):
    services = commune
    campaign_id = open_campaign(services, at=local(2026, 1, 10, 9, 0))
    submit_proposal(services, "cg_vp", [line()], local(2026, 1, 12, 8, 0))
    services.clock.set(local(2026, 1, 12, 9, 0))

    office = browser_signed_in(browser, live_server, "vhxh.canbo")
    office.goto(f"{live_server}/campaigns/{campaign_id}")
    assert "Đã nhắc 9 đơn vị" in _remind(office)
    assert (
        office.url == f"{live_server}/campaigns/{campaign_id}"
    )  # back on the board: a refresh posts nothing
    units, messages = _reminded(services)
    assert units == 9 and messages >= 9  # each silent unit's officers (its task's holders) told

    assert "không nhắc lại" in _remind(office) and _reminded(services) == (units, messages)

    services.clock.set(local(2026, 1, 12, 10, 1))  # more than an hour later
    assert "Đã nhắc 9 đơn vị" in _remind(office) and _reminded(services)[0] == 18

    office.click('a:has-text("Văn phòng HĐND và UBND xã Cẩm Giang")')
    assert "Đã gửi đúng hạn" in office.inner_text(
        "main"
    ) and "Chuyên viên chuyển đổi số" in office.inner_text("main")

    services.clock.set(local(2026, 1, 14, 12, 0) + timedelta(seconds=1))
    office.goto(f"{live_server}/campaigns/{campaign_id}")
    assert office.locator(REMIND).count() == 0  # after the cutoff, nobody to remind


def test_an_admin_cancels_a_unit_with_a_reason_the_unit_is_told_and_the_board_shows_it(
    commune, live_server, browser
):
    services = commune
    campaign_id = open_campaign(services, at=local(2026, 1, 10, 9, 0))
    services.clock.set(local(2026, 1, 12, 9, 0))
    with services.db.read() as session:
        instance_id = session.scalar(
            select(ProcessInstance.id).where(
                ProcessInstance.business_key == f"campaign:{campaign_id}/unit:cg_th"
            )
        )
    reason = "Trường đã sáp nhập vào trường liên cấp, không còn là đơn vị riêng"

    admin = browser_signed_in(browser, live_server, "admin")
    admin.goto(f"{live_server}/admin/instances/{instance_id}")
    admin.click("text=Hủy…")
    assert "«Lập đề xuất nhu cầu»" in admin.inner_text("main")  # what it closes, before anything is done
    admin.fill("#reason", reason)
    with admin.expect_navigation():
        admin.click("button[value=cancel]")
    assert "Hủy" in admin.inner_text(".flash") and "Đã hủy" in admin.inner_text("#instance-status")

    for username in ("cg_th.canbo", "cg_th.truong"):
        person = browser_signed_in(browser, live_server, username)
        person.goto(f"{live_server}/notifications")
        assert reason in person.inner_text("main"), username
    office = browser_signed_in(browser, live_server, "vhxh.canbo")
    office.goto(f"{live_server}/campaigns/{campaign_id}")
    assert "Đã hủy (quản trị viên hủy hồ sơ)" in office.inner_text('[data-unit="cg_th"]')
    office.click('[data-unit="cg_th"] a')  # the unit's history says who cancelled and why
    assert f"Việc «Lập đề xuất nhu cầu» bị hủy bởi Quản trị hệ thống, lý do: {reason}" in office.inner_text(
        "main"
    )


def test_phong_vhxh_opens_a_campaign_from_the_page(commune, live_server, browser):
    services = commune
    services.clock.set(local(2026, 12, 1, 9, 0))
    office = browser_signed_in(browser, live_server, "vhxh.canbo")
    office.goto(f"{live_server}/campaigns")
    office.click("text=Mở đợt đề xuất")
    page = office.inner_text("main")
    assert (
        "trước 12 giờ ngày 14/01/2027" in page and "hết ngày 14/01/2027" in page
    )  # the defaults, in the law's words
    assert office.input_value("#title") == "Đề xuất nhu cầu thu hút nhân tài năm 2027"
    assert office.locator('input[name="unit_codes"]:checked').count() == 10
    office.uncheck('input[name="unit_codes"][value="cg_th"]')
    office.fill("#launch_doc", "64/UBND-VHXH")
    office.fill("#unit_deadline", "2027-01-20T12:00")
    office.fill("#city_deadline", "2027-01-19T12:00")  # before the units' deadline: refused
    with office.expect_navigation():
        office.click("button:has-text('Mở đợt')")
    assert office.url == f"{live_server}/campaigns/new"  # redirected back: a refresh re-posts nothing
    assert "phải sau hạn các đơn vị" in office.inner_text("#city_deadline-error")
    assert office.input_value("#launch_doc") == "64/UBND-VHXH"  # what was typed is kept
    assert not office.is_checked('input[name="unit_codes"][value="cg_th"]')
    office.fill("#city_deadline", "2027-01-26T00:00")
    with office.expect_navigation():
        office.click("button:has-text('Mở đợt')")
    assert "Đã mở đợt đề xuất, gửi tới 9 đơn vị." in office.inner_text(".flash")
    assert "trước 12 giờ ngày 20/01/2027" in office.inner_text(
        "main"
    ) and "hết ngày 25/01/2027" in office.inner_text("main")
    assert office.locator("[data-unit]").count() == 9 and office.locator('[data-unit="cg_th"]').count() == 0
