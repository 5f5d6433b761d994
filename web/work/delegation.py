"""Delegation on a task's page, and the absences page (docs/working-together.md).

A refused delegation comes back to the task's page with its error and what was typed,
through the session like web/refusals.py (POST-redirect-GET), under its own key because
the task page's GET takes the refusal of its own form."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session as browser_session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from services import delegation
from services.common.display import local_day
from services.common.errors import Conflict, InvalidInput
from services.identity import AppUser
from web import refusals
from web.context import services
from web.i18n import say

bp = Blueprint("task_delegation", __name__)
_KEY = "refused_delegation"


@bp.post("/tasks/<task_id>/delegate")
@login_required
def delegate(task_id: str):
    svc = services()
    typed = {"delegate_id": request.form.get("delegate_id", ""), "reason": request.form.get("reason", "")}
    try:
        with svc.db.transaction() as session:
            user = session.get_one(AppUser, current_user.id)
            handed = delegation.delegate_task(
                session, user, task_id, typed["delegate_id"], typed["reason"], svc.clock.now()
            )
            name = handed[1].full_name
    except InvalidInput as invalid:
        browser_session[_KEY] = {
            "task_id": task_id,
            "errors": {invalid.field: refusals.field_message(invalid)},
            "typed": {"delegate_id": typed["delegate_id"][:20], "reason": typed["reason"][:1000]},
        }
        return redirect(url_for("task_page.show", task_id=task_id, _anchor="delegation"))
    except Conflict as late:  # taken or done meanwhile: it may no longer be visible to the user
        flash(say(late.message))
        return redirect(url_for("inbox.inbox"))
    flash(_("The task was handed to %(name)s.", name=name))
    return redirect(url_for("inbox.inbox"))


def task_page_parts(session, svc, user, task) -> dict:
    """What web/templates/_task_delegation.html shows on the task's page: the form when
    the user holds the task now."""
    if not delegation.holds_now(session, user, task):
        return {"delegation": None}
    stored = browser_session.get(_KEY)
    kept = browser_session.pop(_KEY) if stored and stored.get("task_id") == task.id else {}
    return {
        "delegation": {
            "colleagues": [
                (colleague.id, colleague.full_name)
                for colleague in delegation.colleagues_for(session, user, task)
            ],
            "errors": kept.get("errors", {}),
            "typed": kept.get("typed", {}),
            "reason_max": delegation.REASON_MAX,
        }
    }


# -- absences ---------------------------------------------------------------------


@bp.get("/absences")
@login_required
def absences():
    svc, refused = services(), refusals.kept()
    today = local_day(svc.clock.now())
    with svc.db.read() as session:
        user = session.get_one(AppUser, current_user.id)
        delegates = {person.id: person.full_name for person in delegation.possible_delegates(session, user)}
        mine = delegation.absences_of(session, user)
        names = _names(session, {absence.delegate_id for absence in mine})
        processes = delegation.process_choices(session)
        rows = [
            {
                "absence": absence,
                "delegate": names.get(absence.delegate_id, ""),
                "processes": [processes.get(key, key) for key in absence.process_keys],
                "state": _state(absence, today),
            }
            for absence in mine
        ]
    return render_template(
        "absences.html",
        rows=rows,
        delegates=delegates,
        processes=processes,
        errors=refused.get("errors", {}),
        typed=refused.get("typed", {}),
        reason_max=delegation.REASON_MAX,
    )


@bp.post("/absences")
@login_required
def declare():
    svc = services()
    typed = {
        "starts_on": request.form.get("starts_on", "")[:20],
        "ends_on": request.form.get("ends_on", "")[:20],
        "delegate_id": request.form.get("delegate_id", "")[:20],
        "process_keys": request.form.getlist("process_keys")[:50],
        "reason": request.form.get("reason", "")[:1000],
    }
    try:
        with svc.db.transaction() as session:
            user = session.get_one(AppUser, current_user.id)
            delegation.declare_absence(session, user, **typed, at=svc.clock.now())
    except InvalidInput as invalid:
        return refusals.refuse(
            url_for("task_delegation.absences"),
            errors={invalid.field: refusals.field_message(invalid)},
            typed=typed,
        )
    flash(_("Absence recorded: your new tasks go to the colleague you chose meanwhile."))
    return redirect(url_for("task_delegation.absences"))


@bp.post("/absences/<int:absence_id>/cancel")
@login_required
def cancel(absence_id: int):
    svc = services()
    try:
        with svc.db.transaction() as session:
            user = session.get_one(AppUser, current_user.id)
            delegation.cancel_absence(session, user, absence_id, svc.clock.now())
    except Conflict as refused:
        flash(say(refused.message))
    else:
        flash(_("Absence cancelled: your new tasks stay in your queue again."))
    return redirect(url_for("task_delegation.absences"))


def _state(absence, today) -> str:
    if absence.cancelled_at is not None:
        return "cancelled"
    if absence.ends_on < today:
        return "past"
    return "planned" if absence.starts_on > today else "current"


def _names(session, user_ids: set[int]) -> dict[int, str]:
    rows = session.execute(select(AppUser.id, AppUser.full_name).where(AppUser.id.in_(user_ids)))
    return dict(rows.tuples().all())
