"""The tables of work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, UTCDateTime


class TaskDraft(Base):
    """What an officer typed into a task's form and saved without submitting."""

    __tablename__ = "task_draft"

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    data: Mapped[dict] = mapped_column(JSONDocument)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
