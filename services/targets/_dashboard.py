"""The targets as leaders read them (docs/targets.md): who may open which dashboard, each
target's value year by year against its milestones and its status, the communes side by
side, and the units and people behind a figure."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine.errors import NotFound
from engine.messages import Message
from services.identity import (
    CITY_CHAIR,
    COMMUNE_CHAIR,
    HOME_AFFAIRS,
    SNV_OFFICER,
    UNIT_HEAD,
    VHXH_OFFICER,
    Membership,
    OrgUnit,
)
from services.targets._catalogue import BY_MILESTONES, CITY, COMMUNE, SHARE, TARGETS, Target
from services.targets._measures import (
    COMPUTED,
    PersonRow,
    Scope,
    Tally,
    entered_values,
    meets,
    population,
    tally,
)

FIRST_YEAR = min(target.first_year for target in TARGETS.values())  # the resolution's first milestone

STATUS_WORDS = {
    "met": Message("Met"),
    "not_met": Message("Not met"),
    "on_track": Message("On track"),
    "behind": Message("Behind the path to the milestone"),
    "pending": Message("Not yet met, milestone ahead"),
    "no_data": Message("No figures yet"),
}


@dataclass(frozen=True)
class Point:
    """A target in one year: its parts, its value (a percentage or a count) and the value
    expected of that year."""

    year: int
    numerator: int | None
    denominator: int | None
    value: float | None
    expected: float | None
    status: str


@dataclass
class TargetView:
    target: Target
    points: list[Point]  # from FIRST_YEAR to the year shown

    @property
    def current(self) -> Point:
        return self.points[-1]


@dataclass
class Dashboard:
    scope: Scope
    year: int
    targets: list[TargetView]
    tallies: dict[tuple[str, int], Tally] = field(default_factory=dict)  # by population and year
    within: Dashboard | None = None  # the city's, whose tallies a commune's counts are part of


# -- who may open what ----------------------------------------------------------------------


def _held(session: Session, user_id: int) -> list[tuple[str, OrgUnit]]:
    return [
        (role, unit)
        for role, unit in session.execute(
            select(Membership.role_code, OrgUnit)
            .join(OrgUnit, OrgUnit.id == Membership.org_unit_id)
            .where(Membership.user_id == user_id)
        )
    ]


def _city_of(session: Session, unit: OrgUnit) -> OrgUnit | None:
    found: OrgUnit | None = unit
    while found is not None and found.level != "province":
        found = session.get(OrgUnit, found.parent_id) if found.parent_id else None
    return found


def _speaks_for_city(role: str, unit: OrgUnit) -> bool:
    """The city's leaders and its dedicated unit (Sở Nội vụ: officers and director)."""
    return role in (CITY_CHAIR, SNV_OFFICER) or (role == UNIT_HEAD and unit.kind == HOME_AFFAIRS)


def _speaks_for_commune(role: str, unit: OrgUnit) -> bool:
    """The commune's chair and its Phòng VH-XH."""
    return role in (COMMUNE_CHAIR, VHXH_OFFICER) and unit.commune_id is not None


def scopes_for(session: Session, user_id: int) -> list[Scope]:
    """The dashboards the user may open: their city's and each of its communes', or their
    own commune's; the first is their own."""
    own: list[OrgUnit] = []
    for role, unit in _held(session, user_id):
        if _speaks_for_city(role, unit):
            city = _city_of(session, unit)
            if city is not None:
                own += [city, *_communes(session, city)]
        elif _speaks_for_commune(role, unit):
            own.append(session.get_one(OrgUnit, unit.commune_id))
    seen: dict[int, OrgUnit] = {}
    for org in own:
        seen.setdefault(org.id, org)
    return [_scope(session, org) for org in seen.values()]


def may_see_targets(session: Session, user_id: int) -> bool:
    return any(
        _speaks_for_city(role, unit) or _speaks_for_commune(role, unit)
        for role, unit in _held(session, user_id)
    )


def is_leader(session: Session, user_id: int) -> bool:
    """A leader, whose home page shows the targets: a chair, or Sở Nội vụ's director."""
    return any(
        role in (CITY_CHAIR, COMMUNE_CHAIR) or (role == UNIT_HEAD and unit.kind == HOME_AFFAIRS)
        for role, unit in _held(session, user_id)
    )


def may_enter(session: Session, user_id: int, scope: Scope) -> bool:
    """The city's figures are entered by its leaders and Sở Nội vụ; a commune's by its chair
    and its Phòng VH-XH."""
    for role, unit in _held(session, user_id):
        if scope.level == CITY and _speaks_for_city(role, unit):
            city = _city_of(session, unit)
            if city is not None and city.id == scope.org_id:
                return True
        if scope.level == COMMUNE and _speaks_for_commune(role, unit) and unit.commune_id == scope.org_id:
            return True
    return False


def scope_for(session: Session, user_id: int, org_id: int | None) -> Scope:
    """The dashboard asked for (the user's own by default), if the user may open it."""
    scopes = scopes_for(session, user_id)
    if not scopes:
        raise NotFound("no dashboard of targets for this user")
    if org_id is None:
        return scopes[0]
    for scope in scopes:
        if scope.org_id == org_id:
            return scope
    raise NotFound(f"no dashboard of targets {org_id} for this user")


def _communes(session: Session, city: OrgUnit) -> list[OrgUnit]:
    return list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.parent_id == city.id, OrgUnit.level == "commune")
            .order_by(OrgUnit.name)
        )
    )


def _scope(session: Session, org: OrgUnit) -> Scope:
    if org.level == "commune":
        units = session.scalars(select(OrgUnit.id).where(OrgUnit.commune_id == org.id))
        return Scope(org.id, COMMUNE, org.name, frozenset([org.id, *units]))
    communes = [commune.id for commune in _communes(session, org)]
    units = session.scalars(
        select(OrgUnit.id).where(or_(OrgUnit.parent_id == org.id, OrgUnit.commune_id.in_(communes)))
    )
    return Scope(org.id, CITY, org.name, frozenset([org.id, *units]))


def communes_of(session: Session, scope: Scope) -> list[Scope]:
    """The city's communes, each with its units (read in one statement: a city has a hundred)."""
    if scope.level != CITY:
        return []
    communes = _communes(session, session.get_one(OrgUnit, scope.org_id))
    units: dict[int, set[int]] = defaultdict(set)
    for unit_id, commune_id in session.execute(
        select(OrgUnit.id, OrgUnit.commune_id).where(OrgUnit.commune_id.in_([each.id for each in communes]))
    ):
        units[commune_id].add(unit_id)
    return [Scope(each.id, COMMUNE, each.name, frozenset([each.id, *units[each.id]])) for each in communes]


# -- the targets measured -------------------------------------------------------------------


def targets_of(scope: Scope) -> list[Target]:
    return [target for target in TARGETS.values() if scope.level in target.levels]


def dashboard(
    session: Session,
    scope: Scope,
    year: int,
    today: date,
    *,
    within: Dashboard | None = None,
    entered: dict | None = None,
) -> Dashboard:
    """Every target of the scope, from the resolution's first year to ``year``; a commune's
    may be read ``within`` the city's, and with the figures ``entered`` already read."""
    years = list(range(FIRST_YEAR, year + 1))
    board = Dashboard(scope, year, [], within=within)
    if entered is None:
        entered = entered_values(session, [scope.org_id], years)
    for target in targets_of(scope):
        points = []
        for each in years:
            numerator, denominator = (
                _figure(session, board, entered, part, each, today) if part else None
                for part in (target.numerator, target.denominator)
            )
            points.append(point(target, each, numerator, denominator))
        board.targets.append(TargetView(target, points))
    return board


def _figure(session, board: Dashboard, entered: dict, measure: str, year: int, today: date) -> int | None:
    if measure in COMPUTED:
        name, condition = COMPUTED[measure]
        return _tally(session, board, name, year, today).count(board.scope.unit_ids, condition)
    return entered.get((board.scope.org_id, measure, year))


def _tally(session: Session, board: Dashboard, name: str, year: int, today: date) -> Tally:
    """A population counted once per dashboard; a commune's, once for the city it is in."""
    if board.within is not None:
        return _tally(session, board.within, name, year, today)
    if (name, year) not in board.tallies:
        board.tallies[name, year] = tally(session, name, board.scope, year, today)
    return board.tallies[name, year]


def point(target: Target, year: int, numerator: int | None, denominator: int | None) -> Point:
    if target.kind == SHARE:
        value = round(100 * numerator / denominator, 1) if numerator is not None and denominator else None
    else:
        value = None if numerator is None else float(numerator)
    expected, binds = expected_value(target, year)
    return Point(year, numerator, denominator, value, expected, status(value, expected, binds))


def expected_value(target: Target, year: int) -> tuple[float | None, str]:
    """What the target asks of ``year`` and how (docs/targets.md#milestones): ``binding``
    (a milestone's year, or any year after the last, or every year of an annual target),
    ``path`` (on the straight line between two milestones) or ``ahead`` (before the first
    milestone of a target due by a year)."""
    milestones = target.milestones
    if year < milestones[0][0]:
        return (float(milestones[0][1]), "ahead") if target.pace == BY_MILESTONES else (None, "none")
    earlier = [(at, value) for at, value in milestones if at <= year]
    later = [(at, value) for at, value in milestones if at > year]
    last_year, last_value = earlier[-1]
    if target.pace != BY_MILESTONES or last_year == year or not later:
        return float(last_value), "binding"
    next_year, next_value = later[0]
    share = (year - last_year) / (next_year - last_year)
    return round(last_value + share * (next_value - last_value), 1), "path"


def status(value: float | None, expected: float | None, binds: str) -> str:
    if value is None:
        return "no_data"
    if expected is None or value >= expected:
        return "on_track" if binds == "path" else "met"
    return {"binding": "not_met", "path": "behind", "ahead": "pending"}[binds]


def compare_communes(
    session: Session, scope: Scope, year: int, today: date, city: Dashboard | None = None
) -> list[tuple[Scope, Dashboard]]:
    """Each commune of the city with its own targets of ``year``: the city's people read once
    (or taken from its dashboard ``city``), each commune's part of them counted."""
    communes = communes_of(session, scope)
    city = city or Dashboard(scope, year, [])  # its tallies, read once for every commune
    entered = entered_values(
        session, [commune.org_id for commune in communes], list(range(FIRST_YEAR, year + 1))
    )
    return [
        (commune, dashboard(session, commune, year, today, within=city, entered=entered))
        for commune in communes
    ]


@dataclass(frozen=True)
class UnitPart:
    """A unit's (or a commune's) part of a target's computed figures."""

    name: str
    numerator: int | None
    denominator: int | None


def drill_down(
    session: Session, board: Dashboard, target: Target, today: date
) -> tuple[list[PersonRow], list[UnitPart]]:
    """The people behind a target's computed figures in the dashboard's year, and their
    parts by commune (the city's dashboard) or by unit (a commune's)."""
    computed = [part for part in (target.numerator, target.denominator) if part in COMPUTED]
    if not computed:
        return [], []
    rows = population(session, COMPUTED[computed[0]][0], board.scope, board.year, today)
    group = {}
    if board.scope.level == CITY:
        group = {
            unit: commune.name for commune in communes_of(session, board.scope) for unit in commune.unit_ids
        }
    grouped: dict[str, list[PersonRow]] = defaultdict(list)
    for row in rows:
        grouped[group.get(row.unit_id, row.unit_name)].append(row)

    def counted(members: list[PersonRow], measure: str | None) -> int | None:
        return sum(meets(measure, row) for row in members) if measure in COMPUTED else None

    parts = [
        UnitPart(name, counted(members, target.numerator), counted(members, target.denominator))
        for name, members in sorted(grouped.items())
    ]
    return rows, parts
