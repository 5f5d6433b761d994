"""The commitment (bản cam kết) as a Word document in Decree 30's layout, made from the
commitment's own copy of the policy terms, so that what the person reads and signs is
what the system enforces.

The citizen ID is never written: the person is identified by name, date of birth and
the recruiting decision, and the document is kept in the database with its SHA-256.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.records import HEADING, Block, Layout, Signer, paragraphs

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


def commitment_layout(text: CommitmentText) -> Layout:
    """The commitment laid out as Decree 30 lays out a document (services.records): a
    person's document, so no issuing body and no number; signed by the person and by the
    head of the employing unit."""
    return Layout(
        place_and_date="............, ngày ...... tháng ...... năm ..........",
        title="BẢN CAM KẾT",
        subject=(
            "Thực hiện nghĩa vụ của người được thu hút là người có tài năng, nguồn nhân lực chất lượng cao"
        ),
        blocks=_identity(text) + _undertakings(text),
        signers=[
            Signer(title="THỦ TRƯỞNG CƠ QUAN, ĐƠN VỊ SỬ DỤNG", hint="(Ký, ghi rõ họ tên, đóng dấu)"),
            Signer(title="NGƯỜI CAM KẾT", name=text.full_name, hint="(Ký, ghi rõ họ tên)"),
        ],
    )


def _identity(text: CommitmentText) -> list[Block]:
    return paragraphs(
        f"Căn cứ {text.terms['title']};",
        f"Căn cứ quyết định tuyển dụng, tiếp nhận ngày {dmy(text.decision_date)},",
        f"Tôi là: {text.full_name}",
        *([f"Ngày sinh: {dmy(text.date_of_birth)}"] if text.date_of_birth is not None else []),
        f"Đối tượng thu hút: {text.category_title}",
        f"Cơ quan, đơn vị sử dụng: {text.employer_name}",
        f"Vị trí việc làm: {text.job_position}",
    )


def _undertakings(text: CommitmentText) -> list[Block]:
    terms = text.terms
    commitment = terms["commitment"]
    # A start on the day of reporting for duty is not known yet: the dates are provisional.
    expected = " dự kiến" if commitment["start_basis"] == "report_for_duty_date" else ""
    clauses = [
        f"Công tác tối thiểu {commitment['min_years']} năm {commitment['place']}, "
        f"{START_BASIS_WORDS[commitment['start_basis']]}:{expected} từ ngày {dmy(text.start_date)} "
        f"đến hết ngày {dmy(text.end_date)}."
    ]
    if commitment["field_lock"]:
        clauses.append("Làm việc đúng ngành, lĩnh vực được tuyển dụng trong suốt thời gian cam kết.")
    if commitment.get("min_remaining_service_years"):
        clauses.append(
            "Tại thời điểm được tuyển dụng, thời gian công tác còn lại của tôi "
            f"tối thiểu {commitment['min_remaining_service_years']} năm (trừ giáo sư, phó giáo sư)."
        )
    clauses.append("Hoàn thành tốt nhiệm vụ được giao, chấp hành sự phân công của cơ quan, đơn vị sử dụng.")
    supports = []
    if text.one_time_support_vnd:
        supports.append(f"hỗ trợ một lần {vnd(text.one_time_support_vnd)} đồng")
    if text.monthly_support_text:
        supports.append(text.monthly_support_text)
    if supports:
        clauses.append("Tôi được hưởng: " + "; ".join(supports) + f" ({terms['budget_source']}).")
    exemptions = "; ".join(terms["refund"]["exempt_reasons"])
    clauses.append(
        "Nếu không thực hiện đúng cam kết (tự ý bỏ việc, xin thôi việc, chuyển công tác ra ngoài "
        f"{terms['jurisdiction']} hoặc không làm đúng ngành, lĩnh vực), "
        f"tôi {REFUND_WORDS[terms['refund']['formula']]}."
        + (f" Trừ các trường hợp: {exemptions}." if exemptions else "")
    )
    return [
        Block("Tôi xin cam kết:", HEADING),
        *paragraphs(*(f"{number}. {clause}" for number, clause in enumerate(clauses, start=1))),
        *paragraphs("Tôi xin chịu trách nhiệm trước pháp luật về những nội dung đã cam kết."),
    ]
