"""Notifications: in the app (the bell) and by e-mail, through an outbox.

``notify`` writes a row in the caller's transaction, keyed so that the same event
never notifies twice. ``deliver_emails`` sends what is due: it leases a row with a
short commit, talks to the SMTP server outside any transaction (a slow server must
not hold the database's write lock), then marks it sent. A crash between sending and
marking lets the lease expire and the mail goes again: delivered at least once,
never lost. Failures are retried with exponential backoff.

A notification's subject and body are ``engine.messages.Message`` texts: kept as their
templates and parameters, so the bell shows them in each reader's language, and e-mail is
written in the mailer's language (Vietnamese unless configured).
"""

from __future__ import annotations

import logging
import smtplib
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Iterator

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine.messages import to_json
from services.common.db import rows_changed, table_of
from services.common.display import in_language
from services.identity import AppUser
from services.notifications._models import Notification, reworded

log = logging.getLogger(__name__)
NOTIFICATION = table_of(Notification)
LEASE = timedelta(minutes=2)  # how long a leased batch of 50 has to go out
FIRST_RETRY, MAX_RETRY = timedelta(minutes=1), timedelta(hours=1)


@dataclass(frozen=True)
class Notice:
    key: str  # the idempotency key: the same event always makes the same key
    user: AppUser
    subject: str  # a Message, or text written in one language
    body: str
    task_id: str | None = None


def notify(
    session: Session,
    *,
    key: str,
    user: AppUser,
    subject: str,
    body: str,
    at: datetime,
    task_id: str | None = None,
) -> bool:
    """Queue a notification; False when one with this key already exists."""
    result = session.execute(
        _insert(session)
        .values(_row(Notice(key, user, subject, body, task_id), at))
        .returning(NOTIFICATION.c.id)
    )
    return result.first() is not None  # a row comes back only when it was inserted


def notify_many(session: Session, messages: list[Notice], at: datetime) -> None:
    """Queue many notifications in one statement; keys already there are skipped."""
    if messages:
        session.execute(_insert(session), [_row(message, at) for message in messages])


def _insert(session: Session):
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(NOTIFICATION).on_conflict_do_nothing(index_elements=["key"])


def _row(message: Notice, at: datetime) -> dict:
    email = message.user.email
    return {
        "key": message.key,
        "user_id": message.user.id,
        "subject": message.subject,
        "body": message.body,
        "wording": {"subject": to_json(message.subject), "body": to_json(message.body)},
        "task_id": message.task_id,
        "created_at": at,
        "email_to": email,
        "email_attempts": 0,
        "email_next_attempt_at": at if email else None,
    }


def unread(session: Session, user_id: int, limit: int = 50) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_read(session: Session, user_id: int, notification_id: int, at: datetime) -> bool:
    """Only the addressee can mark a notification read."""
    return (
        rows_changed(
            session,
            update(NOTIFICATION)
            .where(
                NOTIFICATION.c.id == notification_id,
                NOTIFICATION.c.user_id == user_id,
                NOTIFICATION.c.read_at.is_(None),
            )
            .values(read_at=at),
        )
        == 1
    )


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int = 25
    sender: str = "talentflow@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout_s: float = 10.0
    language: str = "vi"  # recipients have no language of their own: the pages' default

    @contextmanager
    def connect(self) -> Iterator[smtplib.SMTP]:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            yield smtp

    def send(self, smtp: smtplib.SMTP, notification_id: int, to: str, subject: str, body: str) -> None:
        message = EmailMessage()
        message["From"], message["To"] = self.sender, to
        message["Subject"] = in_language(subject, self.language)
        # The same notification always carries the same Message-ID: if a crash makes it go
        # twice, mail clients show it once.
        message["Message-ID"] = (
            f"<notification-{notification_id}@{self.sender.rpartition('@')[2] or 'talentflow'}>"
        )
        message.set_content(in_language(body, self.language))  # UTF-8: Vietnamese subjects and bodies survive
        smtp.send_message(message)


@dataclass
class DeliveryRun:
    sent: int = 0
    failed: int = 0


def email_due(after: datetime | None):
    """The statement giving the earliest instant an e-mail is due to be sent (later than
    ``after`` when given), for the scheduler's plan (engine.due)."""
    query = select(func.min(NOTIFICATION.c.email_next_attempt_at)).where(
        NOTIFICATION.c.email_sent_at.is_(None)
    )
    column = NOTIFICATION.c.email_next_attempt_at
    return query.where(column > after if after is not None else column.is_not(None))


def deliver_emails(
    db, mailer: SmtpMailer, now, batch_size: int = 50, lease: timedelta = LEASE
) -> DeliveryRun:
    """Send every e-mail due as of ``now()``, a leased batch at a time over one SMTP
    connection; ``now`` is read at each step."""
    run = DeliveryRun()
    while batch := _lease_due(db, now(), batch_size, lease):
        _send_batch(db, mailer, now, batch, run)
    return run


def _send_batch(db, mailer: SmtpMailer, now, batch: list, run: DeliveryRun) -> None:
    pending = list(batch)
    try:
        with mailer.connect() as smtp:
            while pending:
                row = pending[0]
                try:
                    mailer.send(
                        smtp,
                        row.id,
                        row.email_to,
                        reworded(row.wording, "subject", row.subject),
                        reworded(row.wording, "body", row.body),
                    )
                except smtplib.SMTPRecipientsRefused as error:  # this address only: go on
                    _record_failure(db, pending.pop(0), now(), error)
                    run.failed += 1
                    continue
                _mark_sent(db, pending.pop(0).id, now())
                run.sent += 1
    except (OSError, smtplib.SMTPException) as error:  # the server is unreachable or broke off
        for row in pending:
            _record_failure(db, row, now(), error)
        run.failed += len(pending)


def _mark_sent(db, notification_id: int, at: datetime) -> None:
    with db.transaction() as session:
        session.execute(
            update(NOTIFICATION)
            .where(NOTIFICATION.c.id == notification_id)
            .values(email_sent_at=at, email_next_attempt_at=None, email_last_error=None)
        )


def _lease_due(db, at: datetime, limit: int, lease: timedelta) -> list:
    query = (
        select(
            NOTIFICATION.c.id,
            NOTIFICATION.c.email_to,
            NOTIFICATION.c.subject,
            NOTIFICATION.c.body,
            NOTIFICATION.c.wording,
            NOTIFICATION.c.email_attempts,
        )
        .where(NOTIFICATION.c.email_sent_at.is_(None), NOTIFICATION.c.email_next_attempt_at <= at)
        .order_by(NOTIFICATION.c.email_next_attempt_at)
        .limit(limit)
    )
    with db.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        rows = session.execute(query).all()
        if rows:  # others skip leased rows until the lease ends
            session.execute(
                update(NOTIFICATION)
                .where(NOTIFICATION.c.id.in_([row.id for row in rows]))
                .values(email_next_attempt_at=at + lease)
            )
    return rows


def _record_failure(db, row, at: datetime, error: Exception) -> None:
    attempts = row.email_attempts + 1
    delay = min(FIRST_RETRY * 2 ** (attempts - 1), MAX_RETRY)
    log.warning(
        "e-mail %s to %s failed (attempt %d, next in %s): %s", row.id, row.email_to, attempts, delay, error
    )
    with db.transaction() as session:
        session.execute(
            update(NOTIFICATION)
            .where(NOTIFICATION.c.id == row.id)
            .values(
                email_attempts=attempts, email_next_attempt_at=at + delay, email_last_error=str(error)[:2000]
            )
        )
