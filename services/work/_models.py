"""The tables of work."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, UTCDateTime


class TaskDraft(Base):
    """What an officer typed into a task's form and saved without submitting."""

    __tablename__ = "task_draft"

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    data: Mapped[dict] = mapped_column(JSONDocument)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TaskEvent(Base):
    """Who came to hold a task other than by its queue, and recalls: a step of the case's
    history that the task rows alone do not tell."""

    __tablename__ = "task_event"
    __table_args__ = (Index("ix_task_event_instance", "instance_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    task_id: Mapped[str] = mapped_column(String(36))
    # delegated | absence_routed | recalled | closed_by_recall
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    from_user_id: Mapped[int | None]
    to_user_id: Mapped[int | None]
    reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class SavedFilter(Base):
    """An inbox query a user named; shared with a unit, its members see it too."""

    __tablename__ = "saved_filter"
    __table_args__ = (
        Index("ix_saved_filter_owner", "owner_id"),
        Index("ix_saved_filter_unit", "shared_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    shared_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    name: Mapped[str] = mapped_column(String(100))
    query: Mapped[dict] = mapped_column(JSONDocument)  # the inbox's query arguments
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
