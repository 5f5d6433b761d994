"""The records office (văn thư): the registers of documents sent and received, their
numbers and symbols (Decree 30/2020/NĐ-CP), and documents in its layout as .docx and PDF
(docs/records.md).

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.records._layout import default_template
from services.records._models import IncomingDocument, OutgoingDocument, RegisterCounter
from services.records._pages import (
    Registers,
    bodies_of_clerk,
    may_keep_registers,
    readable_document,
    registers_of,
)
from services.records._registers import (
    APPROVED,
    DRAFT,
    ISSUED,
    RECEIVED,
    SENT,
    STATUS_WORDS,
    VOIDED,
    approve,
    context_of,
    draft,
    issue,
    pdf_of,
    preview_docx,
    receive,
    receive_issued,
    received_register,
    revise,
    sent_register,
    take_number,
    void,
)
from services.records._render import ConversionFailed, date_words, page_count, render_docx, to_pdf
from services.records._symbols import (
    ADMINISTRATIVE,
    DOCUMENT_TYPES,
    NORMATIVE,
    PARTY,
    RULES,
    check,
    code_of,
    symbol_of,
    unit_symbol,
)

__all__ = [
    "ADMINISTRATIVE",
    "APPROVED",
    "DOCUMENT_TYPES",
    "DRAFT",
    "ISSUED",
    "IncomingDocument",
    "NORMATIVE",
    "OutgoingDocument",
    "PARTY",
    "RECEIVED",
    "RULES",
    "RegisterCounter",
    "Registers",
    "SENT",
    "STATUS_WORDS",
    "VOIDED",
    "ConversionFailed",
    "approve",
    "bodies_of_clerk",
    "check",
    "code_of",
    "context_of",
    "date_words",
    "default_template",
    "draft",
    "issue",
    "may_keep_registers",
    "page_count",
    "pdf_of",
    "preview_docx",
    "readable_document",
    "receive",
    "receive_issued",
    "received_register",
    "registers_of",
    "render_docx",
    "revise",
    "sent_register",
    "symbol_of",
    "take_number",
    "to_pdf",
    "unit_symbol",
    "void",
]
