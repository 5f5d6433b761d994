"""The tables of the records office (docs/records.md): the counters of the registers, the
documents sent (sổ văn bản đi) and the documents received (sổ văn bản đến)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, UTCDateTime


class RegisterCounter(Base):
    """The last number given in one series of one register of one body in one year. Taking
    a number increments this row: writers of the same series queue on it."""

    __tablename__ = "register_counter"

    register: Mapped[str] = mapped_column(String(10), primary_key=True)  # sent | received
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), primary_key=True)
    series: Mapped[str] = mapped_column(String(40), primary_key=True)  # "" is the body's own
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer)


class OutgoingDocument(Base):
    """A document of the body: a draft without a number until the records office issues
    it; an issued one keeps its number for ever, voided or not."""

    __tablename__ = "outgoing_document"
    __table_args__ = (UniqueConstraint("org_unit_id", "series", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)  # the issuing body
    series: Mapped[str] = mapped_column(String(40), default="")
    doc_type: Mapped[str] = mapped_column(String(30))  # cong_van | quyet_dinh | bien_ban | ...
    kind: Mapped[str] = mapped_column(String(20))  # administrative | normative | party
    symbol: Mapped[str] = mapped_column(String(30))  # "UBND-VHXH"; "{year}/NQ-HĐND" for normative
    template: Mapped[str] = mapped_column(String(40))  # the key of its template
    template_version: Mapped[int | None] = mapped_column(Integer)  # as issued; none: the default
    subject: Mapped[str] = mapped_column(String(500))  # trích yếu
    place_name: Mapped[str] = mapped_column(String(100))  # địa danh
    content: Mapped[dict] = mapped_column(JSONDocument)  # what the template shows (docs/records.md)
    case_subject: Mapped[str | None] = mapped_column(String(120), index=True)  # "campaign:1"
    status: Mapped[str] = mapped_column(String(10))  # draft | approved | issued | voided
    year: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(String(50))  # "64/UBND-VHXH"
    issued_on: Mapped[date | None] = mapped_column(Date)
    pages: Mapped[int | None] = mapped_column(Integer)
    docx_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"))
    pdf_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    void_reason: Mapped[str | None] = mapped_column(Text)


class IncomingDocument(Base):
    """A document received by a body, with its incoming number (số đến) of the year."""

    __tablename__ = "incoming_document"
    __table_args__ = (UniqueConstraint("org_unit_id", "year", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"), index=True)  # the receiving body
    year: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sender_name: Mapped[str] = mapped_column(String(300))
    sender_code: Mapped[str] = mapped_column(String(50))  # the sender's number and symbol
    sender_issued_on: Mapped[date] = mapped_column(Date)
    subject: Mapped[str] = mapped_column(String(500))
    outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_document.id"))
    case_subject: Mapped[str | None] = mapped_column(String(120), index=True)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class DocumentTemplate(Base):
    """One version of the template of a kind of document, its .docx kept as a stored
    document. The document of that kind is made with the latest published version, else the
    default one (docs/records.md#templates)."""

    __tablename__ = "document_template"
    __table_args__ = (UniqueConstraint("key", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(30))  # a document type ("cong_van") or "cam_ket"
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))  # draft | published
    document_id: Mapped[int] = mapped_column(ForeignKey("stored_document.id"))
    filename: Mapped[str] = mapped_column(String(200))  # as uploaded
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
