"""The campaign board of Phòng VH-XH: each addressed unit's status, the countdown to
the cutoff, the aggregated table, and its Excel export for the dispatch to the city."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from engine.errors import NotFound
from services import campaigns, work
from services.common.display import LOCAL_TZ
from services.common.errors import Conflict, InvalidInput, PermissionDenied
from services.identity import AppUser
from web import refusals
from web.campaigns.aggregation_xlsx import aggregation_workbook
from web.context import services
from web.downloads import send_workbook
from web.i18n import deadline, say
from web.work.case_view import words

bp = Blueprint("board", __name__)


def status_labels() -> dict[str, str]:
    """Each unit standing's words (services.campaigns.STANDINGS), for the board and the .xlsx alike."""
    return {
        "not_started": _("Not sent (not started)"),
        "drafting": _("Not sent (drafting)"),
        "returned": _("Not sent (returned for clarification)"),
        "submitted": _("Submitted on time"),
        "accepted_late": _("Late, accepted"),
        "submitted_late": _("Late — deemed no demand until accepted"),
        "declared_no_demand": _("No demand"),
        "deemed_no_demand": _("Deemed no demand"),
        "cancelled": _("Cancelled by an administrator"),
    }


@bp.get("/campaigns")
@login_required
def campaign_list():
    with services().db.read() as session:
        boards = campaigns.boards_of(session, current_user.id)
        may_open = bool(campaigns.opening_choices(session, current_user.username))
    return render_template("campaigns.html", campaigns=boards, may_open=may_open)


@bp.get("/campaigns/new")
@login_required
def new_campaign():
    """Phòng VH-XH opens a campaign: title, the units addressed, the deadlines (the legal
    defaults shown in the law's words). A refused form comes back here with what was typed."""
    svc = services()
    with svc.db.read() as session:
        choices = campaigns.opening_choices(session, current_user.username)
    if not choices:
        abort(404)
    now = svc.clock.now()
    year = next(year for year in (now.year, now.year + 1) if campaigns.default_deadlines(year)[0] > now)
    refused = refusals.kept()
    typed = refused.get("typed") or {
        "commune_code": choices[0].commune.code,
        "target_year": str(year),
        "launch_doc": "",
        "title": _("Proposals of the talent needed in %(year)d", year=year),
        "unit_codes": [unit.code for unit in choices[0].units],
    }
    defaults = {
        str(year_): [deadline(instant) for instant in campaigns.default_deadlines(year_)]
        for year_ in (year, year + 1)
    }
    return render_template(
        "campaign_new.html", choices=choices, typed=typed, defaults=defaults, errors=refused.get("errors", {})
    )


@bp.post("/campaigns/new")
@login_required
def open_campaign():
    svc, form = services(), request.form
    with svc.db.read() as session:
        if not campaigns.opening_choices(session, current_user.username):
            abort(404)
    typed = {
        "commune_code": form.get("commune_code", ""),
        "title": form.get("title", ""),
        "target_year": form.get("target_year", ""),
        "launch_doc": form.get("launch_doc", ""),
        "unit_codes": form.getlist("unit_codes"),
        "unit_deadline": form.get("unit_deadline", ""),
        "city_deadline": form.get("city_deadline", ""),
    }
    try:
        request_ = campaigns.CampaignRequest(
            commune_code=typed["commune_code"],
            title=typed["title"],
            target_year=_year(typed["target_year"]),
            launch_doc=typed["launch_doc"].strip() or None,
            unit_codes=tuple(typed["unit_codes"]),
            unit_deadline=_local_instant("unit_deadline", typed["unit_deadline"]),
            city_deadline=_local_instant("city_deadline", typed["city_deadline"]),
        )
        with svc.db.transaction() as session:
            opened = campaigns.open_campaign(session, svc.runtime, current_user.username, request_)
            campaign_id, count = opened.id, len(request_.unit_codes)
    except (InvalidInput, NotFound, PermissionDenied) as refused:
        field = getattr(refused, "field", "") or ""
        return refusals.refuse(
            url_for("board.new_campaign"),
            typed=typed,
            errors={field: say(refused.message)},
        )
    flash(ngettext("Campaign opened; %(num)d unit asked.", "Campaign opened; %(num)d units asked.", count))
    return redirect(url_for("board.board", campaign_id=campaign_id))


def _year(text: str) -> int:
    try:
        year = int(text)
    except ValueError:
        raise InvalidInput("target_year", "«Năm kế hoạch» phải là một năm, ví dụ 2027.") from None
    if not 2000 <= year <= 2100:
        raise InvalidInput("target_year", "«Năm kế hoạch» phải trong khoảng 2000-2100.")
    return year


def _local_instant(field: str, text: str) -> datetime | None:
    """A date-time typed in the office's zone (the form's datetime-local); empty: the default."""
    if not text.strip():
        return None
    try:
        return datetime.fromisoformat(text.strip()).replace(tzinfo=LOCAL_TZ)
    except ValueError:
        raise InvalidInput(field, "Thời hạn phải là ngày giờ, ví dụ 14/01/2027 12:00.") from None


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def board(campaign_id: int):
    svc, refused = services(), refusals.kept()
    with svc.db.read() as session:
        campaign = campaigns.campaign_for_board(session, current_user.id, campaign_id)
        now = svc.clock.now()
        units = campaigns.unit_statuses(session, campaign, now)
        aggregation = campaigns.current_aggregation(session, campaign, now)
        field_titles = campaigns.field_titles(session, svc.runtime)
        actions = campaigns.board_actions(session, current_user.id, campaign)
    counts = {}
    for unit in units:
        counts[unit["status"]] = counts.get(unit["status"], 0) + 1
    return render_template(
        "board.html",
        campaign=campaign,
        units=units,
        aggregation=aggregation,
        labels=status_labels(),
        counts=counts,
        field_titles=field_titles,
        now=now,
        actions=actions,
        errors=refused.get("errors", {}),
        typed=refused.get("typed", {}),
    )


@bp.post("/campaigns/<int:campaign_id>/remind")
@login_required
def remind(campaign_id: int):
    """Remind the units that have not answered (each at most once an hour)."""
    svc = services()
    try:
        with svc.db.transaction() as session:
            campaigns.campaign_for_board(session, current_user.id, campaign_id)
            reminded = campaigns.remind_silent_units(
                session, current_user.username, campaign_id, svc.clock.now()
            )
    except Conflict:
        flash(_("The cutoff has passed: there is no unit left to remind."))
        return redirect(url_for("board.board", campaign_id=campaign_id))
    if reminded.units:
        flash(
            ngettext(
                "%(num)d unit reminded: %(units)s.",
                "%(num)d units reminded: %(units)s.",
                len(reminded.units),
                units=", ".join(reminded.units),
            )
        )
    if reminded.recently:
        flash(
            _(
                "Already reminded less than an hour ago, not reminded again: %(units)s.",
                units=", ".join(reminded.recently),
            )
        )
    if not reminded.units and not reminded.recently:
        flash(_("Every unit has answered; nobody to remind."))
    return redirect(url_for("board.board", campaign_id=campaign_id))


@bp.get("/campaigns/<int:campaign_id>/units/<unit_code>")
@login_required
def unit(campaign_id: int, unit_code: str):
    """One unit's proposal and the history of each of its rounds, from the board."""
    svc = services()
    with svc.db.read() as session:
        campaign = campaigns.campaign_for_board(session, current_user.id, campaign_id)
        try:
            view = campaigns.unit_view(session, campaign, unit_code, svc.clock.now())
        except NotFound:
            abort(404)
        columns = campaigns.line_columns(session, svc.runtime)
        reader = session.get_one(AppUser, current_user.id)
        histories = [work.history(session, instance_id, reader) for instance_id in view.instance_ids]
    lines = [
        [
            words(
                line.get(name), {"oneOf": [{"const": key, "title": title} for key, title in choices.items()]}
            )
            for name, _title, choices in columns
        ]
        for line in view.lines
    ]
    return render_template(
        "unit_proposal.html",
        campaign=campaign,
        unit=view.standing,
        labels=status_labels(),
        columns=[title for _name, title, _choices in columns],
        lines=lines,
        histories=histories,
    )


@bp.post("/campaigns/<int:campaign_id>/units/<unit_code>/<action>")
@login_required
def unit_action(campaign_id: int, unit_code: str, action: str):
    """Return an on-time proposal for clarification, or accept a late one, with a reason."""
    svc, reason = services(), request.form.get("reason", "")
    try:
        with svc.db.transaction() as session:
            campaigns.campaign_for_board(session, current_user.id, campaign_id)
            if action == "return":
                campaigns.return_proposal(
                    session, svc.runtime, current_user.username, campaign_id, unit_code, reason
                )
            elif action == "accept-late":
                campaigns.accept_late_proposal(
                    session, current_user.username, campaign_id, unit_code, reason, svc.clock.now()
                )
            else:
                abort(404)
    except InvalidInput as invalid:  # the board again, the reason kept, the error beside it
        return refusals.refuse(
            url_for("board.board", campaign_id=campaign_id),
            errors={unit_code: say(invalid.message)},
            typed={unit_code: reason},
        )
    flash(
        _("Proposal returned to the unit for clarification.")
        if action == "return"
        else _("Late proposal accepted; it counts in the aggregation.")
    )
    return redirect(url_for("board.board", campaign_id=campaign_id))


@bp.get("/campaigns/<int:campaign_id>/aggregation.xlsx")
@login_required
def aggregation_export(campaign_id: int):
    svc = services()
    with svc.db.read() as session:
        campaign = campaigns.campaign_for_board(session, current_user.id, campaign_id)
        now = svc.clock.now()
        workbook = aggregation_workbook(
            campaign,
            campaigns.current_aggregation(session, campaign, now),
            campaigns.unit_statuses(session, campaign, now),
            campaigns.counted_lines(session, campaign),
            status_labels(),
            campaigns.line_columns(session, svc.runtime),
        )
    return send_workbook(workbook, f"tong-hop-nhu-cau-dot-{campaign_id}.xlsx")
