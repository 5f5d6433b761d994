"""The tables of city."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, UTCDateTime

# -- the talent pipeline after the commune ---------------------------------------------------


class CityRound(Base):
    """A year's consolidation at the city (Sở Nội vụ): the communes' submissions arrive as
    cases, are consolidated by field and position, and the city chair approves the demand."""

    __tablename__ = "city_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    status: Mapped[str] = mapped_column(String(30))  # collecting | awaiting_approval | approved
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consolidation: Mapped[dict | None] = mapped_column(JSONDocument)
    consolidated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    targets: Mapped[dict | None] = mapped_column(JSONDocument)  # as approved by the city chair
    decision_number: Mapped[str | None] = mapped_column(String(60))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class CommuneSubmission(Base):
    """One commune's submission to the city (a campaign's dispatch), handled as a case."""

    __tablename__ = "commune_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_round_id: Mapped[int] = mapped_column(ForeignKey("city_round.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), unique=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    status: Mapped[str] = mapped_column(String(30))  # received | registered
    dispatch_number: Mapped[str | None] = mapped_column(String(60))
    lines: Mapped[list] = mapped_column(JSONDocument)  # the submitted aggregation's lines, as sent
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The number Sở Nội vụ's records office gave the dispatch in its incoming register (số đến).
    incoming_number: Mapped[str | None] = mapped_column(String(30))
