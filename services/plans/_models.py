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
    # The assignment table's columns as [column, heading], in the document's order.
    columns: Mapped[list] = mapped_column(JSONDocument, default=list)
    # Issued (docs/plans.md#followed-to-the-end): its `plan` instance, when, and the last day
    # its recurring and continuous tasks are followed to.
    instance_id: Mapped[int | None] = mapped_column(Integer)
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    follow_until: Mapped[date | None] = mapped_column(Date)


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
    status: Mapped[str] = mapped_column(String(20))  # draft | issued | withdrawn
    notes: Mapped[list] = mapped_column(JSONDocument, default=list)  # what the officer must check
    amendment_id: Mapped[int | None] = mapped_column(Integer)  # the amendment that added it
    # The authority that approves its product (a unit of the province); none: the plan's
    # issuing body.
    approver_id: Mapped[int | None] = mapped_column(Integer)


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
    # Followed (docs/plans.md#followed-to-the-end): the unit's `plan_task` instance, the officer
    # its head assigned, where it stands, the period of the report it owes and that report's
    # due instant (none: a continuous task's), the task's own deadline (none: a recurring,
    # continuous or event-triggered task), whether a report came after its due instant.
    instance_id: Mapped[int | None] = mapped_column(Integer, index=True)
    officer_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="pending")  # _follow's standings
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PlanDeliverable(Base):
    __tablename__ = "plan_deliverable"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("plan_task.id"), index=True)
    name: Mapped[str] = mapped_column(Text)
    time_text: Mapped[str] = mapped_column(Text, default="")
    time_rule: Mapped[dict | None] = mapped_column(JSONDocument)


class PlanReport(Base):
    """One report of a unit on its task: progress for a period, or its contribution."""

    __tablename__ = "plan_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("plan_task_unit.id"), index=True)
    period_end: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the period it covers
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    progress: Mapped[str] = mapped_column(Text, default="")
    finished: Mapped[bool] = mapped_column(Boolean, default=False)  # the task (or period) is done
    deliverable_note: Mapped[str] = mapped_column(Text, default="")
    attachment_id: Mapped[int | None] = mapped_column(Integer)  # the product's file


class PlanAmendment(Base):
    """A document amending an issued plan (điều chỉnh, bổ sung), with its own `plan` instance
    when it adds tasks."""

    __tablename__ = "plan_amendment"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    code: Mapped[str] = mapped_column(String(50))  # its number and symbol
    issued_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(Text, default="")
    instance_id: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
