"""The talent database's people: who they are, where they stand, what they consented to.

Pages and the API read people through ``person_view`` only, which masks the citizen ID.
Nothing here writes personal data into the audit trail or the logs: audit rows name the
person by id and say what happened.

Retention (Law on Personal Data Protection 2025 Art. 25;
docs/personal-data.md#retention-of-unsuccessful-candidates): the data of a candidate who
was not successful are *anonymised*, not deleted, once their last status is
older than the retention period and no talent-list retention consent covers them. Every
field that identifies them (name, date of birth, gender, citizen ID and its digest,
e-mail, phone, and the free-text reasons of their statuses) is emptied; what remains (the
statuses and their dates, the consent records) says nothing about who they were, keeps the
yearly figures and the audit trail consistent, and leaves no dangling reference.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, func, or_, select, update
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message
from engine.text import fold
from services import identity
from services.common import audit
from services.common.display import local_day
from services.common.errors import Conflict, InvalidInput
from services.identity import AppUser
from services.people._models import ConsentRecord, Person, TalentListEntry, TalentStatus, TalentTraining
from services.people._personal_data import (
    FIELD_LABEL,
    CitizenIdKeys,
    citizen_id_digest,
    decrypt_citizen_id,
    encrypt_citizen_id,
    mask_citizen_id,
)

GENDERS = ("male", "female")
STATUSES = (
    "nominated",
    "applied",
    "eligible",
    "ineligible",
    "selected",
    "not_selected",
    "committed",
    "in_service",
    "removed",
    "breached",
)
# Decree 170 Art. 16(2): an ineligible candidate is told why; removals and breaches are decisions.
STATUSES_NEEDING_REASON = frozenset({"ineligible", "removed", "breached"})
# Candidates not recruited, whose data the Law says to delete: screened out, or judged by the
# council and not selected. Removed and breached people were talents (commitments and
# refunds still need their data).
UNSUCCESSFUL_STATUSES = frozenset({"ineligible", "not_selected"})
RETENTION_CONSENT = "talent_list_retention"
CONSENT_PURPOSES = ("recruitment_round", RETENTION_CONSENT, "publication_of_nomination")
CONSENT_CHANNELS = ("paper", "web", "email")


def register_person(
    session: Session,
    keys: CitizenIdKeys,
    at: datetime,
    actor_id: int | None,
    *,
    full_name: str,
    date_of_birth: date | None = None,
    gender: str | None = None,
    citizen_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> Person:
    """Add someone to the talent database. The citizen ID is optional: it is collected at
    dossier completion or the decision, not at nomination (docs/personal-data.md, "The
    citizen ID is collected at dossier completion")."""
    name = _required_name(full_name)
    person = Person(
        full_name=name,
        name_key=name_key(name),
        date_of_birth=date_of_birth,
        gender=_checked_gender(gender),
        email=_blank_to_none(email),
        phone=_blank_to_none(phone),
        created_at=at,
    )
    if citizen_id is not None:
        _attach_citizen_id(session, keys, person, citizen_id)
    session.add(person)
    session.flush()
    audit.record(
        session,
        at,
        actor_id,
        "person.registered",
        f"person:{person.id}",
        citizen_id_collected=citizen_id is not None,
    )
    return person


def record_status(
    session: Session,
    at: datetime,
    actor_id: int | None,
    person_id: int,
    status: str,
    reason: str | None = None,
) -> TalentStatus:
    person = _living_person(session, person_id)
    if status not in STATUSES:
        raise InvalidInput(
            "status", Message("The status must be one of: %(choices)s.", choices=", ".join(STATUSES))
        )
    reason = _blank_to_none(reason)
    if status in STATUSES_NEEDING_REASON and reason is None:
        raise InvalidInput("reason", Message("Please enter the «Reason» for this status."))
    row = TalentStatus(person_id=person.id, status=status, at=at, reason=reason, actor_id=actor_id)
    session.add(row)
    session.flush()
    audit.record(session, at, actor_id, "person.status_recorded", f"person:{person.id}", status=status)
    return row


def record_consent(
    session: Session,
    at: datetime,
    actor_id: int | None,
    person_id: int,
    *,
    purpose: str,
    text_version: str,
    channel: str,
) -> ConsentRecord:
    """Consent to one purpose, as worded in ``text_version`` (silence is never consent)."""
    person = _living_person(session, person_id)
    if purpose not in CONSENT_PURPOSES:
        raise InvalidInput(
            "purpose",
            Message("The purpose must be one of: %(choices)s.", choices=", ".join(CONSENT_PURPOSES)),
        )
    if not _blank_to_none(text_version):
        raise InvalidInput("text_version", Message("Please write the version of the consent text."))
    if channel not in CONSENT_CHANNELS:
        raise InvalidInput(
            "channel",
            Message("The channel must be one of: %(choices)s.", choices=", ".join(CONSENT_CHANNELS)),
        )
    consent = ConsentRecord(
        person_id=person.id, purpose=purpose, text_version=text_version.strip(), given_at=at, channel=channel
    )
    session.add(consent)
    session.flush()
    audit.record(
        session, at, actor_id, "consent.given", f"person:{person.id}", purpose=purpose, consent_id=consent.id
    )
    return consent


def withdraw_consent(session: Session, at: datetime, actor_id: int | None, consent_id: int) -> ConsentRecord:
    consent = session.get(ConsentRecord, consent_id)
    if consent is None:
        raise NotFound(f"consent {consent_id} does not exist")
    if consent.withdrawn_at is not None:
        raise Conflict(Message("This consent was already withdrawn."))
    consent.withdrawn_at = at
    audit.record(
        session,
        at,
        actor_id,
        "consent.withdrawn",
        f"person:{consent.person_id}",
        purpose=consent.purpose,
        consent_id=consent.id,
    )
    return consent


def find_by_citizen_id(session: Session, keys: CitizenIdKeys, citizen_id: str) -> Person | None:
    """Exact lookup through the keyed digest: nothing is decrypted, nothing scanned."""
    digest = citizen_id_digest(keys, citizen_id)
    return session.scalar(select(Person).where(Person.citizen_id_digest == digest))


def person_view(session: Session, keys: CitizenIdKeys, person_id: int) -> dict:
    """A person as pages and the API may show them: the citizen ID masked."""
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"person {person_id} does not exist")
    latest = _latest_status(session, person.id)
    return {
        "id": person.id,
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth,
        "gender": person.gender,
        "citizen_id": _masked_citizen_id(keys, person),
        "email": person.email,
        "phone": person.phone,
        "created_at": person.created_at,
        "status": latest.status if latest else None,
        "status_at": latest.at if latest else None,
        "anonymised": person.anonymised_at is not None,
    }


def purge_unsuccessful(session: Session, at: datetime, retention_days: int) -> int:
    """Anonymise the people whose latest status is unsuccessful and older than
    ``retention_days`` at ``at``, unless a talent-list retention consent was in force
    then; returns how many. See the module's note on why anonymise rather than delete."""
    person_ids = list(session.scalars(_purgeable_people(at, at - timedelta(days=retention_days))))
    if person_ids:  # the scheduler runs this every hour; an empty run is not an event
        _anonymise(session, at, person_ids)
        audit.record(
            session,
            at,
            None,
            "personal_data.purged",
            "talent_database",
            people=len(person_ids),
            retention_days=retention_days,
        )
    return len(person_ids)


def _purgeable_people(at: datetime, status_before: datetime):
    latest = latest_statuses().subquery()
    retention_consent_in_force = exists().where(
        ConsentRecord.person_id == Person.id,
        ConsentRecord.purpose == RETENTION_CONSENT,
        ConsentRecord.given_at <= at,
        or_(ConsentRecord.withdrawn_at.is_(None), ConsentRecord.withdrawn_at > at),
    )
    return (
        select(Person.id)
        .join(latest, and_(latest.c.person_id == Person.id, latest.c.rank == 1))
        .where(
            Person.anonymised_at.is_(None),
            latest.c.status.in_(UNSUCCESSFUL_STATUSES),
            latest.c.at < status_before,
            ~retention_consent_in_force,
        )
    )


def latest_statuses():
    """Each person's statuses ranked newest first (rank 1: where they stand now)."""
    newest_first = func.row_number().over(
        partition_by=TalentStatus.person_id, order_by=(TalentStatus.at.desc(), TalentStatus.id.desc())
    )
    return select(TalentStatus.person_id, TalentStatus.status, TalentStatus.at, newest_first.label("rank"))


def _latest_status(session: Session, person_id: int) -> TalentStatus | None:
    return session.scalar(
        select(TalentStatus)
        .where(TalentStatus.person_id == person_id)
        .order_by(TalentStatus.at.desc(), TalentStatus.id.desc())
        .limit(1)
    )


def _anonymise(session: Session, at: datetime, person_ids: list[int]) -> None:
    session.execute(
        update(Person)
        .where(Person.id.in_(person_ids))
        .values(
            full_name=None,
            name_key=None,
            date_of_birth=None,
            gender=None,
            citizen_id_encrypted=None,
            citizen_id_digest=None,
            email=None,
            phone=None,
            anonymised_at=at,
        ),
        execution_options={"synchronize_session": "fetch"},
    )
    session.execute(
        update(TalentStatus).where(TalentStatus.person_id.in_(person_ids)).values(reason=None),
        execution_options={"synchronize_session": "fetch"},
    )


def _attach_citizen_id(session: Session, keys: CitizenIdKeys, person: Person, citizen_id: str) -> None:
    digest = citizen_id_digest(keys, citizen_id)  # validates the ID first
    if session.scalar(select(Person.id).where(Person.citizen_id_digest == digest)) is not None:
        raise Conflict(Message("This %(label)s is already in the talent database.", label=FIELD_LABEL))
    person.citizen_id_digest = digest
    person.citizen_id_encrypted = encrypt_citizen_id(keys, citizen_id)


def _masked_citizen_id(keys: CitizenIdKeys, person: Person) -> str | None:
    if person.citizen_id_encrypted is None:
        return None
    return mask_citizen_id(decrypt_citizen_id(keys, person.citizen_id_encrypted))


def _living_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(f"person {person_id} does not exist")
    if person.anonymised_at is not None:
        raise Conflict(Message("This person's personal data was erased at the end of its retention period."))
    return person


def name_key(text: str) -> str:
    """Lower case without accents, spaces collapsed: officers type "nguyen van" or
    "Nguyễn Văn" and both find Nguyễn Văn An."""
    return fold(text)


def _required_name(full_name: str) -> str:
    name = _blank_to_none(full_name)
    if name is None or len(name) > 200:
        raise InvalidInput(
            "full_name",
            Message(
                "Please enter «%(label)s» (at most %(limit)s characters).",
                label=Message("Full name"),
                limit=200,
            ),
        )
    return name


def _checked_gender(gender: str | None) -> str | None:
    if gender is not None and gender not in GENDERS:
        raise InvalidInput(
            "gender", Message("The gender must be one of: %(choices)s.", choices=", ".join(GENDERS))
        )
    return gender


def _blank_to_none(value: str | None) -> str | None:
    stripped = (value or "").strip()
    return stripped or None


def account_of(session: Session, person_id: int, at: datetime) -> AppUser:
    """The person's own account, made on first need without a password: an
    administrator (or the demo) sets one and tells them."""
    person = session.get_one(Person, person_id)
    if person.user_id is not None:
        return session.get_one(AppUser, person.user_id)
    account = identity.create_account(session, f"talent{person.id}", person.full_name or "", person.email)
    person.user_id = account.id
    audit.record(session, at, None, "account.created_for_person", f"person:{person.id}", user_id=account.id)
    return account


def leave_talent_list(session: Session, person_id: int, on: date, reason: str, decision: str | None) -> None:
    """The person no longer serves as a talent from ``on``, by ``decision`` for ``reason``."""
    session.execute(
        update(TalentListEntry)
        .where(TalentListEntry.person_id == person_id, TalentListEntry.removed_on.is_(None))
        .values(removed_on=on, removal_reason=reason, removal_decision=decision),
        execution_options={"synchronize_session": "fetch"},
    )


TRAINING_TITLE_MAX = 300
TRAINING_DOCUMENT_MAX = 200


def record_training(
    session: Session,
    at: datetime,
    actor_id: int,
    person_id: int,
    *,
    title: str,
    sci_tech: bool,
    completed_on: date,
    document: str,
) -> TalentTraining:
    """A course the person completed, with the certificate or decision that proves it
    (docs/targets.md#computed-from-the-talent-database)."""
    person = session.get(Person, person_id)
    if person is None or person.anonymised_at is not None:
        raise NotFound(f"no person {person_id}")
    title, document = title.strip(), document.strip()
    if not title:
        raise InvalidInput("title", Message("Name the course."))
    if len(title) > TRAINING_TITLE_MAX:
        raise InvalidInput("title", Message("The course's name is too long."))
    if not document:
        raise InvalidInput("document", Message("Name the certificate or decision the course is proven by."))
    if len(document) > TRAINING_DOCUMENT_MAX:
        raise InvalidInput("document", Message("The document's number is too long."))
    if completed_on > local_day(at):
        raise InvalidInput("completed_on", Message("The course cannot end after today."))
    training = TalentTraining(
        person_id=person_id,
        title=title,
        sci_tech=sci_tech,
        completed_on=completed_on,
        document=document,
        recorded_by=actor_id,
        recorded_at=at,
    )
    session.add(training)
    session.flush()
    audit.record(
        session, at, actor_id, "talent.training_recorded", f"person:{person_id}", training=training.id
    )
    return training
