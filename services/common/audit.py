"""Audit trail: who did what, when, to which subject."""

from datetime import datetime

from sqlalchemy.orm import Session

from services.common.models import AuditEvent


def record(
    session: Session, at: datetime, actor_id: int | None, action: str, subject: str, **details
) -> None:
    session.add(AuditEvent(at=at, actor_id=actor_id, action=action, subject=subject, details=details))
