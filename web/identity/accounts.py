"""User accounts: the list, one account's live sessions and sign-in state, and the
actions on it (end every session, unlock, disable, enable), each audited."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from services import identity
from services.common.errors import InvalidInput
from web.admin import bp
from web.context import services
from web.i18n import say


def action_labels() -> dict[str, str]:
    return {
        "end_sessions": _("End all sessions"),
        "unlock": _("Unlock sign-in"),
        "disable": _("Disable the account"),
        "enable": _("Enable the account"),
    }


@bp.get("/users")
def user_list():
    query = request.args.get("q", "").strip()[:80]
    with services().db.read() as session:
        users = identity.find(session, query)
    return render_template("admin/users.html", users=users, query=query)


@bp.get("/users/<int:user_id>")
def user_page(user_id: int):
    svc = services()
    with svc.db.read() as session:
        page = identity.account_page(session, user_id, svc.clock.now())
    return render_template("admin/user.html", page=page, actions=action_labels())


@bp.post("/users/<int:user_id>/actions/<action>")
def user_action(user_id: int, action: str):
    svc = services()
    try:
        with svc.db.transaction() as session:
            identity.act(session, current_user.id, user_id, action, svc.clock.now())
        flash(_("Done: %(action)s.", action=action_labels().get(action, action)))
    except InvalidInput as error:
        flash(_("Refused: %(reason)s", reason=say(error.message)))
    return redirect(url_for("admin.user_page", user_id=user_id))
