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

from engine.db import Base, JSONDocument, UTCDateTime
from engine.messages import stored_text


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
    subject: Mapped[str] = mapped_column(String(300))  # in English, or as written before wording was kept
    body: Mapped[str] = mapped_column(Text)
    # The subject's and body's templates and parameters, translated for each reader
    # (docs/languages.md); None on rows written before, shown as their text.
    wording: Mapped[dict | None] = mapped_column(JSONDocument)
    task_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_to: Mapped[str | None] = mapped_column(String(200))  # None: shown in the app only
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_last_error: Mapped[str | None] = mapped_column(Text)

    @property
    def worded_subject(self) -> str:
        return reworded(self.wording, "subject", self.subject)

    @property
    def worded_body(self) -> str:
        return reworded(self.wording, "body", self.body)


def reworded(wording: dict | None, part: str, text: str) -> str:
    """A notification's subject or body: rebuilt from its wording when kept, else its text."""
    return stored_text(wording.get(part) if wording else None, text) or text
