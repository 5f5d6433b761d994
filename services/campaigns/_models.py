"""The tables of campaigns."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, UTCDateTime


class Campaign(Base):
    """A commune's call for needs proposals (e.g. Công văn 64/UBND-VHXH)."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    commune_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    aggregator_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))  # Phòng VH-XH
    launch_doc: Mapped[str | None] = mapped_column(String(60))
    target_year: Mapped[int]
    period_from: Mapped[int]
    period_to: Mapped[int]
    unit_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    city_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    # open | aggregating | awaiting_approval | awaiting_dispatch | submitted
    status: Mapped[str] = mapped_column(String(30))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    opened_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    aggregation: Mapped[dict | None] = mapped_column(JSONDocument)
    aggregated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    city_deadline_missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatch_number: Mapped[str | None] = mapped_column(String(60))
    dispatch_date: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submission: Mapped[dict | None] = mapped_column(JSONDocument)


class UnitProposal(Base):
    """One addressed unit's answer to a campaign, driven by its own small instance."""

    __tablename__ = "unit_proposal"
    __table_args__ = (UniqueConstraint("campaign_id", "org_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    # not_started | drafting | submitted | returned | submitted_late | accepted_late
    # | declared_no_demand | deemed_no_demand
    status: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_accepted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    late_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_accepted_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProposalLine(Base):
    """One need in a unit's proposal (a row of its table)."""

    __tablename__ = "proposal_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("unit_proposal.id"), index=True)
    position: Mapped[int]
    field: Mapped[str] = mapped_column(String(200))
    major: Mapped[str] = mapped_column(String(200))
    specialisation: Mapped[str | None] = mapped_column(String(200))
    training_institutions: Mapped[list] = mapped_column(JSONDocument)
    institution_tier: Mapped[str | None] = mapped_column(String(40))
    criteria: Mapped[str] = mapped_column(Text)
    target_group: Mapped[str] = mapped_column(String(60))
    job_position: Mapped[str] = mapped_column(String(200))
    employee_category: Mapped[str | None] = mapped_column(String(40))
    quantity_year: Mapped[int]
    quantity_period: Mapped[int]
