"""Passwords and sign-in, with throttling against guessing.

Passwords are hashed with scrypt (werkzeug). After MAX_FAILURES failed attempts for a
user name within WINDOW, or MAX_FAILURES_PER_ADDRESS from one address, every attempt is
refused until the window has passed, even with the right password, so guessing gains
nothing. The refusal does not say whether the user exists.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from services.directory import user_by_username
from services.errors import InvalidInput
from services.models import AppUser, LoginAttempt

MAX_FAILURES = 5
MAX_FAILURES_PER_ADDRESS = 20
WINDOW = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 10
# Checked when the user does not exist, so that answering takes as long either way.
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")


WRONG, THROTTLED = "wrong_credentials", "too_many_attempts"


def set_password(session: Session, username: str, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password", f"at least {MIN_PASSWORD_LENGTH} characters")
    user_by_username(session, username).password_hash = generate_password_hash(password, method="scrypt")


def sign_in(session: Session, username: str, password: str, address: str,
            at: datetime) -> tuple[AppUser | None, str | None]:
    """(the user, None) if the password is right and neither the name nor the address
    is throttled, else (None, WRONG or THROTTLED). Every attempt is recorded, so the
    caller commits either way."""
    username, address = username.strip()[:80], address[:64]
    if _throttled(session, username, address, at):
        session.add(LoginAttempt(username=username, address=address, at=at, succeeded=False))
        return None, THROTTLED
    user = session.scalar(select(AppUser).where(AppUser.username == username, AppUser.active.is_(True)))
    stored = user.password_hash if user is not None and user.password_hash else _DUMMY_HASH
    succeeded = check_password_hash(stored, password) and user is not None and bool(user.password_hash)
    session.add(LoginAttempt(username=username, address=address, at=at, succeeded=succeeded))
    return (user, None) if succeeded else (None, WRONG)


def _throttled(session: Session, username: str, address: str, at: datetime) -> bool:
    since = at - WINDOW
    failures = select(func.count()).where(LoginAttempt.succeeded.is_(False), LoginAttempt.at > since)
    return (session.scalar(failures.where(LoginAttempt.username == username)) >= MAX_FAILURES
            or session.scalar(failures.where(LoginAttempt.address == address)) >= MAX_FAILURES_PER_ADDRESS)
