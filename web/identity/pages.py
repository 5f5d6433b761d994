"""Sign in, sign out, choose the language."""

from __future__ import annotations

import math

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, ngettext
from flask_login import current_user, login_required, login_user, logout_user

from services import identity
from web.context import services
from web.i18n import LANGUAGES
from web.security import SESSION_KEY, SignedInUser, safe_next

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("login.html", username="")
    username, password = request.form.get("username", ""), request.form.get("password", "")
    svc = services()
    now = svc.clock.now()
    with svc.db.transaction() as db_session:  # the attempt is recorded either way
        outcome = identity.sign_in(db_session, username, password, request.remote_addr or "?", now)
        signed_in = SignedInUser.of(outcome.user) if outcome.user else None
    if signed_in is None:
        if outcome.refusal == identity.THROTTLED:
            minutes = math.ceil((outcome.retry_at - now).total_seconds() / 60)
            message = ngettext(
                "Too many failed attempts. Wait %(num)d minute and try again.",
                "Too many failed attempts. Wait %(num)d minutes and try again.",
                minutes,
            )
            return render_template("login.html", username=username, error=message), 429
        return render_template("login.html", username=username, error=_("Wrong user name or password.")), 401
    session.clear()  # a new session for the signed-in user (no fixation)
    session[SESSION_KEY] = outcome.session_key
    login_user(signed_in)
    return redirect(safe_next(request.args.get("next"), url_for("inbox.inbox")))


@bp.post("/logout")
@login_required
def logout():
    svc = services()
    with svc.db.transaction() as db_session:  # every session of the user, not only this one
        identity.end_all(db_session, current_user.id)
    logout_user()
    session.clear()
    flash(_("You have signed out."))
    return redirect(url_for("auth.login"))


@bp.post("/language/<code>")
def language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    return redirect(safe_next(request.form.get("next"), url_for("inbox.inbox")))
