"""The tables of common."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, UTCDateTime


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(120), index=True)  # e.g. "unit_proposal:12"
    details: Mapped[dict] = mapped_column(JSONDocument)


class JobRun(Base):
    """A periodic job done for one period (e.g. the digest of one day): whichever
    scheduler process inserts the row does the work, in the same transaction."""

    __tablename__ = "job_run"

    job: Mapped[str] = mapped_column(String(60), primary_key=True)
    period: Mapped[str] = mapped_column(String(30), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)
