"""A file attached to a proposal in a real browser: a web page named .pdf is refused by its
field with nothing typed lost; the signed PDF goes with the proposal, the head sees it on
the approval and downloads it as a PDF."""

from __future__ import annotations

from factories.campaigns import open_campaign
from factories.dates import local
from factories.web import browser_signed_in, field

FIELD = "signed_proposal"
TITLE = "Văn bản đề xuất có chữ ký, dấu của đơn vị (bản quét PDF)"
SIGNED_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
WEB_PAGE = b"<!DOCTYPE html><html><body><script>alert('x')</script></body></html>"


def _fill_proposal(page) -> None:
    page.select_option(field("lines[0].field"), "ict")
    page.fill(field("lines[0].major"), "Công nghệ thông tin")
    page.fill(field("lines[0].criteria"), "Tốt nghiệp loại xuất sắc")
    page.select_option(field("lines[0].target_group"), "excellent_graduate")
    page.fill(field("lines[0].job_position"), "Chuyên viên chuyển đổi số")
    page.fill(field("lines[0].quantity_year"), "1")
    page.fill(field("lines[0].quantity_period"), "2")
    page.fill(field("note"), "Kèm văn bản đề xuất đã ký")


def test_a_pdf_attached_to_a_proposal_reaches_the_head_and_a_web_page_named_pdf_is_refused(
    commune, live_server, browser, artifacts
):
    services = commune
    open_campaign(services, at=local(2026, 1, 10, 9, 0))
    services.clock.set(local(2026, 1, 12, 9, 0))

    officer = browser_signed_in(browser, live_server, "cg_vp.canbo")
    officer.click("text=Lập đề xuất nhu cầu")
    _fill_proposal(officer)
    officer.set_input_files(
        f'input[type=file][name="{FIELD}"]',
        {"name": "x.pdf", "mimeType": "application/pdf", "buffer": WEB_PAGE},
    )
    officer.click("button[value=submit]")
    error = officer.locator(f'[data-field="{FIELD}"] .field-error').inner_text()
    assert f"«{TITLE}»" in error and "không phải tệp PDF hợp lệ" in error, error
    officer.screenshot(path=artifacts / "web-page-refused.png", full_page=True)
    assert officer.input_value(field("lines[0].major")) == "Công nghệ thông tin"  # nothing typed is lost
    assert officer.input_value(field("note")) == "Kèm văn bản đề xuất đã ký"
    assert officer.locator("section.case-files").count() == 0  # nothing stored

    officer.set_input_files(
        f'input[type=file][name="{FIELD}"]',
        {"name": "de-xuat-da-ky.pdf", "mimeType": "application/pdf", "buffer": SIGNED_PDF},
    )
    officer.click("button[value=submit]")
    officer.wait_for_url(f"{live_server}/inbox")

    head = browser_signed_in(browser, live_server, "cg_vp.truong")
    head.click("text=Thủ trưởng duyệt và gửi đề xuất")
    listed = head.locator("section.case-files")
    assert TITLE in listed.inner_text() and "phiên bản 1" in listed.inner_text()
    head.screenshot(path=artifacts / "listed-on-the-heads-task.png", full_page=True)
    link = listed.locator("a", has_text="de-xuat-da-ky.pdf")
    with head.expect_download() as downloading:
        link.click()
    download = downloading.value
    assert download.suggested_filename == "de-xuat-da-ky.pdf"
    assert open(download.path(), "rb").read() == SIGNED_PDF
    response = head.request.get(live_server + link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert "đã đính kèm “de-xuat-da-ky.pdf” (phiên bản 1)" in head.inner_text("section.history")
