"""Passwords and sign-in, slowed against guessing in a way that a guesser who knows a
user name cannot turn against its owner.

Failed attempts make the next ones wait: past a free allowance, each further failure
within WINDOW doubles the wait (FIRST_DELAY, then twice that, up to MAX_DELAY). The
failures are counted twice:

- per client address, whatever the names tried: one machine guessing is slowed;
- per user name, counting only attempts from addresses the name has not signed in from
  within USUAL_FOR, and holding back only attempts from such addresses: guessing spread
  over many addresses is slowed as much, yet it never delays the owner at an address
  they usually sign in from. A guesser behind the owner's own address is slowed by the
  first count, which then slows the owner there too, as it would anyone sharing it.

An attempt made while it must wait is refused unchecked, even with the right password,
and not recorded: it learns nothing and makes the wait no longer. The refusal does not
say whether the user exists. An administrator's unlock forgets a name's failures. The
client address is the one the trusted proxies saw (TALENTFLOW_TRUSTED_PROXIES).

Kept: each attempt's name as typed, address, time and outcome; failures for WINDOW,
successes for USUAL_FOR (they are the usual addresses); the hourly purge deletes the rest.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, func, or_, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from services.common.db import rows_changed
from services.common.errors import InvalidInput
from services.identity import _web_sessions as web_sessions
from services.identity._directory import user_by_username
from services.identity._models import AppUser, LoginAttempt

FREE_FAILURES_PER_NAME = 5
FREE_FAILURES_PER_ADDRESS = 20
FIRST_DELAY = timedelta(minutes=1)
MAX_DELAY = timedelta(minutes=15)
WINDOW = timedelta(hours=1)
USUAL_FOR = timedelta(days=30)
MIN_PASSWORD_LENGTH = 10
# Checked when the user does not exist, so that answering takes as long either way.
_DUMMY_HASH = generate_password_hash("not a password", method="scrypt")


WRONG, THROTTLED = "wrong_credentials", "too_many_attempts"


@dataclass(frozen=True)
class Outcome:
    user: AppUser | None = None
    session_key: str | None = None  # signed in: the new web session's key, for the cookie
    refusal: str | None = None  # WRONG or THROTTLED
    retry_at: datetime | None = None  # THROTTLED: when an attempt is checked again


@dataclass(frozen=True)
class NameState:
    """What guessing left on a user name, for the administrator."""

    failures: int  # failed attempts within WINDOW, from any address
    new_addresses_wait_until: datetime | None  # attempts from addresses not usual for the name


def set_password(session: Session, username: str, password: str) -> None:
    """Set the password and end the user's sessions: whoever had one must sign in again."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput("password", f"at least {MIN_PASSWORD_LENGTH} characters")
    user = user_by_username(session, username)
    user.password_hash = generate_password_hash(password, method="scrypt")
    web_sessions.end_all(session, user.id)


def sign_in(session: Session, username: str, password: str, address: str, at: datetime) -> Outcome:
    """Signed in (a new web session started) if the password is right and no wait is due,
    else refused WRONG or THROTTLED. Checked attempts are recorded, so the caller commits
    either way."""
    username, address = username.strip()[:80], address[:64]
    # Attempts on one account are checked one at a time (a row lock on PostgreSQL; SQLite
    # has one writer), so parallel guesses cannot all pass before the first failure counts.
    user = session.scalar(select(AppUser).where(AppUser.username == username).with_for_update())
    retry_at = _retry_at(session, username, address, at)
    if retry_at is not None:
        return Outcome(refusal=THROTTLED, retry_at=retry_at)
    known_hash = user.password_hash if user is not None and user.active else None
    # A wrong name costs the same hash check as a wrong password: the time tells nothing.
    succeeded = check_password_hash(known_hash or _DUMMY_HASH, password) and bool(known_hash)
    session.add(LoginAttempt(username=username, address=address, at=at, succeeded=succeeded))
    if user is None or not succeeded:
        return Outcome(refusal=WRONG)
    return Outcome(user=user, session_key=web_sessions.start(session, user.id, address, at))


def name_state(session: Session, username: str, at: datetime) -> NameState:
    failures = session.execute(
        select(func.count()).where(*_failures_since(at), LoginAttempt.username == username)
    ).scalar_one()
    wait = _wait(session, _unusual_failures(username, at), FREE_FAILURES_PER_NAME)
    return NameState(failures, wait if wait is not None and wait > at else None)


def unlock(session: Session, username: str) -> int:
    """Forget the name's failed attempts (from every address); how many."""
    return rows_changed(
        session,
        delete(LoginAttempt).where(LoginAttempt.username == username, LoginAttempt.succeeded.is_(False)),
    )


def forget_expired_sign_ins(session: Session, at: datetime) -> int:
    """Delete the attempts nothing reads any more: failures past WINDOW, successes past USUAL_FOR."""
    expired = or_(
        LoginAttempt.at <= at - USUAL_FOR,
        and_(LoginAttempt.succeeded.is_(False), LoginAttempt.at <= at - WINDOW),
    )
    return rows_changed(session, delete(LoginAttempt).where(expired))


def _retry_at(session: Session, username: str, address: str, at: datetime) -> datetime | None:
    """When attempts on this name from this address are checked again, if they must wait."""
    waits = [
        _wait(
            session,
            select(func.count(), func.max(LoginAttempt.at)).where(
                *_failures_since(at), LoginAttempt.address == address
            ),
            FREE_FAILURES_PER_ADDRESS,
        )
    ]
    usual = session.scalar(_usual_addresses(username, at).where(LoginAttempt.address == address).limit(1))
    if usual is None:
        waits.append(_wait(session, _unusual_failures(username, at), FREE_FAILURES_PER_NAME))
    due = [wait for wait in waits if wait is not None and wait > at]
    return max(due, default=None)


def _wait(session: Session, failures, free: int) -> datetime | None:
    """The end of the wait after ``failures`` (count, last), or None within the free allowance."""
    count, last = session.execute(failures).one()
    if count < free:
        return None
    return last + min(FIRST_DELAY * 2 ** min(count - free, 10), MAX_DELAY)


def _failures_since(at: datetime) -> tuple:
    return LoginAttempt.succeeded.is_(False), LoginAttempt.at > at - WINDOW


def _usual_addresses(username: str, at: datetime):
    return select(LoginAttempt.address).where(
        LoginAttempt.username == username, LoginAttempt.succeeded.is_(True), LoginAttempt.at > at - USUAL_FOR
    )


def _unusual_failures(username: str, at: datetime):
    return select(func.count(), func.max(LoginAttempt.at)).where(
        *_failures_since(at),
        LoginAttempt.username == username,
        LoginAttempt.address.not_in(_usual_addresses(username, at)),
    )
