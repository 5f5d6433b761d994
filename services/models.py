"""Application tables: the organisation directory, campaigns and proposals, audit, and the
talent pipeline after the commune (city consolidation, candidates, council, commitment,
evaluation)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (BigInteger, Boolean, Date, ForeignKey, Index, Integer, LargeBinary, Numeric, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, JSONDocument, OrderedJSONDocument, UTCDateTime


class OrgUnit(Base):
    """city (province level) -> commune/ward -> units (offices, schools, boards...)."""

    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(60))  # the organisation's type (docs/glossary.md)
    level: Mapped[str] = mapped_column(String(20))  # province | commune | unit
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    bloc: Mapped[str] = mapped_column(String(20), default="state")  # state | party_mass
    # Police and army units are outside Decree 179 and never addressed.
    in_scope: Mapped[bool] = mapped_column(Boolean, default=True)


class Role(Base):
    __tablename__ = "role"

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class AppUser(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # On leave or away until then: escalations go to an acting holder meanwhile.
    absent_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Membership(Base):
    """A user holds a role in an organisation unit; tasks of that lane there are theirs."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "org_unit_id", "role_code"),
        Index("ix_membership_role_org", "role_code", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    role_code: Mapped[str] = mapped_column(ForeignKey("role.code"))
    # An acting holder (e.g. the deputy "được giao phụ trách") may do the role's tasks and
    # receives its escalations while every regular holder is absent.
    acting: Mapped[bool] = mapped_column(Boolean, default=False)


class Campaign(Base):
    """A commune's call for needs proposals (e.g. Công văn 64/UBND-VHXH)."""

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    commune_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    aggregator_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))  # Phòng VH-XH
    launch_doc: Mapped[str | None] = mapped_column(String(60))
    target_year: Mapped[int]
    period_from: Mapped[int]
    period_to: Mapped[int]
    unit_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    city_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    # open | aggregating | awaiting_approval | awaiting_dispatch | submitted
    status: Mapped[str] = mapped_column(String(30))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    opened_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    aggregation: Mapped[dict | None] = mapped_column(JSONDocument)
    aggregated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    city_deadline_missed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatch_number: Mapped[str | None] = mapped_column(String(60))
    dispatch_date: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submission: Mapped[dict | None] = mapped_column(JSONDocument)


class UnitProposal(Base):
    """One addressed unit's answer to a campaign, driven by its own small instance."""

    __tablename__ = "unit_proposal"
    __table_args__ = (UniqueConstraint("campaign_id", "org_unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    # not_started | drafting | submitted | returned | submitted_late | accepted_late
    # | declared_no_demand | deemed_no_demand
    status: Mapped[str] = mapped_column(String(30))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_accepted_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    late_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_accepted_reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProposalLine(Base):
    """One need in a unit's proposal (a row of its table)."""

    __tablename__ = "proposal_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("unit_proposal.id"), index=True)
    position: Mapped[int]
    field: Mapped[str] = mapped_column(String(200))
    major: Mapped[str] = mapped_column(String(200))
    specialisation: Mapped[str | None] = mapped_column(String(200))
    training_institutions: Mapped[list] = mapped_column(JSONDocument)
    institution_tier: Mapped[str | None] = mapped_column(String(40))
    criteria: Mapped[str] = mapped_column(Text)
    target_group: Mapped[str] = mapped_column(String(60))
    job_position: Mapped[str] = mapped_column(String(200))
    employee_category: Mapped[str | None] = mapped_column(String(40))
    quantity_year: Mapped[int]
    quantity_period: Mapped[int]


class AuditEvent(Base):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    action: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(120), index=True)  # e.g. "unit_proposal:12"
    details: Mapped[dict] = mapped_column(JSONDocument)


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
    provisionally (services/calendar.py)."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Notification(Base):
    """The outbox: one row per message to one user, written in the transaction of the
    event that causes it; the idempotency ``key`` makes a repeated event a no-op."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_inbox", "user_id", "read_at"),
        Index("ix_notification_email_due", "email_sent_at", "email_next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    task_id: Mapped[str | None] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_to: Mapped[str | None] = mapped_column(String(200))  # None: shown in the app only
    email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_last_error: Mapped[str | None] = mapped_column(Text)


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


class JobRun(Base):
    """A periodic job done for one period (e.g. the digest of one day): whichever
    scheduler process inserts the row does the work, in the same transaction."""

    __tablename__ = "job_run"

    job: Mapped[str] = mapped_column(String(60), primary_key=True)
    period: Mapped[str] = mapped_column(String(30), primary_key=True)
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ApiToken(Base):
    """A bearer token for integrations, acting as one user. Only its SHA-256 is kept:
    the token itself is shown once, when issued."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """Sign-in attempts, kept to slow password guessing (per user name and address) and
    to know a user's usual addresses (services/sign_in.py says for how long)."""

    __tablename__ = "login_attempt"
    __table_args__ = (Index("ix_login_attempt_recent", "username", "at"),
                      Index("ix_login_attempt_address", "address", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class WebSession(Base):
    """A signed-in browser session, so that the server can end it (services/web_sessions.py)."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # the key itself is only in the cookie
    address: Mapped[str] = mapped_column(String(64))  # the client's, at sign-in
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the purge reads it


class TaskDraft(Base):
    """What an officer typed into a task's form and saved without submitting."""

    __tablename__ = "task_draft"

    task_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    data: Mapped[dict] = mapped_column(JSONDocument)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessDraft(Base):
    """An admin's unpublished edit of a process (one per key): saved as often as they
    like, published as a new immutable version when it validates."""

    __tablename__ = "process_draft"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    bpmn_xml: Mapped[str] = mapped_column(Text)
    forms: Mapped[dict] = mapped_column(OrderedJSONDocument)
    meta: Mapped[dict] = mapped_column(JSONDocument)
    base_version: Mapped[int | None]  # the version it started from; None for a new process
    updated_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Person(Base):
    """Someone in the talent database. The citizen ID is only ever stored encrypted, with a
    keyed digest for exact lookup (services/personal_data.py); both stay empty until the ID
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


# -- the talent pipeline after the commune ---------------------------------------------------

class CityRound(Base):
    """A year's consolidation at the city (Sở Nội vụ): the communes' submissions arrive as
    cases, are consolidated by field and position, and the city chair approves the demand."""

    __tablename__ = "city_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, unique=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    status: Mapped[str] = mapped_column(String(30))  # collecting | awaiting_approval | approved
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    consolidation: Mapped[dict | None] = mapped_column(JSONDocument)
    consolidated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    targets: Mapped[dict | None] = mapped_column(JSONDocument)  # as approved by the city chair
    decision_number: Mapped[str | None] = mapped_column(String(60))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class CommuneSubmission(Base):
    """One commune's submission to the city (a campaign's dispatch), handled as a case."""

    __tablename__ = "commune_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_round_id: Mapped[int] = mapped_column(ForeignKey("city_round.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id"), unique=True)
    commune_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    status: Mapped[str] = mapped_column(String(30))  # received | registered
    dispatch_number: Mapped[str | None] = mapped_column(String(60))
    lines: Mapped[list] = mapped_column(JSONDocument)  # the submitted aggregation's lines, as sent
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    # The number Sở Nội vụ's records office gave the dispatch in its incoming register (số đến).
    incoming_number: Mapped[str | None] = mapped_column(String(30))


class RecruitmentRound(Base):
    """A selection round: its published positions, its candidates, one council, one decision."""

    __tablename__ = "recruitment_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_round_id: Mapped[int | None] = mapped_column(ForeignKey("city_round.id"))
    title: Mapped[str] = mapped_column(String(500))
    legal_basis: Mapped[str] = mapped_column(String(40))  # a code of policies/legal_bases.json
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    # open | scoring | awaiting_decision | decided
    status: Mapped[str] = mapped_column(String(30))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    applications_close_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_number: Mapped[str | None] = mapped_column(String(60))


class Position(Base):
    """A published position of a round: where, what, how many."""

    __tablename__ = "recruitment_position"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("recruitment_round.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))  # the employing unit
    field: Mapped[str] = mapped_column(String(60))
    job_position: Mapped[str] = mapped_column(String(200))
    target_group: Mapped[str] = mapped_column(String(60))
    quantity: Mapped[int]


class Candidate(Base):
    """A person's candidacy in a round, by one channel, with its dossier and eligibility."""

    __tablename__ = "candidate"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("recruitment_round.id"), index=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("recruitment_position.id"))
    # unit_head_nomination_u40 | external_nomination | self_application
    source_channel: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(40))  # the target group the person falls in
    procedure: Mapped[str | None] = mapped_column(String(20))  # xet_tuyen | tiep_nhan | dac_cach, decided
    nominated_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    nominating_org_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    # An external nominator (MTTQ, an association, a university...) is no unit of ours: its name.
    nominating_org_name: Mapped[str | None] = mapped_column(String(300))
    nomination_date: Mapped[date | None] = mapped_column(Date)
    # nominated | applied | eligible | ineligible | passed | failed | selected | not_selected
    status: Mapped[str] = mapped_column(String(30))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    dossier: Mapped[list] = mapped_column(JSONDocument)  # checklist items with their dates
    eligibility_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Council(Base):
    """The selection council of a round (Decree 170 Art. 8 by analogy: docs/legal-rules.md,
    "The council's composition follows Decree 170 by analogy")."""

    __tablename__ = "council"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("recruitment_round.id"), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    establishing_decision: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20))  # scoring | closed
    formed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    formed_by: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    outcome: Mapped[dict | None] = mapped_column(JSONDocument)  # the decided result per candidate
    minutes_document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"))


class CouncilSeat(Base):
    """A member of a council, with their role on it."""

    __tablename__ = "council_seat"
    __table_args__ = (UniqueConstraint("council_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("council.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    role: Mapped[str] = mapped_column(String(20))  # chair | vice_chair | secretary | member
    title: Mapped[str] = mapped_column(String(300))
    nominating_org_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))


class CouncilRecusal(Base):
    """A member who may not score a candidate (kinship, conflict of interest)."""

    __tablename__ = "council_recusal"
    __table_args__ = (UniqueConstraint("seat_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("council_seat.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id"))
    reason: Mapped[str] = mapped_column(Text)


class CouncilScore(Base):
    """One member's score of one candidate, given in that pair's own small instance."""

    __tablename__ = "council_score"
    __table_args__ = (UniqueConstraint("seat_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    seat_id: Mapped[int] = mapped_column(ForeignKey("council_seat.id"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    remark: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


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


class Commitment(Base):
    """A selected person's work commitment, with the policy terms it was made under (a
    copy: a later change of the policy data does not change a signed commitment)."""

    __tablename__ = "commitment"

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidate.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    legal_basis: Mapped[str] = mapped_column(String(40))
    terms: Mapped[dict] = mapped_column(JSONDocument)
    employer_org_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    job_position: Mapped[str] = mapped_column(String(200))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    # awaiting_signature | signed | active | fulfilled | breached
    status: Mapped[str] = mapped_column(String(30))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"))
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_via: Mapped[str | None] = mapped_column(String(10))  # app | scan
    signed_document_id: Mapped[int | None] = mapped_column(ForeignKey("stored_document.id"))
    assignment_decision: Mapped[str | None] = mapped_column(String(60))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SupportEntitlement(Base):
    """Support computed from the commitment's policy terms, approved for payment by finance."""

    __tablename__ = "support_entitlement"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # one_time | monthly_income | ...
    formula: Mapped[str] = mapped_column(String(300))  # how the amount was computed, in words
    amount_vnd: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(20))  # proposed | approved | rejected
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


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


class EvaluationRound(Base):
    """A commune's yearly evaluation of its talents, reported to the city before 30/11."""

    __tablename__ = "evaluation_round"
    __table_args__ = (UniqueConstraint("year", "commune_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int]
    commune_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    status: Mapped[str] = mapped_column(String(30))  # evaluating | reporting | submitted
    report_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime)
    report: Mapped[dict | None] = mapped_column(JSONDocument)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Evaluation(Base):
    """One talent's yearly evaluation by the head of their unit."""

    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("person_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_round.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    year: Mapped[int]
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    # hoan_thanh_xuat_sac | hoan_thanh_tot | hoan_thanh | khong_hoan_thanh
    quality_rating: Mapped[str | None] = mapped_column(String(30))
    prospects: Mapped[str | None] = mapped_column(String(20))  # has_prospects | no_prospects
    evaluator_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    evaluated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Breach(Base):
    """A breach of commitment and its refund case (docs/processes.md#breach-of-commitment-and-refund)."""

    __tablename__ = "breach"

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id"), index=True)
    # resignation | transfer_out | field_change | dismissal | job_abandonment
    trigger: Mapped[str] = mapped_column(String(30))
    occurred_on: Mapped[date] = mapped_column(Date)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"), unique=True)
    refund_formula: Mapped[str] = mapped_column(String(40))  # full | prorata_unserved_months
    refund_amount_vnd: Mapped[int] = mapped_column(BigInteger)
    exempt_reason: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(30))  # appraising | refund_due | exempt
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the refund was computed from, kept so that the figure can be explained later.
    received_vnd: Mapped[int | None] = mapped_column(BigInteger)  # approved one-time support
    served_months: Mapped[int | None] = mapped_column(Integer)  # whole months, start to breach
    reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    decision_number: Mapped[str | None] = mapped_column(String(60))  # the city chair's decision
    refund_due_on: Mapped[date | None] = mapped_column(Date)  # payment deadline of the refund
