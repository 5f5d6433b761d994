"""The campaign board of Phòng VH-XH: each addressed unit's status, the countdown to
the cutoff, the aggregated table, and its Excel export for the dispatch to the city."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required

from engine.errors import NotFound
from services import campaigns, tasks
from services.errors import Conflict, InvalidInput, PermissionDenied
from web.aggregation_xlsx import aggregation_workbook
from web.case_view import words
from web.context import services

bp = Blueprint("board", __name__)



def status_labels() -> dict[str, str]:
    """Each unit standing's words (services.campaigns.STANDINGS), for the board and the .xlsx alike."""
    return {"not_started": _("Not sent (not started)"), "drafting": _("Not sent (drafting)"),
            "returned": _("Not sent (returned for clarification)"), "submitted": _("Submitted on time"),
            "accepted_late": _("Late, accepted"), "submitted_late": _("Late — deemed no demand until accepted"),
            "declared_no_demand": _("No demand"), "deemed_no_demand": _("Deemed no demand"),
            "cancelled": _("Cancelled by an administrator")}


@bp.get("/campaigns")
@login_required
def campaign_list():
    with services().db.read() as session:
        boards = campaigns.boards_of(session, current_user.id)
    return render_template("campaigns.html", campaigns=boards)


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def board(campaign_id: int, errors: dict | None = None, typed: dict | None = None, status: int = 200):
    svc = services()
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
    return render_template("board.html", campaign=campaign, units=units, aggregation=aggregation,
                           labels=status_labels(), counts=counts, field_titles=field_titles,
                           now=now, actions=actions, errors=errors or {},
                           typed=typed or {}), status


@bp.post("/campaigns/<int:campaign_id>/remind")
@login_required
def remind(campaign_id: int):
    """Remind the units that have not answered (each at most once an hour)."""
    svc = services()
    try:
        with svc.db.transaction() as session:
            campaigns.campaign_for_board(session, current_user.id, campaign_id)
            reminded = campaigns.remind_silent_units(session, current_user.username, campaign_id, svc.clock.now())
    except (PermissionDenied, Conflict):
        flash(_("Only Phòng VH-XH may remind the units, and only before the cutoff."))
        return redirect(url_for("board.board", campaign_id=campaign_id))
    if reminded.units:
        flash(ngettext("%(num)d unit reminded: %(units)s.", "%(num)d units reminded: %(units)s.",
                       len(reminded.units), units=", ".join(reminded.units)))
    if reminded.recently:
        flash(_("Already reminded less than an hour ago, not reminded again: %(units)s.",
                units=", ".join(reminded.recently)))
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
        histories = [tasks.history(session, instance_id) for instance_id in view.instance_ids]
    lines = [[words(line.get(name), {"oneOf": [{"const": key, "title": title} for key, title in choices.items()]})
              for name, _title, choices in columns] for line in view.lines]
    return render_template("unit_proposal.html", campaign=campaign, unit=view.standing, labels=status_labels(),
                           columns=[title for _name, title, _choices in columns], lines=lines, histories=histories)


@bp.post("/campaigns/<int:campaign_id>/units/<unit_code>/<action>")
@login_required
def unit_action(campaign_id: int, unit_code: str, action: str):
    """Return an on-time proposal for clarification, or accept a late one, with a reason."""
    svc, reason = services(), request.form.get("reason", "")
    try:
        with svc.db.transaction() as session:
            campaigns.campaign_for_board(session, current_user.id, campaign_id)
            if action == "return":
                campaigns.return_proposal(session, svc.runtime, current_user.username, campaign_id,
                                          unit_code, reason)
            elif action == "accept-late":
                campaigns.accept_late_proposal(session, current_user.username, campaign_id, unit_code, reason,
                                               svc.clock.now())
            else:
                abort(404)
    except InvalidInput as invalid:  # the board again, the reason kept, the error beside it
        return board(campaign_id, errors={unit_code: invalid.message.split(": ", 1)[-1]},
                     typed={unit_code: reason}, status=422)
    flash(_("Proposal returned to the unit for clarification.") if action == "return"
          else _("Late proposal accepted; it counts in the aggregation."))
    return redirect(url_for("board.board", campaign_id=campaign_id))


@bp.get("/campaigns/<int:campaign_id>/aggregation.xlsx")
@login_required
def aggregation_export(campaign_id: int):
    svc = services()
    with svc.db.read() as session:
        campaign = campaigns.campaign_for_board(session, current_user.id, campaign_id)
        now = svc.clock.now()
        workbook = aggregation_workbook(campaign, campaigns.current_aggregation(session, campaign, now),
                                        campaigns.unit_statuses(session, campaign, now),
                                        campaigns.counted_lines(session, campaign), status_labels(),
                                        campaigns.line_columns(session, svc.runtime))
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"tong-hop-nhu-cau-dot-{campaign_id}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
