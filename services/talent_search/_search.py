"""The talent database as officers search it: who may see whom, and the search.

Who sees whom (docs/personal-data.md#who-sees-whom: role-based access, data minimisation):
- the city's dedicated unit (Sở Nội vụ: its officers and director) and the city's leaders:
  everyone;
- a commune's Phòng VH-XH officers and its chair: the people of their commune's units
  (serving there, nominated by one of them, or candidates for one of their positions);
- a unit's head: the people of their own unit;
- anyone else: nobody (the search is refused).
Every answer carries the citizen ID masked (``people.person_view``). A masked ID, a birth
date and a gender leave few candidates for the hidden digits, so an exact-ID search is an
oracle to be rationed: only the roles that work with identity papers may make one, at most
``LOOKUPS_PER_HOUR`` an hour, each audited by its keyed digest (never the ID) and kept no
longer than the retention period; twelve digits that cannot be an ID get the same answer
as an unknown ID. The typed ID is never echoed back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message
from services import people
from services.common import audit
from services.common.errors import InvalidInput, PermissionDenied, TooManyRequests
from services.common.models import AuditEvent
from services.identity import (
    CITY_CHAIR,
    COMMUNE_CHAIR,
    HOME_AFFAIRS,
    SNV_OFFICER,
    UNIT_HEAD,
    VHXH_OFFICER,
    AppUser,
    Membership,
    OrgUnit,
)
from services.people import (
    CitizenIdKeys,
    ConsentRecord,
    Person,
    TalentListEntry,
    TalentStatus,
    TalentTraining,
    search_digest,
)
from services.selection import Candidate, Position

PER_PAGE = 50
# Sở Nội vụ's officers work with identity papers: they register nominations and
# applications, match each dossier to its ID card and check the age (under 40) on the
# nomination date. They alone look up an exact citizen ID and see full dates of birth.
# The others decide on people, not on their papers, and the birth year tells them the age:
# Sở Nội vụ's director and the city chair, Phòng VH-XH and the commune chair (aggregation,
# evaluations, approvals), unit heads (their own unit's talents).
PAPERS_ROLES = frozenset({SNV_OFFICER})
LOOKUPS_PER_HOUR = 20  # an officer's registrations; far below the ~100 tries that recover a masked ID
LOOKUP = "talent.citizen_id_lookup"
LOOKUP_REFUSED = "talent.citizen_id_lookup_refused"


class _LookupsExhausted(TooManyRequests):
    """No more citizen ID lookups this hour."""

    keeps_changes = True  # the refused lookup stays in the audit (services.common.db)


@dataclass(frozen=True)
class TalentQuery:
    text: str = ""  # part of a name, or a whole citizen ID
    status: str | None = None  # where they stand now
    page: int = 1


@dataclass(frozen=True)
class TalentPage:
    people: list[dict]
    total: int
    page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PER_PAGE))


def may_search(session: Session, user_id: int) -> bool:
    return _scope(session, user_id) is not None


def record_training(
    session: Session, keys: CitizenIdKeys, user_id: int, person_id: int, at: datetime, **course
) -> None:
    """A course the person completed, recorded by Sở Nội vụ's officers, who keep the talents'
    records (docs/targets.md#computed-from-the-talent-database); they see everyone."""
    if not _works_with_papers(session, user_id):
        raise PermissionDenied("the talents' trainings are recorded by Sở Nội vụ")
    person_record(session, keys, user_id, person_id)  # not found unless the person is seen
    people.record_training(session, at, user_id, person_id, **course)


def may_record_training(session: Session, user_id: int) -> bool:
    return _works_with_papers(session, user_id)


def is_citizen_id_query(text: str) -> bool:
    return text.strip().replace(" ", "").isdigit()


def search(
    session: Session, keys: CitizenIdKeys, user_id: int, query: TalentQuery, at: datetime
) -> TalentPage:
    """The people the user may see that match, by name or exact citizen ID, one page
    (masked). An ID lookup is audited, refused ones too: call it in a transaction (a
    refusal for too many lookups keeps its audit row)."""
    scope = _scope(session, user_id)
    if scope is None:
        raise PermissionDenied(
            "the talent database is open to Sở Nội vụ, Phòng VH-XH, the chairs and unit heads"
        )
    papers = _works_with_papers(session, user_id)
    condition = and_(
        Person.anonymised_at.is_(None), _visible(scope), *_matching(session, keys, user_id, papers, query, at)
    )
    total = session.execute(select(func.count()).select_from(Person).where(condition)).scalar_one()
    page = max(1, query.page)
    ids = session.scalars(
        select(Person.id)
        .where(condition)
        .order_by(Person.name_key, Person.id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
    ).all()
    return TalentPage(
        [_as_seen(people.person_view(session, keys, person_id), papers) for person_id in ids], total, page
    )


def forget_expired_lookups(session: Session, at: datetime, retention_days: int) -> int:
    """Delete the audit of citizen ID lookups older than the retention period: a digest
    with its searcher and time is personal data kept no longer than the people's own."""
    # A DELETE's result is a CursorResult, which Session.execute cannot type (SQLAlchemy 2.0.44
    # changelog: use typing.cast where .rowcount is needed).
    deleted = cast(
        CursorResult,
        session.execute(
            delete(AuditEvent).where(
                AuditEvent.action.in_((LOOKUP, LOOKUP_REFUSED)),
                AuditEvent.at < at - timedelta(days=retention_days),
            ),
            execution_options={"synchronize_session": False},
        ),
    )
    return deleted.rowcount


def person_record(session: Session, keys: CitizenIdKeys, user_id: int, person_id: int) -> dict:
    """One person's record for someone allowed to see them: identity (masked), status
    history, consents, candidacies and places on the talent list. Anyone else: not found."""
    scope = _scope(session, user_id)
    visible = scope is not None and session.scalar(
        select(func.count()).select_from(Person).where(Person.id == person_id, _visible(scope))
    )
    if not visible:
        raise NotFound(f"no person {person_id}")
    record = _as_seen(people.person_view(session, keys, person_id), _works_with_papers(session, user_id))
    record["history"] = [
        {"status": row.status, "at": row.at, "reason": row.reason}
        for row in session.scalars(
            select(TalentStatus)
            .where(TalentStatus.person_id == person_id)
            .order_by(TalentStatus.at, TalentStatus.id)
        )
    ]
    record["consents"] = [
        {
            "purpose": row.purpose,
            "text_version": row.text_version,
            "given_at": row.given_at,
            "channel": row.channel,
            "withdrawn_at": row.withdrawn_at,
        }
        for row in session.scalars(
            select(ConsentRecord).where(ConsentRecord.person_id == person_id).order_by(ConsentRecord.given_at)
        )
    ]
    record["candidacies"] = [
        {
            "round_id": candidate.round_id,
            "channel": candidate.source_channel,
            "status": candidate.status,
            "unit": unit_name,
            "job_position": job_position,
        }
        for candidate, unit_name, job_position in session.execute(
            select(Candidate, OrgUnit.name, Position.job_position)
            .join(Position, Position.id == Candidate.position_id)
            .join(OrgUnit, OrgUnit.id == Position.org_unit_id)
            .where(Candidate.person_id == person_id)
            .order_by(Candidate.id)
        )
    ]
    record["trainings"] = [
        {
            "title": training.title,
            "sci_tech": training.sci_tech,
            "completed_on": training.completed_on,
            "document": training.document,
        }
        for training in session.scalars(
            select(TalentTraining)
            .where(TalentTraining.person_id == person_id)
            .order_by(TalentTraining.completed_on, TalentTraining.id)
        )
    ]
    record["talent_list"] = [
        {
            "unit": unit_name,
            "included_on": entry.included_on,
            "head_assessment": entry.head_assessment,
            "removed_on": entry.removed_on,
            "removal_reason": entry.removal_reason,
        }
        for entry, unit_name in session.execute(
            select(TalentListEntry, OrgUnit.name)
            .join(OrgUnit, OrgUnit.id == TalentListEntry.org_unit_id)
            .where(TalentListEntry.person_id == person_id)
            .order_by(TalentListEntry.included_on)
        )
    ]
    return record


# -- who sees whom -----------------------------------------------------------------------

ALL = "all"


def _scope(session: Session, user_id: int):
    """``ALL``, a set of unit ids the user may see the people of, or None."""
    held = session.execute(
        select(Membership.role_code, OrgUnit)
        .join(OrgUnit, OrgUnit.id == Membership.org_unit_id)
        .where(Membership.user_id == user_id)
    ).all()
    units: set[int] = set()
    for role, unit in held:
        if role in (SNV_OFFICER, CITY_CHAIR) or (role == UNIT_HEAD and unit.kind == HOME_AFFAIRS):
            return ALL
        if role in (VHXH_OFFICER, COMMUNE_CHAIR) and unit.commune_id is not None:
            units.update(session.scalars(select(OrgUnit.id).where(OrgUnit.commune_id == unit.commune_id)))
        elif role == UNIT_HEAD:
            units.add(unit.id)
    return units or None


def _visible(scope):
    if scope == ALL:
        return Person.id.is_not(None)
    unit_ids = sorted(scope)
    serving = exists().where(
        TalentListEntry.person_id == Person.id, TalentListEntry.org_unit_id.in_(unit_ids)
    )
    nominated = exists().where(Candidate.person_id == Person.id, Candidate.nominating_org_id.in_(unit_ids))
    candidate_for = exists().where(
        Candidate.person_id == Person.id,
        Position.id == Candidate.position_id,
        Position.org_unit_id.in_(unit_ids),
    )
    return or_(serving, nominated, candidate_for)


def _works_with_papers(session: Session, user_id: int) -> bool:
    return bool(
        session.scalar(
            select(exists().where(Membership.user_id == user_id, Membership.role_code.in_(PAPERS_ROLES)))
        )
    )


def _as_seen(person: dict, papers: bool) -> dict:
    born = person["date_of_birth"]
    person["birth_year"] = born.year if born else None
    if not papers:
        del person["date_of_birth"]
    return person


def _matching(
    session: Session, keys: CitizenIdKeys, user_id: int, papers: bool, query: TalentQuery, at: datetime
) -> list:
    conditions = []
    text = query.text.strip()
    if text and is_citizen_id_query(text):
        conditions.append(
            Person.citizen_id_digest == _looked_up_digest(session, keys, user_id, papers, text, at)
        )
    elif text:
        conditions.append(Person.name_key.contains(people.name_key(text), autoescape=True))
    if query.status:
        if query.status not in people.STATUSES:
            raise InvalidInput("status", Message("The status is not valid."))
        latest = people.latest_statuses().subquery()
        conditions.append(
            exists().where(
                latest.c.person_id == Person.id, latest.c.rank == 1, latest.c.status == query.status
            )
        )
    return conditions


def _looked_up_digest(
    session: Session, keys: CitizenIdKeys, user_id: int, papers: bool, text: str, at: datetime
) -> str:
    if not papers:
        raise InvalidInput(
            "q",
            Message("Only officers of Sở Nội vụ may search by citizen ID; please search by full name."),
        )
    try:
        digest = search_digest(keys, text)
    except InvalidInput as invalid:  # said of the search box, the digits not repeated
        raise InvalidInput("q", invalid.message) from None
    # The user's row locked: two lookups at once cannot both take the last one left.
    session.execute(select(AppUser.id).where(AppUser.id == user_id).with_for_update())
    done = session.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            AuditEvent.actor_id == user_id,
            AuditEvent.action == LOOKUP,
            AuditEvent.at > at - timedelta(hours=1),
        )
    ).scalar_one()
    if done >= LOOKUPS_PER_HOUR:
        audit.record(session, at, user_id, LOOKUP_REFUSED, "talent_database", digest=digest)
        raise _LookupsExhausted(
            "q",
            Message(
                "You have searched by citizen ID %(count)s times in the past hour; please try again later.",
                count=LOOKUPS_PER_HOUR,
            ),
        )
    audit.record(session, at, user_id, LOOKUP, "talent_database", digest=digest)
    return digest
