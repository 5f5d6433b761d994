"""Who calls the API: a bearer token names the user; roles come from the directory."""

from __future__ import annotations

from flask import g, request
from flask_login import current_user as signed_in_user
from flask_smorest import abort
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from engine.messages import Message
from services import identity
from services.identity import AppUser, is_admin
from web.context import services


def current_user() -> AppUser:
    """The caller, or 401: by bearer token, else by the browser's session (whose
    writes must carry the CSRF token). Looked up once per request."""
    if "api_user" not in g:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        with services().db.read() as session:
            if scheme.lower() == "bearer":
                user = identity.user_of(session, token.strip()) if token.strip() else None
            else:
                user = _session_user(session)
            if user is None:
                abort(
                    401,
                    message=Message(
                        "Sign-in needed: the access token is missing or wrong (Authorization: Bearer ...)."
                    ),
                    code="unauthenticated",
                )
            session.expunge(user)
        g.api_user = user
    return g.api_user


def _session_user(session) -> AppUser | None:
    if not signed_in_user.is_authenticated:
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        try:
            validate_csrf(request.headers.get("X-CSRFToken", ""))
        except ValidationError:
            abort(
                400, message=Message("The CSRF token is missing or wrong (X-CSRFToken)."), code="csrf_failed"
            )
    user = session.get(AppUser, signed_in_user.id)
    return user if user is not None and user.active else None


def require_admin() -> AppUser:
    user = current_user()
    with services().db.read() as session:
        if not is_admin(session, user.id):
            abort(403, message=Message("Only system administrators may do this."), code="permission_denied")
    return user
