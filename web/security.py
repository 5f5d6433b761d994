"""Sessions, sign-in state, CSRF and security headers.

The session is a signed cookie (HttpOnly, SameSite=Lax, Secure behind TLS) holding only
the user's id and the key of its server-side record (services/identity/_web_sessions.py), without
which the cookie opens nothing: the server ends sessions by deleting records. Every form
carries a CSRF token (Flask-WTF); the API takes a bearer token instead, or the session
plus the CSRF token in ``X-CSRFToken``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from flask_login import LoginManager, UserMixin
from flask_wtf.csrf import CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from services import identity
from services.common import instance_files
from services.common.config import Config
from services.identity import AppUser

csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = None  # the sign-in page says what to do
SESSION_KEY = "session_key"  # where the cookie keeps its web session's key

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)


@dataclass(frozen=True)
class SignedInUser(UserMixin):
    """The signed-in user as the web layer keeps them: plain values, no open session."""

    id: int
    username: str
    full_name: str
    is_admin: bool = False  # shows the admin menu; every admin route checks again
    may_search_talents: bool = False  # shows the talent database menu; the search checks again
    may_see_city_rounds: bool = False  # shows the city consolidation menu; its pages check again
    may_keep_registers: bool = False  # a records clerk: shows the registers menu; its pages check again
    may_manage_plans: bool = False  # Sở Nội vụ or Phòng VH-XH: shows the plans menu; its pages check again
    may_see_targets: bool = (
        False  # leaders, Sở Nội vụ, Phòng VH-XH: shows the targets menu; its pages check again
    )

    @classmethod
    def of(
        cls,
        user: AppUser,
        is_admin: bool = False,
        may_search_talents: bool = False,
        may_see_city_rounds: bool = False,
        may_keep_registers: bool = False,
        may_manage_plans: bool = False,
        may_see_targets: bool = False,
    ) -> "SignedInUser":
        return cls(
            user.id,
            user.username,
            user.full_name,
            is_admin,
            may_search_talents,
            may_see_city_rounds,
            may_keep_registers,
            may_manage_plans,
            may_see_targets,
        )


def configure_security(app: Flask, config: Config, load_user) -> None:
    app.config.update(
        SECRET_KEY=config.secret_key or _instance_secret(config.instance_dir),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=config.secure_cookies,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SECURE=config.secure_cookies,
        PERMANENT_SESSION_LIFETIME=identity.LIFETIME,
        WTF_CSRF_TIME_LIMIT=None,
    )
    if config.trusted_proxies < 0:
        raise ValueError("TALENTFLOW_TRUSTED_PROXIES must be 0 (no reverse proxy) or the number of proxies")
    if config.trusted_proxies:  # the client's address is the one the outermost trusted proxy saw
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.trusted_proxies)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.user_loader(load_user)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if config.secure_cookies:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response


def _instance_secret(instance_dir: Path) -> str:
    """A key generated on first start and kept beside the database (never in the repo)."""
    return instance_files.secret(
        instance_dir / "secret_key", lambda: secrets.token_hex(32), "delete it to have a new key made"
    )


def safe_next(target: str | None, default: str) -> str:
    """Where to go after an action: a path on this site only (no open redirects).

    Browsers drop tabs and line breaks anywhere in a URL and read a backslash as a slash:
    "/", a tab, "/evil.com" is "//evil.com" to them, another site. So a target with a
    control character or a backslash is refused, like one starting with "//"."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and not any(char == "\\" or char < " " or char == "\x7f" for char in target)
    ):
        return target
    return default
