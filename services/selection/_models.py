"""The tables of selection."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    ForeignKey,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, UTCDateTime


class RecruitmentRound(Base):
    """A selection round: its published positions, its candidates, one council, one decision."""

    __tablename__ = "recruitment_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_round_id: Mapped[int | None] = mapped_column(ForeignKey("city_round.id"))
    title: Mapped[str] = mapped_column(String(500))
    legal_basis: Mapped[str] = mapped_column(String(40))  # a code of policies/legal_bases.json
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    # open | scoring | awaiting_decision | decided
    status: Mapped[str] = mapped_column(String(30))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    applications_close_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_number: Mapped[str | None] = mapped_column(String(60))


class Position(Base):
    """A published position of a round: where, what, how many."""

    __tablename__ = "recruitment_position"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("recruitment_round.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))  # the employing unit
    field: Mapped[str] = mapped_column(String(60))
    job_position: Mapped[str] = mapped_column(String(200))
    target_group: Mapped[str] = mapped_column(String(60))
    quantity: Mapped[int]


class Candidate(Base):
    """A person's candidacy in a round, by one channel, with its dossier and eligibility."""

    __tablename__ = "candidate"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("recruitment_round.id"), index=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("recruitment_position.id"))
    # unit_head_nomination_u40 | external_nomination | self_application
    source_channel: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40))  # the target group the person falls in
    procedure: Mapped[str | None] = mapped_column(String(20))  # xet_tuyen | tiep_nhan | dac_cach, decided
    nominated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    nominating_org_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    # An external nominator (MTTQ, an association, a university...) is no unit of ours: its name.
    nominating_org_name: Mapped[str | None] = mapped_column(String(300))
    nomination_date: Mapped[date | None] = mapped_column(Date)
    # nominated | applied | eligible | ineligible | passed | failed | selected | not_selected
    status: Mapped[str] = mapped_column(String(30))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    dossier: Mapped[list] = mapped_column(JSONDocument)  # checklist items with their dates
    eligibility_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Council(Base):
    """The selection council of a round (Decree 170 Art. 8 by analogy: docs/legal-rules.md,
    "The council's composition follows Decree 170 by analogy")."""

    __tablename__ = "council"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("recruitment_round.id"), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    establishing_decision: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))  # scoring | closed
    formed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    formed_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    outcome: Mapped[dict | None] = mapped_column(JSONDocument)  # the decided result per candidate
    minutes_document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"))


class CouncilSeat(Base):
    """A member of a council, with their role on it."""

    __tablename__ = "council_seat"
    __table_args__ = (UniqueConstraint("council_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    role: Mapped[str] = mapped_column(String(20))  # chair | vice_chair | secretary | member
    title: Mapped[str] = mapped_column(String(300))
    nominating_org_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))


class CouncilRecusal(Base):
    """A member who may not score a candidate (kinship, conflict of interest)."""

    __tablename__ = "council_recusal"
    __table_args__ = (UniqueConstraint("seat_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("council_seat.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id"))
    reason: Mapped[str] = mapped_column(Text)


class CouncilScore(Base):
    """One member's score of one candidate, given in that pair's own small instance."""

    __tablename__ = "council_score"
    __table_args__ = (UniqueConstraint("seat_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("council_seat.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    remark: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
