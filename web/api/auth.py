"""Who calls the API: a bearer token names the user; roles come from the directory."""
from __future__ import annotations

from flask import current_app, g, request
from flask_smorest import abort

from services import api_tokens
from services.directory import is_admin
from services.models import AppUser


def services():
    return current_app.extensions["talentflow"]


def current_user() -> AppUser:
    """The caller, or 401. Looked up once per request."""
    if "api_user" not in g:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = None
        if scheme.lower() == "bearer" and token.strip():
            with services().db.read() as session:
                user = api_tokens.user_of(session, token.strip())
                if user is not None:
                    session.expunge(user)
        if user is None:
            abort(401, message="Cần đăng nhập: thiếu hoặc sai mã truy cập (Authorization: Bearer ...).",
                  code="unauthenticated")
        g.api_user = user
    return g.api_user


def require_admin() -> AppUser:
    user = current_user()
    with services().db.read() as session:
        if not is_admin(session, user.id):
            abort(403, message="Chỉ quản trị hệ thống được thực hiện thao tác này.", code="permission_denied")
    return user
