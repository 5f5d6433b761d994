"""Browser sessions on the server side, so that they can be ended. The signed cookie
carries a random key and expires LIFETIME after it was last signed (the signature says
when); the session is live while the cookie is and its row exists. Signing out, a
password change, disabling the user and an administrator's "end all sessions" delete
every row of the user, so a cookie copied earlier opens nothing.

What is kept, and for how long (README.md, "Sign-in and sessions"): the user, a SHA-256
of the key (the key itself is only in the cookie), when the session started, when it was
last seen (to within SEEN_EVERY) and the client address at sign-in; the row is deleted
when the session ends, or by the hourly purge once it has not been seen for LIFETIME.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from services.common.db import Database, rows_changed
from services.identity._models import WebSession

LIFETIME = timedelta(hours=10)  # the cookie's, counted from when it was last signed
SEEN_EVERY = timedelta(minutes=1)  # last seen is written at most this often, not on every page view


def start(session: Session, user_id: int, address: str, at: datetime) -> str:
    """A new session for the user; its key, for the cookie only."""
    key = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            user_id=user_id, key_sha256=_digest(key), address=address[:64], started_at=at, last_seen_at=at
        )
    )
    return key


def owner(db: Database, key: str, at: datetime) -> int | None:
    """The id of the user whose session ``key`` opens, or None (unknown or ended).
    Reads; writes only when last seen is due."""
    digest = _digest(key)
    with db.read() as session:
        row = session.execute(
            select(WebSession.user_id, WebSession.last_seen_at).where(WebSession.key_sha256 == digest)
        ).first()
    if row is None:
        return None
    if at - row.last_seen_at >= SEEN_EVERY:
        with db.transaction() as session:
            session.execute(update(WebSession).where(WebSession.key_sha256 == digest).values(last_seen_at=at))
    return row.user_id


def of_user(session: Session, user_id: int) -> list[WebSession]:
    """The user's sessions, newest first."""
    return list(
        session.scalars(
            select(WebSession).where(WebSession.user_id == user_id).order_by(WebSession.started_at.desc())
        )
    )


def counts():
    """A subquery: (user_id, sessions) for every user with a session."""
    return select(WebSession.user_id, func.count().label("sessions")).group_by(WebSession.user_id).subquery()


def end_all(session: Session, user_id: int) -> int:
    """End every session of the user; how many."""
    return rows_changed(session, delete(WebSession).where(WebSession.user_id == user_id))


def forget_expired_sessions(session: Session, at: datetime) -> int:
    # A cookie is last signed during a request, which writes last seen unless it is
    # younger than SEEN_EVERY: past this, the cookie has expired.
    return rows_changed(
        session, delete(WebSession).where(WebSession.last_seen_at <= at - LIFETIME - SEEN_EVERY)
    )


def _digest(key: str) -> str:
    # A random 256-bit key needs no slow hash; the digest only keeps a database copy from opening sessions.
    return hashlib.sha256(key.encode()).hexdigest()
