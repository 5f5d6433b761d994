"""The talent database as officers search it: who may see whom, and the search.

Who sees whom (report §2.9: role-based access, data minimisation):
- the city's dedicated unit (Sở Nội vụ: its officers and director) and the city's leaders:
  everyone;
- a commune's Phòng VH-XH officers and its chair: the people of their commune's units
  (serving there, nominated by one of them, or candidates for one of their positions);
- a unit's head: the people of their own unit;
- anyone else: nobody (the search is refused).
Every answer carries the citizen ID masked (``talents.person_view``); a full citizen ID
typed in the search box is matched through its keyed digest and never echoed back.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from services import talents
from services.directory import CITY_CHAIR, COMMUNE_CHAIR, HOME_AFFAIRS, SNV_OFFICER, UNIT_HEAD, VHXH_OFFICER
from services.errors import InvalidInput, PermissionDenied
from services.models import (Candidate, ConsentRecord, Membership, OrgUnit, Person, Position, TalentListEntry,
                             TalentStatus)
from services.personal_data import CitizenIdKeys, citizen_id_digest

PER_PAGE = 50


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


def search(session: Session, keys: CitizenIdKeys, user_id: int, query: TalentQuery) -> TalentPage:
    """The people the user may see that match, by name, one page (masked)."""
    scope = _scope(session, user_id)
    if scope is None:
        raise PermissionDenied("the talent database is open to Sở Nội vụ, Phòng VH-XH, the chairs and unit heads")
    condition = and_(Person.anonymised_at.is_(None), _visible(scope), *_matching(session, keys, query))
    total = session.scalar(select(func.count()).select_from(Person).where(condition))
    page = max(1, query.page)
    ids = session.scalars(select(Person.id).where(condition).order_by(Person.name_key, Person.id)
                          .offset((page - 1) * PER_PAGE).limit(PER_PAGE)).all()
    return TalentPage([talents.person_view(session, keys, person_id) for person_id in ids], total, page)


def person_record(session: Session, keys: CitizenIdKeys, user_id: int, person_id: int) -> dict:
    """One person's record for someone allowed to see them: identity (masked), status
    history, consents, candidacies and places on the talent list. Anyone else: not found."""
    scope = _scope(session, user_id)
    visible = scope is not None and session.scalar(
        select(func.count()).select_from(Person).where(Person.id == person_id, _visible(scope)))
    if not visible:
        raise NotFound(f"no person {person_id}")
    record = talents.person_view(session, keys, person_id)
    record["history"] = [{"status": row.status, "at": row.at, "reason": row.reason} for row in session.scalars(
        select(TalentStatus).where(TalentStatus.person_id == person_id).order_by(TalentStatus.at, TalentStatus.id))]
    record["consents"] = [{"purpose": row.purpose, "text_version": row.text_version, "given_at": row.given_at,
                           "channel": row.channel, "withdrawn_at": row.withdrawn_at} for row in session.scalars(
        select(ConsentRecord).where(ConsentRecord.person_id == person_id).order_by(ConsentRecord.given_at))]
    record["candidacies"] = [{"round_id": candidate.round_id, "channel": candidate.source_channel,
                              "status": candidate.status, "unit": unit_name, "job_position": job_position}
                             for candidate, unit_name, job_position in session.execute(
        select(Candidate, OrgUnit.name, Position.job_position)
        .join(Position, Position.id == Candidate.position_id).join(OrgUnit, OrgUnit.id == Position.org_unit_id)
        .where(Candidate.person_id == person_id).order_by(Candidate.id))]
    record["talent_list"] = [{"unit": unit_name, "included_on": entry.included_on,
                              "head_assessment": entry.head_assessment, "removed_on": entry.removed_on,
                              "removal_reason": entry.removal_reason} for entry, unit_name in session.execute(
        select(TalentListEntry, OrgUnit.name).join(OrgUnit, OrgUnit.id == TalentListEntry.org_unit_id)
        .where(TalentListEntry.person_id == person_id).order_by(TalentListEntry.included_on))]
    return record


# -- who sees whom -----------------------------------------------------------------------

ALL = "all"


def _scope(session: Session, user_id: int):
    """``ALL``, a set of unit ids the user may see the people of, or None."""
    held = session.execute(select(Membership.role_code, OrgUnit).join(OrgUnit, OrgUnit.id == Membership.org_unit_id)
                           .where(Membership.user_id == user_id)).all()
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
    serving = exists().where(TalentListEntry.person_id == Person.id, TalentListEntry.org_unit_id.in_(unit_ids))
    nominated = exists().where(Candidate.person_id == Person.id, Candidate.nominating_org_id.in_(unit_ids))
    candidate_for = exists().where(Candidate.person_id == Person.id, Position.id == Candidate.position_id,
                                   Position.org_unit_id.in_(unit_ids))
    return or_(serving, nominated, candidate_for)


def _matching(session: Session, keys: CitizenIdKeys, query: TalentQuery) -> list:
    conditions = []
    text = query.text.strip()
    if text and text.replace(" ", "").isdigit():
        try:
            conditions.append(Person.citizen_id_digest == citizen_id_digest(keys, text))
        except InvalidInput as invalid:  # said of the search box, the digits not repeated
            raise InvalidInput("q", invalid.message.split(": ", 1)[-1]) from None
    elif text:
        conditions.append(Person.name_key.contains(talents.name_key(text), autoescape=True))
    if query.status:
        if query.status not in talents.STATUSES:
            raise InvalidInput("status", "Trạng thái không hợp lệ.")
        latest = talents.latest_statuses().subquery()
        conditions.append(exists().where(latest.c.person_id == Person.id, latest.c.rank == 1,
                                         latest.c.status == query.status))
    return conditions
