"""The tables of documents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    LargeBinary,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime


class StoredDocument(Base):
    """A generated or uploaded document (commitment, minutes, signed scan), kept whole."""

    __tablename__ = "stored_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # commitment | minutes | signed_commitment | ...
    subject: Mapped[str] = mapped_column(String(120), index=True)  # e.g. "commitment:3"
    filename: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(120))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
