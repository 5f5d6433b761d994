"""Stored documents sent to the browser as downloads."""

from __future__ import annotations

from io import BytesIO

from flask import send_file

from services import documents, records

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_workbook(workbook, filename: str):
    """An openpyxl workbook as an .xlsx download."""
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
