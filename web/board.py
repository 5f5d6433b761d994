"""The campaign board of Phòng VH-XH: each addressed unit's status, the countdown to
the cutoff, the aggregated table, and its Excel export for the dispatch to the city."""
from __future__ import annotations

from io import BytesIO

from flask import Blueprint, current_app, render_template, send_file
from flask_babel import gettext as _
from flask_login import current_user, login_required

from services import campaigns
from web.aggregation_xlsx import aggregation_workbook

bp = Blueprint("board", __name__)


def _services():
    return current_app.extensions["talentflow"]


def status_labels() -> dict[str, str]:
    return {"not_started": _("Not started"), "drafting": _("Drafting"), "submitted": _("Submitted on time"),
            "submitted_late": _("Submitted late"), "accepted_late": _("Late, accepted"), "returned": _("Returned"),
            "declared_no_demand": _("No demand"), "deemed_no_demand": _("Deemed no demand")}


@bp.get("/campaigns")
@login_required
def campaign_list():
    with _services().db.read() as session:
        boards = campaigns.boards_of(session, current_user.id)
    return render_template("campaigns.html", campaigns=boards)


@bp.get("/campaigns/<int:campaign_id>")
@login_required
def board(campaign_id: int):
    services = _services()
    with services.db.read() as session:
        campaign = campaigns.campaign_for_board(session, current_user.id, campaign_id)
        units = campaigns.unit_statuses(session, campaign_id)
        aggregation = campaigns.current_aggregation(session, campaign)
        field_titles = campaigns.field_titles(session, services.runtime)
    counts = {}
    for unit in units:
        counts[unit["status"]] = counts.get(unit["status"], 0) + 1
    return render_template("board.html", campaign=campaign, units=units, aggregation=aggregation,
                           labels=status_labels(), counts=counts, field_titles=field_titles,
                           now=services.clock.now())


@bp.get("/campaigns/<int:campaign_id>/aggregation.xlsx")
@login_required
def aggregation_export(campaign_id: int):
    services = _services()
    with services.db.read() as session:
        campaign = campaigns.campaign_for_board(session, current_user.id, campaign_id)
        workbook = aggregation_workbook(campaign, campaigns.current_aggregation(session, campaign),
                                        campaigns.field_titles(session, services.runtime))
    buffer = BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return send_file(buffer, as_attachment=True, download_name=f"tong-hop-nhu-cau-dot-{campaign_id}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
