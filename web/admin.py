"""The admin blueprint (/admin). Every route on it is for administrators only: the check
runs before any view, so a route added later cannot forget it."""

from __future__ import annotations

from flask import Blueprint, abort, current_app
from flask_babel import gettext as _
from flask_login import current_user

from services.identity import is_admin
from web.context import services

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def only_administrators():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    with services().db.read() as session:
        if not is_admin(session, current_user.id):
            abort(403)
    return None


@bp.context_processor
def status_labels() -> dict:
    return {
        "status_labels": {
            "running": _("Running"),
            "suspended": _("Suspended"),
            "error": _("Error"),
            "completed": _("Completed"),
            "cancelled": _("Cancelled"),
        },
        "task_status_labels": {
            "ready": _("Waiting"),
            "completed": _("Done"),
            "cancelled": _("Closed unfinished"),
        },
    }
