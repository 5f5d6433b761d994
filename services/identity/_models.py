"""The tables of identity."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from engine.db import Base, UTCDateTime


class OrgUnit(Base):
    """city (province level) -> commune/ward -> units (offices, schools, boards...)."""

    __tablename__ = "org_unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(60))  # the organisation's type (docs/glossary.md)
    level: Mapped[str] = mapped_column(String(20))  # province | commune | unit
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"))
    commune_id: Mapped[int | None] = mapped_column(ForeignKey("org_unit.id"), index=True)
    bloc: Mapped[str] = mapped_column(String(20), default="state")  # state | party_mass
    # The abbreviation in document symbols ("UBND", "VHXH", "SNV"); none: the one of its kind
    # (docs/records.md#numbers-and-symbols).
    symbol: Mapped[str | None] = mapped_column(String(20))
    # Police and army units are outside Decree 179 and never addressed.
    in_scope: Mapped[bool] = mapped_column(Boolean, default=True)


class Role(Base):
    __tablename__ = "role"

    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))


class AppUser(Base):
    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # On leave or away until then: escalations go to an acting holder meanwhile.
    absent_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Membership(Base):
    """A user holds a role in an organisation unit; tasks of that lane there are theirs."""

    __tablename__ = "membership"
    __table_args__ = (
        UniqueConstraint("user_id", "org_unit_id", "role_code"),
        Index("ix_membership_role_org", "role_code", "org_unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    org_unit_id: Mapped[int] = mapped_column(ForeignKey("org_unit.id"))
    role_code: Mapped[str] = mapped_column(ForeignKey("role.code"))
    # An acting holder (e.g. the deputy "được giao phụ trách") may do the role's tasks and
    # receives its escalations while every regular holder is absent.
    acting: Mapped[bool] = mapped_column(Boolean, default=False)


class ApiToken(Base):
    """A bearer token for integrations, acting as one user. Only its SHA-256 is kept:
    the token itself is shown once, when issued."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginAttempt(Base):
    """Sign-in attempts, kept to slow password guessing (per user name and address) and
    to know a user's usual addresses (services/identity/_sign_in.py says for how long)."""

    __tablename__ = "login_attempt"
    __table_args__ = (
        Index("ix_login_attempt_recent", "username", "at"),
        Index("ix_login_attempt_address", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    succeeded: Mapped[bool] = mapped_column(Boolean)


class WebSession(Base):
    """A signed-in browser session, so that the server can end it (services/identity/_web_sessions.py)."""

    __tablename__ = "web_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    key_sha256: Mapped[str] = mapped_column(String(64), unique=True)  # the key itself is only in the cookie
    address: Mapped[str] = mapped_column(String(64))  # the client's, at sign-in
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)  # the purge reads it
