"""Bearer tokens for the REST API: issued to a user, stored as a SHA-256 digest, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from services.identity._directory import user_by_username
from services.identity._models import ApiToken, AppUser


def issue(session: Session, username: str, name: str, at: datetime) -> str:
    """A new token for ``username``; the only time it is visible."""
    token = secrets.token_urlsafe(32)
    user = user_by_username(session, username)
    session.add(ApiToken(user_id=user.id, name=name, token_sha256=_digest(token), created_at=at))
    return token


def user_of(session: Session, token: str) -> AppUser | None:
    """The active user a valid, unrevoked token acts as."""
    return session.scalar(
        select(AppUser)
        .join(ApiToken, ApiToken.user_id == AppUser.id)
        .where(
            ApiToken.token_sha256 == _digest(token), ApiToken.revoked_at.is_(None), AppUser.active.is_(True)
        )
    )


def revoke(session: Session, username: str, name: str, at: datetime) -> int:
    user = user_by_username(session, username)
    tokens = session.scalars(
        select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.name == name, ApiToken.revoked_at.is_(None)
        )
    ).all()
    for token in tokens:
        token.revoked_at = at
    return len(tokens)


def _digest(token: str) -> str:
    # A random 256-bit token needs no slow hash: nothing to brute-force.
    return hashlib.sha256(token.encode()).hexdigest()
