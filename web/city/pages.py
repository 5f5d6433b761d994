"""The city's consolidation pages (Sở Nội vụ and the city chair): each year's round, the
communes' submissions as they arrived and were registered, and the consolidated demand by
field and position across communes, with what the chair approved."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_required

from services import campaigns, city
from web.context import services

bp = Blueprint("city", __name__)


@bp.context_processor
def labels() -> dict:
    names = {
        "collecting": _("Collecting submissions"),
        "awaiting_approval": _("Awaiting the chair's approval"),
        "approved": _("Approved"),
    }
    return {"round_status_label": lambda status: names.get(status, status)}


@bp.get("/city-rounds")
@login_required
def round_list():
    with services().db.read() as session:
        rounds = city.rounds_for(session, current_user.id)
    return render_template("city_rounds.html", rounds=rounds)


@bp.get("/city-rounds/<int:round_id>")
@login_required
def city_round(round_id: int):
    svc = services()
    with svc.db.read() as session:
        chosen = city.city_round_for_board(session, current_user.id, round_id)
        submissions = city.submissions_of(session, round_id)
        consolidation = city.consolidated_list(session, chosen)
        field_titles = campaigns.field_titles(session, svc.runtime)
    return render_template(
        "city_round.html",
        city_round=chosen,
        submissions=submissions,
        consolidation=consolidation,
        field_titles=field_titles,
    )
