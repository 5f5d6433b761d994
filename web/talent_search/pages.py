"""The talent database pages: search people (by name, status, or a whole citizen ID) and
read one person's record, within what the officer's role and unit allow.

What is typed in the search box is personal data: it is posted, never put in a URL (URLs
end up in logs and browser histories), and a citizen ID is never written back."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from services import people, talent_search
from services.common.errors import InvalidInput, TooManyRequests
from web.context import services
from web.converters import query_number
from web.i18n import say

bp = Blueprint("talents", __name__)


def status_labels() -> dict[str, str]:
    return {
        "nominated": _("Nominated"),
        "applied": _("Applied"),
        "eligible": _("Eligible"),
        "ineligible": _("Ineligible"),
        "selected": _("Selected"),
        "not_selected": _("Not selected"),
        "committed": _("Committed"),
        "in_service": _("In service"),
        "removed": _("Removed from the list"),
        "breached": _("Breached"),
    }


@bp.route("/talents", methods=["GET", "POST"])
@login_required
def search():
    svc = services()
    values = request.form if request.method == "POST" else request.args
    status = values.get("status") or None
    query = talent_search.TalentQuery(
        text=request.form.get("q", "")[:200],
        status=status if status in people.STATUSES else None,
        page=query_number(values.get("page"), 1),
    )
    error, page, status_code = None, None, 200
    with svc.db.transaction() as session:  # a citizen ID lookup is audited, a refused one too
        try:
            page = talent_search.search(session, svc.citizen_id_keys, current_user.id, query, svc.clock.now())
        except InvalidInput as invalid:  # the form again, with what to fix
            error = say(invalid.message)
            status_code = 429 if isinstance(invalid, TooManyRequests) else 422
    # A typed citizen ID is never written back into the page.
    typed = "" if talent_search.is_citizen_id_query(query.text) else query.text
    return render_template(
        "talents.html", page=page, error=error, typed=typed, status=query.status, labels=status_labels()
    ), status_code


@bp.get("/talents/<int:person_id>")
@login_required
def person(person_id: int):
    svc = services()
    with svc.db.read() as session:
        record = talent_search.person_record(session, svc.citizen_id_keys, current_user.id, person_id)
    return render_template("talent.html", person=record, labels=status_labels())
