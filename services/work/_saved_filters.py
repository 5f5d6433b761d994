"""Saved inbox filters: a query a user named, for them alone or shared with one of their
units; each listed with how many tasks it finds now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message
from services.common.errors import InvalidInput
from services.identity import AppUser, Membership, OrgUnit
from services.work._inbox import InboxQuery, _visible_to, count_matching
from services.work._models import SavedFilter

MAX_NAME = 100


@dataclass(frozen=True)
class ListedFilter:
    id: int
    name: str
    query: InboxQuery  # validated: what it stored, unknown values fallen back
    shared: bool  # shared with a unit
    mine: bool  # its owner may delete it
    count: int  # tasks it finds now


def save_filter(
    session: Session,
    user: AppUser,
    name: str,
    query: InboxQuery,
    at: datetime,
    shared_unit_id: int | None = None,
) -> SavedFilter:
    """Keep ``query`` under ``name`` (unique among the user's own filters), shared with
    ``shared_unit_id`` when given: a unit the user is a member of."""
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput("name", Message("Please enter the filter's name."))
    if len(name) > MAX_NAME:
        raise InvalidInput(
            "name", Message("The filter's name may not be longer than %(limit)s characters.", limit=MAX_NAME)
        )
    taken = select(func.count()).where(
        SavedFilter.owner_id == user.id, func.lower(SavedFilter.name) == name.lower()
    )
    if session.execute(taken).scalar_one():
        raise InvalidInput(
            "name", Message("The name «%(name)s» is already used by another of your filters.", name=name)
        )
    if shared_unit_id is not None and shared_unit_id not in _units_of(session, user):
        raise InvalidInput(
            "shared_unit_id", Message("A filter can only be shared with a unit you are a member of.")
        )
    saved = SavedFilter(
        owner_id=user.id, shared_unit_id=shared_unit_id, name=name, query=query.plain(), created_at=at
    )
    session.add(saved)
    session.flush()
    return saved


def saved_filters(session: Session, user: AppUser, at: datetime) -> list[ListedFilter]:
    """The user's filters and those shared with a unit they are a member of, by name, each
    with its count (one COUNT per filter, none when there are no filters)."""
    rows = session.scalars(
        select(SavedFilter)
        .where(or_(SavedFilter.owner_id == user.id, SavedFilter.shared_unit_id.in_(_units_of_query(user))))
        .order_by(SavedFilter.name, SavedFilter.id)
    ).all()
    listed, visible = [], _visible_to(session, user) if rows else None
    for row in rows:
        query = InboxQuery.from_plain(row.query if isinstance(row.query, dict) else {})
        listed.append(
            ListedFilter(
                row.id,
                row.name,
                query,
                row.shared_unit_id is not None,
                row.owner_id == user.id,
                count_matching(session, user, query, at, visible),
            )
        )
    return listed


def saved_filter(session: Session, user: AppUser, filter_id: int) -> InboxQuery:
    """The query of a filter the user may use (theirs, or shared with their unit)."""
    row = session.get(SavedFilter, filter_id)
    if row is None or not (row.owner_id == user.id or row.shared_unit_id in _units_of(session, user)):
        raise NotFound(f"no saved filter {filter_id}")
    return InboxQuery.from_plain(row.query if isinstance(row.query, dict) else {})


def delete_filter(session: Session, user: AppUser, filter_id: int) -> None:
    """Delete one of the user's own filters; someone else's is as if it did not exist."""
    row = session.get(SavedFilter, filter_id)
    if row is None or row.owner_id != user.id:
        raise NotFound(f"no saved filter {filter_id} of {user.username}")
    session.delete(row)


def _units_of(session: Session, user: AppUser) -> set[int]:
    return set(session.scalars(_units_of_query(user)))


def _units_of_query(user: AppUser):
    return select(Membership.org_unit_id).where(Membership.user_id == user.id)


def sharing_units(session: Session, user: AppUser) -> list[tuple[int, str]]:
    """The units the user may share a filter with: those they are a member of, by name."""
    return list(
        session.execute(
            select(OrgUnit.id, OrgUnit.name)
            .where(OrgUnit.id.in_(_units_of_query(user)))
            .order_by(OrgUnit.name)
        ).tuples()
    )
