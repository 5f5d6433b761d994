"""The task inbox: my tasks and my queues' open tasks, filtered, with claim and release."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from services import work
from services.identity import AppUser
from web.context import services
from web.converters import query_number
from web.security import safe_next

bp = Blueprint("inbox", __name__)


def inbox_query(args) -> work.InboxQuery:
    """The query the filters ask for; unknown values fall back to 'all'."""
    queue = args.get("queue", "all")
    due = args.get("due") or None
    return work.InboxQuery(
        queue=queue if queue in work.QUEUES else "all",
        process_key=args.get("process") or None,
        campaign_id=query_number(args.get("campaign"), None),
        due=due if due in work.DUE_FILTERS else None,
        page=query_number(args.get("page"), 1),
    )


@bp.get("/")
@login_required
def home():
    return redirect(url_for("inbox.inbox"))


@bp.get("/inbox")
@login_required
def inbox():
    svc, query = services(), inbox_query(request.args)
    now = svc.clock.now()
    with svc.db.read() as session:
        user = session.get(AppUser, current_user.id)
        page, queues = work.inbox(session, user, query, now), work.queues_of(session, user)
    return render_template("inbox.html", page=page, query=query, args=request.args, now=now, queues=queues)


@bp.post("/tasks/<task_id>/claim")
@login_required
def claim(task_id: str):
    with services().db.transaction() as session:
        work.claim(session, session.get(AppUser, current_user.id), task_id)
    flash(_("The task is yours now; colleagues no longer see it."))
    return redirect(safe_next(request.form.get("next"), url_for("inbox.inbox")))


@bp.post("/tasks/<task_id>/release")
@login_required
def release(task_id: str):
    with services().db.transaction() as session:
        work.release(session, session.get(AppUser, current_user.id), task_id)
    flash(_("The task is back in the queue."))
    return redirect(url_for("inbox.inbox"))
