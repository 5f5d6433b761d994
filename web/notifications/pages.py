"""The notification bell: the unread count on every page, the list, marking read."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from services import notifications
from services.notifications import Notification
from web.context import services

bp = Blueprint("bell", __name__)


@bp.app_context_processor
def unread_count() -> dict:
    if not current_user.is_authenticated:
        return {"unread_count": 0}
    with services().db.read() as session:
        return {
            "unread_count": session.scalar(
                select(func.count()).where(
                    Notification.user_id == current_user.id, Notification.read_at.is_(None)
                )
            )
        }


@bp.get("/notifications")
@login_required
def unread():
    with services().db.read() as session:
        shown = notifications.unread(session, current_user.id)
    return render_template("notifications.html", notifications=shown)


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    svc = services()
    with svc.db.transaction() as session:
        if not notifications.mark_read(session, current_user.id, notification_id, svc.clock.now()):
            abort(404)  # not the caller's, or already read
    return redirect(url_for("bell.unread"))
