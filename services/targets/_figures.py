"""The figures the talent database does not hold, entered by those who hold them
(docs/targets.md#entered-figures): each with the document it comes from, who entered it
and when; a correction says why, and the earlier figures stay as its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.messages import Message
from services.common import audit
from services.common.display import local_day
from services.common.errors import InvalidInput, PermissionDenied
from services.identity import AppUser
from services.targets._catalogue import MEASURES
from services.targets._dashboard import FIRST_YEAR, may_enter
from services.targets._measures import COMPUTED, Scope, entered_values, tally
from services.targets._models import TargetFigure

MAX_VALUE = 10_000_000
DOCUMENT_MAX = 200
# A part cannot exceed its whole: the talents attracted are among the year's new recruits,
# the appointments by exam among all new appointments.
PART_OF = {
    "talents_recruited": "new_recruits",
    "leadership_appointments_by_exam": "leadership_appointments",
}


def entered_measures(scope: Scope) -> list[str]:
    return [
        code for code, measure in MEASURES.items() if not measure.computed and scope.level in measure.levels
    ]


def enter_figure(
    session: Session,
    at: datetime,
    user_id: int,
    scope: Scope,
    *,
    measure: str,
    year: int,
    value: str,
    document: str,
    reason: str = "",
) -> TargetFigure:
    today = local_day(at)
    if not may_enter(session, user_id, scope):
        raise PermissionDenied("the figures of this dashboard are entered by others")
    if measure not in entered_measures(scope):
        raise InvalidInput("measure", Message("Choose a figure to enter."))
    if not FIRST_YEAR <= year <= today.year:
        raise InvalidInput(
            "year",
            Message("The year must be between %(first)s and %(last)s.", first=FIRST_YEAR, last=today.year),
        )
    number = _whole_number(value)
    document, reason = document.strip(), reason.strip()
    if not document:
        raise InvalidInput("document", Message("Name the report or decision the figure comes from."))
    if len(document) > DOCUMENT_MAX:
        raise InvalidInput("document", Message("The document's number is too long."))
    before = entered_values(session, [scope.org_id], [year]).get((scope.org_id, measure, year))
    if before is not None and not reason:
        raise InvalidInput(
            "reason",
            Message("The figure was entered already (%(value)s); say why it is corrected.", value=before),
        )
    _check_parts(session, scope, today, measure, year, number)
    figure = TargetFigure(
        measure=measure,
        year=year,
        org_unit_id=scope.org_id,
        value=number,
        document=document,
        reason=reason or None,
        entered_by=user_id,
        entered_at=at,
    )
    session.add(figure)
    session.flush()
    audit.record(
        session,
        at,
        user_id,
        "target.figure_corrected" if before is not None else "target.figure_entered",
        f"target_figure:{figure.id}",
        measure=measure,
        year=year,
        org_unit_id=scope.org_id,
        value=number,
        previous=before,
    )
    return figure


def _whole_number(value: str) -> int:
    text = value.strip().replace(".", "").replace(" ", "")  # "1.250" is how 1250 is written
    if not text.isdigit():
        raise InvalidInput("value", Message("The figure must be a whole number, 0 or more."))
    number = int(text)
    if number > MAX_VALUE:
        raise InvalidInput("value", Message("The figure is too large."))
    return number


def _check_parts(session: Session, scope: Scope, today: date, measure: str, year: int, number: int) -> None:
    def known(code: str) -> int | None:
        if code == measure:
            return number
        if MEASURES[code].computed:
            name, condition = COMPUTED[code]
            return tally(session, name, scope, year, today).count(scope.unit_ids, condition)
        return entered_values(session, [scope.org_id], [year]).get((scope.org_id, code, year))

    for part, whole in PART_OF.items():
        if measure not in (part, whole):
            continue
        part_value, whole_value = known(part), known(whole)
        if part_value is not None and whole_value is not None and part_value > whole_value:
            raise InvalidInput(
                "value",
                Message(
                    "%(whole)s (%(whole_value)s) cannot be fewer than %(part)s (%(part_value)s).",
                    whole=MEASURES[whole].name,
                    whole_value=whole_value,
                    part=MEASURES[part].name,
                    part_value=part_value,
                ),
            )


@dataclass(frozen=True)
class FigureRow:
    figure: TargetFigure
    entered_by: str
    in_force: bool


def figure_history(session: Session, scope: Scope, year: int) -> list[FigureRow]:
    """Every figure entered for the scope's year, newest first, the one in force marked."""
    rows = session.execute(
        select(TargetFigure, AppUser.full_name)
        .join(AppUser, AppUser.id == TargetFigure.entered_by)
        .where(TargetFigure.org_unit_id == scope.org_id, TargetFigure.year == year)
        .order_by(TargetFigure.id.desc())
    ).all()
    seen: set[str] = set()
    history = []
    for figure, name in rows:
        history.append(FigureRow(figure, name, figure.measure not in seen))
        seen.add(figure.measure)
    return history
