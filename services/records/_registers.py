"""The registers of documents sent and received (docs/records.md).

A body's documents sent are numbered per series and calendar year (Asia/Ho_Chi_Minh),
consecutively from 01: the number is taken when the records office issues the document,
in the transaction that issues it, by incrementing the series' counter row (concurrent
issues queue on that row, so no two get the same number and none is skipped). A voided
document keeps its number. Documents received are numbered the same way at the receiving
body."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Table as SqlTable, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message
from services import documents
from services.common.db import Database
from services.common.display import local_day
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.identity import RECORDS_CLERK, holds_role
from services.records._layout import Block, Layout, Signer, Table
from services.records._models import IncomingDocument, OutgoingDocument, RegisterCounter
from services.records._render import date_words, page_count, to_pdf
from services.records._symbols import DOCUMENT_TYPES, code_of, draft_code, symbol_of
from services.records._templates import render

SENT, RECEIVED = "sent", "received"
DRAFT, APPROVED, ISSUED, VOIDED = "draft", "approved", "issued", "voided"
STATUS_WORDS = {
    DRAFT: Message("a draft"),
    APPROVED: Message("approved"),
    ISSUED: Message("issued"),
    VOIDED: Message("voided"),
}
COUNTER: SqlTable = RegisterCounter.__table__  # type: ignore[assignment]


def take_number(session: Session, register: str, org_unit_id: int, series: str, year: int) -> int:
    """The next number of the series in ``year``: 1 for the year's first."""
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    key = {"register": register, "org_unit_id": org_unit_id, "series": series, "year": year}
    session.execute(dialect.insert(COUNTER).values(**key, last_number=0).on_conflict_do_nothing())
    return session.execute(
        update(COUNTER)
        .where(*(COUNTER.c[name] == value for name, value in key.items()))
        .values(last_number=COUNTER.c.last_number + 1)
        .returning(COUNTER.c.last_number)
    ).scalar_one()


def _clerk(session: Session, actor_id: int | None, org_unit_id: int) -> None:
    """Only the body's records clerk issues, voids and registers; a process step (no actor)
    acts as the BPMN allows."""
    if actor_id is not None and not holds_role(session, actor_id, RECORDS_CLERK, org_unit_id):
        raise PermissionDenied(Message("Only the records clerk (văn thư) of the body may do this."))


def _required(field: str, value: str | None, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(field, Message("This field is required."))
    if len(text) > limit:
        raise InvalidInput(field, Message("At most %(limit)s characters.", limit=limit))
    return text


def draft(
    session: Session,
    at: datetime,
    actor_id: int | None,
    *,
    org_unit_id: int,
    doc_type: str,
    kind: str,
    body: str,
    unit: str | None,
    subject: str,
    place_name: str,
    content: dict,
    case_subject: str | None = None,
    series: str = "",
) -> OutgoingDocument:
    """A document without a number ("Số:    /UBND-VHXH"), to be approved then issued."""
    document = OutgoingDocument(
        org_unit_id=org_unit_id,
        series=series,
        doc_type=doc_type,
        kind=kind,
        symbol=symbol_of(kind, doc_type, body, unit),
        template=doc_type,
        subject=_required("subject", subject, 500),
        place_name=_required("place_name", place_name, 100),
        content=content,
        case_subject=case_subject,
        status=DRAFT,
        created_by=actor_id,
        created_at=at,
    )
    session.add(document)
    session.flush()
    return document


def _document(session: Session, document_id: int, *, lock: bool = False) -> OutgoingDocument:
    document = session.get(OutgoingDocument, document_id, with_for_update=lock or None)
    if document is None:
        raise NotFound(Message("There is no document %(id)s.", id=document_id))
    return document


def revise(session: Session, document_id: int, *, subject: str, content: dict) -> OutgoingDocument:
    document = _document(session, document_id, lock=True)
    if document.status != DRAFT:
        raise Conflict(
            Message(
                "Only a draft can be changed; this document is %(status)s.",
                status=STATUS_WORDS[document.status],
            )
        )
    document.subject, document.content = _required("subject", subject, 500), content
    return document


def approve(session: Session, at: datetime, actor_id: int | None, document_id: int) -> OutgoingDocument:
    document = _document(session, document_id, lock=True)
    if document.status != DRAFT:
        raise Conflict(
            Message(
                "Only a draft can be approved; this document is %(status)s.",
                status=STATUS_WORDS[document.status],
            )
        )
    document.status, document.approved_by, document.approved_at = APPROVED, actor_id, at
    return document


def issue(session: Session, at: datetime, actor_id: int | None, document_id: int) -> OutgoingDocument:
    """The records office issues an approved document: its number and date, and its .docx
    with them, in this transaction. (Its PDF follows, see ``services.records.pdf_of``.)"""
    document = _document(session, document_id, lock=True)
    if document.status != APPROVED:
        raise Conflict(
            Message(
                "Only an approved document can be issued; this document is %(status)s.",
                status=STATUS_WORDS[document.status],
            )
        )
    _clerk(session, actor_id, document.org_unit_id)
    day = local_day(at)
    document.year, document.issued_on = day.year, day
    document.number = take_number(session, SENT, document.org_unit_id, document.series, day.year)
    document.code = code_of(document.kind, document.number, document.symbol, day.year)
    document.status, document.issued_by, document.issued_at = ISSUED, actor_id, at
    document.template_version, word = render(session, document.template, layout_of(document))
    stored = documents.store(
        session,
        at,
        actor_id,
        kind="outgoing",
        subject=f"outgoing_document:{document.id}",
        filename=_filename(document, ".docx"),
        media_type=documents.DOCX,
        content=word,
    )
    document.docx_id = stored.id
    return document


def void(
    session: Session, at: datetime, actor_id: int | None, document_id: int, reason: str
) -> OutgoingDocument:
    """An issued document withdrawn: it keeps its number and place in the register."""
    document = _document(session, document_id, lock=True)
    if document.status != ISSUED:
        raise Conflict(
            Message(
                "Only an issued document can be voided; this document is %(status)s.",
                status=STATUS_WORDS[document.status],
            )
        )
    _clerk(session, actor_id, document.org_unit_id)
    document.void_reason = _required("reason", reason, 2000)
    document.status, document.voided_by, document.voided_at = VOIDED, actor_id, at
    return document


def pdf_of(db: Database, document_id: int, at: datetime) -> int:
    """The id of the issued document's PDF, converted from its .docx the first time it is
    asked for, with no transaction open while LibreOffice runs; its page count is kept."""
    with db.read() as session:
        document = _document(session, document_id)
        if document.pdf_id is not None:
            return document.pdf_id
        if document.docx_id is None:
            raise Conflict(Message("The document is not issued yet; its draft can be previewed."))
        docx_bytes, filename = documents.get(session, document.docx_id).content, _filename(document, ".pdf")
    pdf = to_pdf(docx_bytes)
    with db.transaction() as session:
        document = _document(session, document_id, lock=True)
        if document.pdf_id is None:  # else someone converted it meanwhile
            stored = documents.store(
                session,
                at,
                None,
                kind="outgoing",
                subject=f"outgoing_document:{document.id}",
                filename=filename,
                media_type=documents.PDF,
                content=pdf,
            )
            document.pdf_id, document.pages = stored.id, page_count(pdf)
        return document.pdf_id


def preview_docx(session: Session, document: OutgoingDocument) -> bytes:
    """The document as it stands (a draft without its number), with the template in use."""
    return render(session, document.template, layout_of(document))[1]


def context_of(document: OutgoingDocument) -> dict:
    """What the template shows (docs/records.md#templates)."""
    return layout_of(document).context()


def layout_of(document: OutgoingDocument) -> Layout:
    content = document.content
    table = content.get("table")
    return Layout(
        superior=content.get("superior", ""),
        body_lines=content.get("body_lines", []),
        number_and_symbol=document.code or draft_code(document.kind, document.symbol),
        subject=document.subject,
        letter=DOCUMENT_TYPES[document.doc_type].abbreviation is None,
        title=DOCUMENT_TYPES[document.doc_type].name,
        place_and_date=date_words(
            document.place_name, document.issued_on, document.year or local_day(document.created_at).year
        ),
        addressees=content.get("addressees", []),
        blocks=[Block(text) for text in content.get("paragraphs", [])]
        + ([Block(table=Table(**table))] if table else []),
        recipients=content.get("recipients", []),
        signers=[Signer(**content.get("signer", {}))],
    )


def _filename(document: OutgoingDocument, suffix: str) -> str:
    code = (document.code or f"du-thao-{document.id}").replace("/", "_")
    return f"{document.doc_type}-{code}{suffix}"


# -- received --------------------------------------------------------------------------------


def receive(
    session: Session,
    at: datetime,
    actor_id: int | None,
    *,
    org_unit_id: int,
    sender_name: str,
    sender_code: str,
    sender_issued_on: date,
    subject: str,
    outgoing_id: int | None = None,
    case_subject: str | None = None,
) -> IncomingDocument:
    """Register a document received by the body: its incoming number of the year."""
    _clerk(session, actor_id, org_unit_id)
    day = local_day(at)
    received = IncomingDocument(
        org_unit_id=org_unit_id,
        year=day.year,
        number=take_number(session, RECEIVED, org_unit_id, "", day.year),
        received_at=at,
        sender_name=_required("sender_name", sender_name, 300),
        sender_code=_required("sender_code", sender_code, 50),
        sender_issued_on=sender_issued_on,
        subject=_required("subject", subject, 500),
        outgoing_id=outgoing_id,
        case_subject=case_subject,
        registered_by=actor_id,
    )
    session.add(received)
    session.flush()
    return received


def receive_issued(
    session: Session,
    at: datetime,
    actor_id: int | None,
    *,
    org_unit_id: int,
    outgoing_id: int,
    sender_name: str,
) -> IncomingDocument:
    """Register a document another body issued in the product, once."""
    sent = _document(session, outgoing_id)
    if sent.status != ISSUED or sent.code is None or sent.issued_on is None:
        raise Conflict(
            Message(
                "Only an issued document can be received; this one is %(status)s.",
                status=STATUS_WORDS[sent.status],
            )
        )
    already = session.scalar(
        select(IncomingDocument.id).where(
            IncomingDocument.org_unit_id == org_unit_id, IncomingDocument.outgoing_id == outgoing_id
        )
    )
    if already is not None:
        raise Conflict(Message("This document is already in the register of documents received."))
    return receive(
        session,
        at,
        actor_id,
        org_unit_id=org_unit_id,
        sender_name=sender_name,
        sender_code=sent.code,
        sender_issued_on=sent.issued_on,
        subject=sent.subject,
        outgoing_id=outgoing_id,
        case_subject=sent.case_subject,
    )


def sent_register(session: Session, org_unit_id: int, year: int) -> list[OutgoingDocument]:
    """The year's documents sent, issued or voided, by series and number."""
    return list(
        session.scalars(
            select(OutgoingDocument)
            .where(
                OutgoingDocument.org_unit_id == org_unit_id,
                OutgoingDocument.year == year,
                OutgoingDocument.number.is_not(None),
            )
            .order_by(OutgoingDocument.series, OutgoingDocument.number)
        )
    )


def received_register(session: Session, org_unit_id: int, year: int) -> list[IncomingDocument]:
    return list(
        session.scalars(
            select(IncomingDocument)
            .where(IncomingDocument.org_unit_id == org_unit_id, IncomingDocument.year == year)
            .order_by(IncomingDocument.number)
        )
    )
