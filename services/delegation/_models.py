"""The table of absences: who takes a holder's new tasks while they are away."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, UTCDateTime


class Absence(Base):
    """From ``starts_on`` to ``ends_on`` (both included, local dates), new tasks of the
    chosen processes (none chosen: all) that would be the user's go to the delegate."""

    __tablename__ = "absence"
    __table_args__ = (Index("ix_absence_user", "user_id", "ends_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    delegate_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    process_keys: Mapped[list] = mapped_column(JSONDocument)  # [] = every process
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
