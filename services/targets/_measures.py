"""The measures of the targets, for one year: those computed from the talent database
(docs/targets.md#computed-from-the-talent-database), counted, or with the people behind
each; and the figures entered.

Each computed measure counts the people of a *population* (those attracted in a year, a
cohort five years on, those on the talent list), all of them or those meeting its
condition. A dashboard only needs the counts: they are counted by the database, per unit,
once for the whole city (a commune's count is its units' part); the people themselves are
read only when a leader drills down to them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from services.commitments import Commitment
from services.evaluation import Breach, years_after
from services.identity import OrgUnit
from services.people import Person, TalentListEntry, TalentTraining
from services.targets._models import TargetFigure

RETENTION_YEARS = 5
# A commitment counts as an attraction once signed: one still awaiting its signature may
# yet come to nothing.
NOT_YET_ATTRACTED = ("awaiting_signature",)


@dataclass(frozen=True)
class Scope:
    """Where the targets are measured: the city (every unit under it) or one commune."""

    org_id: int
    level: str  # city | commune
    name: str
    unit_ids: frozenset[int]


@dataclass(frozen=True)
class PersonRow:
    """One person behind a computed figure, as a leader drills down to them."""

    person_id: int
    full_name: str
    unit_id: int
    unit_name: str
    since: date  # attracted on (the commitment's start), or put on the talent list
    left_on: date | None = None  # left their unit (a breach of the commitment)
    stayed: bool = True  # still working five years after being attracted (or not yet five years on)
    trained_on: date | None = None  # first completed a course in science and technology


@dataclass
class Tally:
    """A population counted per unit: all of its people, and those meeting its condition
    (still working five years on, trained)."""

    everyone: Counter = field(default_factory=Counter)
    meeting: Counter = field(default_factory=Counter)

    def count(self, units: frozenset[int], condition: bool) -> int:
        counted = self.meeting if condition else self.everyone
        return sum(number for unit, number in counted.items() if unit in units)


# measure -> (its population, whether it counts only those meeting the population's condition)
COMPUTED = {
    "talents_recruited": ("recruited", False),
    "cohort_attracted": ("cohort", False),
    "cohort_still_serving": ("cohort", True),
    "talents_listed": ("listed", False),
    "talents_trained": ("listed", True),
}


def cut_off(year: int, today: date) -> date:
    """The day a year's standing is read at: its last day, or today while it runs."""
    return min(date(year, 12, 31), today)


def _attracted_in(year: int, units: frozenset[int]) -> list:
    return [
        Commitment.status.not_in(NOT_YET_ATTRACTED),
        Commitment.start_date >= date(year, 1, 1),
        Commitment.start_date <= date(year, 12, 31),
        Commitment.employer_org_id.in_(sorted(units)),
    ]


def _listed_on(on: date, units: frozenset[int]) -> list:
    return [
        TalentListEntry.included_on <= on,
        (TalentListEntry.removed_on.is_(None)) | (TalentListEntry.removed_on > on),
        TalentListEntry.org_unit_id.in_(sorted(units)),
    ]


def _trained_by(on: date):
    return (
        select(TalentTraining.person_id, func.min(TalentTraining.completed_on).label("first"))
        .where(TalentTraining.sci_tech.is_(True), TalentTraining.completed_on <= on)
        .group_by(TalentTraining.person_id)
        .subquery()
    )


def _first_breach(breaches) -> dict[int, date]:
    """The day each commitment was first breached, from (commitment id, day) rows: taken
    here, not by an aggregate joined in SQL, whose estimate PostgreSQL gets wrong on a table
    not yet analysed (a nested loop over every breach for every commitment)."""
    first: dict[int, date] = {}
    for commitment_id, day in breaches:
        if day is not None and (commitment_id not in first or day < first[commitment_id]):
            first[commitment_id] = day
    return first


def tally(session: Session, name: str, scope: Scope, year: int, today: date) -> Tally:
    """One population of ``year`` within ``scope``, counted per unit by the database."""
    counted = Tally()
    if name == "listed":
        on = cut_off(year, today)
        trained = _trained_by(on)
        for unit_id, everyone, meeting in session.execute(
            select(
                TalentListEntry.org_unit_id,
                func.count(distinct(TalentListEntry.person_id)),
                func.count(distinct(trained.c.person_id)),
            )
            .outerjoin(trained, trained.c.person_id == TalentListEntry.person_id)
            .where(*_listed_on(on, scope.unit_ids))
            .group_by(TalentListEntry.org_unit_id)
        ):
            counted.everyone[unit_id], counted.meeting[unit_id] = everyone, meeting
        return counted
    attracted = _attracted_in(year - RETENTION_YEARS if name == "cohort" else year, scope.unit_ids)
    for unit_id, everyone in session.execute(
        select(Commitment.employer_org_id, func.count())
        .where(*attracted)
        .group_by(Commitment.employer_org_id)
    ):
        counted.everyone[unit_id] = counted.meeting[unit_id] = everyone
    left = session.execute(  # the few who left, judged one by one
        select(Commitment.id, Commitment.employer_org_id, Commitment.start_date, Breach.occurred_on)
        .join(Breach, Breach.commitment_id == Commitment.id)
        .where(*attracted)
    ).all()
    first = _first_breach((commitment_id, day) for commitment_id, _unit, _start, day in left)
    for commitment_id, unit_id, start in {(row[0], row[1], row[2]) for row in left}:
        if not _stayed(start, first[commitment_id]):
            counted.meeting[unit_id] -= 1
    return counted


def _stayed(start: date, left_on: date | None) -> bool:
    """Still working five years after being attracted: gone, if at all, on or after the
    fifth anniversary of the start."""
    return left_on is None or left_on >= years_after(start, RETENTION_YEARS)


def population(session: Session, name: str, scope: Scope, year: int, today: date) -> list[PersonRow]:
    """The people of one population for ``year`` within ``scope``, by unit and name."""
    if name == "listed":
        rows = _listed(session, scope, cut_off(year, today))
    else:
        rows = _attracted(session, scope, year - RETENTION_YEARS if name == "cohort" else year)
    return sorted(rows, key=lambda row: (row.unit_name, row.full_name, row.person_id))


def _attracted(session: Session, scope: Scope, year: int) -> list[PersonRow]:
    found = session.execute(
        select(
            Commitment.id,
            Commitment.person_id,
            Person.full_name,
            OrgUnit.id,
            OrgUnit.name,
            Commitment.start_date,
            Breach.occurred_on,
        )
        .join(Person, Person.id == Commitment.person_id)
        .join(OrgUnit, OrgUnit.id == Commitment.employer_org_id)
        .outerjoin(Breach, Breach.commitment_id == Commitment.id)
        .where(*_attracted_in(year, scope.unit_ids))
    ).all()
    first = _first_breach((row[0], row[-1]) for row in found)
    people = {row[0]: row[1:6] for row in found}  # a commitment breached twice is one person
    rows = []
    for commitment_id, (person_id, full_name, unit_id, unit_name, start) in people.items():
        left_on = first.get(commitment_id)
        rows.append(
            PersonRow(person_id, full_name or "", unit_id, unit_name, start, left_on, _stayed(start, left_on))
        )
    return rows


def _listed(session: Session, scope: Scope, on: date) -> list[PersonRow]:
    trained = _trained_by(on)
    found = session.execute(
        select(
            TalentListEntry.person_id,
            Person.full_name,
            OrgUnit.id,
            OrgUnit.name,
            func.min(TalentListEntry.included_on),
            func.min(trained.c.first),
        )
        .join(Person, Person.id == TalentListEntry.person_id)
        .join(OrgUnit, OrgUnit.id == TalentListEntry.org_unit_id)
        .outerjoin(trained, trained.c.person_id == TalentListEntry.person_id)
        .where(*_listed_on(on, scope.unit_ids))
        .group_by(TalentListEntry.person_id, Person.full_name, OrgUnit.id, OrgUnit.name)
    )
    return [
        PersonRow(person_id, full_name or "", unit_id, unit_name, included_on, trained_on=trained_on)
        for person_id, full_name, unit_id, unit_name, included_on, trained_on in found
    ]


def meets(measure: str, row: PersonRow) -> bool:
    """Whether a person of the measure's population counts in it."""
    condition = COMPUTED[measure][1]
    if not condition:
        return True
    return row.stayed if COMPUTED[measure][0] == "cohort" else row.trained_on is not None


def entered_values(session: Session, org_ids: list[int], years: list[int]) -> dict[tuple[int, str, int], int]:
    """The figure in force of each (organisation, measure, year) entered: its latest row."""
    latest = (
        select(func.max(TargetFigure.id))
        .where(TargetFigure.org_unit_id.in_(org_ids), TargetFigure.year.in_(years))
        .group_by(TargetFigure.org_unit_id, TargetFigure.measure, TargetFigure.year)
    )
    return {
        (figure.org_unit_id, figure.measure, figure.year): figure.value
        for figure in session.scalars(select(TargetFigure).where(TargetFigure.id.in_(latest)))
    }
