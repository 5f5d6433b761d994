"""Who is reached about a task, by the organisation chart: the people who hold its
role in its unit, and for escalations the heads above it, level by level.

A head is the holder of the head role of a unit's level: ``unit_head`` for a unit
(office, school...) or a city department, ``commune_chair`` for a commune, ``city_chair``
for the city. An absent holder is skipped; when
every regular holder is absent the acting holders are reached instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.identity._directory import CITY_CHAIR, COMMUNE_CHAIR, UNIT_HEAD
from services.identity._models import AppUser, Membership, OrgUnit

# A city department (Sở) is headed like a unit, by its director.
HEAD_ROLE_BY_LEVEL = {
    "unit": UNIT_HEAD,
    "department": UNIT_HEAD,
    "commune": COMMUNE_CHAIR,
    "province": CITY_CHAIR,
}


class OrgChart:
    """Lookups for one job run (one transaction, one instant), cached: a batch of
    escalations asks about the same few units many times."""

    def __init__(self, session: Session, at: datetime):
        self._session, self._at = session, at
        self._units: dict[int, OrgUnit | None] = {}
        self._reachable: dict[tuple[str, int], list[AppUser]] = {}
        self._users: dict[int, AppUser | None] = {}
        self._levels: dict[tuple[str, int | None], list[list[AppUser]]] = {}

    @classmethod
    def of_transaction(cls, session: Session, at: datetime) -> OrgChart:
        """One chart per transaction and instant, for a listener called once per instance
        of a batch that changes no one's roles (a timer run closing thousands of units'
        tasks): they share its lookups. A session here is one transaction
        (services.common.db), so the chart goes with it."""
        charts = session.info.setdefault("org_charts", {})
        if at not in charts:
            charts[at] = cls(session, at)
        return charts[at]

    def unit(self, unit_id: int | None) -> OrgUnit | None:
        if unit_id is None:
            return None
        if unit_id not in self._units:
            self._units[unit_id] = self._session.get(OrgUnit, unit_id)
        return self._units[unit_id]

    def user(self, user_id: int) -> AppUser | None:
        if user_id not in self._users:
            self._users[user_id] = self._session.get(AppUser, user_id)
        return self._users[user_id]

    def reachable(self, role: str, unit_id: int | None) -> list[AppUser]:
        """Present regular holders of ``role`` in the unit, else present acting holders."""
        if unit_id is None:
            return []
        key = (role, unit_id)
        if key not in self._reachable:
            rows = self._session.execute(
                select(AppUser, Membership.acting)
                .join(Membership, Membership.user_id == AppUser.id)
                .where(
                    Membership.role_code == role, Membership.org_unit_id == unit_id, AppUser.active.is_(True)
                )
                .order_by(AppUser.id)
            ).all()
            present = [
                (user, acting)
                for user, acting in rows
                if user.absent_until is None or user.absent_until <= self._at
            ]
            regular = [user for user, acting in present if not acting]
            self._reachable[key] = regular or [user for user, acting in present if acting]
        return self._reachable[key]

    def task_holders(self, lane: str, unit_id: int | None, assignee_id: int | None) -> list[AppUser]:
        """Who works the task now: its assignee, else everyone reachable in its lane."""
        if assignee_id is not None:
            assignee = self.user(assignee_id)
            return [assignee] if assignee is not None and assignee.active else []
        return self.reachable(lane, unit_id)

    def escalation_levels(self, lane: str, unit_id: int | None) -> list[list[AppUser]]:
        """The heads above a task, nearest first: its unit's head (unless the task is the
        head's own), then the head of each unit above, skipping units nobody can be
        reached in."""
        if (lane, unit_id) in self._levels:
            return self._levels[(lane, unit_id)]
        levels, unit = [], self.unit(unit_id)
        while unit is not None:
            role = HEAD_ROLE_BY_LEVEL.get(unit.level)
            if role is not None and not (unit.id == unit_id and role == lane):
                people = self.reachable(role, unit.id)
                if people:
                    levels.append(people)
            unit = self.unit(unit.parent_id)
        self._levels[(lane, unit_id)] = levels
        return levels

    def escalation_recipients(self, lane: str, unit_id: int | None, level: int) -> list[AppUser]:
        """The people of escalation ``level`` (1 = nearest head); past the top of the
        chart, the top."""
        levels = self.escalation_levels(lane, unit_id)
        return levels[min(level, len(levels)) - 1] if levels else []
