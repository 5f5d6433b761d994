"""The tables of process_admin."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, OrderedJSONDocument, UTCDateTime


class ProcessDraft(Base):
    """An admin's unpublished edit of a process (one per key): saved as often as they
    like, published as a new immutable version when it validates."""

    __tablename__ = "process_draft"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict] = mapped_column(OrderedJSONDocument)
    meta: Mapped[dict] = mapped_column(JSONDocument)
    decisions: Mapped[dict] = mapped_column(OrderedJSONDocument, default=dict, server_default="{}")
    base_version: Mapped[int | None]  # the version it started from; None for a new process
    updated_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
