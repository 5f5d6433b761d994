"""A Công văn issued as Decree 30 lays it out, converted to PDF by LibreOffice: its text
holds the number, symbol, date, V/v, Kính gửi, the table's totals and Nơi nhận, and every
Vietnamese character is drawn in Liberation Serif with a real glyph."""

import io

import docx
from factories.pdf_text import font_names, missing_glyphs, text_of
from sqlalchemy import select

from services import documents, records
from services.identity import AppUser, OrgUnit

CONTENT = {
    "body_lines": ["ỦY BAN NHÂN DÂN", "XÃ CẨM GIANG"],
    "addressees": ["Sở Nội vụ thành phố Hải Phòng"],
    "paragraphs": [
        "Thực hiện Nghị quyết số 53/2025/NQ-HĐND của Hội đồng nhân dân thành phố, Ủy ban nhân dân "
        "xã Cẩm Giang tổng hợp nhu cầu thu hút người có tài năng năm 2027 của các cơ quan, đơn vị "
        "trên địa bàn xã như bảng kèm theo.",
        "Ủy ban nhân dân xã Cẩm Giang kính gửi Sở Nội vụ tổng hợp, trình Ủy ban nhân dân thành phố xem xét.",
    ],
    "table": {
        "title": "BẢNG TỔNG HỢP NHU CẦU THU HÚT NGƯỜI CÓ TÀI NĂNG NĂM 2027",
        "header": ["STT", "Cơ quan, đơn vị", "Lĩnh vực", "Năm 2027", "Giai đoạn"],
        "rows": [
            ["1", "Trường THCS Cẩm Giang", "Giáo dục", "2", "4"],
            ["2", "Trạm Y tế xã Cẩm Giang", "Y tế", "1", "3"],
        ],
        "totals": ["", "Tổng cộng", "", "3", "7"],
    },
    "recipients": ["Như trên", "Chủ tịch, các PCT UBND xã", "Lưu: VT, VHXH"],
    "signer": {"authority": "TM. ỦY BAN NHÂN DÂN", "title": "CHỦ TỊCH", "name": "Vương Đức Dũng"},
}
# Every letter of Vietnamese with its tones, in both cases: the subject carries them all.
VIETNAMESE = (
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
)


def test_an_issued_cong_van_reads_as_decree_30_lays_it_out_in_docx_and_pdf(commune):
    services = commune
    with services.db.transaction() as session:
        ids = dict(session.execute(select(AppUser.username, AppUser.id)).all())
        commune_id = session.scalar(select(OrgUnit.id).where(OrgUnit.code == "xa_cam_giang_ubnd"))
        document = records.draft(
            session,
            services.clock.now(),
            ids["vhxh.canbo"],
            org_unit_id=commune_id,
            doc_type="cong_van",
            kind=records.ADMINISTRATIVE,
            body="UBND",
            unit="VHXH",
            subject=f"đề xuất nhu cầu thu hút người có tài năng năm 2027 ({VIETNAMESE})",
            place_name="Cẩm Giang",
            content=CONTENT,
        )
        records.approve(session, services.clock.now(), ids["chutich"], document.id)
        records.issue(session, services.clock.now(), ids["vanthu"], document.id)
        document_id = document.id
    pdf_id = records.pdf_of(services.db, document_id, services.clock.now())
    assert records.pdf_of(services.db, document_id, services.clock.now()) == pdf_id  # converted once
    with services.db.read() as session:
        document = session.get(records.OutgoingDocument, document_id)
        pdf = documents.get(session, pdf_id).content
        word = documents.get(session, document.docx_id).content
        assert document.pages == 1 and documents.get(session, pdf_id).media_type == documents.PDF

    text = text_of(pdf)
    for expected in (
        "ỦY BAN NHÂN DÂN XÃ CẨM GIANG",
        "Số: 01/UBND-VHXH",
        "V/v đề xuất nhu cầu thu hút người có tài năng năm 2027",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Cẩm Giang, ngày 10 tháng 01 năm 2026",
        "Kính gửi: Sở Nội vụ thành phố Hải Phòng.",
        "BẢNG TỔNG HỢP NHU CẦU THU HÚT NGƯỜI CÓ TÀI NĂNG NĂM 2027",
        "Tổng cộng 3 7",
        "Nơi nhận: - Như trên; - Chủ tịch, các PCT UBND xã; - Lưu: VT, VHXH.",
        "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH",
        "Vương Đức Dũng",
    ):
        assert expected in text, f"{expected!r} not in the PDF's text: {text}"
    assert VIETNAMESE in text.replace(" ", "")  # wrapped over lines
    assert "{{" not in text and "{%" not in text  # no tag left

    assert {name.split("-")[0] for name in font_names(pdf)} == {"LiberationSerif"}, font_names(pdf)
    assert missing_glyphs(pdf) == {}

    paragraphs = [paragraph.text for paragraph in docx.Document(io.BytesIO(word)).paragraphs]
    assert "Kính gửi: Sở Nội vụ thành phố Hải Phòng." in paragraphs
