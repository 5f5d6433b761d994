"""The tables of plans (docs/plans.md): a plan, its tasks, the units of each task by role,
and each task's products."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, UTCDateTime


class Plan(Base):
    """A plan (kế hoạch) or resolution with an assignment table, a draft until issued."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(50))  # number and symbol, "67/KH-UBND"
    kind: Mapped[str] = mapped_column(String(20))  # administrative | party (services.records)
    doc_type: Mapped[str] = mapped_column(String(30))  # ke_hoach | nghi_quyet | ...
    title: Mapped[str] = mapped_column(Text)
    issuer_text: Mapped[str] = mapped_column(String(300))  # as the document writes it
    superior_text: Mapped[str] = mapped_column(String(300), default="")
    issuer_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    province_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    place: Mapped[str] = mapped_column(String(100), default="")
    issued_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20))  # draft | issued
    implements: Mapped[list] = mapped_column(JSONDocument, default=list)  # codes: ["798/2025/NQ-HĐND"]
    reporting_rule: Mapped[dict | None] = mapped_column(JSONDocument)  # TimeRule.to_json(); none: to set
    # The monitoring office (Sở Nội vụ, Phòng VH-XH): an org_unit id, without a constraint
    # (SQLite cannot add one to a table in place; services.plans checks it).
    monitor_id: Mapped[int | None] = mapped_column(Integer)
    source_document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"))
    notes: Mapped[list] = mapped_column(JSONDocument, default=list)  # messages as JSON
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PlanTask(Base):
    __tablename__ = "plan_task"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)  # STT
    title: Mapped[str] = mapped_column(Text)
    leaders: Mapped[list] = mapped_column(JSONDocument, default=list)  # directing leaders, by title
    time_text: Mapped[str] = mapped_column(Text, default="")
    time_rule: Mapped[dict | None] = mapped_column(JSONDocument)  # TimeRule.to_json(); none: to set
    # giao: to a unit of the issuer's own system; đề nghị: to a body outside it (a Party body
    # asked by a People's Committee, or the reverse).
    assignment_kind: Mapped[str] = mapped_column(String(10), default="giao")
    precondition: Mapped[str] = mapped_column(Text, default="")  # "sau khi có quyết định giao biên chế"
    status: Mapped[str] = mapped_column(String(20))  # draft | issued
    notes: Mapped[list] = mapped_column(JSONDocument, default=list)  # what the officer must check


class PlanTaskUnit(Base):
    """A unit of a task in its role, or the words of the document for it: a class each case
    decides, or a name not in the directory."""

    __tablename__ = "plan_task_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("plan_task.id"), index=True)
    role: Mapped[str] = mapped_column(String(12))  # lead | coordinator | executor
    org_unit_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    words: Mapped[str] = mapped_column(String(300))  # as the document writes it
    unit_class: Mapped[str | None] = mapped_column(String(30))  # the class it was expanded from
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)  # by the officer


class PlanDeliverable(Base):
    __tablename__ = "plan_deliverable"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("plan_task.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    time_text: Mapped[str] = mapped_column(Text, default="")
    time_rule: Mapped[dict | None] = mapped_column(JSONDocument)
