"""A year's register as an Excel workbook: one row per document, with the metadata Decree
30's appendix on electronic documents names (number, symbol, date, issuing body, subject,
type, pages, recipients)."""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Font

from services import records
from services.common.display import local_day

SENT_HEADERS = [
    "Số (CodeNumber)",
    "Số, ký hiệu (CodeNotation)",
    "Ngày ban hành (IssuedDate)",
    "Cơ quan ban hành (OrganName)",
    "Trích yếu (Subject)",
    "Thể loại (TypeName)",
    "Số trang (PageAmount)",
    "Nơi nhận",
    "Tình trạng",
    "Lý do hủy",
]
RECEIVED_HEADERS = [
    "Số đến",
    "Ngày đến",
    "Nơi gửi",
    "Số, ký hiệu",
    "Ngày văn bản",
    "Trích yếu",
]
STATUS = {records.ISSUED: "Đã ban hành", records.VOIDED: "Đã hủy"}


def _sheet(workbook: Workbook, title: str, caption: str, headers: list[str], rows: list[list]):
    sheet = workbook.active
    sheet.title = title
    sheet.append([caption])
    sheet["A1"].font = Font(bold=True)
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    return workbook


def sent_workbook(registers: records.Registers) -> Workbook:
    rows = [
        [
            f"{document.number:02d}",
            document.code,
            document.issued_on,
            registers.body.name,
            document.subject,
            records.DOCUMENT_TYPES[document.doc_type].name.capitalize(),
            document.pages,
            "; ".join(document.content.get("recipients", [])),
            STATUS.get(document.status, document.status),
            document.void_reason or "",
        ]
        for document in registers.sent
    ]
    caption = f"Sổ văn bản đi năm {registers.year} — {registers.body.name}"
    return _sheet(Workbook(), "Sổ văn bản đi", caption, SENT_HEADERS, rows)


def received_workbook(registers: records.Registers) -> Workbook:
    rows = [
        [
            received.number,
            local_day(received.received_at),
            received.sender_name,
            received.sender_code,
            received.sender_issued_on,
            received.subject,
        ]
        for received in registers.received
    ]
    caption = f"Sổ văn bản đến năm {registers.year} — {registers.body.name}"
    return _sheet(Workbook(), "Sổ văn bản đến", caption, RECEIVED_HEADERS, rows)
