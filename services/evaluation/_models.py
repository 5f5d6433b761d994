"""The tables of evaluation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, UTCDateTime


class EvaluationRound(Base):
    """A commune's yearly evaluation of its talents, reported to the city before 30/11."""

    __tablename__ = "evaluation_round"
    __table_args__ = (UniqueConstraint("year", "commune_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    commune_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    status: Mapped[str] = mapped_column(String(30))  # evaluating | reporting | submitted
    report_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    report: Mapped[dict | None] = mapped_column(JSONDocument)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Evaluation(Base):
    """One talent's yearly evaluation by the head of their unit."""

    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("person_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_round.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    year: Mapped[int]
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    # hoan_thanh_xuat_sac | hoan_thanh_tot | hoan_thanh | khong_hoan_thanh
    quality_rating: Mapped[str | None] = mapped_column(String(30))
    prospects: Mapped[str | None] = mapped_column(String(20))  # has_prospects | no_prospects
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Breach(Base):
    """A breach of commitment and its refund case (docs/processes.md#breach-of-commitment-and-refund)."""

    __tablename__ = "breach"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    # resignation | transfer_out | field_change | dismissal | job_abandonment
    trigger: Mapped[str] = mapped_column(String(30))
    occurred_on: Mapped[date] = mapped_column(Date)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    refund_formula: Mapped[str] = mapped_column(String(40))  # full | prorata_unserved_months
    refund_amount_vnd: Mapped[int] = mapped_column(BigInteger)
    exempt_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30))  # appraising | refund_due | exempt
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the refund was computed from, kept so that the figure can be explained later.
    received_vnd: Mapped[int | None] = mapped_column(BigInteger)  # approved one-time support
    served_months: Mapped[int | None] = mapped_column(Integer)  # whole months, start to breach
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decision_number: Mapped[str | None] = mapped_column(String(60))  # the city chair's decision
    refund_due_on: Mapped[date | None] = mapped_column(Date)  # payment deadline of the refund
