"""Stored documents sent to the browser as downloads."""

from __future__ import annotations

from io import BytesIO

from flask import send_file

from services import documents, records

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel runs a cell starting with one of these as a formula ("=HYPERLINK(...)" in a title).
FORMULA_STARTS = ("=", "+", "-", "@")


def typed_as_text(workbook) -> None:
    """What users typed (titles, names, codes) is text, never a formula: every text cell
    is stored as a string, and one that would start a formula is marked so that Excel
    keeps it as text even when the cell is edited."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
                    cell.quotePrefix = cell.value.startswith(FORMULA_STARTS)


def send_workbook(workbook, filename: str):
    """An openpyxl workbook as an .xlsx download, its text cells never formulas."""
    typed_as_text(workbook)
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=filename, mimetype=XLSX)


def send_document(document):
    """The document as an attachment named for a person to keep (services.documents.named_as)."""
    return send_file(
        BytesIO(document.content),
        as_attachment=True,
        download_name=documents.named_as(document.filename, document.media_type),
        mimetype=document.media_type,
    )


def send_as_pdf(document):
    """A stored .docx converted to PDF by LibreOffice (services.records.to_pdf), named as
    the .docx is: the document as printed and signed."""
    return send_file(
        BytesIO(records.to_pdf(document.content)),
        as_attachment=True,
        download_name=documents.named_as(document.filename, documents.PDF),
        mimetype=documents.PDF,
    )
