"""The caller's notifications: the bell's unread count and list, and marking one read."""

from __future__ import annotations

from flask_smorest import Blueprint, abort
from marshmallow import Schema, fields
from sqlalchemy import func, select

from engine.messages import Message
from services import notifications
from services.notifications import Notification
from web.api.auth import current_user, services
from web.api.fields import UtcDateTime
from web.i18n import say

blp = Blueprint("notifications", __name__, description="Thông báo của người dùng")


class NotificationSchema(Schema):
    id = fields.Integer()
    subject = fields.Function(lambda note: say(note.worded_subject), metadata={"type": "string"})
    body = fields.Function(lambda note: say(note.worded_body), metadata={"type": "string"})
    task_id = fields.String(allow_none=True)
    created_at = UtcDateTime()


class BellSchema(Schema):
    unread = fields.Integer(metadata={"description": "how many are unread (the bell's count)"})
    items = fields.List(fields.Nested(NotificationSchema), metadata={"description": "the newest 50 unread"})


@blp.get("")
@blp.response(200, BellSchema)
def unread_notifications():
    """The caller's unread notifications, newest first, and their count."""
    user = current_user()
    with services().db.read() as session:
        count = session.scalar(
            select(func.count()).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        return {"unread": count, "items": notifications.unread(session, user.id)}


@blp.post("/<int:notification_id>/read")
@blp.response(204)
def mark_read(notification_id: int):
    """Mark one of the caller's notifications read; another user's is not found."""
    user, svc = current_user(), services()
    with svc.db.transaction() as session:
        if not notifications.mark_read(session, user.id, notification_id, svc.clock.now()):
            abort(404, message=Message("No such unread notification."))
