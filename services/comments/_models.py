"""The table of comments (ý kiến) written on a case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime


class CaseComment(Base):
    """An opinion written on a case (a process instance) from one of its tasks. Never
    edited: withdrawing it keeps the row, with who withdrew it, when and why."""

    __tablename__ = "case_comment"
    __table_args__ = (Index("ix_case_comment_instance", "instance_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    task_id: Mapped[str] = mapped_column(String(36))  # the task it was written from
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    # The author's place in the case (the task's lane and unit): who reads an internal
    # remark follows the unit.
    role_code: Mapped[str] = mapped_column(String(100))
    org_unit_id: Mapped[int | None]
    audience: Mapped[str] = mapped_column(String(12))  # unit | case (marked for the reviewing office)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)
