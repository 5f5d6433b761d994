"""The task inbox: my tasks and my queues' open tasks, searched and filtered, with claim
and release; the tasks I completed ("Đã xử lý"); saved filters."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from services import targets, work
from services.common.display import local_day
from services.common.errors import InvalidInput
from services.identity import AppUser
from web import refusals
from web.context import services
from web.converters import query_number
from web.security import safe_next

bp = Blueprint("inbox", __name__)


def inbox_query(args) -> work.InboxQuery:
    """The query the filters ask for; unknown values fall back to their default."""
    return work.InboxQuery.from_plain(
        {
            "q": args.get("q", ""),
            "process": args.getlist("process"),
            "queue": args.get("queue", "all"),
            "due": args.get("due") or None,
            "campaign": query_number(args.get("campaign"), None),
            "view": args.get("view", "open"),
        },
        page=query_number(args.get("page"), 1) or 1,
    )


def address_args(query: work.InboxQuery) -> dict:
    """The inbox address's arguments for ``query``: only what differs from the defaults."""
    plain = query.plain()
    args = {
        "q": plain["q"] or None,
        "process": plain["process"] or None,
        "queue": None if plain["queue"] == "all" else plain["queue"],
        "due": plain["due"],
        "campaign": plain["campaign"],
        "view": None if plain["view"] == "open" else plain["view"],
    }
    return {name: value for name, value in args.items() if value is not None}


@bp.get("/")
@login_required
def home():
    return redirect(url_for("inbox.inbox"))


@bp.get("/inbox")
@login_required
def inbox():
    svc, query, refused = services(), inbox_query(request.args), refusals.kept()
    now = svc.clock.now()
    with svc.db.read() as session:
        user = session.get(AppUser, current_user.id)
        if query.view == "done":
            page = work.done(session, user, query)
            page.counts = work.counts(session, user, now)
        else:
            page = work.inbox(session, user, query, now)
            page.assignees = work.assignee_names(session, page.tasks)
        queues = work.queues_of(session, user)
        processes = work.process_names(session)
        filters = work.saved_filters(session, user, now)
        units = work.sharing_units(session, user)
        board = _leaders_targets(session, user.id, now)
    return render_template(
        "inbox.html",
        page=page,
        query=query,
        args=address_args(query),
        now=now,
        queues=queues,
        processes=processes,
        filters=[(saved, address_args(saved.query)) for saved in filters],
        units=units,
        targets_board=board,
        status_words=targets.STATUS_WORDS,
        errors=refused.get("errors", {}),
        typed=refused.get("typed", {}),
    )


def _leaders_targets(session, user_id: int, now) -> targets.Dashboard | None:
    """A leader's home page shows this year's targets of their city or commune (docs/targets.md)."""
    if not targets.is_leader(session, user_id):
        return None
    today = local_day(now)
    return targets.dashboard(session, targets.scopes_for(session, user_id)[0], today.year, today)


@bp.post("/inbox/filters")
@login_required
def save_filter():
    """Save the query the page shows under a name, shared with one of my units if asked."""
    query = inbox_query(request.form)
    name = request.form.get("name", "")
    unit = query_number(request.form.get("shared_unit_id"), None) if request.form.get("share") else None
    svc = services()
    try:
        with svc.db.transaction() as session:
            work.save_filter(
                session, session.get(AppUser, current_user.id), name, query, svc.clock.now(), unit
            )
    except InvalidInput as invalid:
        refused = refusals.refuse(
            url_for("inbox.inbox"),
            errors={"filter_name": refusals.field_message(invalid)},
            typed={"name": name[:200]},
        )
        # The page comes back with its query: kept() matches the path alone.
        refused.location = url_for("inbox.inbox", **address_args(query))
        return refused
    flash(_("The filter is saved."))
    return redirect(url_for("inbox.inbox", **address_args(query)))


@bp.post("/inbox/filters/<int:filter_id>/delete")
@login_required
def delete_filter(filter_id: int):
    with services().db.transaction() as session:
        work.delete_filter(session, session.get(AppUser, current_user.id), filter_id)
    flash(_("The filter is deleted."))
    return redirect(safe_next(request.form.get("next"), url_for("inbox.inbox")))


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
