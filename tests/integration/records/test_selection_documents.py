"""The council's minutes, the decision on the selection results and the commitment are laid
out as Decree 30 lays out a document, like the Công văn (test_document_pdf.py): each
converts to PDF whose text says what was decided, every Vietnamese character drawn in
Liberation Serif with a real glyph."""

from factories.pdf_text import font_names, missing_glyphs, text_of
from factories.selection import run_selection
from sqlalchemy import select

from services import documents, records, selection
from services.commitments import Commitment
from services.selection import Council, RecruitmentRound

KHOA, HUNG, HA = "Trần Minh Khoa", "Lê Văn Hưng", "Phạm Thị Thu Hà"


def _pdf_text(word: bytes) -> str:
    pdf = records.to_pdf(word)
    assert {name.split("-")[0] for name in font_names(pdf)} == {"LiberationSerif"}, font_names(pdf)
    assert missing_glyphs(pdf) == {}
    text = text_of(pdf)
    assert "{{" not in text and "{%" not in text  # no tag left
    for national in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"):
        assert national in text
    return text


def _expect(text: str, *expected: str) -> None:
    for each in expected:
        assert each in text, f"{each!r} not in the PDF's text: {text}"


def test_the_minutes_the_decision_and_the_commitment_read_as_decree_30_lays_them_out(commune):
    services = commune
    selection_run = run_selection(services)
    with services.db.read() as session:
        council = session.get(Council, selection_run["council_id"])
        round_ = session.get(RecruitmentRound, selection_run["round_id"])
        minutes = documents.get(session, council.minutes_document_id).content
        decision = documents.get(session, selection.decision_document_of(session, round_.id)).content
        commitment_row = session.scalars(select(Commitment).order_by(Commitment.id)).first()
        commitment = documents.get(session, commitment_row.document_id).content

    text = _pdf_text(minutes)
    _expect(
        text,
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG HỘI ĐỒNG TUYỂN CHỌN",
        "Số: /BB-HĐTC",
        "BIÊN BẢN",
        f"Họp {council.name}",
        KHOA,
        HUNG,
        "STT Thành viên Vai trò Điểm",
        "Kết quả: Đạt",
        "THƯ KÝ HỘI ĐỒNG (Ký, ghi rõ họ tên)",
        "CHỦ TỊCH HỘI ĐỒNG (Ký, ghi rõ họ tên)",
    )

    text = _pdf_text(decision)
    _expect(
        text,
        "ỦY BAN NHÂN DÂN THÀNH PHỐ HẢI PHÒNG",
        "Số: 302/QĐ-UBND",
        "Hải Phòng, ngày 16 tháng 3 năm 2026",
        "QUYẾT ĐỊNH Về việc công nhận kết quả tuyển chọn",
        "QUYẾT ĐỊNH: Điều 1. Công nhận kết quả tuyển chọn đối với 2 người có tên sau:",
        f"1 {KHOA}",
        f"2 {HUNG}",
        "Nơi nhận: - Như Điều 3; - Lưu: VT, SNV.",
        "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH",
    )
    assert HA not in text

    text = _pdf_text(commitment)
    _expect(
        text,
        "BẢN CAM KẾT",
        "Tôi xin cam kết:",
        "1. Công tác tối thiểu",
        "THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ SỬ DỤNG",
        "NGƯỜI CAM KẾT (Ký, ghi rõ họ tên)",
    )
    assert "Số:" not in text  # a person's document has no number
