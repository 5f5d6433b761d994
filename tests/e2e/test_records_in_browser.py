"""The campaign's Công văn in a real browser (docs/records.md): Phòng VH-XH's aggregation
drafts it, the chair approves it (signed in the chair's name), the commune's records clerk
issues it with the register's next number, downloads the PDF and the .docx; Sở Nội vụ's
records clerk registers it received with the next incoming number; both registers list it.
The PDF reads as Decree 30 lays it out, every Vietnamese letter in a real glyph."""

from __future__ import annotations

import io

import docx
from factories.campaigns import line, open_campaign, submit_proposal
from factories.dates import local
from factories.pdf_text import font_names, missing_glyphs, text_of
from factories.web import browser_signed_in

CUTOFF = local(2026, 1, 14, 12, 0)


def _complete(page, base: str, title: str, choose: dict | None = None) -> str:
    """Open the inbox task by its title, choose, submit; the confirmation shown."""
    page.goto(f"{base}/inbox")
    page.click(f"text={title}")
    for name, value in (choose or {}).items():
        page.select_option(f'[name="{name}"]', value)
    page.click("button[value=submit]")
    page.wait_for_url(f"{base}/inbox")
    return page.inner_text(".flash")


def test_the_cong_van_is_drafted_approved_issued_downloaded_and_received(
    commune, live_server, browser, artifacts
):
    services = commune
    open_campaign(services, at=local(2026, 1, 10, 9, 0), unit_codes=("cg_vp", "cg_thcs"))
    submit_proposal(
        services, "cg_vp", [line(field="ict", quantity_year=1, quantity_period=2)], local(2026, 1, 12)
    )
    submit_proposal(
        services, "cg_thcs", [line(field="education", quantity_year=2, quantity_period=3)], local(2026, 1, 12)
    )
    services.clock.set(CUTOFF)
    services.tick(CUTOFF)  # the scheduler: the cutoff, then the campaign goes on to its aggregation
    services.clock.set(local(2026, 1, 14, 14, 0))

    office = browser_signed_in(browser, live_server, "vhxh.canbo")
    _complete(office, live_server, "Tổng hợp đề xuất của các đơn vị")

    chair = browser_signed_in(browser, live_server, "chutich")
    chair.goto(f"{live_server}/inbox")
    chair.click("text=Chủ tịch UBND xã phê duyệt bảng tổng hợp")
    assert "du-thao-cong-van" in chair.inner_text("section.attachments")  # the draft to read
    chair.select_option('[name="chair_decision"]', "approve")
    chair.click("button[value=submit]")
    chair.wait_for_url(f"{live_server}/inbox")

    clerk = browser_signed_in(browser, live_server, "vanthu")
    clerk.click("text=Sổ văn bản")
    waiting = clerk.inner_text("main")
    assert "Đã duyệt, chờ cấp số" in waiting and "đề xuất nhu cầu thu hút người có tài năng" in waiting
    services.clock.set(local(2026, 1, 14, 16, 30))
    flash = _complete(clerk, live_server, "Văn thư cấp số, ban hành công văn gửi UBND thành phố")
    assert "Đã gửi UBND thành phố" in flash
    clerk.goto(f"{live_server}/records")
    register = clerk.inner_text("main")
    assert "01/UBND-VHXH" in register and "14/01/2026" in register
    clerk.screenshot(path=artifacts / "register-sent.png", full_page=True)
    with clerk.expect_download() as download:
        clerk.click("table >> text=PDF")
    pdf = download.value.path().read_bytes()
    with clerk.expect_download() as download:
        clerk.click("table >> text=.docx")
    word = docx.Document(io.BytesIO(download.value.path().read_bytes()))
    assert any("01/UBND-VHXH" in cell.text for table in word.tables for cell in table._cells)

    text = text_of(pdf)
    for expected in (
        "ỦY BAN NHÂN DÂN XÃ CẨM GIANG",
        "Số: 01/UBND-VHXH",
        "V/v đề xuất nhu cầu thu hút người có tài năng, nguồn nhân lực chất lượng cao năm 2026",
        "Cẩm Giang, ngày 14 tháng 01 năm 2026",
        "Kính gửi: Sở Nội vụ thành phố Hải Phòng.",
        "Tổng cộng 2 3 5",  # two units, 1 + 2 for the year, 2 + 3 for the period
        "Nơi nhận: - Như trên; - Lưu: VT, VHXH.",
        "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH",
        "Vương Đức Dũng",
    ):
        assert expected in text, f"{expected!r} not in the PDF: {text}"
    assert {name.split("-")[0] for name in font_names(pdf)} == {"LiberationSerif"}
    assert missing_glyphs(pdf) == {}

    snv = browser_signed_in(browser, live_server, "snv.vanthu")
    services.clock.set(local(2026, 1, 15, 8, 30))
    _complete(snv, live_server, "Vào sổ văn bản đến công văn đề xuất của UBND xã Cẩm Giang")
    snv.click("text=Sổ văn bản")
    received = snv.inner_text("main")
    assert "Sổ văn bản đến năm 2026" in received
    row = snv.locator("table").last.locator("tbody tr").first.inner_text()
    assert row.split("\t")[0].strip() == "1" and "01/UBND-VHXH" in row and "UBND xã Cẩm Giang" in row
    snv.screenshot(path=artifacts / "register-received.png", full_page=True)
    with snv.expect_download() as download:
        snv.locator("table").last.locator("text=PDF").click()
    assert download.value.path().read_bytes() == pdf  # the very document the commune issued
