"""The figures officers enter for the targets (docs/targets.md#entered-figures)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime


class TargetFigure(Base):
    """One figure as entered: a measure of one year for the city or a commune, with the
    document it comes from. Never updated: a correction is a new row with its reason; the
    latest row is the figure, the earlier ones its history."""

    __tablename__ = "target_figure"
    __table_args__ = (Index("ix_target_figure_lookup", "org_unit_id", "year", "measure", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    measure: Mapped[str] = mapped_column(String(40))
    year: Mapped[int]
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))  # the city or the commune
    value: Mapped[int]
    document: Mapped[str] = mapped_column(String(200))  # the report or decision the figure comes from
    reason: Mapped[str | None] = mapped_column(Text)  # why a correction corrects
    entered_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime)
