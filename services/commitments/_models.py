"""The tables of commitments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, UTCDateTime


class Commitment(Base):
    """A selected person's work commitment, with the policy terms it was made under (a
    copy: a later change of the policy data does not change a signed commitment)."""

    __tablename__ = "commitment"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    legal_basis: Mapped[str] = mapped_column(String(40))
    terms: Mapped[dict] = mapped_column(JSONDocument)
    employer_org_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    job_position: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    # awaiting_signature | signed | active | fulfilled | breached
    status: Mapped[str] = mapped_column(String(30))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_via: Mapped[str | None] = mapped_column(String(10))  # app | scan
    signed_document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"))
    assignment_decision: Mapped[str | None] = mapped_column(String(60))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SupportEntitlement(Base):
    """Support computed from the commitment's policy terms, approved for payment by finance."""

    __tablename__ = "support_entitlement"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # one_time | monthly_income | ...
    formula: Mapped[str] = mapped_column(String(300))  # how the amount was computed, in words
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # proposed | approved | rejected
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
