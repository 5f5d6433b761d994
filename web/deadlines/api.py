"""The working-day calendar over the API: anyone signed in reads it, admins edit it."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields, validate

from engine.messages import Message
from services import deadlines
from web.api.auth import current_user, require_admin, services
from web.i18n import say

blp = Blueprint("calendar", __name__, description="Lịch ngày làm việc: ngày nghỉ, ngày làm bù")


class CalendarDaySchema(Schema):
    day = fields.Date(dump_only=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf([deadlines.DAY_OFF, deadlines.WORKING_DAY]),
        metadata={"description": "day_off (ngày nghỉ) or working_day (ngày làm bù)"},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))


class SuggestionSchema(Schema):
    day = fields.Date()
    name = fields.String()


class ConfirmationSchema(Schema):
    year = fields.Integer()
    confirmed = fields.Boolean(
        metadata={
            "description": "false: the year's statutory days off are used "
            "provisionally and deadlines through it are provisional"
        }
    )
    confirmed_at = fields.DateTime(allow_none=True)


def _confirmation(year: int, confirmed) -> dict:
    return {
        "year": year,
        "confirmed": confirmed is not None,
        "confirmed_at": confirmed.confirmed_at if confirmed is not None else None,
    }


def _year(year: int) -> int:
    if not 1900 <= year <= 2200:
        abort(
            422,
            message=Message("The year is not valid."),
            errors={"year": [_("The year must be between 1900 and 2200.")]},
        )
    return year


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(
            422,
            message=Message("The day is not valid."),
            errors={"day": [_("The day must be written YYYY-MM-DD.")]},
        )


@blp.get("/<int:year>")
@blp.response(200, CalendarDaySchema(many=True))
def list_days(year: int):
    """Days off and make-up working days of a year."""
    current_user()
    with services().db.read() as session:
        return deadlines.entries(session, _year(year))


@blp.get("/<int:year>/suggestions")
@blp.response(200, SuggestionSchema(many=True))
def suggest_days(year: int):
    """Statutory days off the `holidays` package knows and the calendar lacks (admins)."""
    require_admin()
    with services().db.read() as session:
        return [{"day": day, "name": say(name)} for day, name in deadlines.suggestions(session, _year(year))]


@blp.put("/days/<day>")
@blp.arguments(CalendarDaySchema)
@blp.response(200, CalendarDaySchema)
def set_day(body: dict, day: str):
    """Make a day a day off or a working day (admins; audited)."""
    admin, chosen = require_admin(), _day(day)
    svc = services()
    with svc.db.transaction() as session:
        entry = deadlines.set_day(session, chosen, body["kind"], body["name"], admin.id, svc.clock.now())
        deadlines.replan_reminders(session, svc.runtime, svc.clock.now())
        result = {"day": entry.day, "kind": entry.kind, "name": entry.name}
    svc.calendar.invalidate()
    return result


@blp.delete("/days/<day>")
@blp.response(204)
def unset_day(day: str):
    """Give a day back to the ordinary Monday-Friday week (admins; audited)."""
    admin, chosen = require_admin(), _day(day)
    svc = services()
    with svc.db.transaction() as session:
        removed = deadlines.unset_day(session, chosen, admin.id, svc.clock.now())
        deadlines.replan_reminders(session, svc.runtime, svc.clock.now())
    if not removed:
        abort(
            404,
            message=Message("%(day)s is not in the calendar.", day=f"{chosen:%d/%m/%Y}"),
            code="not_found",
        )
    svc.calendar.invalidate()


@blp.get("/<int:year>/confirmation")
@blp.response(200, ConfirmationSchema)
def get_confirmation(year: int):
    """Whether an admin has confirmed the year's days off."""
    current_user()
    with services().db.read() as session:
        return _confirmation(year, deadlines.confirmation(session, _year(year)))


@blp.post("/<int:year>/confirmation")
@blp.response(200, ConfirmationSchema)
def confirm_year(year: int):
    """Confirm that the year's days off match the government's notice (admins; audited)."""
    admin, svc = require_admin(), services()
    with svc.db.transaction() as session:
        result = _confirmation(year, deadlines.confirm_year(session, _year(year), admin.id, svc.clock.now()))
    svc.calendar.invalidate()
    return result
