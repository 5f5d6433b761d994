"""Sign in, sign out, choose the language."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from services import sign_in as sign_in_service
from web.context import services
from web.i18n import LANGUAGES
from web.security import SignedInUser, safe_next

bp = Blueprint("auth", __name__)



@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", username="")
    username, password = request.form.get("username", ""), request.form.get("password", "")
    svc = services()
    with svc.db.transaction() as db_session:  # the attempt is recorded either way
        user, refusal = sign_in_service.sign_in(db_session, username, password, request.remote_addr or "?",
                                                svc.clock.now())
        signed_in = SignedInUser.of(user) if user else None
    if signed_in is None:
        message = (_("Too many failed attempts. Wait 15 minutes and try again.")
                   if refusal == sign_in_service.THROTTLED else _("Wrong user name or password."))
        status = 429 if refusal == sign_in_service.THROTTLED else 401
        return render_template("login.html", username=username, error=message), status
    session.clear()  # a new session for the signed-in user (no fixation)
    login_user(signed_in)
    return redirect(safe_next(request.args.get("next"), url_for("inbox.inbox")))


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    session.clear()
    flash(_("You have signed out."))
    return redirect(url_for("auth.login"))


@bp.post("/language/<code>")
def language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.form.get("next"), url_for("inbox.inbox")))
