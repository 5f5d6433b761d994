"""Accounts as administrators look after them: a user's live sessions and what password
guessing left on their name; ending every session, unlocking the name, disabling and
enabling the account. Every action is audited with who, when and what it changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from engine.errors import NotFound
from engine.messages import Message
from services.common import audit
from services.common.errors import InvalidInput
from services.common.models import AuditEvent
from services.identity import _sign_in as sign_in, _web_sessions as web_sessions
from services.identity._models import AppUser, WebSession

ACTIONS = ("end_sessions", "unlock", "disable", "enable")


@dataclass(frozen=True)
class AccountPage:
    user: AppUser
    sessions: list[WebSession]
    name_state: sign_in.NameState
    audit: list[tuple[AuditEvent, str | None]]  # each admin action with who did it


def find(session: Session, query: str, limit: int = 100) -> list[tuple[AppUser, int]]:
    """Users whose user name or full name contains ``query``, each with their sessions."""
    counts = web_sessions.counts()
    statement = (
        select(AppUser, func.coalesce(counts.c.sessions, 0))
        .outerjoin(counts, counts.c.user_id == AppUser.id)
        .order_by(AppUser.username)
        .limit(limit)
    )
    if query:
        statement = statement.where(
            or_(
                AppUser.username.icontains(query, autoescape=True),
                AppUser.full_name.icontains(query, autoescape=True),
            )
        )
    return [tuple(row) for row in session.execute(statement)]


def account_page(session: Session, user_id: int, at: datetime) -> AccountPage:
    user = _user(session, user_id)
    actor = aliased(AppUser)
    events = session.execute(
        select(AuditEvent, actor.full_name)
        .outerjoin(actor, actor.id == AuditEvent.actor_id)
        .where(AuditEvent.subject == _subject(user_id))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    ).all()
    return AccountPage(
        user,
        web_sessions.of_user(session, user_id),
        sign_in.name_state(session, user.username, at),
        [tuple(row) for row in events],
    )


def act(session: Session, actor_id: int, user_id: int, action: str, at: datetime) -> None:
    """End every session of the user, unlock their name, disable or enable the account
    (disabling also ends the sessions; the user's API tokens stop working meanwhile)."""
    if action not in ACTIONS:
        raise InvalidInput("action", Message("must be one of %(actions)s", actions=", ".join(ACTIONS)))
    user = _user(session, user_id)
    if action == "disable" and user.id == actor_id:
        raise InvalidInput("action", Message("An administrator cannot disable their own account."))
    if action == "unlock":
        details = {"failures_forgotten": sign_in.unlock(session, user.username)}
    elif action == "enable":
        user.active, details = True, {}
    else:  # end_sessions, disable
        if action == "disable":
            user.active = False
        details = {"sessions_ended": web_sessions.end_all(session, user.id)}
    audit.record(session, at, actor_id, f"account.{action}", _subject(user_id), **details)


def _user(session: Session, user_id: int) -> AppUser:
    user = session.get(AppUser, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def _subject(user_id: int) -> str:
    return f"app_user:{user_id}"


def create_account(session: Session, username: str, full_name: str, email: str | None) -> AppUser:
    """A new active account without a password, under ``username`` or, when taken, the first
    free ``username.2``, ``username.3``...; an administrator sets its password."""
    candidate, suffix = username, 1
    while session.scalar(select(exists().where(AppUser.username == candidate))):
        suffix += 1
        candidate = f"{username}.{suffix}"
    account = AppUser(username=candidate, full_name=full_name, email=email, active=True)
    session.add(account)
    session.flush()
    return account
