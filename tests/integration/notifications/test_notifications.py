"""The notification outbox against a real SMTP server on loopback (aiosmtpd)."""

from datetime import timedelta

import pytest
from factories.mail import free_port, start_smtp_server
from sqlalchemy import select

from engine.messages import Message
from services.identity import user_by_username
from services.notifications import (
    Notification,
    SmtpMailer,
    _notifications as notifications,
    deliver_emails,
    notify,
    unread,
)


@pytest.fixture
def smtp():
    inbox, controller = start_smtp_server()
    inbox.mailer = SmtpMailer("127.0.0.1", inbox.port, sender="talentflow@camgiang.local")
    yield inbox
    controller.stop()


def _officer(services, email: str | None = "canbo.vp@camgiang.gov.vn"):
    with services.db.transaction() as session:
        user = user_by_username(session, "cg_vp.canbo")
        user.email = email
        return user


def _notify(services, user, key="reminder:task-1:PT24H"):
    with services.db.transaction() as session:
        return notify(
            session,
            key=key,
            user=user,
            subject="Nhắc việc: còn 24 giờ để gửi đề xuất",
            body="Hạn nộp: 12:00 ngày 14/01/2026.",
            at=services.clock.now(),
            task_id="task-1",
        )


def _row(services, key="reminder:task-1:PT24H") -> Notification:
    with services.db.read() as session:
        return session.scalar(select(Notification).where(Notification.key == key))


def test_an_event_notifies_once_and_the_mail_goes_once(commune, smtp):
    services, user = commune, _officer(commune)
    assert _notify(services, user) is True
    assert _notify(services, user) is False  # the same event again: nothing new
    first = deliver_emails(services.db, smtp.mailer, services.clock.now)
    again = deliver_emails(services.db, smtp.mailer, services.clock.now)
    assert (first.sent, again.sent) == (1, 0)
    [(recipients, message)] = smtp.messages
    assert recipients == ["canbo.vp@camgiang.gov.vn"]
    assert message["Subject"] == "Nhắc việc: còn 24 giờ để gửi đề xuất"
    assert message["Message-ID"] == f"<notification-{_row(services).id}@camgiang.local>"
    assert "12:00 ngày 14/01/2026" in message.get_content()
    with services.db.read() as session:
        assert [n.subject for n in unread(session, user.id)] == ["Nhắc việc: còn 24 giờ để gửi đề xuất"]
    assert _row(services).email_sent_at == services.clock.now()


def test_a_user_without_e_mail_is_notified_in_the_app_only(commune, smtp):
    services, user = commune, _officer(commune, email=None)
    _notify(services, user)
    assert deliver_emails(services.db, smtp.mailer, services.clock.now).sent == 0
    assert smtp.messages == []
    with services.db.transaction() as session:
        [shown] = unread(session, user.id)
        other = user_by_username(session, "cg_pkt.canbo")
        assert not notifications.mark_read(session, other.id, shown.id, services.clock.now())  # not theirs
        assert notifications.mark_read(session, user.id, shown.id, services.clock.now())
        assert unread(session, user.id) == []


def test_a_failed_delivery_is_retried_with_backoff_until_it_goes(commune, smtp):
    services, user = commune, _officer(commune)
    _notify(services, user)
    down = SmtpMailer("127.0.0.1", free_port())  # nothing listens there
    assert deliver_emails(services.db, down, services.clock.now).failed == 1
    row = _row(services)
    assert (row.email_attempts, row.email_next_attempt_at) == (1, services.clock.now() + timedelta(minutes=1))
    assert row.email_last_error
    assert deliver_emails(services.db, down, services.clock.now).failed == 0  # not due yet
    services.clock.advance(minutes=1)
    assert deliver_emails(services.db, down, services.clock.now).failed == 1
    assert _row(services).email_next_attempt_at == services.clock.now() + timedelta(minutes=2)
    services.clock.advance(minutes=2)
    assert deliver_emails(services.db, smtp.mailer, services.clock.now).sent == 1
    assert len(smtp.messages) == 1 and _row(services).email_last_error is None


def test_a_crash_after_leasing_loses_nothing(commune, smtp):
    services, user = commune, _officer(commune)
    _notify(services, user)
    leased = notifications._lease_due(
        services.db, services.clock.now(), 10, notifications.LEASE
    )  # then the process dies
    assert len(leased) == 1
    assert deliver_emails(services.db, smtp.mailer, services.clock.now).sent == 0  # leased to the dead one
    services.clock.advance(minutes=5)
    assert deliver_emails(services.db, smtp.mailer, services.clock.now).sent == 1
    assert len(smtp.messages) == 1


def test_a_worded_notification_is_mailed_in_vietnamese_and_kept_for_each_readers_language(commune, smtp):
    services, user = commune, _officer(commune)
    with services.db.transaction() as session:
        notify(
            session,
            key="digest:11/01/2026:1",
            user=user,
            subject=Message("Tasks of %(day)s", day="11/01/2026"),
            body=Message("- %(task)s (%(when)s)", task="Lập đề xuất", when=Message("no deadline")),
            at=services.clock.now(),
        )
    assert deliver_emails(services.db, smtp.mailer, services.clock.now).sent == 1
    [(_, message)] = smtp.messages
    assert message["Subject"] == "Tổng hợp công việc ngày 11/01/2026"
    assert message.get_content().strip() == "- Lập đề xuất (không có hạn)"
    row = _row(services, "digest:11/01/2026:1")
    assert (row.subject, row.body) == ("Tasks of 11/01/2026", "- Lập đề xuất (no deadline)")  # for logs
    assert (
        row.worded_body == "- Lập đề xuất (no deadline)"
        and row.worded_body.params["when"].template == "no deadline"
    )
