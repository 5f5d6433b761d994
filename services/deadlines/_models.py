"""The tables of deadlines."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, UTCDateTime


class CalendarDay(Base):
    """An exception to the Monday-Friday week: a day off (holiday, compensatory or
    swapped day) or a working weekend day (a make-up Saturday). Admin-maintained data:
    each year's Tết and swap days are set by the Prime Minister."""

    __tablename__ = "calendar_day"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # day_off | working_day
    name: Mapped[str] = mapped_column(String(200))


class CalendarYear(Base):
    """A year whose days off an admin has confirmed against the government's notice
    (who and when: the audit trail). Until then the year's statutory days off are used
    provisionally (services/deadlines/_calendar.py)."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Escalation(Base):
    """A task escalated at one level of its policy, or closed at its deadline: shown on
    the task and the campaign board. One row per task and level, whoever ran the job."""

    __tablename__ = "escalation"
    __table_args__ = (UniqueConstraint("task_id", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[str] = mapped_column(String(36))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    level: Mapped[int]
    action: Mapped[str] = mapped_column(String(20))  # notify | reassign | close
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recipient_ids: Mapped[list] = mapped_column(JSONDocument)
