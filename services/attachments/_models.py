"""The table of files attached to a case."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime


class CaseAttachment(Base):
    """One version of a file attached to a case through a form's file field. A new file
    for the same field is a new version; the old ones stay. The content is a stored
    document (services.documents), never in the workflow's data, which holds the id."""

    __tablename__ = "case_attachment"
    __table_args__ = (
        UniqueConstraint("instance_id", "field", "version"),
        Index("ix_case_attachment_instance", "instance_id", "uploaded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    task_id: Mapped[str] = mapped_column(String(36))  # the task whose form it was attached to
    field: Mapped[str] = mapped_column(String(100))  # the form field (its data path)
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per (case, field)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"))  # None once purged
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(120))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # Holds personal data (Law 91/2025): reads are audited, content purged after retention.
    personal_data: Mapped[bool]
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    org_unit_id: Mapped[int | None]  # the uploader's unit in the case (the task's unit)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
