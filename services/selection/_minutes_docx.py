"""The minutes (biên bản) of a selection council's meeting as a .docx (python-docx).

Built from the outcome the selection module stores (``Council.outcome``), so that the
document says exactly what was decided: the council and its establishing decision, the
date and place, the members present with their roles, the recusals with their reasons,
per candidate each member's score, the mean, the votes, the result and the rank, the
quorum statement (Decree 170 Art. 24 by analogy: 2/3 of the council), and the signature
lines of the chair and the secretary.
"""

from __future__ import annotations

import io
from datetime import date

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Pt

from services.common.display import in_language
from services.selection._council_rules import ROLE_LABELS, CouncilRole

RESULT_LABELS = {
    "passed": "Đạt",
    "failed": "Không đạt",
    "no_quorum": "Không đủ số thành viên tham gia đánh giá",
}


def build_minutes(council_name: str, establishing_decision: str | None, outcome: dict) -> bytes:
    document = docx.Document()
    _style(document)
    _heading(document, council_name, establishing_decision, outcome)
    _members(document, outcome)
    _recusals(document, outcome)
    _absences(document, outcome)
    for number, entry in enumerate(outcome["candidates"], start=1):
        _candidate(document, number, entry, outcome["council_size"])
    _conclusion(document, outcome)
    _signatures(document, outcome)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _style(document) -> None:
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)


def _centered(document, text: str, bold: bool = False):
    paragraph = document.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.add_run(text).bold = bold
    return paragraph


def _heading(document, council_name: str, establishing_decision: str | None, outcome: dict) -> None:
    _centered(document, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc", bold=True)
    _centered(document, "BIÊN BẢN HỌP HỘI ĐỒNG TUYỂN CHỌN", bold=True)
    _centered(document, council_name.upper(), bold=True)
    if establishing_decision:
        _centered(document, f"(thành lập theo Quyết định số {establishing_decision})")
    meeting_day = date.fromisoformat(outcome["meeting_date"])
    document.add_paragraph(f"Thời gian: ngày {meeting_day:%d/%m/%Y}.")
    document.add_paragraph(f"Địa điểm: {outcome['place']}.")


def _role_label(role: str) -> str:
    # The minutes are a Vietnamese document whatever the reader's language.
    return in_language(ROLE_LABELS[CouncilRole(role)], "vi")


def _members(document, outcome: dict) -> None:
    members = outcome["members"]
    document.add_paragraph(f"Thành viên Hội đồng có mặt: {len(members)}/{outcome['council_size']}.")
    for member in members:
        line = f"- {member['full_name']}, {member['title']} — {_role_label(member['role'])}"
        if member.get("nominating_unit"):
            line += f" (do {member['nominating_unit']} cử)"
        document.add_paragraph(line + ".")


def _recusals(document, outcome: dict) -> None:
    recusals = [
        (entry["full_name"], recused) for entry in outcome["candidates"] for recused in entry["recused"]
    ]
    if not recusals:
        document.add_paragraph("Không có thành viên nào không tham gia đánh giá ứng viên.")
        return
    document.add_paragraph("Thành viên không tham gia đánh giá ứng viên:")
    for candidate_name, recused in recusals:
        document.add_paragraph(
            f"- {recused['full_name']} không tham gia đánh giá ứng viên {candidate_name}. "
            f"Lý do: {recused['reason']}."
        )


def _absences(document, outcome: dict) -> None:
    """Members who had not scored a candidate by the scoring deadline: absent for them."""
    if outcome.get("absent"):
        document.add_paragraph("Thành viên không chấm điểm trong thời hạn (coi là vắng mặt):")
        for absence in outcome["absent"]:
            document.add_paragraph(f"- {absence['member']} đối với ứng viên {absence['candidate']}.")


def _candidate(document, number: int, entry: dict, council_size: int) -> None:
    paragraph = document.add_paragraph()
    paragraph.add_run(f"{number}. Ứng viên {entry['full_name']} — {entry['position_title']}").bold = True
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("STT", "Thành viên", "Vai trò", "Điểm")):
        cell.text = text
    for index, score in enumerate(entry["scores"], start=1):
        for cell, text in zip(
            table.add_row().cells,
            (str(index), score["full_name"], _role_label(score["role"]), score["score"]),
        ):
            cell.text = text
    scorers = len(entry["scores"])
    document.add_paragraph(
        f"Số thành viên chấm điểm: {scorers}/{council_size}; số tối thiểu để đủ 2/3 thành viên Hội đồng: "
        f"{entry['quorum_required']} — "
        f"{'đủ' if scorers >= entry['quorum_required'] else 'không đủ'} điều kiện "
        "đánh giá."
    )
    if entry["mean"] is not None:
        document.add_paragraph(
            f"Điểm trung bình: {entry['mean']}. Số phiếu đạt (từ 50 điểm): {entry['pass_votes']}; "
            f"không đạt: {entry['fail_votes']}."
        )
    result = RESULT_LABELS[entry["result"]]
    if entry["tie_broken_by"]:
        result += f" (số phiếu ngang nhau, theo ý kiến của {_role_label(entry['tie_broken_by'])})"
    if entry["rank"] is not None:
        quota = "trong chỉ tiêu" if entry["within_quota"] else "ngoài chỉ tiêu"
        result += f"; xếp thứ {entry['rank']} của vị trí ({quota} {entry['quantity']})"
    document.add_paragraph(f"Kết quả: {result}.")


def _conclusion(document, outcome: dict) -> None:
    passed = [
        entry for entry in outcome["candidates"] if entry["result"] == "passed" and entry["within_quota"]
    ]
    if passed:
        names = "; ".join(f"{entry['full_name']} ({entry['position_title']})" for entry in passed)
        document.add_paragraph(f"Hội đồng đề nghị cấp có thẩm quyền công nhận kết quả tuyển chọn: {names}.")
    else:
        document.add_paragraph("Không có ứng viên đạt trong chỉ tiêu.")


def _signatures(document, outcome: dict) -> None:
    holders = {member["role"]: member["full_name"] for member in outcome["members"]}
    table = document.add_table(rows=3, cols=2)
    for column, role, label in ((0, "secretary", "THƯ KÝ HỘI ĐỒNG"), (1, "chair", "CHỦ TỊCH HỘI ĐỒNG")):
        table.cell(0, column).text = label
        table.cell(1, column).text = "(Ký, ghi rõ họ tên)"
        table.cell(2, column).text = holders.get(role, "")
        for row in range(3):
            table.cell(row, column).paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
