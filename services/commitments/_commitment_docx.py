"""The commitment (bản cam kết) as a Word document, made from the commitment's own copy
of the policy terms, so that what the person reads and signs is what the system enforces.

The citizen ID is never written: the person is identified by name, date of birth and
the recruiting decision, and the document is kept in the database with its SHA-256.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

# What the start basis of the terms means, in the words of a commitment.
START_BASIS_WORDS = {
    "recruitment_decision_date": "kể từ ngày có quyết định tuyển dụng, tiếp nhận",
    "report_for_duty_date": "kể từ ngày nhận việc",
}
REFUND_WORDS = {
    "full": "hoàn trả toàn bộ kinh phí hỗ trợ đã nhận",
    "prorata_unserved_months": (
        "hoàn trả kinh phí hỗ trợ đã nhận tương ứng với số tháng chưa thực hiện cam kết"
    ),
}


@dataclass(frozen=True)
class CommitmentText:
    """Everything the document says; built by services.commitments from the rows."""

    full_name: str
    date_of_birth: date | None
    employer_name: str
    job_position: str
    category_title: str
    terms: dict
    start_date: date
    end_date: date
    decision_date: date
    one_time_support_vnd: int | None
    monthly_support_text: str | None


def dmy(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def vnd(amount: int) -> str:
    """150000000 -> "150.000.000" (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")


def render(text: CommitmentText, created_at: datetime) -> bytes:
    document = docx.Document()
    document.core_properties.title = "Bản cam kết"
    document.core_properties.created = created_at.replace(tzinfo=None)  # python-docx wants naive UTC
    document.core_properties.author = "TalentFlow"
    _header(document)
    _identity(document, text)
    _undertakings(document, text)
    _signatures(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _centered(document, content: str, bold: bool = False, size: int | None = None):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = paragraph.add_run(content)
    run.bold = bold
    if size:
        run.font.size = Pt(size)
    return paragraph


def _header(document) -> None:
    _centered(document, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", bold=True)
    _centered(document, "Độc lập - Tự do - Hạnh phúc", bold=True)
    _centered(document, "BẢN CAM KẾT", bold=True, size=16)
    _centered(
        document,
        "Thực hiện nghĩa vụ của người được thu hút là người có tài năng, nguồn nhân lực chất lượng cao",
    )


def _identity(document, text: CommitmentText) -> None:
    terms = text.terms
    document.add_paragraph(f"Căn cứ {terms['title']};")
    document.add_paragraph(f"Căn cứ quyết định tuyển dụng, tiếp nhận ngày {dmy(text.decision_date)},")
    document.add_paragraph(f"Tôi là: {text.full_name}")
    if text.date_of_birth is not None:
        document.add_paragraph(f"Ngày sinh: {dmy(text.date_of_birth)}")
    document.add_paragraph(f"Đối tượng thu hút: {text.category_title}")
    document.add_paragraph(f"Cơ quan, đơn vị sử dụng: {text.employer_name}")
    document.add_paragraph(f"Vị trí việc làm: {text.job_position}")


def _undertakings(document, text: CommitmentText) -> None:
    terms = text.terms
    commitment = terms["commitment"]
    years = commitment["min_years"]
    document.add_paragraph("Tôi xin cam kết:")
    # A start on the day of reporting for duty is not known yet: the dates are provisional.
    expected = " dự kiến" if commitment["start_basis"] == "report_for_duty_date" else ""
    document.add_paragraph(
        f"1. Công tác tối thiểu {years} năm {commitment['place']}, "
        f"{START_BASIS_WORDS[commitment['start_basis']]}:{expected} từ ngày {dmy(text.start_date)} "
        f"đến hết ngày {dmy(text.end_date)}."
    )
    clause = 2
    if commitment["field_lock"]:
        document.add_paragraph(
            f"{clause}. Làm việc đúng ngành, lĩnh vực được tuyển dụng trong suốt thời gian cam kết."
        )
        clause += 1
    if commitment.get("min_remaining_service_years"):
        document.add_paragraph(
            f"{clause}. Tại thời điểm được tuyển dụng, thời gian công tác còn lại của tôi "
            f"tối thiểu {commitment['min_remaining_service_years']} năm (trừ giáo sư, "
            "phó giáo sư)."
        )
        clause += 1
    document.add_paragraph(
        f"{clause}. Hoàn thành tốt nhiệm vụ được giao, chấp hành sự phân công của cơ quan, đơn vị sử dụng."
    )
    clause += 1
    supports = []
    if text.one_time_support_vnd:
        supports.append(f"hỗ trợ một lần {vnd(text.one_time_support_vnd)} đồng")
    if text.monthly_support_text:
        supports.append(text.monthly_support_text)
    if supports:
        document.add_paragraph(
            f"{clause}. Tôi được hưởng: " + "; ".join(supports) + f" ({terms['budget_source']})."
        )
        clause += 1
    exemptions = "; ".join(terms["refund"]["exempt_reasons"])
    document.add_paragraph(
        f"{clause}. Nếu không thực hiện đúng cam kết (tự ý bỏ việc, xin thôi việc, chuyển công tác ra ngoài "
        f"{terms['jurisdiction']} hoặc không làm đúng ngành, lĩnh vực), "
        f"tôi {REFUND_WORDS[terms['refund']['formula']]}."
        + (f" Trừ các trường hợp: {exemptions}." if exemptions else "")
    )


def _signatures(document) -> None:
    document.add_paragraph("Tôi xin chịu trách nhiệm trước pháp luật về những nội dung đã cam kết.")
    document.add_paragraph(
        "............, ngày ...... tháng ...... năm .........."
    ).alignment = WD_ALIGN_PARAGRAPH.RIGHT
    table = document.add_table(rows=2, cols=2)
    labels = (
        ("THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ SỬ DỤNG", "(Ký, ghi rõ họ tên, đóng dấu)"),
        ("NGƯỜI CAM KẾT", "(Ký, ghi rõ họ tên)"),
    )
    for column, (title, hint) in enumerate(labels):
        cell = table.cell(0, column)
        cell.text = title
        cell.paragraphs[0].runs[0].bold = True
        cell.add_paragraph(hint)
        table.cell(1, column).text = "\n\n\n"
