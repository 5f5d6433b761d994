"""Messages to users: in the bell, and by e-mail through an outbox delivered with a lease.

This module is the context's public face: other contexts and the web layer import only
what it names (the import contracts in setup.cfg)."""

from services.notifications._models import Notification
from services.notifications._notifications import (
    DeliveryRun,
    Notice,
    SmtpMailer,
    deliver_emails,
    email_due,
    mark_read,
    notify,
    notify_many,
    unread,
)

__all__ = [
    "email_due",
    "DeliveryRun",
    "Notice",
    "Notification",
    "SmtpMailer",
    "deliver_emails",
    "mark_read",
    "notify",
    "notify_many",
    "unread",
]
