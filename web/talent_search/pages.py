"""The talent database pages: search people (by name, status, or a whole citizen ID) and
read one person's record, within what the officer's role and unit allow.

What is typed in the search box is personal data: it is posted, never put in a URL (URLs
end up in logs and browser histories), and a citizen ID is never written back."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from services import people, talent_search
from services.common.errors import InvalidInput, TooManyRequests
from web import refusals
from web.context import services
from web.converters import query_number
from web.i18n import say
from web.refusals import field_message

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
        may_record = talent_search.may_record_training(session, current_user.id)
    return render_template(
        "talent.html", person=record, labels=status_labels(), may_record=may_record, **refusals.kept()
    )


@bp.post("/talents/<int:person_id>/trainings")
@login_required
def record_training(person_id: int):
    """A course the person completed (docs/targets.md#computed-from-the-talent-database)."""
    svc, form = services(), request.form
    here = url_for("talents.person", person_id=person_id)
    with svc.db.read() as session:
        if not talent_search.may_record_training(session, current_user.id):
            abort(403)
    try:
        completed_on = _day(form.get("completed_on", ""))
        with svc.db.transaction() as session:
            talent_search.record_training(
                session,
                svc.citizen_id_keys,
                current_user.id,
                person_id,
                svc.clock.now(),
                title=form.get("title", "")[:400],
                sci_tech=form.get("sci_tech") == "1",
                completed_on=completed_on,
                document=form.get("document", "")[:400],
            )
    except InvalidInput as error:
        typed = {name: form.get(name, "")[:400] for name in ("title", "completed_on", "document", "sci_tech")}
        return refusals.refuse(
            here, error={"field": error.field, "message": field_message(error)}, typed=typed
        )
    flash(_("The training is recorded."))
    return redirect(here)


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput("completed_on", _("Enter the day the course ended.")) from None
