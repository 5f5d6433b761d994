"""The tables of people."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime


class Person(Base):
    """Someone in the talent database. The citizen ID is only ever stored encrypted, with a
    keyed digest for exact lookup (services/people/_personal_data.py); both stay empty until the ID
    is collected (at dossier completion, not at nomination). An unsuccessful candidate's
    personal fields are emptied after the retention period (``anonymised_at``)."""

    __tablename__ = "person"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str | None] = mapped_column(String(200))
    # The name without accents, lower case ("tran minh khoa"): what a search matches.
    name_key: Mapped[str | None] = mapped_column(String(200), index=True)
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(10))  # male | female
    citizen_id_encrypted: Mapped[str | None] = mapped_column(String(200))
    citizen_id_digest: Mapped[str | None] = mapped_column(String(64), unique=True)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The person's own account, once they have tasks of their own (signing the commitment).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), unique=True)


class TalentStatus(Base):
    """One step of a person's history (nominated, eligible, selected...); the latest is
    where they stand. Never updated: a new row is written instead."""

    __tablename__ = "talent_status"
    __table_args__ = (Index("ix_talent_status_person_at", "person_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    status: Mapped[str] = mapped_column(String(30))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)  # required for ineligible, removed, breached
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class ConsentRecord(Base):
    """A person's consent to one purpose, in the wording of ``text_version`` (Law 91/2025/QH15
    and Decree 356/2025/NĐ-CP: specific, per purpose, provable, withdrawable)."""

    __tablename__ = "consent_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    # recruitment_round | talent_list_retention | publication_of_nomination
    purpose: Mapped[str] = mapped_column(String(40))
    text_version: Mapped[str] = mapped_column(String(60))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(40))  # paper | web | email
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TalentListEntry(Base):
    """A person on the talent list, from inclusion to removal
    (docs/processes.md#yearly-evaluation-and-the-talent-list)."""

    __tablename__ = "talent_list_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))  # where they serve
    included_on: Mapped[date] = mapped_column(Date)
    last_review_on: Mapped[date | None] = mapped_column(Date)
    head_assessment: Mapped[str | None] = mapped_column(String(20))  # has_prospects | no_prospects
    removed_on: Mapped[date | None] = mapped_column(Date)
    removal_reason: Mapped[str | None] = mapped_column(Text)
    removal_decision: Mapped[str | None] = mapped_column(String(60))


class TalentTraining(Base):
    """A course a talent completed (đào tạo, bồi dưỡng), with the document proving it;
    those in science and technology count towards the training target (docs/targets.md)."""

    __tablename__ = "talent_training"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    sci_tech: Mapped[bool] = mapped_column(Boolean)
    completed_on: Mapped[date] = mapped_column(Date)
    document: Mapped[str] = mapped_column(String(200))  # the certificate or decision
    recorded_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
