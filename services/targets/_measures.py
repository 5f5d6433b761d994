"""The measures of the targets, for one year: those computed from the talent database
(docs/targets.md#computed-from-the-talent-database), with the people behind each, and the
figures entered.

Each computed measure counts the people of a *population* (those attracted in a year, a
cohort five years on, those on the talent list), all of whom or those meeting its
condition. A population is read once for the whole city; a commune's figure is its part
of it, by the commune of the unit each person serves in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
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


@dataclass(frozen=True)
class Computed:
    population: str  # recruited | cohort | listed
    counts: Callable[[PersonRow], bool]


def _everyone(_row: PersonRow) -> bool:
    return True


COMPUTED = {
    "talents_recruited": Computed("recruited", _everyone),
    "cohort_attracted": Computed("cohort", _everyone),
    "cohort_still_serving": Computed("cohort", lambda row: row.stayed),
    "talents_listed": Computed("listed", _everyone),
    "talents_trained": Computed("listed", lambda row: row.trained_on is not None),
}


def cut_off(year: int, today: date) -> date:
    """The day a year's standing is read at: its last day, or today while it runs."""
    return min(date(year, 12, 31), today)


def population(session: Session, name: str, scope: Scope, year: int, today: date) -> list[PersonRow]:
    """The people of one population for ``year`` within ``scope``, by name."""
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
        )
        .join(Person, Person.id == Commitment.person_id)
        .join(OrgUnit, OrgUnit.id == Commitment.employer_org_id)
        .where(
            Commitment.status.not_in(NOT_YET_ATTRACTED),
            Commitment.start_date >= date(year, 1, 1),
            Commitment.start_date <= date(year, 12, 31),
            Commitment.employer_org_id.in_(sorted(scope.unit_ids)),
        )
    ).all()
    left = {
        commitment_id: day
        for commitment_id, day in session.execute(
            select(Breach.commitment_id, func.min(Breach.occurred_on))
            .where(Breach.commitment_id.in_([row[0] for row in found]))
            .group_by(Breach.commitment_id)
        )
    }
    rows = []
    for commitment_id, person_id, full_name, unit_id, unit_name, start in found:
        left_on = left.get(commitment_id)
        stayed = left_on is None or left_on >= years_after(start, RETENTION_YEARS)
        rows.append(PersonRow(person_id, full_name or "", unit_id, unit_name, start, left_on, stayed))
    return rows


def _listed(session: Session, scope: Scope, on: date) -> list[PersonRow]:
    trained = (
        select(TalentTraining.person_id, func.min(TalentTraining.completed_on).label("first"))
        .where(TalentTraining.sci_tech.is_(True), TalentTraining.completed_on <= on)
        .group_by(TalentTraining.person_id)
        .subquery()
    )
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
        .where(
            TalentListEntry.included_on <= on,
            (TalentListEntry.removed_on.is_(None)) | (TalentListEntry.removed_on > on),
            TalentListEntry.org_unit_id.in_(sorted(scope.unit_ids)),
        )
        .group_by(TalentListEntry.person_id, Person.full_name, OrgUnit.id, OrgUnit.name)
    ).all()
    return [
        PersonRow(person_id, full_name or "", unit_id, unit_name, included_on, trained_on=trained_on)
        for person_id, full_name, unit_id, unit_name, included_on, trained_on in found
    ]


def computed_value(rows: list[PersonRow], measure: str) -> int:
    return sum(1 for row in rows if COMPUTED[measure].counts(row))


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
