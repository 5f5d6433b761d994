"""The tables of notifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime


class Notification(Base):
    """The outbox: one row per message to one user, written in the transaction of the
    event that causes it; the idempotency ``key`` makes a repeated event a no-op."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_inbox", "user_id", "read_at"),
        Index("ix_notification_email_due", "email_sent_at", "email_next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    task_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_to: Mapped[str | None] = mapped_column(String(200))  # None: shown in the app only
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_last_error: Mapped[str | None] = mapped_column(Text)
